// Runs the end-to-end tests (node --test, one file at a time) and, when some fail, runs the files
// holding the failures once more. A failure that passes on that rerun is printed as FLAKY, with
// its name, so it stays visible and gets fixed; a failure that repeats fails the run.
//
// Why a rerun at all: these tests drive a real Chromium against real servers on a 2-core machine,
// and the races they lose are the harness's (a navigation of the test's racing the server's own
// reload), not the product's. Two CI runs in a row were lost to one such race each, which threw
// away every change they carried.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runs node --test on `targets`, echoing its TAP output; resolves { code, failures }. */
function run(targets) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=tap", ...targets], {
      cwd: here,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let text = "";
    child.stdout.on("data", (d) => {
      process.stdout.write(d);
      text += d;
    });
    child.on("close", (code) => resolve({ code, failures: failuresOf(text) }));
  });
}

/** The failed tests of a TAP text: their names and the files they are in (from the `location:`
 * node prints under a failure). */
function failuresOf(tap) {
  const out = [];
  const lines = tap.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*not ok \d+ - (.*)$/.exec(lines[i]);
    if (!m) continue;
    let file = null;
    for (let j = i + 1; j < lines.length && j < i + 40; j++) {
      if (/^\s*(not )?ok \d+ - /.test(lines[j])) break;
      const loc = /^\s*location: '(.*\.mjs):\d+:\d+'/.exec(lines[j]);
      if (loc) {
        file = loc[1];
        break;
      }
    }
    out.push({ name: m[1], file });
  }
  return out;
}

const first = await run(["e2e/"]);
if (first.code === 0) process.exit(0);
const files = [...new Set(first.failures.map((f) => f.file))];
if (first.failures.length === 0 || files.includes(null)) {
  // Nothing to rerun precisely (a crash of the runner, a failure without a location).
  console.error(`e2e: failed (exit ${first.code}); no test file to rerun`);
  process.exit(1);
}
console.error(`\ne2e: ${first.failures.length} failure(s); rerunning ${files.map((f) => path.relative(here, f)).join(", ")} once`);
const second = await run(files);
const again = new Set(second.failures.map((f) => f.name));
for (const f of first.failures) {
  const state = again.has(f.name) ? "FAILED AGAIN" : "FLAKY (passed on the rerun)";
  console.error(`e2e: ${state}: ${f.name} (${path.relative(here, f.file)})`);
}
process.exit(second.code === 0 ? 0 : 1);
