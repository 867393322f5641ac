// The per-file module built with wasm-bindgen (wasm/bindgen, wasm32-unknown-unknown) against the
// WASI engine (wasm/pkg/nexxo-engine.wasm through wasm/js/nexxo.js) on the one call both have:
// transforming a TS/JSX module with React Fast Refresh. Side by side in one Node process: module
// size (raw, gzip, brotli), compile + instantiate, the first call, and throughput over an app's
// .tsx files; then the bindgen module's CSS throughput (the WASI engine has no per-file CSS call).
//
//   node benches/bindgen.mjs [APP_DIR]     (default benches/.apps/2.4k; build the module first:
//                                            bash scripts/build-bindgen.sh)
//
// V8 keeps compiled modules per process, so each module is compiled once here; run the script a
// few times for a spread.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const app = path.resolve(process.argv[2] ?? path.join(here, ".apps/2.4k"));
const wasiPath = process.env.NEXXO_ENGINE_WASM ?? path.join(repo, "wasm/pkg/nexxo-engine.wasm");
const bindgenDir = path.join(repo, "wasm/bindgen/pkg");

const files = (ext) => {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name.startsWith("dist")) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(ext)) out.push({ path: path.relative(app, p), source: fs.readFileSync(p, "utf8") });
    }
  };
  walk(app);
  return out;
};
const tsx = files(".tsx");
const css = files(".css");
const ms = (t) => `${t.toFixed(1)} ms`;
const sizes = (bytes) => ({
  raw: bytes.length,
  gzip: zlib.gzipSync(bytes, { level: 9 }).length,
  brotli: zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;

/** Times `f` over every file, `rounds` times; the first round and the best one. */
const throughput = (list, f, rounds = 3) => {
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (const file of list) f(file);
    times.push(performance.now() - t);
  }
  return { first: times[0], best: Math.min(...times) };
};

const rows = [];

// WASI engine.
{
  const bytes = fs.readFileSync(wasiPath);
  const { NexxoEngine } = await import(pathToFileURL(path.join(repo, "wasm/js/nexxo.js")).href);
  let t = performance.now();
  const module = await WebAssembly.compile(bytes);
  const compile = performance.now() - t;
  t = performance.now();
  const engine = new NexxoEngine(module);
  const instantiate = performance.now() - t;
  const run = (f) => {
    const r = engine.transform({ path: f.path, source: f.source, reactRefresh: true });
    if (!r.ok) throw new Error(`${f.path}: ${r.errors[0]?.message}`);
    return r;
  };
  t = performance.now();
  run(tsx[0]);
  const first = performance.now() - t;
  rows.push({ name: "WASI engine (nexxo.js)", size: sizes(bytes), compile, instantiate, first, tsx: throughput(tsx, run) });
}

// wasm-bindgen module (its `--target web` ESM, which Node loads too).
{
  const bytes = fs.readFileSync(path.join(bindgenDir, "nexxo_bindgen_bg.wasm"));
  const api = await import(pathToFileURL(path.join(bindgenDir, "nexxo_bindgen.js")).href);
  let t = performance.now();
  const module = await WebAssembly.compile(bytes);
  const compile = performance.now() - t;
  t = performance.now();
  api.initSync({ module });
  const instantiate = performance.now() - t;
  const run = (f) => api.transform(f.path, f.source, { reactRefresh: true });
  t = performance.now();
  const out = run(tsx[0]);
  const first = performance.now() - t;
  if (!out.hasRefresh) throw new Error(`${tsx[0].path}: no Fast Refresh registration`);
  const runCss = (f) => api.compileCss(f.path, f.source, {});
  t = performance.now();
  runCss(css[0]);
  const firstCss = performance.now() - t;
  rows.push({
    name: "wasm-bindgen module",
    size: sizes(bytes),
    compile,
    instantiate,
    first,
    tsx: throughput(tsx, run),
    firstCss,
    css: throughput(css, runCss),
  });
}

console.log(`app: ${path.relative(repo, app)} (${tsx.length} .tsx, ${css.length} .css); node ${process.version}`);
console.log("| module | raw | gzip | brotli | compile | instantiate | first transform | .tsx first pass | .tsx best of 3 | first CSS | .css best of 3 |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${mb(r.size.raw)} | ${mb(r.size.gzip)} | ${mb(r.size.brotli)} | ${ms(r.compile)} | ${ms(r.instantiate)} | ${ms(r.first)} | ${ms(r.tsx.first)} | ${ms(r.tsx.best)} | ${r.firstCss === undefined ? "-" : ms(r.firstCss)} | ${r.css ? ms(r.css.best) : "-"} |`,
  );
}
