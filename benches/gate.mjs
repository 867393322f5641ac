// The performance gate CI runs: instructions executed by `nexxo build --force` of a fixed generated
// app, counted by valgrind's callgrind and compared with the committed baseline (gate-baseline.json).
//
// Why instructions and not wall time: CI shares machines, and wall time there moves by more than the
// 5% this gate must catch. The instruction count of the same binary on the same input moves by
// ~0.05% between runs (measured: 577,388,191 and 577,560,421), threads included (callgrind runs them
// one at a time). It is not time (a cache miss costs more than an add), so it misses regressions
// that only move memory traffic; the benches in this directory measure those.
//
//   node benches/gate.mjs            count, compare, exit 1 if the total grew more than 5%
//   node benches/gate.mjs --update "reason"
//                                    count and write the baseline (a deliberate change: commit the
//                                    new baseline with the change, the reason says why)
//   node benches/gate.mjs --bin PATH count another binary (e.g. a build with a planted regression)
//
// The report splits the count by component (the crate or library each function belongs to: parser,
// transforms, minifier, rolldown, CSS, gzip, the cache...), so a failure names what grew.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateApp } from "./generate.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const baselineFile = path.join(here, "gate-baseline.json");
const COMPONENTS = 300;
const LIMIT = 0.05;

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : (args[i + 1] ?? "");
};
const update = flag("--update");
const bin = path.resolve(flag("--bin") ?? path.join(root, "target/release/nexxo"));

if (spawnSync("valgrind", ["--version"]).status !== 0) {
  console.error("gate: valgrind is not installed (apt install valgrind); the gate needs callgrind");
  process.exit(1);
}
if (update === "") {
  console.error('gate: --update needs a reason, e.g. --update "minifier upgrade: +3% in oxc_minifier"');
  process.exit(2);
}

// A fixed path: paths are hashed and printed by the build, so a different one would move the count.
const work = path.join(here, ".gate");
const app = path.join(work, "app");
generateApp(app, COMPONENTS);
// React from the test harness's node_modules (installed by scripts/setup.sh), copied so the app's
// resolution does not leave its directory.
for (const pkg of ["react", "react-dom", "scheduler"]) {
  fs.cpSync(path.join(root, "tests/node_modules", pkg), path.join(app, "node_modules", pkg), {
    recursive: true,
    dereference: true,
  });
}

