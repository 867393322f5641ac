// `nexxo build --watch` on an app with Web Workers: a module worker started with
// `new Worker(new URL(...))` and one imported with `?worker`. An edit of the page's own modules
// keeps the workers' bundles (incremental); an edit of a file the `new URL()` worker's bundle read
// loads the module that starts it again, which bundles the worker anew (incremental); so does an
// edit of the `?worker` import's sources (its module, whose load bundles the worker, loads again),
// and a deletion of one fails the build as a --force build would. After every step dist/ equals a `--force` build, and the page, run in Chromium, shows
// what both workers answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { assertSameAsForce, openPage, waitForWatch, watchedApp, watchStep } from "./helpers.mjs";

const files = {
  "index.html": '<!doctype html>\n<html>\n  <body>\n    <p id="a"></p>\n    <p id="b"></p>\n    <p id="c"></p>\n    <script type="module" src="/src/main.ts"></script>\n  </body>\n</html>\n',
  "src/main.ts":
    'import Other from "./other?worker";\nimport { label } from "./label";\n' +
    'const w = new Worker(new URL("./work.ts", import.meta.url), { type: "module" });\n' +
    'w.onmessage = (e) => { document.querySelector("#a")!.textContent = e.data; };\n' +
    'const o = new Other();\no.onmessage = (e) => { document.querySelector("#b")!.textContent = e.data; };\n' +
    'document.querySelector("#c")!.textContent = label;\n',
  "src/label.ts": 'export const label = "label v1";\n',
  "src/work.ts": 'import { answer } from "./dep";\nself.postMessage(answer);\n',
  "src/dep.ts": 'export const answer = "worker v1";\n',
  "src/other.ts": 'import { other } from "./other-dep";\nself.postMessage(other);\n',
  "src/other-dep.ts": 'export const other = "other v1";\n',
};

let dir;
let watch;
let browser;
let server;
let close;

before(async () => {
  ({ dir, watch, browser, server, close } = await watchedApp("build-watch-workers", files));
});

after(() => close?.());

async function shown() {
  const { page, errors } = await openPage(browser, server.url);
  await page.waitForFunction(() => ["#a", "#b", "#c"].every((s) => document.querySelector(s).textContent !== ""));
  const text = await page.evaluate(() => ["#a", "#b", "#c"].map((s) => document.querySelector(s).textContent));
  await page.close();
  assert.deepEqual(errors, []);
  return text;
}

const edit = async (file, text, how) => {
  const out = await watchStep(watch, () => fs.writeFileSync(path.join(dir, file), text), file);
  assert.match(out, new RegExp(`\\(${file.replace(/[.]/g, "\\.")}; ${how}\\)`), out);
  assertSameAsForce(dir);
  return shown();
};

test("the first build has both workers and renders", async () => {
  assertSameAsForce(dir);
  assert.deepEqual(await shown(), ["worker v1", "other v1", "label v1"]);
});

test("an edit of the page's own module keeps the workers' bundles", async () => {
  assert.deepEqual(await edit("src/label.ts", 'export const label = "label v2";\n', "incremental"), ["worker v1", "other v1", "label v2"]);
});

test("an edit of a file a new URL() worker's bundle read bundles that worker again", async () => {
  assert.deepEqual(await edit("src/dep.ts", 'export const answer = "worker v2";\n', "incremental"), ["worker v2", "other v1", "label v2"]);
  assert.deepEqual(await edit("src/work.ts", 'import { answer } from "./dep";\nself.postMessage(answer + "!");\n', "incremental"), [
    "worker v2!",
    "other v1",
    "label v2",
  ]);
});

test("an edit of a ?worker import's sources loads that import again, which bundles the worker anew", async () => {
  assert.deepEqual(await edit("src/other-dep.ts", 'export const other = "other v2";\n', "incremental"), ["worker v2!", "other v2", "label v2"]);
  // The worker's entry file itself.
  assert.deepEqual(await edit("src/other.ts", 'import { other } from "./other-dep";\nself.postMessage(other + "?");\n', "incremental"), [
    "worker v2!",
    "other v2?",
    "label v2",
  ]);
  assert.deepEqual(await edit("src/label.ts", 'export const label = "label v3";\n', "incremental"), ["worker v2!", "other v2?", "label v3"]);
});

test("a file only a ?worker import's bundle read, deleted and put back: the build fails, then builds", async () => {
  const from = watch.out.length;
  const text = fs.readFileSync(path.join(dir, "src/other-dep.ts"));
  fs.rmSync(path.join(dir, "src/other-dep.ts"));
  const out = await waitForWatch(watch, from, /build failed \(src\/other-dep\.ts\)/);
  assert.match(out, /other-dep/);
  await watchStep(watch, () => fs.writeFileSync(path.join(dir, "src/other-dep.ts"), text), "src/other-dep.ts");
  assertSameAsForce(dir);
  assert.deepEqual(await shown(), ["worker v2!", "other v2?", "label v3"]);
});
