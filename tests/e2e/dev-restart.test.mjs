// An edit of the config restarts `nexxo dev` on the same port, as Vite restarts its server: the
// open page reloads itself and runs with the new config; a config with an error is reported and
// the server goes on with the last good one.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { dev, fixture, launchChromium, openPage } from "./helpers.mjs";

const config = (label) => `export default { define: { __LABEL__: JSON.stringify('${label}') } }\n`;

/** Waits until `server`'s output matches `re` (its stdout and stderr arrive on their own). */
async function outputMatches(server, re) {
  for (let i = 0; i < 200 && !re.test(server.output()); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(server.output(), re);
}

test("editing vite.config.ts or nexxo.config.json restarts nexxo dev: the page reloads with the new config; a broken config keeps the server", async () => {
  const dir = fixture("dev-restart", {
    "vite.config.ts": config("one"),
    "index.html": '<!doctype html><html><body><p id="out"></p><script type="module" src="/src/main.ts"></script></body></html>',
    "src/main.ts": "declare const __LABEL__: string\ndocument.getElementById('out')!.textContent = __LABEL__\n",
  });
  const server = await dev(dir);
  const browser = await launchChromium();
  try {
    const { page, errors } = await openPage(browser, server.url);
    await page.locator("#out", { hasText: "one" }).waitFor({ timeout: 15_000 });

    fs.writeFileSync(path.join(dir, "vite.config.ts"), config("two"));
    await page.locator("#out", { hasText: "two" }).waitFor({ timeout: 20_000 });
    await outputMatches(server, /vite\.config\.ts changed: restarting the dev server/);
    assert.equal(new URL(page.url()).port, String(server.port), "the same port");

    // A config that does not parse as the config Nexxo reads: an error, and the server goes on.
    fs.writeFileSync(path.join(dir, "nexxo.config.json"), '{ "define": { "__LABEL__": ');
    await outputMatches(server, /nexxo\.config\.json has an error \(above\): the server goes on with the last good config/);
    await page.reload();
    await page.locator("#out", { hasText: "two" }).waitFor({ timeout: 15_000 });

    // Fixed: nexxo.config.json is now the config (vite.config.ts is not read beside it).
    fs.writeFileSync(path.join(dir, "nexxo.config.json"), JSON.stringify({ define: { __LABEL__: '"three"' } }));
    await page.locator("#out", { hasText: "three" }).waitFor({ timeout: 20_000 });
    assert.deepEqual(errors, []);
    assert.equal(server.output().match(/ready in/g).length, 3, server.output());
  } finally {
    await browser.close();
    await server.close();
  }
});
