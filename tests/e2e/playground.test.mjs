// The in-browser engine in headless Chromium: the playground (built by Nexxo itself) edits a
// project, rebuilds it in a Web Worker on each edit and patches the live preview; and the worker
// builds to the same bytes as the native engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { assertSameOutput, buildOk, projectFiles, repoRoot, fillEditor, usePlayground } from "./helpers.mjs";
import { pageProject, publicFilesOf, reactProject } from "./parity-fixtures.mjs";

const pg = usePlayground();

test("a Chromium Web Worker builds to the same bytes as the native engine", async () => {
  const page = await pg.browser.newPage();
  await page.goto(pg.server.url);
  // The playground's worker, bundled by its build under a hashed name (it fetches the hashed module).
  const workerFile = fs.readdirSync(path.join(repoRoot, "web/dist/assets")).find((f) => /^nexxo-worker-.*\.js$/.test(f));
  for (const [dir, sourcemap] of [[pageProject(), true], [reactProject(), false]]) {
    buildOk(dir, ["--force", ...(sourcemap ? ["--sourcemap"] : [])]);
    const request = { root: dir, files: projectFiles(dir), overrides: sourcemap ? { sourcemap: true } : {} };
    const response = await page.evaluate(
      ([req, file]) =>
        new Promise((resolve, reject) => {
          const w = new Worker(new URL(`assets/${file}`, location.href), { type: "module" });
          // Progress messages ({ id, progress }) come first; the answer has `ok`.
          w.onmessage = ({ data }) => {
            if (data.progress) return;
            if (data.ok) resolve(data.result);
            else reject(new Error(data.error));
          };
          w.onerror = (e) => reject(new Error(e.message));
          w.postMessage({ id: 1, type: "build", payload: req });
        }),
      [request, workerFile],
    );
    assertSameOutput(assert, response, path.join(dir, "dist"), publicFilesOf(dir));
  }
  await page.close();
});

test("playground: edits hot-update the preview with state kept; errors show and clear", async () => {
  const page = await pg.browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(pg.server.url);
  const frame = page.frameLocator("#preview");
  const button = frame.locator("#inc");
  await button.waitFor({ timeout: 20_000 });
  assert.equal(await button.textContent(), "count: 0");
  await button.click();
  await button.click();
  assert.equal(await button.textContent(), "count: 2");

  const editor = page.locator("#editor");
  const app = await editor.evaluate((el) => el.value);
  assert.match(app, /Hello from Nexxo/);
  await fillEditor(editor, app.replace("Hello from Nexxo", "Hello, edited"));
  await frame.locator("#title", { hasText: "Hello, edited" }).waitFor();
  assert.equal(await button.textContent(), "count: 2", "React Fast Refresh kept the state");

  await fillEditor(editor, app.replace("return (", "return ((("));
  await page.locator("#errors").waitFor({ state: "visible" });
  const err = await page.locator("#errors").textContent();
  assert.match(err, /src\/App\.tsx:\d+:\d+/, "file, line and column");
  assert.match(err, /^\s*\d+ \|/m, "a code frame");
  assert.equal(await frame.locator("#title").textContent(), "Hello, edited", "the preview keeps the last good version");

  await fillEditor(editor, app.replace("Hello from Nexxo", "Hello, fixed"));
  await frame.locator("#title", { hasText: "Hello, fixed" }).waitFor();
  assert.equal(await page.locator("#errors").isHidden(), true);
  assert.equal(await button.textContent(), "count: 2");

  // A plain module's edit lands on the component that imports it.
  await page.click('[data-file="src/label.ts"]');
  await fillEditor(editor, 'export const label = "clicks";\n');
  await button.filter({ hasText: "clicks: 2" }).waitFor();

  // CSS: the computed style changes without a reload.
  await page.click('[data-file="src/global.css"]');
  await fillEditor(editor, "body { color: rgb(200, 0, 0); }\n");
  await page.waitForFunction(() => {
    const doc = document.querySelector("#preview").contentDocument;
    return getComputedStyle(doc.body).color === "rgb(200, 0, 0)";
  });
  assert.equal(await button.textContent(), "clicks: 2");
  assert.equal(await page.evaluate(() => document.body.dataset.starts), "1", "no reload happened");

  // Loading another example starts a fresh preview (after confirming that the edits go).
  page.once("dialog", (d) => d.accept());
  await page.selectOption("#example", "vanilla-ts");
  await frame.locator("#title", { hasText: "Hello, playground!" }).waitFor();

  // The production build runs in the worker too.
  await page.click("#build");
  await page.locator("#build-output", { hasText: "✓ built" }).waitFor();
  assert.match(await page.locator("#build-output").textContent(), /index\.html/);
  assert.deepEqual(problems, []);
  await page.close();
});

