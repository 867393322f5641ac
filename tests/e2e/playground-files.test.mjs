// The playground's project in headless Chromium: files created, renamed and deleted in the file
// tree reach the engine's session at once (imports of a new file work, importers of a removed one
// fail); the project survives a reload (IndexedDB); a share link reopens it in a fresh browser;
// the .zip download holds the files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import zlib from "node:zlib";
import { fillEditor, usePlayground, openPage } from "./helpers.mjs";

const pg = usePlayground();

/** Reads a store-only zip (what the playground writes) by its central directory, checking each
 * entry's local header and CRC32; returns { path: Buffer }. */
function readStoredZip(buf) {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, "an end of central directory record");
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const out = {};
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, "a central directory header");
    const method = buf.readUInt16LE(at + 10);
    const crc = buf.readUInt32LE(at + 16);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString("utf8");
    assert.equal(method, 0, "stored");
    assert.equal(buf.readUInt32LE(local), 0x04034b50, "a local header");
    assert.equal(buf.subarray(local + 30, local + 30 + buf.readUInt16LE(local + 26)).toString("utf8"), name);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    assert.equal(zlib.crc32(data), crc, `CRC32 of ${name}`);
    out[name] = data;
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The project as the page shows it: each file of the tree opened in the editor. */
async function projectOf(page) {
  const files = {};
  for (const p of await page.locator("[data-file]").evaluateAll((bs) => bs.map((b) => b.dataset.file))) {
    await page.click(`[data-file="${p}"]`);
    files[p] = await page.locator("#editor").evaluate((el) => el.value);
  }
  return files;
}

async function createFile(page, p) {
  await page.click("#new-file");
  await page.fill("#file-path", p);
  await page.press("#file-path", "Enter");
  await page.locator(`[data-file="${p}"][aria-current="true"]`).waitFor();
}

/** Waits until the page has saved the project after the last change. */
async function saved(page) {
  await page.locator("#saved", { hasText: "saved in this browser" }).waitFor();
}

