// One dev engine: the same project and the same edits through native `nexxo dev` (the DevSession
// over the disk), `nexxo dev --engine wasm` (the DevSession inside the WASM engine under
// wasmtime, reading the disk through the host) and the WASM engine's session in Node (the same
// DevSession over a memory tree, as the playground runs it) give the same modules and the same
// HMR messages, byte for byte. The one
// documented difference is the update timestamp (`?t=`, `timestamp`): the server stamps updates
// with its clock, the engine (which has no clock) with a counter.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { dev, fixture, launchChromium, projectFiles, repoRoot, runSession } from "./helpers.mjs";

let NexxoEngine;
let wasmModule;

before(async () => {
  wasmModule = await WebAssembly.compile(fs.readFileSync(path.join(repoRoot, "wasm/pkg/nexxo-engine.wasm")));
  ({ NexxoEngine } = await import(path.join(repoRoot, "wasm/js/nexxo.js")));
});

const files = {
  "index.html": '<!doctype html><html><head><title>parity</title></head><body><div id="app"></div>\n<script type="module" src="/src/main.ts"></script></body></html>\n',
  ".env": "NEXXO_GREETING=hello\n",
  "src/main.ts": `import { view } from "./view";
import "./style.css";
import data from "./data.json";
const parts = import.meta.glob("./parts/*.ts", { eager: true, import: "default" });
export const out = [view(), data.n, Object.values(parts).join(","), import.meta.env.NEXXO_GREETING, import.meta.env.MODE].join("|");
// The same modules run in Node (runSession), which has no document.
if (typeof document !== "undefined") document.querySelector("#app").textContent = out;
`,
  "src/view.ts": `import { util } from "./util";
import card from "./card.module.css";
export const view = (): string => util(card.card ? "card" : "none");
import.meta.hot?.accept();
`,
  "src/util.ts": "export const util = (s: string): string => `<${s}>`;\n",
  "src/style.css": "body { color: rgb(1, 2, 3); }\n",
  "src/card.module.css": ".card { composes: base from './base.module.css'; padding: 4px; }\n",
  "src/base.module.css": ".base { margin: 1px; }\n",
  "src/data.json": '{ "n": 7 }\n',
  "src/parts/a.ts": 'export default "A";\n',
  "src/parts/b.ts": 'export default "B";\n',
};

// Each edit: a file and its new text; what both hosts must say about it.
const edits = [
  ["src/util.ts", "export const util = (s: string): string => `[${s}]`;\n"],
  ["src/style.css", "body { color: rgb(4, 5, 6); }\n"],
  ["src/base.module.css", ".base { margin: 2px; }\n"],
  ["src/util.ts", "export const util = (s: string): string => `[${s}`;\nconst = 1;\n"],
  ["src/util.ts", "export const util = (s: string): string => `{${s}}`;\n"],
  ["src/view.ts", 'export const view = (): string => "plain";\nimport.meta.hot?.accept();\n'],
];

/** The modules of a bundled dev page's script: url -> runner-form body. */
function bundleModules(text) {
  const out = {};
  // Each body ends where the next definition (or the entry's load) starts.
  const re = /^__nexxo_define\(("(?:[^"\\]|\\.)*"), async function \([^)]*\) \{\n([\s\S]*?)\n\}\);\n(?=__nexxo_define\(|await __nexxo_load\()/gm;
  for (const m of text.matchAll(re)) out[JSON.parse(m[1])] = m[2];
  return out;
}

/** Timestamps are the one documented difference: the server's clock vs the engine's counter. */
const normalize = (messages) =>
  JSON.parse(JSON.stringify(messages).replace(/([?&])t=\d+/g, "$1t=T").replace(/"timestamp":\d+/g, '"timestamp":"T"'));

