// Production builds of generated React apps by Nexxo and its peers, side by side in one run.
// Reports median wall time, peak memory (RSS) and each tool's time as a ratio of Nexxo's.
//
//   node run.mjs [--sizes tiny,2.4k,19k] [--runs N] [--tools nexxo,esbuild,...] [--interleave]
//
// A tool's time counts only if its output renders every component in headless Chromium
// (render-check.mjs). The run ends by writing RESULTS.md and an SVG chart per size and metric
// (chart.mjs).
//
// `--interleave`: the tools whose runs leave nothing behind for the next (every one but `nexxo`,
// `nexxo-edit` and the `--watch` rows, which use the cache or an edit) take turns, one run each per
// round, the order reversed every other round, so a drift in the machine's speed (10-15% within
// an hour on a shared VM) falls on all of them alike; the others then run one after another.
//
// Incremental rows (a leaf component edited before every run): `nexxo-edit` is `nexxo build`
// after the edit (the persistent cache misses), `nexxo-watch` the time from the edit being written
// to `nexxo build --watch` printing its rebuild line (its peak RSS is the watch process's);
// `nexxo-watch-css` the same after an edit of a CSS module's rules (`src/c0.module.css`).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateApp } from "./generate.mjs";
import { closeRenderCheck, renderCheck } from "./render-check.mjs";
import { writeResults } from "./chart.mjs";
import { waitForExitHelpers } from "./exit-helpers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const bin = (name) => path.join(here, "node_modules/.bin", name);
const NEXXO = process.env.NEXXO_BIN ?? path.join(repo, "target/release/nexxo");

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const SIZES = { tiny: 3, "2.4k": 1100, "19k": 8600 };
const sizes = (args.sizes ?? "tiny,2.4k,19k").split(",");
const define = 'process.env.NODE_ENV:"production"';

// Every tool: minified, with source maps, code splitting where the tool has it. The rolldown CLI
// cannot bundle CSS, so its CSS modules load as empty modules (it does less work than the others).
const TOOLS = {
  // Cold: --force ignores the persistent cache (and refills it). Warm: nothing changed since the
  // last build, so the output comes from the cache after checking every input file.
  "nexxo-cold": (app) => [NEXXO, ["build", app, "--sourcemap", "--out-dir", "dist-nexxo", "--force"]],
  nexxo: (app) => [NEXXO, ["build", app, "--sourcemap", "--out-dir", "dist-nexxo"]],
  "nexxo-edit": (app) => [NEXXO, ["build", app, "--sourcemap", "--out-dir", "dist-nexxo"]],
  "nexxo-watch": (app) => [NEXXO, ["build", app, "--sourcemap", "--out-dir", "dist-nexxo-watch", "--watch"]],
  // The same, after an edit of a CSS module's rules instead (`src/c0.module.css`).
  "nexxo-watch-css": (app) => [NEXXO, ["build", app, "--sourcemap", "--out-dir", "dist-nexxo-watch", "--watch"]],
  // The engine's WebAssembly module: in wasmtime (compiled code cached in ~/.cache/nexxo), and in
  // Node through the JS host that browsers and edge workers use (compiles the module every run).
  "nexxo-wasmtime": (app) => [NEXXO, ["build", app, "--sourcemap", "--out-dir", "dist-nexxo-wasm", "--force", "--engine", "wasm"]],
  "nexxo-wasm-js": (app) => [process.execPath, [path.join(here, "wasm-node.mjs"), app]],
  // esbuild's own WebAssembly build, the peer in the same weight class as the two above.
  "esbuild-wasm": (app) => [process.execPath, [path.join(here, "node_modules/esbuild-wasm/bin/esbuild"), "src/main.tsx",
    "--bundle", "--minify", "--sourcemap", "--splitting", "--format=esm", "--outdir=dist-esbuild-wasm", "--jsx=automatic",
    `--define:process.env.NODE_ENV="production"`, "--log-level=warning"]],
  esbuild: (app) => [bin("esbuild"), ["src/main.tsx", "--bundle", "--minify", "--sourcemap", "--splitting", "--format=esm",
    "--outdir=dist-esbuild", "--jsx=automatic", `--define:process.env.NODE_ENV="production"`, "--log-level=warning"]],
  rolldown: (app) => [bin("rolldown"), ["src/main.tsx", "--dir", "dist-rolldown", "--minify", "--sourcemap",
    "--platform", "browser", "--transform.define", define, "--module-types", ".css=empty"]],
  bun: (app) => [bin("bun"), ["build", "src/main.tsx", "--outdir", "dist-bun", "--minify", "--sourcemap=external",
    "--splitting", "--target", "browser"]],
  vite: (app) => [bin("vite"), ["build", "--outDir", "dist-vite", "--sourcemap", "--logLevel", "warn"]],
  rspack: (app) => [bin("rspack"), ["build", "-c", "rspack.config.mjs"]],
};
const tools = (args.tools ?? Object.keys(TOOLS).join(",")).split(",");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Edits the app's last component (a leaf of the tree): the initial state it renders changes. */
let edits = 0;
function editLeaf(app, components) {
  const file = path.join(app, "src", `c${components - 1}.tsx`);
  const text = fs.readFileSync(file, "utf8").replace(/useState<number>\((\d+)\)/, `useState<number>(${100000 + edits++})`);
  fs.writeFileSync(file, text);
}