test("playground: create, rename, delete files; reload keeps the project; share link; zip download", async () => {
  const page = await pg.browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  const dialogs = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    d.accept();
  });
  await page.goto(pg.server.url);
  const frame = page.frameLocator("#preview");
  await frame.locator("#inc").waitFor({ timeout: 20_000 });
  const editor = page.locator("#editor");

  // A new file, in a new folder-less path, imported right away.
  await createFile(page, "src/extra.ts");
  assert.equal(await editor.evaluate((el) => el.value), "");
  await fillEditor(editor, 'export const extra = "from extra";\n');
  await page.click('[data-file="src/App.tsx"]');
  const app = await editor.evaluate((el) => el.value);
  const withExtra = app
    .replace('import { label } from "./label";', 'import { label } from "./label";\nimport { extra } from "./extra";')
    .replace("</h1>", '</h1>\n      <p id="extra">{extra}</p>');
  await fillEditor(editor, withExtra);
  await frame.locator("#extra", { hasText: "from extra" }).waitFor();

  // Bad paths are refused with a reason, in the form.
  await page.click("#new-file");
  await page.fill("#file-path", "../outside.ts");
  await page.press("#file-path", "Enter");
  assert.match(await page.locator("#file-error").textContent(), /inside the project/);
  await page.fill("#file-path", "src/App.tsx");
  await page.press("#file-path", "Enter");
  assert.match(await page.locator("#file-error").textContent(), /already exists/);
  await page.press("#file-path", "Escape");
  assert.equal(await page.locator("#file-form").isHidden(), true);

  // Rename into a new folder: the importer fails to resolve the old path until it is fixed.
  await page.click('[data-file="src/extra.ts"]');
  await page.click("#rename-file");
  await page.fill("#file-path", "src/lib/more.ts");
  await page.press("#file-path", "Enter");
  await page.locator('[data-file="src/lib/more.ts"][aria-current="true"]').waitFor();
  assert.equal(await page.locator('[data-file="src/extra.ts"]').count(), 0);
  assert.equal(await page.locator("#files li.folder", { hasText: "lib/" }).count(), 1, "the folder shows in the tree");
  await page.locator("#errors", { hasText: "./extra" }).waitFor();
  await page.click('[data-file="src/App.tsx"]');
  await fillEditor(editor, withExtra.replace('"./extra"', '"./lib/more"'));
  await page.locator("#errors").waitFor({ state: "hidden" });
  await page.click('[data-file="src/lib/more.ts"]');
  await fillEditor(editor, 'export const extra = "moved";\n');
  await frame.locator("#extra", { hasText: "moved" }).waitFor();

  // Delete an imported file: the import error shows; the open file moves to another.
  await page.click('[data-file="src/label.ts"]');
  await page.click("#delete-file");
  assert.match(dialogs.at(-1), /Delete src\/label\.ts/);
  assert.equal(await page.locator('[data-file="src/label.ts"]').count(), 0);
  assert.equal(await page.locator('[data-file][aria-current="true"]').getAttribute("data-file"), "src/App.tsx");
  await page.locator("#errors", { hasText: "./label" }).waitFor();
  const finalApp = withExtra
    .replace('"./extra"', '"./lib/more"')
    .replace('import { label } from "./label";\n', 'const label = "taps";\n');
  await fillEditor(editor, finalApp);
  await page.locator("#errors").waitFor({ state: "hidden" });
  await frame.locator("#inc", { hasText: "taps: 0" }).waitFor();
  await saved(page);
  const project = await projectOf(page);
  assert.deepEqual(Object.keys(project).sort(), ["index.html", "src/App.module.css", "src/App.tsx", "src/global.css", "src/lib/more.ts", "src/main.tsx"]);
  assert.equal(project["src/App.tsx"], finalApp);

  // Reload: the project comes back from IndexedDB and runs.
  await page.reload();
  await frame.locator("#extra", { hasText: "moved" }).waitFor({ timeout: 20_000 });
  assert.equal(await frame.locator("#inc").textContent(), "taps: 0");
  assert.match(await page.locator("#saved").textContent(), /restored/);
  assert.deepEqual(await projectOf(page), project);

  // The zip download holds the files, byte for byte.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  assert.equal(download.suggestedFilename(), "react-counter.zip");
  const zipPath = await download.path();
  const entries = readStoredZip(fs.readFileSync(zipPath));
  assert.deepEqual(Object.keys(entries).sort(), Object.keys(project).sort());
  for (const [p, text] of Object.entries(project)) assert.equal(entries[p].toString("utf8"), text, p);
  const unzip = spawnSync("unzip", ["-t", zipPath], { encoding: "utf8" });
  if (!unzip.error) assert.equal(unzip.status, 0, `unzip -t: ${unzip.stdout}${unzip.stderr}`);

  // A share link opens the same project in a fresh browser context (no IndexedDB there).
  await page.click("#share");
  await page.locator("#share-out[data-state='ok']").waitFor();
  const link = await page.locator("#share-link").inputValue();
  assert.match(link, /#project=[A-Za-z0-9_-]+$/);
  assert.equal(page.url(), link, "the link is in the address bar");
  const other = await pg.browser.newContext();
  const page2 = await other.newPage();
  page2.on("pageerror", (e) => problems.push(e.message));
  await page2.goto(link);
  await page2.frameLocator("#preview").locator("#extra", { hasText: "moved" }).waitFor({ timeout: 20_000 });
  assert.deepEqual(await projectOf(page2), project);
  assert.equal(await page2.locator("#example").inputValue(), "react-counter");

  // Too large for a link: the page says so and leaves the URL alone.
  await createFile(page2, "src/big.ts");
  const noise = Array.from({ length: 1500 }, (_, i) => ((i * 2654435761) >>> 0).toString(36)).join(" ");
  await fillEditor(page2.locator("#editor"), `export const big = "${noise}";\n`);
  await page2.click("#share");
  await page2.locator("#share-out[data-state='too-large']").waitFor();
  assert.match(await page2.locator("#share-msg").textContent(), /too large for a link: \d+\.\d KB encoded, the limit is 8 KB/);
  assert.doesNotMatch(page2.url(), /#project=/, "an edit drops the stale link and a too-large one is not set");

  // Folders: a rename moves every file in it (the importer must follow); a delete removes them.
  const dialogs2 = [];
  page2.on("dialog", (d) => {
    dialogs2.push(d.message());
    d.accept();
  });
  const preview2 = page2.frameLocator("#preview");
  await page2.click('button[aria-label="Rename folder src/lib"]');
  assert.equal(await page2.locator("#file-path").inputValue(), "src/lib");
  await page2.fill("#file-path", "src/shared");
  await page2.press("#file-path", "Enter");
  await page2.locator('[data-file="src/shared/more.ts"]').waitFor();
  assert.equal(await page2.locator('[data-folder="src/lib"]').count(), 0);
  await page2.locator("#errors", { hasText: "./lib/more" }).waitFor();
  await page2.click('[data-file="src/App.tsx"]');
  await fillEditor(page2.locator("#editor"), finalApp.replace('"./lib/more"', '"./shared/more"'));
  await page2.locator("#errors").waitFor({ state: "hidden" });
  await preview2.locator("#extra", { hasText: "moved" }).waitFor();
  await page2.click('button[aria-label="Delete folder src/shared"]');
  assert.match(dialogs2.at(-1), /Delete the folder src\/shared and its 1 file/);
  assert.equal(await page2.locator('[data-file="src/shared/more.ts"]').count(), 0);
  await page2.locator("#errors", { hasText: "./shared/more" }).waitFor();

  // Opening a link over edited work asks first (here the link arrives as a hash change).
  await saved(page2);
  await page2.goto(link);
  await preview2.locator("#extra", { hasText: "moved" }).waitFor();
  assert.match(dialogs2.at(-1), /Open the shared project\? It replaces your edits/);
  assert.deepEqual(await projectOf(page2), project);
  await page2.locator("#errors").waitFor({ state: "hidden" });
  await other.close();

  // Switching examples with edits asks first; declining keeps the project.
  page.removeAllListeners("dialog");
  page.once("dialog", (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  await page.selectOption("#example", "vanilla-ts");
  await page.waitForFunction(() => document.querySelector("#example").value === "react-counter");
  assert.match(dialogs.at(-1), /Discard your edits to react-counter and load vanilla-ts\?/);
  assert.equal(await frame.locator("#extra").textContent(), "moved");
  page.once("dialog", (d) => d.accept());
  await page.selectOption("#example", "vanilla-ts");
  await frame.locator("#title", { hasText: "Hello, playground!" }).waitFor();
  await saved(page);
  await page.reload();
  await frame.locator("#title", { hasText: "Hello, playground!" }).waitFor({ timeout: 20_000 });
  assert.equal(await page.locator("#example").inputValue(), "vanilla-ts");
  assert.deepEqual(problems, []);
  await page.close();
});

test("playground: a damaged share link is explained; the file tree works from the keyboard", async () => {
  const context = await pg.browser.newContext();
  const { page, errors: problems } = await openPage(context, `${pg.server.url}#project=AAAAbroken`);
  await page.frameLocator("#preview").locator("#inc").waitFor({ timeout: 20_000 });
  await page.locator("#share-out[data-state='error']").waitFor();
  assert.match(await page.locator("#share-msg").textContent(), /could not open the shared project: the share link is damaged/);
  assert.doesNotMatch(page.url(), /#project=/);

  // Keyboard only: create a file, type in it (Tab indents), then Escape, Tab leaves the editor.
  await page.focus("#new-file");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "file-path");
  await page.keyboard.type("notes.ts");
  await page.keyboard.press("Enter");
  await page.locator('[data-file="src/notes.ts"][aria-current="true"]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "editor");
  await page.keyboard.press("Tab");
  await page.keyboard.type("export {};");
  assert.equal(await page.locator("#editor").evaluate((el) => el.value), "  export {};");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Tab");
  assert.notEqual(await page.evaluate(() => document.activeElement.id), "editor");
  assert.equal(await page.locator("#editor").evaluate((el) => el.value), "  export {};");
  assert.deepEqual(problems, []);
  await context.close();
});
