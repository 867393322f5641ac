// `nexxo build` returns once its output is written and leaves the freeing of its memory to a
// helper task ("nexxo-exit", host/src/exit.rs) that ends a few milliseconds to ~60 ms later. A
// benchmark that started the next run at once would have that run (another tool's, or the next
// sample) share the cores with the freeing, so the runners wait for it: each run is timed to its
// own exit status, and none pays for the one before.
import fs from "node:fs";

const pause = new Int32Array(new SharedArrayBuffer(4));

function helpersAlive() {
  if (process.platform !== "linux") return false;
  return fs.readdirSync("/proc").some((pid) => {
    try {
      // A zombie waiting to be reaped has freed everything: it does not count.
      return fs.readFileSync(`/proc/${pid}/comm`, "utf8") === "nexxo-exit\n" && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    } catch {
      return false;
    }
  });
}

/** Blocks until no exit helper is freeing memory (at most `timeoutMs`). */
export function waitForExitHelpers(timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (helpersAlive() && Date.now() < deadline) Atomics.wait(pause, 0, 0, 1);
}
