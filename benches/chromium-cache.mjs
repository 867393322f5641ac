// Shared by the Chromium code-cache benches (browser-first.mjs, playground-loads.mjs): a headless
// Chromium with a persistent profile (a real disk cache, as a returning visitor has), and a trace
// of one page load reduced to V8's code-cache events.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { launchChromiumProfile } = await import(path.join(repo, "tests/e2e/chromium.mjs"));

/** A persistent-profile Chromium; `close()` also deletes the profile. */
export async function launchProfile() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "nexxo-chromium-profile-"));
  const ctx = await launchChromiumProfile(profile);
  return {
    ctx,
    close: async () => {
      await ctx.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Starts tracing a new page; `stop()` resolves to the code-cache event names seen ("none seen"). */
export async function tracedPage(ctx) {
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  const events = [];
  cdp.on("Tracing.dataCollected", ({ value }) => events.push(...value));
  const done = new Promise((r) => cdp.once("Tracing.tracingComplete", r));
  await cdp.send("Tracing.start", { traceConfig: { includedCategories: ["v8.wasm", "disabled-by-default-v8.wasm.detailed", "v8"] } });
  const stop = async () => {
    await cdp.send("Tracing.end");
    await done;
    const names = new Set(events.map((e) => e.name));
    return [...names].filter((n) => /cache|serializ|deserializ/i.test(n)).join(", ") || "none seen";
  };
  return { page, stop };
}
