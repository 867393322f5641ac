// Shared helpers for the end-to-end tests: fixtures on disk, the real `nexxo` binary, Chromium.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launchChromium } from "./chromium.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../..");
export const NEXXO = process.env.NEXXO_BIN ?? path.join(repoRoot, "target/release/nexxo");
// A fixture whose config says `server.open` must not open a browser on the machine running the tests.
process.env.BROWSER ??= "none";
// Fixtures live under tests/.tmp so that `import "react"` finds tests/node_modules, a real install.
const tmpRoot = path.join(repoRoot, "tests/.tmp");

let counter = 0;
/** Writes `files` ({ relPath: string | Buffer }) into a fresh directory and returns its path. */
export function fixture(name, files) {
  const dir = path.join(tmpRoot, `${name}-${process.pid}-${counter++}`);
  fs.rmSync(dir, { recursive: true, force: true });
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir, files) {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

/** Runs `nexxo <args>` synchronously; returns { status, stdout, stderr }. */
export function nexxo(args, opts = {}) {
  const r = spawnSync(NEXXO, args, {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    cwd: opts.cwd,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

/** Builds `dir` and fails loudly with nexxo's output if the build fails. */
export function buildOk(dir, args = []) {
  const r = nexxo(["build", dir, ...args]);
  if (r.status !== 0) throw new Error(`nexxo build failed (${r.status}):\n${r.all}`);
  return r;
}

export function readJson(p) {
  return JSON.parse(fs.readFileSync(p, "utf8"));
}

export function manifest(dir, outDir = "dist") {
  return readJson(path.join(dir, outDir, ".nexxo/manifest.json"));
}

/** Imports a built file in this Node process (ESM), bypassing the module cache. */
export async function importBuilt(file) {
  return import(`${pathToFileURL(file).href}?t=${Date.now()}-${counter++}`);
}

/** Lists files under `dir` (relative paths, sorted). */
export function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Starts `nexxo preview` on a free port; resolves { url, port, close, output }. */
export function preview(dir, extra = []) {
  return startServer("preview", dir, extra);
}

/** Starts `nexxo dev` on a free port; resolves { url, port, close, output }. */
export function dev(dir, extra = []) {
  return startServer("dev", dir, extra);
}

function startServer(command, dir, extra) {
  return spawnServer([command, dir, "--port", "0", ...extra], /http:\/\/localhost:(\d+)(\/\S*)/, (m) => ({
    url: `http://127.0.0.1:${m[1]}${m[2]}`,
    port: Number(m[1]),
  }));
}

/** Spawns `nexxo <args>` and resolves once its output matches `ready`, with what `fields` makes of
 * the match plus { output, close, kill, exited, pid }. */
function spawnServer(args, ready, fields) {
  return new Promise((resolve, reject) => {
    const child = spawn(NEXXO, args, {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`nexxo ${args[0]} did not start:\n${out}`)), 60_000);
    const onData = (d) => {
      out += d;
      const m = out.match(ready);
      if (m && !onData.done) {
        onData.done = true;
        clearTimeout(timer);
        resolve({
          ...fields(m),
          output: () => out,
          close: () => new Promise((r) => { child.once("exit", r); child.kill(); }),
          kill: (signal) => child.kill(signal),
          exited: new Promise((r) => child.once("exit", r)),
          pid: child.pid,
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`nexxo ${args[0]} exited ${code}:\n${out}`)); });
  });
}

export { launchChromium };

/** The three ways a page is served: "build" (`nexxo build --force` + `nexxo preview`), "bundled"
 * (`nexxo dev`) and "esm" (`nexxo dev --no-bundle`). */
export const SERVE_MODES = ["build", "bundled", "esm"];

/** Serves `dir` the `mode` way (see SERVE_MODES); resolves the server, as `preview` and `dev` do
 * (for "build", with `built`: what `buildOk` returned, the build's output included). */
export async function serveAs(mode, dir) {
  if (mode === "build") {
    const built = buildOk(dir, ["--force"]);
    return { ...(await preview(dir)), built };
  }
  return dev(dir, mode === "esm" ? ["--no-bundle"] : []);
}

/** A new page of `browser` at `url`, with the errors it throws collected in `errors`. */
export async function openPage(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}

/** The URL of the element `selector`'s CSS background image as the page resolved it, and the HTTP
 * status the page gets fetching it (0: no background image). */
export function backgroundImage(page, selector) {
  return page.evaluate(async (sel) => {
    const url = getComputedStyle(document.querySelector(sel)).backgroundImage.match(/url\("(.*)"\)/)?.[1] ?? "";
    return { url, status: url ? (await fetch(url)).status : 0 };
  }, selector);
}

/** Waits until the element `selector` has computed `prop` === `value`. The element may be missing
 * for a moment: an edit the page cannot hot-update reloads it, as in Vite, and the predicate runs
 * during that reload too. */
export function waitForStyle(page, selector, prop, value, timeout = 10_000) {
  return page.waitForFunction(
    ([sel, p, v]) => {
      const el = document.querySelector(sel);
      return el !== null && getComputedStyle(el)[p] === v;
    },
    [selector, prop, value],
    { timeout },
  );
}

/** Waits until `predicate` holds on the page at `url`, where the server may reload the page
 * itself at any moment (edits it cannot hot-update, a broken module mended). A reload of ours can
 * race the server's ("interrupted by another navigation", "not attached to an active page"), and a
 * predicate can throw while the old document is torn down: each of those is retried until
 * `timeout`, navigating anew only when the page has not got there by itself. */
export async function settlePage(page, url, predicate, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const left = deadline - Date.now();
    try {
      await page.waitForFunction(predicate, null, { timeout: Math.max(1, Math.min(4000, left)) });
      return;
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      await page.goto(url).catch(() => {});
    }
  }
}

/** Copies the browser worker and the engine into `dist` in the repository's layout (the worker
 * imports ../wasm/js/nexxo.js and fetches ../wasm/pkg/nexxo-engine.wasm), for a page that serves
 * them unbundled. */
export function copyWorkerLayout(dist) {
  for (const file of ["worker/nexxo-worker.js", "worker/client.js", "wasm/js/nexxo.js", "wasm/pkg/nexxo-engine.wasm"]) {
    fs.mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, file), path.join(dist, file));
  }
}