test("playground: a runtime error shows its original file:line and a code frame", async () => {
  const page = await pg.browser.newPage();
  await page.goto(pg.server.url);
  const frame = page.frameLocator("#preview");
  await frame.locator("#inc").waitFor({ timeout: 20_000 });
  const editor = page.locator("#editor");
  const app = await editor.evaluate((el) => el.value);
  // A component that throws on render once clicked: the error comes from the running code
  // (the runner form in the preview), not from the build.
  const broken = app
    .replace("const [count, setCount] = useState(0);", "const [count, setCount] = useState(0);\n  if (count > 0) {\n    throw new Error(`too many: ${count}`);\n  }");
  const line = broken.split("\n").findIndex((l) => l.includes("throw new Error")) + 1;
  await fillEditor(editor, broken);
  await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1);
  await frame.locator("#inc").click();
  await page.locator("#errors", { hasText: "runtime error" }).waitFor();
  const err = await page.locator("#errors").textContent();
  assert.match(err, /Error: too many: 1/);
  assert.match(err, new RegExp(`at src/App\\.tsx:${line}:\\d+`), err);
  assert.match(err, new RegExp(`^> *${line} \\|\\s+throw new Error`, "m"), `a code frame on the throw: ${err}`);
  assert.doesNotMatch(err, /blob:|\?t=\d/, "no runner URLs");
  // The preview's overlay (the one of nexxo dev) says the same.
  const overlay = await frame.locator("nexxo-error-overlay").evaluate((el) => el.shadowRoot.textContent);
  assert.match(overlay, new RegExp(`src/App\\.tsx:${line}`));

  // The fix clears both, and React Refresh mounts the root that failed again.
  await fillEditor(editor, app);
  await page.locator("#errors").waitFor({ state: "hidden" });
  await frame.locator("#inc", { hasText: "count: 0" }).waitFor();
  assert.equal(await frame.locator("nexxo-error-overlay").count(), 0);
  await page.close();
});

test("playground: the editor (CodeMirror) highlights, numbers lines, undoes, marks errors inline", async () => {
  const page = await pg.browser.newPage();
  await page.goto(pg.server.url);
  const frame = page.frameLocator("#preview");
  await frame.locator("#inc").waitFor({ timeout: 20_000 });
  const editor = page.locator("#editor");
  const app = await editor.evaluate((el) => el.value);
  // Syntax highlighting: keywords and strings are styled spans; line numbers in the gutter.
  const look = await page.evaluate(() => {
    const spans = [...document.querySelectorAll("#editor span")];
    const colorOf = (text) => {
      const s = spans.find((e) => e.textContent === text);
      return s && getComputedStyle(s).color;
    };
    return {
      keyword: colorOf("export"),
      string: colorOf('"react"'),
      plain: getComputedStyle(document.querySelector("#editor .cm-line")).color,
      numbers: [...document.querySelectorAll(".cm-lineNumbers .cm-gutterElement")].filter((e) => e.style.visibility !== "hidden").map((e) => e.textContent),
    };
  });
  assert.ok(look.keyword && look.keyword !== look.plain, `a highlighted keyword: ${JSON.stringify(look)}`);
  assert.ok(look.string && look.string !== look.plain && look.string !== look.keyword, `a highlighted string: ${JSON.stringify(look)}`);
  assert.deepEqual(look.numbers.slice(0, 3), ["1", "2", "3"]);

  // A syntax error: marked on its line in the editor, with the engine's message.
  const broken = app.replace("return (", "return (((");
  const line = broken.split("\n").findIndex((l) => l.includes("return (((")) + 1;
  await fillEditor(editor, broken);
  await page.locator("#errors").waitFor({ state: "visible" });
  await page.locator("#editor .cm-lintRange-error").first().waitFor();
  const marked = await page.evaluate(() => {
    const range = document.querySelector("#editor .cm-lintRange-error");
    const lines = [...document.querySelectorAll("#editor .cm-line")];
    return lines.findIndex((l) => l.contains(range)) + 1;
  });
  const reported = Number(/src\/App\.tsx:(\d+):\d+/.exec(await page.locator("#errors").textContent())?.[1]);
  assert.equal(marked, reported, "the marker is on the line the engine's error names");
  assert.ok(reported >= line, `at or after the edit (line ${line}): where the parser found the parens unclosed`);
  assert.equal(await page.locator(".cm-gutter-lint .cm-lint-marker-error").count(), 1, "a marker in the gutter");

  // Undo (the editor's history) brings the good text back, and the session follows.
  await editor.focus();
  await page.keyboard.press("Control+z");
  await page.waitForFunction((t) => document.querySelector("#editor").value === t, app);
  await page.locator("#errors").waitFor({ state: "hidden" });
  assert.equal(await page.locator("#editor .cm-lintRange-error").count(), 0, "the marker goes with the error");
  assert.equal(await frame.locator("#title").textContent(), "Hello from Nexxo");

  // Each file keeps its own history: an edit in another file, then back, then undo there.
  await page.click('[data-file="src/label.ts"]');
  await fillEditor(editor, 'export const label = "taps";\n');
  await frame.locator("#inc", { hasText: "taps: 0" }).waitFor();
  await page.click('[data-file="src/App.tsx"]');
  await page.click('[data-file="src/label.ts"]');
  await editor.focus();
  await page.keyboard.press("Control+z");
  await page.waitForFunction(() => document.querySelector("#editor").value === 'export const label = "count";\n');
  await frame.locator("#inc", { hasText: "count: 0" }).waitFor();
  await page.close();
});
