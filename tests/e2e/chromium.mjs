// Headless Debian Chromium through playwright-core, for the e2e tests and the benches. This module
// imports no node:test, so bench scripts can use it too. The flags keep Chromium off the network:
// this machine's closed network refuses its background connections, many at a time.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"];

async function chromium() {
  return (await import("playwright-core")).chromium;
}

/** A headless Chromium with a fresh, throwaway profile. */
export async function launchChromium() {
  return (await chromium()).launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A headless Chromium on the profile in `dir` (its disk cache outlives the browser, as a
 * returning visitor's does). */
export async function launchChromiumProfile(dir) {
  return (await chromium()).launchPersistentContext(dir, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
