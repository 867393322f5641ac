// The acceptance test of "Vite compatibility": the app `npm create vite` makes from its react-ts
// template, with `vite` and `@vitejs/plugin-react` removed from its package.json and nothing added,
// builds with `nexxo build` and renders in Chromium under `nexxo preview`, and runs under `nexxo dev`
// (both serving models) with React Fast Refresh keeping state and CSS edits applied without a
// reload. The template comes from the create-vite package in tests/node_modules, run as a user runs
// it (non-interactive), so a new create-vite release is tested by updating the lock file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { buildOk, dev, launchChromium, preview, repoRoot, waitForStyle } from "./helpers.mjs";

const testModules = path.join(repoRoot, "tests/node_modules");

let browser;
let dir;
/** The template's sources as scaffolded, to undo one test's edits before the next. */
let pristine;

before(async () => {
  // Outside tests/, whose node_modules has react-refresh and create-vite: the app sees only what
  // its own node_modules holds.
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "nexxo-create-vite-"));
  const r = spawnSync(process.execPath, [path.join(testModules, "create-vite/index.js"), "app", "--template", "react-ts",
    "--no-interactive", "--no-immediate"], {
    cwd: parent,
    // No stdin and CI=true: a prompt would hang or fail here instead of scaffolding.
    env: { ...process.env, CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.status, 0, `create-vite failed:\n${r.stdout}${r.stderr}`);
  dir = path.join(parent, "app");

  // Drop what only Vite uses; the rest (types, typescript, oxlint) stays listed as the template
  // has it, but nothing is installed for it: Nexxo needs none of it to build or serve.
  const pkgFile = path.join(dir, "package.json");
  const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
  for (const name of ["vite", "@vitejs/plugin-react"]) {
    // If the template stops depending on them, this test no longer tests their removal.
    assert.ok(pkg.devDependencies?.[name] ?? pkg.dependencies?.[name], `the template depends on ${name}`);
    delete pkg.devDependencies?.[name];
    delete pkg.dependencies?.[name];
  }
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + "\n");
  // The template's Vite config and its tsconfig `types: ["vite/client"]` stay as scaffolded.
  assert.ok(fs.existsSync(path.join(dir, "vite.config.ts")));

  // react and react-dom (and scheduler, react-dom's own dependency) as installed packages, linked
  // the way pnpm links them; their versions may differ from the template's ranges.
  fs.mkdirSync(path.join(dir, "node_modules"));
  for (const name of ["react", "react-dom", "scheduler"]) {
    fs.symlinkSync(path.join(testModules, name), path.join(dir, "node_modules", name), "dir");
  }
  const req = createRequire(path.join(dir, "index.js"));
  assert.throws(() => req.resolve("react-refresh/runtime"), "the app must not find react-refresh");
  assert.throws(() => req.resolve("vite"), "the app must not find vite");

  pristine = Object.fromEntries(["src/App.tsx", "src/App.css"].map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

/** Opens `url`, recording page errors and failed responses (status >= 400). */
async function open(url) {
  const page = await browser.newPage();
  const errors = [];
  const failed = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
  await page.goto(url);
  return { page, errors, failed };
}

/** What the build rendered (see `layout`), for the dev server's pages to match. */
let builtLayout;

/** The rendered page as data: each element under #root with its tag, classes, own text, box and a
 * few computed styles. Image URLs are left out: the build hashes them, dev serves sources. */
function layout(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("#root *")].map((e) => {
      const r = e.getBoundingClientRect();
      const cs = getComputedStyle(e);
      const text = [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
      return `${e.tagName}#${e.id}.${e.getAttribute("class") ?? ""} "${text}" ${Math.round(r.x)},${Math.round(r.y)} ` +
        `${Math.round(r.width)}x${Math.round(r.height)} ${cs.color} ${cs.font} ${cs.transform}`;
    }));
}

/** The template's page: heading, loaded images, applied styles, the same layout as the build's,
 * and a working counter (left at 1). */
async function checkTemplatePage(page) {
  await page.locator("h1", { hasText: "Get started" }).waitFor({ timeout: 15_000 });
  assert.equal(await page.title(), "app");

  // Every <img> (hero.png, react.svg and vite.svg, imported from src/assets) loads.
  await page.waitForFunction(() => [...document.images].every((i) => i.complete), null, { timeout: 10_000 });
  const images = await page.evaluate(() => [...document.images].map((i) => ({ src: i.src, width: i.naturalWidth })));
  assert.equal(images.length, 5, JSON.stringify(images));
  for (const img of images) assert.ok(img.width > 0, `image did not load: ${img.src}`);

  // index.css: body margin, h1 size from a rule nested in `@media` inside `h1 { }` (CSS nesting;
  // Playwright's 1280px-wide viewport is above the 1024px breakpoint).
  const style = (sel, prop) => page.locator(sel).first().evaluate((e, p) => getComputedStyle(e)[p], prop);
  assert.equal(await style("body", "marginTop"), "0px");
  assert.equal(await style("h1", "fontSize"), "56px");
  // App.css: the counter's colour through `var(--accent)` (defined in index.css), and a rule nested
  // in `.hero { }`.
  assert.equal(await style("button.counter", "color"), "rgb(170, 59, 255)");
  assert.equal(await style(".hero .framework", "position"), "absolute");
  // public/icons.svg, which the page's <svg><use href="/icons.svg#..."> references.
  const icons = await page.evaluate(async () => {
    const r = await fetch("/icons.svg");
    return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
  });
  assert.equal(icons.status, 200);
  assert.match(icons.type, /^image\/svg\+xml/);
  assert.match(icons.body, /id="documentation-icon"/);

  // The same page element for element, box for box, as `nexxo build` rendered it (taken before the
  // counter is clicked: the click leaves the pointer hovering it).
  const rendered = await layout(page);
  assert.ok(rendered.length > 40, rendered.join("\n"));
  if (builtLayout) assert.deepEqual(rendered, builtLayout, "the page differs from the build's");
  else builtLayout = rendered;

  const button = page.locator("button.counter");
  assert.equal(await button.textContent(), "Count is 0");
  await button.click();
  await page.locator("button.counter", { hasText: "Count is 1" }).waitFor({ timeout: 5_000 });
}

test("nexxo build, served by nexxo preview, renders the template page", async () => {
  const built = buildOk(dir);
  assert.doesNotMatch(built.all, /error|warning/i, built.all);
  const server = await preview(dir);
  try {
    const { page, errors, failed } = await open(server.url);
    await checkTemplatePage(page);
    assert.deepEqual(errors, []);
    assert.deepEqual(failed, []);
    await page.close();
  } finally {
    await server.close();
  }
});

for (const mode of ["bundled", "esm"]) {
  test(`nexxo dev (${mode}): the same page, Fast Refresh keeps state, CSS edits apply without a reload`, async () => {
    for (const [f, text] of Object.entries(pristine)) fs.writeFileSync(path.join(dir, f), text);
    const server = await dev(dir, mode === "esm" ? ["--no-bundle"] : []);
    try {
      const { page, errors, failed } = await open(server.url);
      await checkTemplatePage(page);
      const button = page.locator("button.counter");
      await button.click();
      await button.click();
      await page.locator("button.counter", { hasText: "Count is 3" }).waitFor({ timeout: 5_000 });
      await page.evaluate(() => (window.__marker = "same page"));

      // A visible text edit in App.tsx: the component is refreshed in place, its state kept.
      const app = path.join(dir, "src/App.tsx");
      fs.writeFileSync(app, pristine["src/App.tsx"].replace("<h1>Get started</h1>", "<h1>Started with Nexxo</h1>"));
      await page.locator("h1", { hasText: "Started with Nexxo" }).waitFor({ timeout: 10_000 });
      assert.equal(await button.textContent(), "Count is 3", "Fast Refresh kept the count");
      assert.equal(await page.evaluate(() => window.__marker), "same page", "no reload");

      // An App.css edit: the counter's colour changes, the page and the count stay.
      const css = path.join(dir, "src/App.css");
      const edited = pristine["src/App.css"].replace("color: var(--accent);", "color: rgb(0, 128, 0);");
      assert.notEqual(edited, pristine["src/App.css"]);
      fs.writeFileSync(css, edited);
      await waitForStyle(page, "button.counter", "color", "rgb(0, 128, 0)");
      assert.equal(await button.textContent(), "Count is 3");
      assert.equal(await page.evaluate(() => window.__marker), "same page", "no reload");
      // Fast Refresh ran without the app having react-refresh: Nexxo's built-in runtime served it.
      const requested = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
      assert.ok(requested.includes("/@nexxo/react-refresh"), requested.join(" "));

      assert.deepEqual(errors, []);
      assert.deepEqual(failed, []);
      // Nothing to warn about: the leftover vite.config.ts and `vite/client` types are not Nexxo's.
      assert.doesNotMatch(server.output(), /error|warning/i, server.output());
      await page.close();
    } finally {
      await server.close();
    }
  });
}
