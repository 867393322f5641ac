// `nexxo dev` HMR beyond components: `import.meta.hot.accept(dep, cb)` makes the importer the
// boundary, HTML edits reload the page, files created and deleted while the server runs, editors'
// save-by-rename and bursts of writes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { dev, fixture, launchChromium } from "./helpers.mjs";

let dir;
let server;
let browser;

before(async () => {
  dir = fixture("dev-api", {
    "index.html": `<!doctype html><html><body><p id="v"></p><p id="runs"></p><p id="extra"></p>
<script type="module" src="/src/main.js"></script></body></html>`,
    "src/config.js": "export const value = 'first';\n",
    "src/main.js": `import { value } from "./config.js";
window.__mainRuns = (window.__mainRuns ?? 0) + 1;
document.getElementById("v").textContent = value;
document.getElementById("runs").textContent = String(window.__mainRuns);
if (import.meta.hot) {
  import.meta.hot.accept("./config.js", (mod) => {
    document.getElementById("v").textContent = mod.value;
  });
}
`,
  });
  server = await dev(dir);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const write = (rel, text) => fs.writeFileSync(path.join(dir, rel), text);

async function open() {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.locator("#v", { hasText: /./ }).waitFor();
  await page.evaluate(() => (window.__marker = "same page"));
  return page;
}

test("accept(dep, cb): the importer's callback gets the new module; the importer does not re-run", async () => {
  const page = await open();
  assert.equal(await page.locator("#v").textContent(), "first");
  write("src/config.js", "export const value = 'second';\n");
  await page.locator("#v", { hasText: "second" }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator("#runs").textContent(), "1", "main.js ran once");
  assert.equal(await page.evaluate(() => window.__marker), "same page", "no reload");
  await page.close();
});

test("an editor's save-by-rename and a burst of writes both land; the last write wins", async () => {
  const page = await open();
  // Atomic save, as editors do it: write a temp file next to the target, rename it over the target.
  const tmp = path.join(dir, "src/.config.js.swp");
  fs.writeFileSync(tmp, "export const value = 'renamed';\n");
  fs.renameSync(tmp, path.join(dir, "src/config.js"));
  await page.locator("#v", { hasText: "renamed" }).waitFor({ timeout: 10_000 });
  for (let i = 0; i < 10; i++) write("src/config.js", `export const value = 'burst ${i}';\n`);
  await page.locator("#v", { hasText: "burst 9" }).waitFor({ timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await page.locator("#v").textContent(), "burst 9", "no older write lands after the last one");
  assert.equal(await page.evaluate(() => window.__marker), "same page", "no reload");
  await page.close();
});

test("an HTML edit reloads the page", async () => {
  const page = await open();
  const html = fs.readFileSync(path.join(dir, "index.html"), "utf8");
  write("index.html", html.replace('<p id="extra"></p>', '<p id="extra">added in html</p>'));
  await page.locator("#extra", { hasText: "added in html" }).waitFor({ timeout: 10_000 });
  assert.equal(await page.evaluate(() => window.__marker), undefined, "the page reloaded");
  await page.close();
});

test("a file created during dev can be imported; deleting an imported file reports an error", async () => {
  const page = await open();
  write("src/fresh.js", "export const fresh = 'created while running';\n");
  const main = fs.readFileSync(path.join(dir, "src/main.js"), "utf8");
  write(
    "src/main.js",
    `import { fresh } from "./fresh.js";\n${main}\ndocument.getElementById("extra").textContent = fresh;\n`,
  );
  await page.locator("#extra", { hasText: "created while running" }).waitFor({ timeout: 10_000 });
  write("src/fresh2.js", "export const fresh = 'renamed and fixed';\n");
  fs.rmSync(path.join(dir, "src/fresh.js"));
  write("src/main.js", `${fs.readFileSync(path.join(dir, "src/main.js"), "utf8")}\n// touched\n`);
  const overlay = page.locator("nexxo-error-overlay");
  await overlay.waitFor({ timeout: 10_000 });
  assert.match(await page.evaluate(() => document.querySelector("nexxo-error-overlay").shadowRoot.textContent), /fresh\.js/);
  // The fix (the import pointed at another file) clears the error for good: the page that
  // reloads does not get the old error again.
  write("src/main.js", fs.readFileSync(path.join(dir, "src/main.js"), "utf8").replace("./fresh.js", "./fresh2.js"));
  await page.locator("#extra", { hasText: "renamed and fixed" }).waitFor({ timeout: 10_000 });
  await page.waitForTimeout(300);
  assert.equal(await overlay.count(), 0, "no overlay after the fix");
  await page.reload();
  await page.locator("#extra", { hasText: "renamed and fixed" }).waitFor({ timeout: 10_000 });
  await page.waitForTimeout(300);
  assert.equal(await overlay.count(), 0, "no stale overlay after a reload");
  await page.close();
});
