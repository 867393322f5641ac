// Library mode (`build.lib`): Nexxo against Vite 8 on a generated React component library
// (N components, each with a CSS module; React external; `es` + `umd`). Builds alternate, the
// median of `--runs` each is printed with the files each tool wrote and their sizes.
//
//   node lib.mjs [--components 200] [--runs 7]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const NEXXO = process.env.NEXXO_BIN ?? path.join(repo, "target/release/nexxo");
const VITE = path.join(here, "node_modules/.bin/vite");
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const components = Number(args.components ?? 200);
const runs = Number(args.runs ?? 7);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nexxo-lib-bench-"));
fs.mkdirSync(path.join(dir, "src"));
fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "@acme/ui", version: "1.0.0", type: "module" }));
let index = "";
for (let i = 0; i < components; i++) {
  fs.writeFileSync(
    path.join(dir, `src/C${i}.tsx`),
    `import { useState } from "react";\nimport s from "./C${i}.module.css";\nexport function C${i}({ n = ${i} }: { n?: number }) {\n  const [v, setV] = useState(n);\n  return <button className={s.b} onClick={() => setV(v + 1)}>C${i} {v}</button>;\n}\n`,
  );
  fs.writeFileSync(path.join(dir, `src/C${i}.module.css`), `.b { color: rgb(${i % 255}, 0, 0); padding: ${i % 7}px; }\n`);
  index += `export { C${i} } from "./C${i}";\n`;
}
fs.writeFileSync(path.join(dir, "src/index.ts"), index);
const external = ["react", "react/jsx-runtime"];
const globals = { react: "React", "react/jsx-runtime": "jsxRuntime" };
fs.writeFileSync(path.join(dir, "nexxo.config.json"), JSON.stringify({ build: { lib: { entry: "src/index.ts", name: "Ui" }, external, globals } }));
fs.writeFileSync(
  path.join(dir, "vite.config.mjs"),
  `export default { logLevel: "warn", build: { lib: { entry: "src/index.ts", name: "Ui" }, rollupOptions: { external: ${JSON.stringify(external)}, output: { globals: ${JSON.stringify(globals)} } } } };\n`,
);
// React's packages for the TypeScript of the sources (both tools leave them external).
fs.symlinkSync(path.join(repo, "tests/node_modules"), path.join(dir, "node_modules"));

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
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`\n${components} components, ${runs} runs each, ${os.cpus().length} cores, ${new Date().toISOString()}`);
console.log("| tool | build | files |");
console.log("| --- | ---: | --- |");
for (const tool of Object.keys(TOOLS)) {
  const out = path.join(dir, `dist-${tool}`);
  const files = fs.readdirSync(out).sort().map((f) => `${f} ${(fs.statSync(path.join(out, f)).size / 1000).toFixed(1)} kB`);
  console.log(`| ${tool} | ${median(times[tool]).toFixed(0)} ms | ${files.join(", ")} |`);
}
console.log(`ratio nexxo / vite: ${(median(times.nexxo) / median(times.vite)).toFixed(2)}`);
fs.rmSync(dir, { recursive: true, force: true });
