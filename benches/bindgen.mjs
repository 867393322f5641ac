// The per-file module built with wasm-bindgen (wasm/bindgen, wasm32-unknown-unknown) against the
// WASI engine (wasm/pkg/nexxo-engine.wasm through wasm/js/nexxo.js) on the one call both have:
// transforming a TS/JSX module with React Fast Refresh. Side by side in one Node process: module
// size (raw, gzip, brotli), compile + instantiate, the first call, and throughput over an app's
// .tsx files; then the bindgen module's CSS throughput (the WASI engine has no per-file CSS call).
//
//   node benches/bindgen.mjs [APP_DIR] [--runs N]   (default benches/.apps/2.4k, 5 runs; build the
//                                                    module first: bash scripts/build-bindgen.sh)
//
// Each measurement is a fresh Node process (V8 keeps compiled modules per process, and one module's
// background tier-up would slow the other's), the two modules in turn, the order swapped every run;
// the table has medians.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args.splice(i, 2)[1];
};
const runs = Number(flag("--runs", 5));
const only = flag("--only", null);
const app = path.resolve(args[0] ?? path.join(here, ".apps/2.4k"));
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

/** One module's measurement in this process. */
const measure = {};

measure.wasi = async () => {
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
  return { name: "WASI engine (nexxo.js)", file: wasiPath, compile, instantiate, first, tsx: throughput(tsx, run) };
};

// The wasm-bindgen module: its `--target web` ESM, which Node loads too.
measure.bindgen = async () => {
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
  return {
    name: "wasm-bindgen module",
    file: path.join(bindgenDir, "nexxo_bindgen_bg.wasm"),
    compile,
    instantiate,
    first,
    tsx: throughput(tsx, run),
    firstCss,
    css: throughput(css, runCss),
  };
};

if (only) {
  console.log(JSON.stringify(await measure[only]()));
  process.exit(0);
}
const samples = { wasi: [], bindgen: [] };
for (let r = 0; r < runs; r++) {
  for (const which of r % 2 ? ["bindgen", "wasi"] : ["wasi", "bindgen"]) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), app, "--only", which], { encoding: "utf8" });
    samples[which].push(JSON.parse(out));
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rows = Object.values(samples).map((list) => {
  const m = (get) => (get(list[0]) === undefined ? undefined : median(list.map(get)));
  return {
    name: list[0].name,
    size: sizes(fs.readFileSync(list[0].file)),
    compile: m((x) => x.compile),
    instantiate: m((x) => x.instantiate),
    first: m((x) => x.first),
    tsx: { first: m((x) => x.tsx.first), best: m((x) => x.tsx.best) },
    firstCss: m((x) => x.firstCss),
    css: list[0].css && { best: m((x) => x.css.best) },
  };
});

console.log(
  `app: ${path.relative(repo, app)} (${tsx.length} .tsx, ${css.length} .css); node ${process.version}; medians of ${runs} runs`,
);
console.log("| module | raw | gzip | brotli | compile | instantiate | first transform | .tsx first pass | .tsx best of 3 | first CSS | .css best of 3 |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${mb(r.size.raw)} | ${mb(r.size.gzip)} | ${mb(r.size.brotli)} | ${ms(r.compile)} | ${ms(r.instantiate)} | ${ms(r.first)} | ${ms(r.tsx.first)} | ${ms(r.tsx.best)} | ${r.firstCss === undefined ? "-" : ms(r.firstCss)} | ${r.css ? ms(r.css.best) : "-"} |`,
  );
}