const out = path.join(work, "callgrind.out");
const run = spawnSync(
  "valgrind",
  ["--tool=callgrind", `--callgrind-out-file=${out}`, bin, "build", app, "--force"],
  { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", NEXXO_PROFILE: "" } },
);
if (run.status !== 0) {
  console.error(run.stdout, run.stderr);
  console.error(`gate: nexxo build failed under valgrind (exit ${run.status})`);
  process.exit(1);
}

// Per function self cost, every function (threshold 100%).
const annotated = execFileSync("callgrind_annotate", ["--inclusive=no", "--threshold=100", out], {
  encoding: "utf8",
  maxBuffer: 256 << 20,
});
const total = Number(/^([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS/m.exec(annotated)[1].replaceAll(",", ""));

// Components, in the order of the build's stages; the first rule that matches a function wins.
const COMPONENT_RULES = [
  ["parse (oxc_parser)", /^oxc_parser$/],
  ["scopes and symbols (oxc_semantic)", /^oxc_(semantic|syntax|ast_visit|ast|allocator|span|str)$/],
  ["transform (oxc_transformer, TS, JSX, defines)", /^oxc_(transformer|transformer_plugins|traverse|compat|isolated_declarations)$/],
  ["resolve (oxc_resolver)", /^oxc_resolver$/],
  ["bundle (rolldown: scan, link, generate)", /^rolldown/],
  ["minify (oxc_minifier, oxc_mangler)", /^oxc_(minifier|mangler|ecmascript)$/],
  ["codegen and source maps", /^(oxc_codegen|oxc_sourcemap|sourcemap|rolldown_sourcemap|oxc_data_structures)$/],
  ["CSS (lightningcss)", /^(lightningcss|cssparser|parcel_selectors|parcel_sourcemap)$/],
  ["gzip sizes (zlib-rs)", /^(zlib_rs|flate2|miniz_oxide|libz_rs_sys)$/],
  ["cache (RocksDB)", /^(rocksdb|librocksdb_sys)$/],
  ["nexxo (config, HTML, host)", /^nexxo/],
  ["hashing (xxhash, blake3, sha)", /^(xxhash_rust|twox_hash|blake3|sha2|digest|rustc_hash|foldhash|ahash)$/],
  ["runtime (tokio, rayon, std)", /^(tokio|rayon|rayon_core|crossbeam\w*|std|core|alloc|hashbrown|indexmap|parking_lot\w*|futures\w*|dashmap|arcstr|compact_str|memchr|regex\w*|aho_corasick|serde\w*|string_wizard|itertools|smallvec)$/],
];
const components = new Map();
const add = (name, n) => components.set(name, (components.get(name) ?? 0) + n);
for (const line of annotated.split("\n")) {
  const m = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
  if (!m || m[2].startsWith("PROGRAM TOTALS")) continue;
  const n = Number(m[1].replaceAll(",", ""));
  const where = m[2];
  // "file:function [object]": C code has no crate; name it by its library.
  const object = /\[([^\]]+)\]\s*$/.exec(where)?.[1] ?? "";
  const fn = where.replace(/\s*\[[^\]]+\]\s*$/, "").replace(/^[^:]*:/, "");
  const crate = /([A-Za-z_][A-Za-z0-9_]*)::/.exec(fn)?.[1];
  let component;
  if (crate) component = COMPONENT_RULES.find(([, re]) => re.test(crate))?.[0];
  if (!component) {
    if (/^_?mi_|mimalloc/.test(fn)) component = "allocator (mimalloc, malloc)";
    else if (/\blibc\.so/.test(object)) component = /^(malloc|free|realloc|calloc|_int_|cfree)/.test(fn) ? "allocator (mimalloc, malloc)" : "libc (memcpy, memcmp, syscalls)";
    else if (/ld-linux|\bvgpreload/.test(object)) component = "loader and valgrind";
    else if (/rocksdb/i.test(fn)) component = "cache (RocksDB)";
    else component = `other${crate ? "" : " (C, unnamed)"}`;
  }
  add(component, n);
}

const current = {
  total,
  components: Object.fromEntries([...components].sort((a, b) => b[1] - a[1])),
};
const fmt = (n) => n.toLocaleString("en-US");
const pct = (a, b) => `${a >= b ? "+" : ""}${(((a - b) / b) * 100).toFixed(2)}%`;

if (update !== undefined) {
  const baseline = {
    about: "Instructions of `nexxo build --force` on the 300-component generated app, counted by `node benches/gate.mjs`.",
    reason: update,
    date: new Date().toISOString().slice(0, 10),
    ...current,
  };
  fs.writeFileSync(baselineFile, JSON.stringify(baseline, null, 2) + "\n");
  console.log(`gate: baseline written: ${fmt(total)} instructions (${update})`);
  process.exit(0);
}

if (!fs.existsSync(baselineFile)) {
  console.error(`gate: no baseline (${path.relative(root, baselineFile)}); create it with --update "reason"`);
  process.exit(1);
}
const baseline = JSON.parse(fs.readFileSync(baselineFile, "utf8"));
const names = [...new Set([...Object.keys(baseline.components), ...components.keys()])];
const rows = names
  .map((name) => ({ name, was: baseline.components[name] ?? 0, now: components.get(name) ?? 0 }))
  .sort((a, b) => b.now - b.was - (a.now - a.was));
console.log(`component${" ".repeat(40)}baseline          now   change  (share of total)`);
for (const { name, was, now } of rows) {
  const share = ((now - was) / baseline.total) * 100;
  console.log(
    `${name.padEnd(48)} ${fmt(was).padStart(12)} ${fmt(now).padStart(12)} ${was ? pct(now, was).padStart(8) : "     new"}  (${share >= 0 ? "+" : "-"}${Math.abs(share).toFixed(2)}%)`,
  );
}
const growth = (total - baseline.total) / baseline.total;
console.log(`${"total".padEnd(48)} ${fmt(baseline.total).padStart(12)} ${fmt(total).padStart(12)} ${pct(total, baseline.total).padStart(8)}`);
if (growth > LIMIT) {
  const worst = rows[0];
  console.error(
    `gate: FAILED: nexxo build --force executes ${pct(total, baseline.total)} more instructions than the baseline (limit +${LIMIT * 100}%); ` +
      `most of it in ${worst.name} (${pct(worst.now, worst.was)}). If the change is deliberate, commit a new baseline with it: ` +
      `node benches/gate.mjs --update "why"`,
  );
  process.exit(1);
}
console.log(`gate: ok (${pct(total, baseline.total)}, limit +${LIMIT * 100}%)`);