/** Records a dev server's WebSocket messages in a page of its origin. */
async function listen(browser, server) {
  const page = await browser.newPage();
  await page.goto(`${server.url}@nexxo/ping`);
  await page.evaluate(
    (ws) =>
      new Promise((resolve) => {
        window.__msgs = [];
        const socket = new WebSocket(ws);
        socket.onmessage = (e) => {
          const m = JSON.parse(e.data);
          if (m.type !== "connected") window.__msgs.push(m);
        };
        socket.onopen = resolve;
      }),
    server.url.replace("http", "ws") + "@nexxo/ws",
  );
  let seen = 0;
  // The messages of the next save: wait for the first, then for the burst to end.
  return async () => {
    await page.waitForFunction((n) => window.__msgs.length > n, seen, { timeout: 20_000 });
    let count = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, 300));
      const now = await page.evaluate(() => window.__msgs.length);
      if (now === count) break;
      count = now;
    }
    const all = await page.evaluate(() => window.__msgs);
    const mine = all.slice(seen);
    seen = all.length;
    return mine;
  };
}

test("nexxo dev, nexxo dev --engine wasm and the WASM engine's session serve the same modules and send the same HMR messages", async () => {
  const dir = fixture("dev-parity", files);
  // Both servers watch the same files: one save reaches both.
  const server = await dev(dir);
  // Three instances whatever the machine's cores: the session's transforms and runner forms go
  // through the pool, whose answers must be the bytes the session would make itself.
  const sandboxed = await dev(dir, ["--engine", "wasm", "--instances", "3"]);
  assert.match(sandboxed.output(), /WASM engine in wasmtime, .*3 instances transforming/);
  const browser = await launchChromium();
  const engine = new NexxoEngine(wasmModule);
  try {
    // The session over the same files, at the same root (module ids are root-relative either way).
    const start = engine.openSession("parity", { root: dir, files: projectFiles(dir) });
    assert.deepEqual(start.errors, []);
    assert.equal(start.entry, "/src/main.ts");
    const session = Object.fromEntries(start.modules.map((m) => [m.url, m.code]));

    // Each server's page script for the same entry.
    const scriptOf = async (s) => bundleModules(await (await fetch(`${s.url}@nexxo/bundle?entry=%2Fsrc%2Fmain.ts`)).text());
    const native = await scriptOf(server);
    const wasm = await scriptOf(sandboxed);
    assert.ok(Object.keys(native).length >= 9, Object.keys(native).join(" "));
    assert.deepEqual(Object.keys(native).sort(), Object.keys(session).sort());
    assert.deepEqual(Object.keys(wasm).sort(), Object.keys(session).sort());
    for (const url of Object.keys(native)) {
      assert.equal(session[url], native[url], `${url}: the session differs from nexxo dev`);
      assert.equal(wasm[url], native[url], `${url}: nexxo dev --engine wasm differs from nexxo dev`);
    }
    // And the page itself.
    const pageOf = async (s) => (await fetch(s.url)).text();
    assert.equal(await pageOf(sandboxed), await pageOf(server));

    // What the session's modules do in the dev runtime is what the page shows.
    const styles = [];
    const main = await runSession(start, { styles });
    assert.equal(main.out, "<card>|7|A,B|hello|development");
    // In import order: view.ts (and the sheets its CSS module composes from) comes before style.css.
    assert.deepEqual(styles, ["/src/base.module.css", "/src/card.module.css", "/src/style.css"]);

    // Each server's WebSocket messages, recorded in a page of its origin.
    const nextNative = await listen(browser, server);
    const nextWasm = await listen(browser, sandboxed);
    const kinds = new Set();
    for (const [file, text] of edits) {
      fs.writeFileSync(path.join(dir, file), text);
      const fromNative = await nextNative();
      const fromWasm = await nextWasm();
      const update = engine.updateSession("parity", [{ path: file, text }]);
      assert.ok(fromNative.length > 0, `${file}: no message from the server`);
      assert.deepEqual(normalize(update.messages), normalize(fromNative), `${file}: the session disagrees with nexxo dev`);
      assert.deepEqual(normalize(fromWasm), normalize(fromNative), `${file}: --engine wasm disagrees with nexxo dev`);
      for (const m of fromNative) kinds.add(m.type);
    }
    // The sequence covered updates, an error and its recovery.
    assert.ok(kinds.has("update") && kinds.has("error"), [...kinds].join(" "));
  } finally {
    engine.closeSession("parity");
    await browser.close();
    await server.close();
    await sandboxed.close();
  }
});
