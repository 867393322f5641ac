// First and later builds in headless Chromium, side by side: Nexxo's engine (wasm/js/nexxo.js, the
// host the playground and online IDEs run), @rolldown/browser 1.0.1 and esbuild-wasm 0.28.2, each in
// a module Web Worker of a fresh browser context (a first visit: no HTTP cache, no code cache), on
// the same generated React app held in memory. What a user of an online IDE waits for: "first" is
// from the worker asking for the bundler's code to the first build's output (download from the
// local server, compile, start, build); "later" is the median of the builds after it in the same
// worker. All three minify and write source maps; rolldown loads the CSS modules as empty modules
// (it does not bundle CSS), Nexxo and esbuild compile them.
//
// How each gets the project, as its browser API expects: Nexxo inside each build call (its JSON
// encoding is in the build's time); @rolldown/browser from its memfs volume (`memfs.volume.fromJSON`,
// timed apart as "fill" and NOT counted, so its numbers are if anything low); esbuild-wasm through a
// plugin that resolves and loads from a Map (node_modules lookups by package.json `main`).
// @rolldown/browser runs its WASI threads on SharedArrayBuffer, so the local server sends the
// cross-origin isolation headers (COOP/COEP) for every tool alike.
//
//   cd benches/browser-peers && npm ci --ignore-scripts   (once; esbuild from benches/ bundles it)
//   node benches/browser-side.mjs [--components 1100] [--runs 3] [--builds 4]
//        [--tools nexxo,nexxo-reserve,rolldown-browser,esbuild-wasm] [--wasm wasm/pkg/nexxo-engine.wasm] [--idle MS]
// `--idle MS`: every tool's first build starts MS after it loaded, as an IDE user's does (Nexxo's
// worker spends the first of that time on `engine.warmUp()`, as the playground's does); "first" is
// then the first build alone.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { appWithReact, readAppFiles } from "./generate.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const peers = path.join(here, "browser-peers/node_modules");
const { launchChromium } = await import(path.join(repo, "tests/e2e/chromium.mjs"));

const components = Number(args.components ?? 1100);
const runs = Number(args.runs ?? 3);
const builds = Number(args.builds ?? 4);
const tools = (args.tools ?? "nexxo,rolldown-browser,esbuild-wasm").split(",");

// The app, as first-build.mjs makes it (the same 2.4k-module app by default).
const app = path.join(os.tmpdir(), `nexxo-first-${components}`);
appWithReact(app, components);
const files = readAppFiles(app);

const site = fs.mkdtempSync(path.join(os.tmpdir(), "nexxo-browser-side-"));
const put = (rel, text) => {
  fs.mkdirSync(path.dirname(path.join(site, rel)), { recursive: true });
  fs.writeFileSync(path.join(site, rel), text);
};
put("project.json", JSON.stringify({ files }));
put("engine/nexxo.js", fs.readFileSync(path.join(repo, "wasm/js/nexxo.js")));
put("engine/nexxo-engine.wasm", fs.readFileSync(args.wasm ?? path.join(repo, "wasm/pkg/nexxo-engine.wasm")));

