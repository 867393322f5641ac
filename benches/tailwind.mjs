// A Tailwind CSS v4 app (its Vite guide: @tailwindcss/vite, `@import "tailwindcss"`) built by
// `nexxo build` and `vite build` in turns, paired, on this machine: wall time and peak RSS, and a
// check that both outputs hold the same utility classes. The app lives under tests/.tmp, so the
// tools and Tailwind resolve from tests/node_modules (where `bash scripts/setup.sh` installs them).
//
//   node benches/tailwind.mjs [--components 300] [--runs 7]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const components = arg("components", 300);
const runs = arg("runs", 7);
const app = path.join(repo, "tests/.tmp/bench-tailwind");

const COLORS = ["red", "blue", "green", "amber", "violet", "slate", "teal", "rose"];
fs.rmSync(app, { recursive: true, force: true });
fs.mkdirSync(path.join(app, "src/components"), { recursive: true });
const write = (rel, text) => fs.writeFileSync(path.join(app, rel), text);
write("package.json", JSON.stringify({ name: "bench-tailwind", private: true, type: "module", devDependencies: { "@tailwindcss/vite": "4.3.5", tailwindcss: "4.3.5" } }));
write("vite.config.js", 'import { defineConfig } from "vite";\nimport tailwindcss from "@tailwindcss/vite";\nexport default defineConfig({ plugins: [tailwindcss()] });\n');
write("index.html", '<!doctype html><html><head><link rel="stylesheet" href="/src/style.css"></head><body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>\n');
write("src/style.css", '@import "tailwindcss";\n.card { @apply rounded-lg shadow-md; }\n');
let main = "";
for (let i = 0; i < components; i++) {
  const c = COLORS[i % COLORS.length];
  const shade = 100 * (1 + (i % 9));
  write(
    `src/components/C${i}.ts`,
    `export function C${i}(): HTMLElement {\n  const el = document.createElement("div");\n` +
      `  el.className = "card p-${1 + (i % 12)} m-${i % 8} bg-${c}-${shade} text-${c}-${900 - (shade % 800)} hover:bg-${c}-${Math.min(shade + 100, 900)} md:flex gap-${i % 6} w-${1 + (i % 48)}";\n` +
      `  el.textContent = "component ${i}";\n  return el;\n}\n`,
  );
  main += `import { C${i} } from "./components/C${i}";\ndocument.getElementById("app")!.append(C${i}());\n`;
}
write("src/main.ts", main);

const nexxo = path.join(repo, "target/release/nexxo");
const vite = path.join(repo, "tests/node_modules/vite/bin/vite.js");
const tools = {
  nexxo: ["/usr/bin/time", ["-f", "%e %M", nexxo, "build", app, "--force", "--out-dir", "dist-nexxo"]],
  vite: ["/usr/bin/time", ["-f", "%e %M", "node", vite, "build", "--outDir", "dist-vite", "--emptyOutDir"]],
};
const samples = { nexxo: [], vite: [] };
for (let r = 0; r < runs + 1; r++) {
  for (const name of r % 2 ? ["vite", "nexxo"] : ["nexxo", "vite"]) {
    const [cmd, args] = tools[name];
    const res = spawnSync(cmd, args, { cwd: app, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    if (res.status !== 0) throw new Error(`${name} failed:\n${res.stdout}${res.stderr}`);
    const [secs, kb] = res.stderr.trim().split("\n").pop().split(" ").map(Number);
    if (r > 0) samples[name].push({ ms: secs * 1000, mb: kb / 1024 });
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const css = (dir) =>
  fs
    .readdirSync(path.join(app, dir, "assets"))
    .filter((f) => f.endsWith(".css"))
    .map((f) => fs.readFileSync(path.join(app, dir, "assets", f), "utf8"))
    .join("");
const classes = (text) => new Set([...text.matchAll(/\.((?:[a-z]+:)?[a-z]+-[a-z0-9-]+)[{:]/g)].map((m) => m[1]));
const [a, b] = [classes(css("dist-nexxo")), classes(css("dist-vite"))];
const onlyA = [...a].filter((x) => !b.has(x));
const onlyB = [...b].filter((x) => !a.has(x));
console.log(`Tailwind v4 app, ${components} components, ${runs} paired runs (after one warm-up each), ${new Date().toISOString()}`);
for (const name of ["nexxo", "vite"]) {
  const s = samples[name];
  console.log(`${name.padEnd(6)} wall ${median(s.map((x) => x.ms)).toFixed(0)} ms (min ${Math.min(...s.map((x) => x.ms)).toFixed(0)}), peak RSS ${median(s.map((x) => x.mb)).toFixed(0)} MB, CSS ${css(`dist-${name}`).length} bytes`);
}
console.log(`utility classes: ${a.size} (nexxo) / ${b.size} (vite); only in nexxo: ${onlyA.length}, only in vite: ${onlyB.length}`);
