// One production build of `app` by Nexxo's WebAssembly engine in Node, through the same JS host
// browsers and edge workers use (wasm/js/nexxo.js): read the project's files (including the
// packages it imports), compile the module, build, write the output. Used by run.mjs as the
// "nexxo-wasm-js" tool.
//
//   node wasm-node.mjs APP_DIR
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const app = path.resolve(process.argv[2]);
const { NexxoEngine } = await import(path.join(repo, "wasm/js/nexxo.js"));

const files = [];
const walk = (dir, rel) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (/^(dist|dist-.*|\.nexxo)$/.test(e.name) && !rel) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      // Packages the generated apps import; everything else under node_modules is a peer tool.
      if (rel === "node_modules" && !["react", "react-dom", "scheduler"].includes(e.name)) continue;
      walk(p, r);
    } else if (e.isFile()) {
      files.push({ path: r, text: fs.readFileSync(p, "utf8") });
    }
  }
};
walk(app, "");
const engine = await NexxoEngine.load(fs.readFileSync(process.env.NEXXO_ENGINE_WASM ?? path.join(repo, "wasm/pkg/nexxo-engine.wasm")));
const res = engine.build({ root: app, files, overrides: { sourcemap: true } });
if (!res.ok) {
  console.error(res.errors.map((e) => e.message).join("\n"));
  process.exit(1);
}
const out = path.join(app, "dist-nexxo-wasm-js");
fs.rmSync(out, { recursive: true, force: true });
for (const f of res.files) {
  const p = path.join(out, f.path);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, "text" in f ? f.text : Buffer.from(f.base64, "base64"));
}
