// A Vite app's own chunking, as most apps write it: a `manualChunks` function that puts React in
// one chunk and the other packages in another. Nexxo runs the app's unchanged vite.config.mjs (it
// translates the function into chunk groups) against Vite 8 running it; builds alternate, each
// output must render in Chromium before its time counts, and the chunks each tool wrote are listed.
//
//   node chunks.mjs [--components 1000] [--runs 7]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { appWithReact } from "./generate.mjs";
import { closeRenderCheck, renderCheck } from "./render-check.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const NEXXO = process.env.NEXXO_BIN ?? path.join(repo, "target/release/nexxo");
const VITE = path.join(here, "node_modules/.bin/vite");
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const components = Number(args.components ?? 1000);
const runs = Number(args.runs ?? 7);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nexxo-chunks-bench-"));
appWithReact(dir, components);
fs.writeFileSync(
  path.join(dir, "vite.config.mjs"),
  `export default {
  logLevel: "warn",
  build: {
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes("node_modules")) {
            if (id.includes("react-dom") || id.includes("scheduler")) return "react-dom";
            return "vendor";
          }
        },
      },
    },
  },
};
`,
);

const TOOLS = {
  nexxo: [NEXXO, ["build", "--force", "--out-dir", "dist-nexxo"]],
  vite: [VITE, ["build", "--config", "vite.config.mjs", "--outDir", "dist-vite"]],
};
const times = { nexxo: [], vite: [] };
for (let i = 0; i < runs; i++) {
  for (const [tool, [cmd, argv]] of Object.entries(TOOLS)) {
    const t0 = process.hrtime.bigint();
    execFileSync(cmd, argv, { cwd: dir, stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
    times[tool].push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
const failures = {};
for (const tool of Object.keys(TOOLS)) failures[tool] = await renderCheck(tool, dir, components);
await closeRenderCheck();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The scripts a tool wrote: name without its hash, and size. */
const chunks = (tool) => {
  const out = path.join(dir, `dist-${tool}`, "assets");
  return fs
    .readdirSync(out)
    .filter((f) => f.endsWith(".js"))
    .sort()
    .map((f) => `${f.replace(/-[\w-]{8}\.js$/, "")} ${(fs.statSync(path.join(out, f)).size / 1000).toFixed(1)} kB`);
};
console.log(`\n${components} components, ${runs} runs each, ${os.cpus().length} cores, ${new Date().toISOString()}`);
console.log("| tool | build | renders | scripts |");
console.log("| --- | ---: | --- | --- |");
for (const tool of Object.keys(TOOLS)) {
  const time = failures[tool] ? "-" : `${median(times[tool]).toFixed(0)} ms`;
  console.log(`| ${tool} | ${time} | ${failures[tool] ?? "yes"} | ${chunks(tool).join(", ")} |`);
}
console.log(`ratio nexxo / vite: ${(median(times.nexxo) / median(times.vite)).toFixed(2)}`);
fs.rmSync(dir, { recursive: true, force: true });