/** Raw HTTP GET on loopback without URL normalization (for traversal probes). */
export function rawGet(port, rawPath, headers = { Host: "localhost" }) {
  return new Promise((resolve, reject) => {
    import("node:net").then(({ default: net }) => {
      const sock = net.connect(port, "127.0.0.1", () => {
        const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
        sock.write(`GET ${rawPath} HTTP/1.1\r\n${extra}Connection: close\r\n\r\n`);
      });
      let data = "";
      sock.on("data", (d) => (data += d));
      sock.on("end", () => {
        const status = Number(data.split(" ")[1]);
        resolve({ status, body: data.split("\r\n\r\n").slice(1).join("\r\n\r\n") });
      });
      sock.on("error", reject);
    });
  });
}

/** Copies a directory tree (skipping node_modules and dist) into a fresh fixture directory. */
export function copyFixture(name, from) {
  const dir = fixture(name, {});
  fs.cpSync(from, dir, { recursive: true, filter: (src) => !/\/(node_modules|dist)(\/|$)/.test(src) });
  return dir;
}

/** Sends a WebSocket upgrade request with `origin`; resolves the HTTP status of the answer. */
export function wsHandshakeStatus(port, origin) {
  return new Promise((resolve, reject) => {
    import("node:net").then(({ default: net }) => {
      const sock = net.connect(port, "127.0.0.1", () => {
        sock.write(`GET /@nexxo/ws HTTP/1.1\r\nHost: localhost:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: ${origin}\r\n\r\n`);
      });
      sock.once("data", (d) => {
        resolve(Number(String(d).split(" ")[1]));
        sock.destroy();
      });
      sock.on("error", reject);
    });
  });
}

/** Starts `nexxo worker` on a free port; resolves { url, close, output, exited }. */
export function startWorker(extra = []) {
  return spawnServer(["worker", "--port", "0", ...extra], /http:\/\/(127\.0\.0\.1:\d+)\/build/, (m) => ({
    url: `http://${m[1]}`,
  }));
}

/** A project's files as the engine's wire format ({ path, text } or { path, base64 }), skipping
 * build output and caches. */
export function projectFiles(dir) {
  const out = [];
  for (const rel of listFiles(dir)) {
    if (/^(dist|\.nexxo)\/|node_modules\/\.(nexxo|package-lock)/.test(rel)) continue;
    const bytes = fs.readFileSync(path.join(dir, rel));
    const text = bytes.toString("utf8");
    out.push(Buffer.from(text, "utf8").equals(bytes) ? { path: rel, text } : { path: rel, base64: bytes.toString("base64") });
  }
  return out;
}

