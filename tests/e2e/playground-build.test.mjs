// The playground's production build in headless Chromium: Build succeeds on every bundled example
// (React resolved from the real package files the playground serves), prints the size summary as
// `nexxo build` does, previews the built app from its output files (a service worker), and
// downloads the output as a zip.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { fillEditor, usePlayground } from "./helpers.mjs";

const pg = usePlayground();

/** Clicks Build and waits for it to finish; returns the build output's text. */
async function build(page) {
  await page.click("#build");
  await page.waitForFunction(() => ["ok", "failed"].includes(document.body.dataset.build), null, { timeout: 60_000 });
  const out = await page.locator("#build-output").textContent();
  const state = await page.evaluate(() => document.body.dataset.build);
  assert.equal(state, "ok", `${out}\n${await page.locator("#errors").textContent()}`);
  return out;
}

test("playground: Build succeeds on every example and shows the size summary", async () => {
  const page = await pg.browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(pg.server.url);
  const names = await page.locator("#example option").evaluateAll((os) => os.map((o) => o.value));
  assert.ok(names.includes("react-counter") && names.length >= 2, names.join());
  for (const name of names) {
    if ((await page.locator("#example").inputValue()) !== name) await page.selectOption("#example", name);
    await page.locator("#build-output").evaluate((el) => (el.textContent = ""));
    await page.evaluate(() => delete document.body.dataset.build);
    const out = await build(page);
    // The rows of `nexxo build`: path, size, gzip size; then the total line.
    assert.match(out, /^dist\/index\.html +\d+ B │ gzip: +\d+ B$/m, `${name}: ${out}`);
    assert.match(out, /^dist\/assets\/index-[\w-]+\.js +[\d.]+ k?B │ gzip: +[\d.]+ k?B$/m, `${name}: ${out}`);
    assert.match(out, /^dist\/assets\/index-[\w-]+\.css +[\d.]+ k?B │ gzip: +[\d.]+ k?B$/m, `${name}: ${out}`);
    assert.match(out, /^✓ built \d+ files, [\d.]+ k?B in \d+ms/m, `${name}: ${out}`);
    assert.doesNotMatch(out, /manifest/, "the manifest is not listed, as in nexxo build");
    if (name === "react-counter") {
      // React itself is in the bundle (a production React DOM is over 100 kB).
      const js = /^dist\/assets\/index-[\w-]+\.js +([\d.]+) kB/m.exec(out);
      assert.ok(js && Number(js[1]) > 100, out);
    }
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test("playground: Preview build runs the built React app; its counter works", async () => {
  const page = await pg.browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(pg.server.url);
  await page.frameLocator("#preview").locator("#inc").waitFor({ timeout: 20_000 });
  assert.equal(await page.locator("#preview-build").isDisabled(), true, "nothing to preview before a build");
  // An edit first: the preview must show this build, not the example as shipped.
  const editor = page.locator("#editor");
  await fillEditor(editor, (await editor.evaluate((el) => el.value)).replace("Hello from Nexxo", "Hello, built"));
  await build(page);
  await page.click("#preview-build");
  const built = page.frameLocator("#build-preview");
  await built.locator("#title", { hasText: "Hello, built" }).waitFor({ timeout: 20_000 });
  const button = built.locator("#inc");
  assert.equal(await button.textContent(), "count: 0");
  await button.click();
  await button.click();
  assert.equal(await button.textContent(), "count: 2");
  // It runs the built files (hashed chunks under assets/), with the CSS module applied.
  const info = await page.frameLocator("#build-preview").locator("body").evaluate(() => ({
    scripts: [...document.querySelectorAll("script[src]")].map((s) => s.getAttribute("src")),
    padding: getComputedStyle(document.querySelector("main")).paddingTop,
  }));
  assert.match(info.scripts.join(), /assets\/index-[\w-]+\.js/);
  assert.equal(info.padding, "32px", "App.module.css .card { padding: 2rem }");

  // Another build while the preview is open: it shows the new one (a fresh page, state reset).
  await fillEditor(editor, (await editor.evaluate((el) => el.value)).replace("Hello, built", "Hello, rebuilt"));
  await page.evaluate(() => delete document.body.dataset.build);
  await build(page);
  await built.locator("#title", { hasText: "Hello, rebuilt" }).waitFor();
  assert.equal(await button.textContent(), "count: 0");
  assert.deepEqual(problems, []);
  await page.close();
});

test("playground: Download build is a zip of the output (index.html, assets/)", async () => {
  const page = await pg.browser.newPage();
  await page.goto(pg.server.url);
  await page.frameLocator("#preview").locator("#inc").waitFor({ timeout: 20_000 });
  await build(page);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-build")]);
  assert.equal(download.suggestedFilename(), "react-counter-dist.zip");
  const zipPath = await download.path();
  const test = spawnSync("unzip", ["-t", zipPath], { encoding: "utf8" });
  assert.equal(test.status, 0, `unzip -t: ${test.stdout}${test.stderr}`);
  const list = spawnSync("unzip", ["-Z1", zipPath], { encoding: "utf8" }).stdout.trim().split("\n");
  assert.ok(list.includes("index.html"), list.join());
  assert.ok(list.some((p) => /^assets\/index-[\w-]+\.js$/.test(p)), list.join());
  assert.ok(list.some((p) => /^assets\/index-[\w-]+\.css$/.test(p)), list.join());
  // The zipped index.html is the built one: it points at the hashed entry chunk in the zip.
  const html = spawnSync("unzip", ["-p", zipPath, "index.html"], { encoding: "utf8" }).stdout;
  const src = /src="\/?(assets\/index-[\w-]+\.js)"/.exec(html);
  assert.ok(src && list.includes(src[1]), html);
  fs.rmSync(zipPath, { force: true });
  await page.close();
});

test("playground: an error thrown in the built app shows its original file:line and a code frame", async () => {
  const page = await pg.browser.newPage();
  await page.goto(pg.server.url);
  await page.frameLocator("#preview").locator("#inc").waitFor({ timeout: 20_000 });
  const editor = page.locator("#editor");
  // The click handler throws in the production build only (the live preview runs the same file,
  // so the error comes from the built app's own code, minified, without source maps by default).
  const app = (await editor.evaluate((el) => el.value)).replace(
    "onClick={() => setCount((c) => c + 1)}",
    'onClick={() => {\n        if (import.meta.env.PROD) throw new Error("built boom");\n        setCount((c) => c + 1);\n      }}',
  );
  assert.match(app, /built boom/);
  await fillEditor(editor, app);
  const line = app.split("\n").findIndex((l) => l.includes("built boom")) + 1;
  await build(page);
  assert.doesNotMatch(await page.locator("#build-output").textContent(), /\.map/, "the build has no source maps");
  await page.click("#preview-build");
  const built = page.frameLocator("#build-preview");
  await built.locator("#inc").click({ timeout: 20_000 });
  const errors = page.locator("#errors", { hasText: "runtime error in the production build" });
  await errors.waitFor({ timeout: 20_000 });
  const text = await errors.textContent();
  assert.match(text, /Error: built boom/);
  assert.match(text, new RegExp(`at src/App\\.tsx:${line}:\\d+`), text);
  assert.match(text, new RegExp(`^> +${line} \\| .*throw new Error\\("built boom"\\)`, "m"), "a code frame of the source");
  // Marked in the editor at that line too.
  await page.locator(".cm-lintRange-error").first().waitFor();
  await page.close();
});
