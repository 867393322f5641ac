// Paired runs of several `nexxo` binaries on one generated app, for measuring a change to Nexxo
// itself: the binaries alternate (A B, then B A, ...) so drift in the machine's load hits them
// alike. Prints per binary the median and minimum wall time, median CPU time (user + sys) and
// median peak RSS; with --profile, the median of each row of `nexxo build --profile`'s table.
//
//   node paired.mjs --app DIR [--generate COMPONENTS] [--runs N] [--warm] [--profile] [--flags "..."] BIN...
//
// --generate writes the app first (generate.mjs; 1100 components is the 2.4k-module app, 8600 the
// 19k one) with React copied from benches/ or tests/ node_modules. Cold runs pass --force (the
// cache is removed and refilled); --warm runs build the unchanged app from the cache, each binary
// in its own copy of the app (DIR-0, DIR-1, ...) so their caches do not evict each other.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateApp } from "./generate.mjs";
import { waitForExitHelpers } from "./exit-helpers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? dflt : argv.splice(i, 2)[1];
};
const flag = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv.splice(i, 1).length > 0;
};
const app = path.resolve(opt("app", ".apps/paired"));
const generate = opt("generate", null);
const runs = Number(opt("runs", "7"));
const extra = opt("flags", "--sourcemap").split(" ").filter(Boolean);
const warm = flag("warm");
const profile = flag("profile");
const bins = argv.map((b) => path.resolve(b));
if (bins.length === 0) throw new Error("name at least one nexxo binary");

const appOf = (i) => (warm ? `${app}-${i}` : app);
if (generate) {
  generateApp(app, Number(generate));
  const from = ["node_modules", "../tests/node_modules"].map((d) => path.join(here, d)).find((d) => fs.existsSync(path.join(d, "react")));
  for (const pkg of ["react", "react-dom", "scheduler"]) fs.cpSync(path.join(from, pkg), path.join(app, "node_modules", pkg), { recursive: true });
}
if (warm) bins.forEach((_, i) => fs.rmSync(appOf(i), { recursive: true, force: true }) || fs.cpSync(app, appOf(i), { recursive: true }));

const timeFile = path.join(os.tmpdir(), `nexxo-paired-${process.pid}`);
function once(bin, i) {
  const args = ["build", appOf(i), "--out-dir", `dist-paired-${i}`, ...extra, ...(warm ? [] : ["--force"]), ...(profile ? ["--profile"] : [])];
  const start = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%U %S %M", "-o", timeFile, bin, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  waitForExitHelpers();
  if (r.status !== 0) throw new Error(`${bin} failed:\n${r.stderr}`);
  const [user, sys, rssKb] = fs.readFileSync(timeFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
  const stages = {};
  if (profile) {
    for (const line of r.stderr.split("\nstage")[1].split("\n").slice(1)) {
      const m = line.match(/^(.*?)\s{2,}(\d+\.\d)\s/);
      if (m) stages[m[1].trimEnd()] = Number(m[2]);
    }
  }
  return { ms, cpu: (user + sys) * 1000, rss: rssKb / 1024, stages };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = bins.map(() => []);
bins.forEach((b, i) => once(b, i)); // warm-up: page cache, and the cache of --warm
for (let r = 0; r < runs; r++) {
  const order = r % 2 === 0 ? bins.map((_, i) => i) : bins.map((_, i) => bins.length - 1 - i);
  for (const i of order) results[i].push(once(bins[i], i));
}
bins.forEach((b, i) => {
  const xs = results[i];
  console.log(`${path.basename(b)}: wall median ${median(xs.map((x) => x.ms)).toFixed(0)} ms (min ${Math.min(...xs.map((x) => x.ms)).toFixed(0)}), ` +
    `cpu median ${median(xs.map((x) => x.cpu)).toFixed(0)} ms, peak RSS median ${median(xs.map((x) => x.rss)).toFixed(0)} MB, ${runs} runs`);
  if (profile) {
    for (const row of Object.keys(xs[0].stages)) {
      console.log(`| ${row.replace(/^ +/, (s) => "&nbsp;".repeat(s.length))} | ${median(xs.map((x) => x.stages[row] ?? 0)).toFixed(1)} |`);
    }
  }
});