/** The files of a build output directory as { relPath: Buffer }. */
export function readTree(dir) {
  return Object.fromEntries(listFiles(dir).map((rel) => [rel, fs.readFileSync(path.join(dir, rel))]));
}

/** `nexxo build ROOT --watch --sourcemap`, with its output collected as it comes. */
export function startWatch(root) {
  const child = spawn(NEXXO, ["build", root, "--watch", "--sourcemap"], {
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const w = { child, out: "", exited: new Promise((r) => child.once("exit", (code, signal) => r({ code, signal }))) };
  child.stdout.on("data", (d) => (w.out += d));
  child.stderr.on("data", (d) => (w.out += d));
  return w;
}

/** Waits until the watch's output after `from` matches `re`, then until it has been quiet for a
 * while (a second batch of the same edit may still be on its way); returns the new output. */
export async function waitForWatch(watch, from, re) {
  const deadline = Date.now() + 60_000;
  while (!re.test(watch.out.slice(from))) {
    if (Date.now() > deadline) throw new Error(`no ${re} in the watch output:\n${watch.out.slice(from)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  let seen = -1;
  while (seen !== watch.out.length) {
    seen = watch.out.length;
    await new Promise((r) => setTimeout(r, 400));
  }
  return watch.out.slice(from);
}

/** Does `edit()` to the watched project and waits for the rebuild that names `file`. */
export async function watchStep(watch, edit, file) {
  const from = watch.out.length;
  edit();
  const escaped = file.replace(/[.]/g, "\\.");
  return waitForWatch(watch, from, new RegExp(`rebuilt in \\d+ms \\([^)]*${escaped}`));
}

/** Checks that `dir`'s dist/ is what a `--force --sourcemap` build of a fresh copy of its sources
 * writes, byte for byte (the copy at the same depth, so source maps' relative paths match). */
let twins = 0;
export function assertSameAsForce(dir) {
  const twin = `${dir}-force${twins++}`;
  fs.rmSync(twin, { recursive: true, force: true });
  fs.cpSync(dir, twin, { recursive: true, filter: (src) => !/[\\/](dist|node_modules)$/.test(src) });
  const r = nexxo(["build", twin, "--force", "--sourcemap"]);
  assert.equal(r.status, 0, r.all);
  const expected = readTree(path.join(twin, "dist"));
  fs.rmSync(twin, { recursive: true, force: true });
  const actual = readTree(path.join(dir, "dist"));
  assert.deepEqual(Object.keys(actual), Object.keys(expected), "the same files as a --force build");
  for (const p of Object.keys(expected)) assert.ok(actual[p].equals(expected[p]), `${p} differs from a --force build`);
}

/** Checks an engine BuildResponse against a native build's output directory, byte for byte
 * (public/ files are copied by the host, so they are not in the response). */
export function assertSameOutput(assert, response, distDir, publicFiles = []) {
  assert.equal(response.ok, true, JSON.stringify(response.errors));
  const dist = readTree(distDir);
  const fromEngine = Object.fromEntries(
    response.files.map((f) => [f.path, "text" in f ? Buffer.from(f.text, "utf8") : Buffer.from(f.base64, "base64")]),
  );
  const expected = Object.keys(dist).filter((p) => !publicFiles.includes(p)).sort();
  assert.deepEqual(Object.keys(fromEngine).sort(), expected);
  for (const p of expected) assert.ok(fromEngine[p].equals(dist[p]), `${p} differs from the native build`);
}

/** Copies packages from tests/node_modules into `dir/node_modules`, so the project is self-contained
 * (in-memory builds only see the files they are given). */
export function vendorPackages(dir, names) {
  for (const name of names) {
    fs.cpSync(path.join(repoRoot, "tests/node_modules", name), path.join(dir, "node_modules", name), { recursive: true });
  }
}

let runtimes = 0;
/**
 * The dev runtime a session page runs (`start.client`, the `/@nexxo/client` of `nexxo dev`), in
 * Node: defines the session's modules (runner form) and loads `start.entry`, returning its
 * exports. Style sheets are recorded in `styles` (Node has no document) in the order they apply.
 */
export async function runSession(start, { styles = [], modules = start.modules } = {}) {
  globalThis.location ??= { origin: "http://session.test" };
  // A fresh instance per call: its module registry starts empty.
  const file = path.join(tmpRoot, `session-runtime-${process.pid}-${++runtimes}.mjs`);
  fs.mkdirSync(tmpRoot, { recursive: true });
  fs.writeFileSync(file, start.client);
  const client = await import(pathToFileURL(file).href);
  globalThis.__nexxo_natives = {
    ...globalThis.__nexxo_natives,
    "/@nexxo/client": { ...client, updateStyle: (id) => styles.push(id) },
  };
  const AsyncFunction = (async () => {}).constructor;
  const params = ["__vite_ssr_import__", "__vite_ssr_dynamic_import__", "__vite_ssr_exports__", "__vite_ssr_exportAll__", "__vite_ssr_import_meta__"];
  for (const m of modules) client.define(m.url, new AsyncFunction(...params, m.code));
  return client.load(start.entry);
}

/** The `update` message among a session update's messages. */
export const updateOf = (u) => u.messages.find((m) => m.type === "update");

/** A 1x1 PNG. */
export const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
  "base64",
);

/**
 * Opens the app in Chromium as `nexxo build` + `nexxo preview` serve it, then as `nexxo dev`
 * serves it natively and sandboxed (`--engine wasm`, the same DevSession in wasmtime), and runs
 * `check(page)` on each; any response with an error status fails the test.
 */
export async function inBuildAndDev(dir, check) {
  buildOk(dir);
  for (const start of [() => preview(dir), () => dev(dir), () => dev(dir, ["--engine", "wasm"])]) {
    const server = await start();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const failed = [];
      page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
      await page.goto(server.url);
      await check(page);
      assert.deepEqual(failed, [], "no request failed");
    } finally {
      await browser.close();
      await server.close();
    }
  }
}

/**
 * The playground as a user gets it: `web/` built by Nexxo and served by `nexxo preview`, with one
 * Chromium for the file's tests. Registers the file's before/after hooks; the returned object's
 * `server` and `browser` are set once `before` has run.
 */
export function usePlayground() {
  const web = path.join(repoRoot, "web");
  const pg = { server: null, browser: null };
  before(async () => {
    buildOk(web, ["--force"]);
    pg.server = await preview(web);
    pg.browser = await launchChromium();
  });
  after(async () => {
    await pg.browser?.close();
    await pg.server?.close();
  });
  return pg;
}

/**
 * Replaces the text in the playground's editor (`editor`: its `#editor` locator) as a user does:
 * select all with the keyboard, then type (paste) the new text. Not Playwright's `fill`: that
 * selects through the DOM, which CodeMirror reads on a later event, and a transaction dispatched
 * in between (the engine's error markers arriving) drops the DOM selection, so the text went in
 * at the caret and the file was doubled ("Duplicated export" in CI). Ctrl+A goes through
 * CodeMirror's keymap and puts the selection in the editor's state at once.
 */
export async function fillEditor(editor, text) {
  const page = editor.page();
  await editor.focus();
  await page.keyboard.press("ControlOrMeta+A");
  if (text) await page.keyboard.insertText(text);
  else await page.keyboard.press("Delete");
  await page
    .waitForFunction((t) => document.getElementById("editor")?.value === t, text, { timeout: 5_000 })
    .catch(async () => {
      const got = await editor.evaluate((el) => el.value);
      throw new Error(`the editor holds other text than was typed:\n${got}`);
    });
}

/**
 * A source map's `mappings`, decoded: per generated line, segments { col, src, line, srcCol }
 * (0-based; `col` is the generated column).
 */
export function decodeMappings(mappings) {
  const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let src = 0;
  let line = 0;
  let srcCol = 0;
  return mappings.split(";").map((text) => {
    let col = 0;
    return text.split(",").filter(Boolean).flatMap((seg) => {
      const values = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const d = digits.indexOf(ch);
        value += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      col += values[0];
      if (values.length < 4) return [];
      src += values[1];
      line += values[2];
      srcCol += values[3];
      return [{ col, src, line, srcCol }];
    });
  });
}

/** A `nexxo build --watch` session on a new fixture `name` of `files`, once its first build is
 * written, with `nexxo preview` serving its dist/ and Chromium to open it; `close()` ends all. */
export async function watchedApp(name, files) {
  const dir = fixture(name, files);
  const watch = startWatch(dir);
  await waitForWatch(watch, 0, /watching for changes/);
  const server = await preview(dir);
  const browser = await launchChromium();
  const close = async () => {
    await browser.close();
    await server.close();
    if (watch.child.exitCode === null) watch.child.kill("SIGKILL");
  };
  return { dir, watch, server, browser, close };
}
