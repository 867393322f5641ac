// Production builds of generated React apps by Nexxo and its peers, side by side in one run.
// Reports median wall time, peak memory (RSS) and each tool's time as a ratio of Nexxo's.
//
//   node run.mjs [--sizes tiny,2.4k,19k] [--runs N] [--tools nexxo,esbuild,...]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateApp } from "./generate.mjs";

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

function runOnce(tool, app) {
  const [cmd, argv] = TOOLS[tool](app);
  const timeFile = path.join(os.tmpdir(), `nexxo-bench-time-${process.pid}`);
  const start = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", "-o", timeFile, cmd, ...argv], {
    cwd: app, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 << 20,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) return { error: (r.stderr || r.stdout).slice(-600) };
  const rssKb = Number(fs.readFileSync(timeFile, "utf8").trim().split("\n").pop());
  return { ms, rssMb: rssKb / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
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
  for (const tool of tools) {
    const warm = runOnce(tool, app);
    if (warm.error) {
      results[tool] = { error: warm.error };
      console.log(`  ${tool.padEnd(9)} failed: ${warm.error.split("\n").slice(-3).join(" ")}`);
      continue;
    }
    const samples = Array.from({ length: runs }, () => runOnce(tool, app)).filter((s) => !s.error);
    results[tool] = { ms: median(samples.map((s) => s.ms)), rssMb: Math.max(...samples.map((s) => s.rssMb)) };
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
fs.writeFileSync(path.join(here, ".apps", "results.json"), JSON.stringify(rows, null, 2));