// @rolldown/browser is published for bundlers (bare imports of its WASI runtime): esbuild bundles
// its browser entry and its thread worker under the names the binding asks for beside itself.
const esbuildBin = path.join(here, "node_modules/.bin/esbuild");
const bundle = (entry, out) => {
  const r = spawnSync(esbuildBin, [entry, "--bundle", "--format=esm", "--platform=browser", `--outfile=${out}`, "--log-level=error"],
    { cwd: peers, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`esbuild ${entry}: ${r.stderr}`);
};
if (tools.some((t) => t.startsWith("rolldown-browser"))) {
  const entry = path.join(site, "rd-entry.mjs");
  fs.writeFileSync(entry, `export { rolldown } from "@rolldown/browser";\nexport { memfs } from "@rolldown/browser/experimental";\n`);
  fs.mkdirSync(path.join(site, "node_modules"), { recursive: true });
  fs.symlinkSync(path.join(peers, "@rolldown"), path.join(site, "node_modules/@rolldown"));
  fs.symlinkSync(path.join(peers, "@napi-rs"), path.join(site, "node_modules/@napi-rs"));
  fs.symlinkSync(path.join(peers, "@emnapi"), path.join(site, "node_modules/@emnapi"));
  fs.symlinkSync(path.join(peers, "@tybys"), path.join(site, "node_modules/@tybys"));
  fs.symlinkSync(path.join(peers, "tslib"), path.join(site, "node_modules/tslib"));
  bundle(entry, path.join(site, "rd/rolldown.js"));
  const dist = path.join(peers, "@rolldown/browser/dist");
  bundle(path.join(dist, "wasi-worker-browser.mjs"), path.join(site, "rd/wasi-worker-browser.mjs"));
  fs.copyFileSync(path.join(dist, "rolldown-binding.wasm32-wasi.wasm"), path.join(site, "rd/rolldown-binding.wasm32-wasi.wasm"));
}
if (tools.includes("esbuild-wasm")) {
  put("esb/browser.js", fs.readFileSync(path.join(peers, "esbuild-wasm/esm/browser.js")));
  put("esb/esbuild.wasm", fs.readFileSync(path.join(peers, "esbuild-wasm/esbuild.wasm")));
}

const define = { "process.env.NODE_ENV": '"production"' };
// The project as a Map, and Node-style resolution over it (relative paths with the usual
// extensions, packages by their package.json main): what a plugin-fed bundler needs.
const memResolver = `
    const mem = new Map(project.files.map((f) => ["/app/" + f.path, f.text]));
    const dirname = (p) => p.slice(0, p.lastIndexOf("/")) || "/";
    const join = (dir, rel) => {
      const out = dir.split("/");
      for (const s of rel.split("/")) { if (s === "..") out.pop(); else if (s && s !== ".") out.push(s); }
      return out.join("/");
    };
    const exts = ["", ".tsx", ".ts", ".jsx", ".js", ".json", "/index.js"];
    const find = (p) => exts.map((e) => p + e).find((c) => mem.has(c));
    const resolve = (spec, dir) => {
      if (spec.startsWith(".") || spec.startsWith("/")) return find(join(dir, spec));
      const parts = spec.split("/");
      const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
      const sub = spec.slice(name.length + 1);
      for (let d = dir; ; d = dirname(d)) {
        const pkg = join(d, "node_modules/" + name);
        if (mem.has(pkg + "/package.json")) {
          if (sub) return find(pkg + "/" + sub);
          return find(join(pkg, JSON.parse(mem.get(pkg + "/package.json")).main ?? "index.js"));
        }
        if (d === "/") return undefined;
      }
    };`;
// One rolldown build and generate, with how it gets the files (`input` options).
const rolldownBuild = (input) => `const build = async () => {
      const b = await rolldown({ input: "/app/src/main.tsx", cwd: "/app", platform: "browser", logLevel: "silent",
        ${input}, transform: { define: ${JSON.stringify(define)} } });
      const r = await b.generate({ minify: true, sourcemap: true });
      await b.close();
      return r.output.length;
    };`;
// Each worker: fetch the project (not timed), then time loading the bundler and each build.
// `nexxo-reserve`: the engine taking 128 MB of memory as it starts (its `reserve` option, what
// `nexxo-worker.js?reserve=128` does), instead of growing it step by step through the first build.
// @rolldown/browser's binding starts with 1 GiB (16384 pages) of shared memory.
const nexxoWorker = (options) => `
    const t0 = performance.now();
    const { NexxoEngine } = await import("./engine/nexxo.js");
    const engine = new NexxoEngine(await WebAssembly.compileStreaming(fetch("./engine/nexxo-engine.wasm")), ${options});
    const load = performance.now() - t0;
    // --idle: the engine's own warm-up in the idle time (what the playground's worker does).
    if (data.idle) for (let i = 0; i < 3; i++) engine.warmUp();
    const build = async () => {
      const r = engine.build({ root: "/app", files: project.files, overrides: { sourcemap: true } });
      if (!r.ok) throw new Error(JSON.stringify(r.errors).slice(0, 2000));
      return r.files.length;
    };`;
const worker = {
  nexxo: nexxoWorker("{}"),
  "nexxo-reserve": nexxoWorker("{ reserve: 128 * 2 ** 20 }"),
  "rolldown-browser": `
    const t0 = performance.now();
    const { rolldown, memfs } = await import("./rd/rolldown.js");
    const load = performance.now() - t0;
    const tf = performance.now();
    memfs.volume.fromJSON(Object.fromEntries(project.files.map((f) => ["/app/" + f.path, f.text])));
    fill = performance.now() - tf;
    ${rolldownBuild('moduleTypes: { ".css": "empty" }')}`,
  // The same bundler fed by resolveId/load hooks instead of its memfs volume (what its REPL-style
  // users may do): no file system calls cross its WASI threads, but every module crosses into JS.
  "rolldown-browser-plugin": `
    const t0 = performance.now();
    const { rolldown } = await import("./rd/rolldown.js");
    const load = performance.now() - t0;
    ${memResolver}
    const plugin = {
      name: "memory",
      resolveId(source, importer) {
        return importer ? resolve(source, dirname(importer)) ?? null : source;
      },
      load(id) {
        if (!mem.has(id)) return null;
        return id.endsWith(".css") ? { code: "", moduleType: "js" } : mem.get(id);
      },
    };
    ${rolldownBuild("plugins: [plugin]")}`,
  "esbuild-wasm": `
    const t0 = performance.now();
    const esbuild = await import("./esb/browser.js");
    await esbuild.initialize({ wasmURL: "./esb/esbuild.wasm", worker: false });
    const load = performance.now() - t0;
    ${memResolver}
    const loaders = [[/\\.module\\.css$/, "local-css"], [/\\.css$/, "css"], [/\\.tsx$/, "tsx"], [/\\.ts$/, "ts"], [/\\.jsx$/, "jsx"], [/\\.json$/, "json"], [/$/, "js"]];
    const plugin = { name: "memory", setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => {
        const p = a.kind === "entry-point" ? a.path : resolve(a.path, a.resolveDir);
        return p ? { path: p, namespace: "mem" } : { errors: [{ text: "cannot resolve " + a.path }] };
      });
      b.onLoad({ filter: /.*/, namespace: "mem" }, (a) => ({ contents: mem.get(a.path), resolveDir: dirname(a.path),
        loader: loaders.find(([re]) => re.test(a.path))[1] }));
    } };
    const build = async () => {
      const r = await esbuild.build({ entryPoints: ["/app/src/main.tsx"], bundle: true, minify: true, sourcemap: true,
        splitting: true, format: "esm", outdir: "/app/dist", write: false, jsx: "automatic",
        define: ${JSON.stringify(define)}, logLevel: "silent", plugins: [plugin] });
      return r.outputFiles.length;
    };`,
};
for (const tool of tools) {
  put(`w-${tool}.js`, `
self.onmessage = async ({ data }) => {
  try {
    const project = await (await fetch("./project.json")).json();
    let fill;
    ${worker[tool]}
    // --idle: the user's first build comes this long after the bundler loaded (an IDE's page).
    if (data.idle) await new Promise((r) => setTimeout(r, data.idle));
    const times = [];
    let outputs = 0;
    for (let i = 0; i < data.builds; i++) {
      const t = performance.now();
      outputs = await build();
      times.push(performance.now() - t);
    }
    postMessage({ load, fill, times, outputs });
  } catch (e) {
    postMessage({ error: String(e && e.stack || e) });
  }
};`);
}
put("index.html", `<!doctype html><meta charset="utf-8"><title>side by side</title>
<script type="module">
const tool = new URL(location.href).searchParams.get("tool");
window.result = new Promise((resolve) => {
  const w = new Worker("./w-" + tool + ".js", { type: "module" });
  w.onmessage = ({ data }) => resolve(data);
  w.onerror = (e) => resolve({ error: e.message || "worker error" });
  w.postMessage({ builds: ${builds}, idle: ${Number(args.idle ?? 0)} });
});
</script>`);

const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json", ".wasm": "application/wasm" };
const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const file = path.join(site, rel === "/" ? "index.html" : rel);
  if (!file.startsWith(site) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await launchChromium();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = Object.fromEntries(tools.map((t) => [t, []]));
for (let run = 0; run < runs; run++) {
  for (const tool of tools) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${url}?tool=${tool}`);
    const r = await page.evaluate(() => window.result);
    await ctx.close();
    if (r.error) throw new Error(`${tool}: ${r.error}`);
    rows[tool].push(r);
    process.stderr.write(`${tool} run ${run + 1}: load ${Math.round(r.load)} ms, builds ${r.times.map(Math.round).join(", ")} ms\n`);
  }
}
await browser.close();
server.close();
fs.rmSync(site, { recursive: true, force: true });

const ms = (x) => (x === undefined ? "" : `${Math.round(x)} ms`);
const firstOf = (r) => r.load + r.times[0];
console.log(`${files.length} files (${components} components + react, react-dom, scheduler); Chromium, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 16)} UTC; medians of ${runs} runs`);
console.log("| tool | load (download, compile, start) | first build | first (load + build) | later builds | outputs |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const tool of tools) {
  const rs = rows[tool];
  const later = median(rs.flatMap((r) => r.times.slice(1)));
  console.log(`| ${tool} | ${ms(median(rs.map((r) => r.load)))} | ${ms(median(rs.map((r) => r.times[0])))} | ${ms(median(rs.map(firstOf)))} | ${ms(later)} | ${rs[0].outputs} |`);
}
for (const nexxo of tools.filter((t) => t.startsWith("nexxo"))) {
  for (const peer of tools.filter((t) => t.startsWith("rolldown-browser"))) {
    const ratio = median(rows[nexxo].map(firstOf)) / median(rows[peer].map(firstOf));
    const fill = peer === "rolldown-browser" ? ` (its memfs fill, not counted: ${ms(median(rows[peer].map((r) => r.fill)))})` : "";
    console.log(`${nexxo}'s first (load + build) / ${peer}'s: ${ratio.toFixed(2)}x${fill}`);
  }
}