/** Edits the first component's CSS module: its padding changes. */
function editCss(app) {
  const file = path.join(app, "src", "c0.module.css");
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/padding: \d+px/, `padding: ${100 + edits++}px`));
}

/** `nexxo build --watch` on `app`: per run, the time from an edit (`edit()`) to its rebuild line. */
async function watchRuns(app, runs, edit) {
  const [cmd, argv] = TOOLS["nexxo-watch"](app);
  const child = spawn(cmd, argv, { cwd: app, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const waitFor = async (re, from) => {
    const deadline = Date.now() + 120_000;
    while (!re.test(out.slice(from))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nexxo --watch: no ${re}:\n${out.slice(-600)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  await waitFor(/watching for changes/, 0);
  const samples = [];
  for (let i = 0; i <= runs; i++) {
    const from = out.length;
    const start = process.hrtime.bigint();
    edit();
    await waitFor(/rebuilt in \d+ms/, from);
    if (i > 0) samples.push(Number(process.hrtime.bigint() - start) / 1e6); // the first is the warm-up
    await new Promise((r) => setTimeout(r, 200));
  }
  const hwm = fs.readFileSync(`/proc/${child.pid}/status`, "utf8").match(/VmHWM:\s+(\d+)/);
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return { ms: median(samples), rssMb: Number(hwm?.[1] ?? 0) / 1024 };
}

function runOnce(tool, app, components) {
  if (tool === "nexxo-edit") editLeaf(app, components);
  const [cmd, argv] = TOOLS[tool](app);
  const timeFile = path.join(os.tmpdir(), `nexxo-bench-time-${process.pid}`);
  const start = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", "-o", timeFile, cmd, ...argv], {
    cwd: app, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 << 20,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  waitForExitHelpers();
  if (r.status !== 0) return { error: (r.stderr || r.stdout).slice(-600) };
  const rssKb = Number(fs.readFileSync(timeFile, "utf8").trim().split("\n").pop());
  return { ms, rssMb: rssKb / 1024 };
}

const rows = [];
for (const size of sizes) {
  const app = path.join(here, ".apps", size);
  const modules = generateApp(app, SIZES[size]);
  // Every tool resolves React from the app's own node_modules: wasm-node.mjs hands the JS host the
  // app's files, packages included, and it sees nothing else.
  for (const pkg of ["react", "react-dom", "scheduler"]) {
    const to = path.join(app, "node_modules", pkg);
    if (!fs.existsSync(to)) fs.cpSync(path.join(here, "node_modules", pkg), to, { recursive: true });
  }
  const runs = Number(args.runs ?? (size === "19k" ? 3 : 7));
  console.log(`\n## ${size}: ${modules} app modules + react/react-dom, ${runs} runs after 1 warm-up`);
  const results = {};
  const leaf = path.join(app, "src", `c${SIZES[size] - 1}.tsx`);
  const original = fs.readFileSync(leaf);
  const cssModule = path.join(app, "src", "c0.module.css");
  const originalCss = fs.readFileSync(cssModule);
  const stateless = (tool) => !["nexxo", "nexxo-edit", "nexxo-watch", "nexxo-watch-css"].includes(tool);
  const interleaved = "interleave" in args ? tools.filter(stateless) : [];
  const ready = [];
  for (const tool of interleaved) {
    const warm = runOnce(tool, app, SIZES[size]);
    const wrong = warm.error ? null : await renderCheck(tool, app, SIZES[size]);
    if (warm.error || wrong) {
      results[tool] = { error: warm.error ?? `its output does not render: ${wrong}` };
      console.log(`  ${tool.padEnd(9)} failed: ${results[tool].error.split("\n").slice(-3).join(" ")}`);
    } else ready.push(tool);
  }
  const samplesOf = Object.fromEntries(ready.map((tool) => [tool, []]));
  for (let round = 0; round < runs; round++) {
    for (const tool of round % 2 ? [...ready].reverse() : ready) {
      const s = runOnce(tool, app, SIZES[size]);
      if (!s.error) samplesOf[tool].push(s);
    }
  }
  for (const tool of ready) {
    const samples = samplesOf[tool];
    results[tool] = { ms: median(samples.map((s) => s.ms)), rssMb: Math.max(...samples.map((s) => s.rssMb)) };
  }
  for (const tool of tools.filter((t) => !interleaved.includes(t))) {
    if (tool === "nexxo-watch" || tool === "nexxo-watch-css") {
      const edit = tool === "nexxo-watch" ? () => editLeaf(app, SIZES[size]) : () => editCss(app);
      const watched = await watchRuns(app, runs, edit);
      const wrong = await renderCheck(tool, app, SIZES[size]);
      results[tool] = wrong ? { error: `its output does not render: ${wrong}` } : watched;
      fs.writeFileSync(leaf, original);
      fs.writeFileSync(cssModule, originalCss);
      if (wrong) console.log(`  ${tool.padEnd(9)} ${results[tool].error}`);
      continue;
    }
    const warm = runOnce(tool, app, SIZES[size]);
    const wrong = warm.error ? null : await renderCheck(tool, app, SIZES[size]);
    if (warm.error || wrong) {
      results[tool] = { error: warm.error ?? `its output does not render: ${wrong}` };
      console.log(`  ${tool.padEnd(9)} failed: ${results[tool].error.split("\n").slice(-3).join(" ")}`);
      fs.writeFileSync(leaf, original);
      continue;
    }
    const samples = Array.from({ length: runs }, () => runOnce(tool, app, SIZES[size])).filter((s) => !s.error);
    results[tool] = { ms: median(samples.map((s) => s.ms)), rssMb: Math.max(...samples.map((s) => s.rssMb)) };
    fs.writeFileSync(leaf, original);
  }
  const base = results["nexxo-cold"]?.ms ?? results.nexxo?.ms;
  console.log(`\n| tool | median wall | peak RSS | time vs nexxo cold |\n| --- | ---: | ---: | ---: |`);
  for (const tool of tools) {
    const r = results[tool];
    if (r.error) {
      console.log(`| ${tool} | failed | | |`);
      continue;
    }
    const ratio = base ? `${(r.ms / base).toFixed(2)}x` : "";
    console.log(`| ${tool} | ${r.ms.toFixed(0)} ms | ${r.rssMb.toFixed(0)} MB | ${ratio} |`);
    rows.push({ size, tool, ...r });
  }
}
await closeRenderCheck();
const command = `node benches/run.mjs ${process.argv.slice(2).join(" ")}`.trim();
const date = new Date().toISOString().slice(0, 10);
fs.writeFileSync(path.join(here, ".apps", "results.json"), JSON.stringify({ date, command, rows }, null, 2));
writeResults(rows, { command, date });
console.log(`\nwrote benches/RESULTS.md and benches/charts/`);
