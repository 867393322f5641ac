// `server.fs.allow` (as in Vite): a page may import sources from outside the project root (a
// monorepo's shared code) only from the directories the config names, in every dev model.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { dev, fixture, launchChromium } from "./helpers.mjs";

function workspace(allow) {
  const top = fixture("fs-allow", {
    "shared/greet.js": 'export const greet = (n) => `hello ${n}`;\n',
    "shared/secret.txt": "not for the page\n",
    "app/index.html": '<!doctype html><html><body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>',
    "app/src/main.ts": 'import { greet } from "../../shared/greet.js";\ndocument.querySelector("#app")!.textContent = greet("fs");\n',
    "app/nexxo.config.json": JSON.stringify(allow ? { server: { fs: { allow: [".."] } } } : {}),
  });
  return { top, app: path.join(top, "app") };
}

for (const model of [[], ["--no-bundle"], ["--engine", "wasm"]]) {
  test(`nexxo dev ${model.join(" ")}: server.fs.allow lets the page import from outside the root, and only what it imports`, async () => {
    const { top, app } = workspace(true);
    const server = await dev(app, model);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.querySelector("#app").textContent === "hello fs", null, { timeout: 20_000 });
      // A file of the allowed directory that the page never imported is not served.
      const real = fs.realpathSync(top);
      const res = await fetch(`${server.url}@fs${real}/shared/secret.txt`);
      assert.ok(res.status === 403 || res.status === 404, `secret.txt: ${res.status}`);
      assert.doesNotMatch(await res.text(), /not for the page/);
    } finally {
      await browser.close();
      await server.close();
    }
  });
}

test("nexxo dev without server.fs.allow refuses the import with a hint that names it", async () => {
  const { app } = workspace(false);
  const server = await dev(app, ["--no-bundle"]);
  try {
    const res = await fetch(server.url + "src/main.ts");
    const text = await res.text();
    assert.match(text + server.output(), /resolves outside the project root; to serve it, add its directory to `server\.fs\.allow`/);
  } finally {
    await server.close();
  }
});
