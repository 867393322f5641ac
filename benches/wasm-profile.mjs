// Where a warm build's time goes inside the engine, by Rust crate: Node's sampling profiler around
// `--builds` builds of an in-memory app (after `--warm` builds, so V8 has tiered the hot code up), on a
// module that keeps its `name` section (cargo's output, before wasm-opt strips it). Each function's
// self time is counted once for every crate its v0 symbol names (the function's own crate and the
// crates of the types it was instantiated with), which is what choosing per-crate opt-levels needs:
// a generic from hashbrown instantiated for an oxc type is oxc's time too.
//
//   node benches/wasm-profile.mjs [--wasm target/wasm32-wasip1/wasm/nexxo_engine_wasm.wasm]
//        [--app /tmp/nexxo-first-1100] [--warm 3] [--builds 3] [--top 60] [--functions 0]
// `--warm 0 --builds 1` profiles a first build; `--functions N` also lists the N functions with the
// most self time (JS ones with their script and line).
// The app: `node benches/first-build.mjs --tools nexxo --runs 1` generates /tmp/nexxo-first-1100.
import fs from "node:fs";
import path from "node:path";
import { Session } from "node:inspector/promises";
import { fileURLToPath } from "node:url";
import { readAppFiles } from "./generate.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const app = args.app ?? "/tmp/nexxo-first-1100";
const wasm = args.wasm ?? path.join(repo, "target/wasm32-wasip1/wasm/nexxo_engine_wasm.wasm");
const { NexxoEngine } = await import(path.join(repo, "wasm/js/nexxo.js"));

const files = readAppFiles(app);
const engine = new NexxoEngine(await WebAssembly.compile(fs.readFileSync(wasm)));
const build = () => {
  const res = engine.build({ root: app, files, overrides: { sourcemap: true } });
  if (!res.ok) throw new Error(res.errors.map((e) => e.message).join("\n"));
};
for (let i = 0; i < Number(args.warm ?? 3); i++) build();

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 200 });
await session.post("Profiler.start");
for (let i = 0; i < Number(args.builds ?? 3); i++) build();
const { profile } = await session.post("Profiler.stop");

const selfMs = new Map();
profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
// Every crate root in a v0 symbol: `C`, an optional `s<disambiguator>_`, then `<len><ident>`.
const crates = (sym) => {
  const out = new Set();
  const re = /C(?:s[0-9A-Za-z]*_)?(\d+)/g;
  for (let m; (m = re.exec(sym)); ) {
    out.add(sym.slice(re.lastIndex, re.lastIndex + Number(m[1])).replace(/^_/, ""));
    re.lastIndex += Number(m[1]);
  }
  return out;
};
const byCrate = new Map();
let total = 0;
for (const node of profile.nodes) {
  const t = selfMs.get(node.id) ?? 0;
  total += t;
  const name = node.callFrame.functionName;
  // Not Rust: JS (the host's JSON and UTF-8 work), the C library (dlmalloc, memcpy), V8's GC.
  const keys = name.startsWith("_R") ? crates(name) : [`(${name || "anonymous"})`];
  for (const k of keys) byCrate.set(k, (byCrate.get(k) ?? 0) + t);
}
const byFunction = new Map();
for (const node of profile.nodes) {
  const f = node.callFrame;
  const name = f.functionName.startsWith("_R") ? f.functionName : `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + (selfMs.get(node.id) ?? 0));
}
for (const [name, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(args.functions ?? 0)))
  console.log(`  ${t.toFixed(1).padStart(7)} ms  ${name.slice(0, 160)}`);
console.log(`${Math.round(total)} ms sampled over ${args.builds ?? 3} builds; self time by crate named (a function counts for each):`);
for (const [k, t] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top ?? 60)))
  console.log(`  ${((t / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
