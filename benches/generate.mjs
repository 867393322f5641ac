// Generates a React + TypeScript app with `components` components (each with a util module, every
// tenth with a CSS module), wired as a binary tree so every module is reachable and rendered.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The app of `components` components at `dir` with benches/'s React packages in its own
 * node_modules (what the in-memory bundlers are given), generated only when it is not there yet.
 * Returns its module count, or null when it was already there. */
export function appWithReact(dir, components) {
  if (fs.existsSync(path.join(dir, "src/main.tsx"))) return null;
  const modules = generateApp(dir, components);
  const from = path.join(path.dirname(fileURLToPath(import.meta.url)), "node_modules");
  for (const pkg of ["react", "react-dom", "scheduler"])
    fs.cpSync(path.join(from, pkg), path.join(dir, "node_modules", pkg), { recursive: true });
  return modules;
}

export function generateApp(dir, components) {
  fs.rmSync(dir, { recursive: true, force: true });
  const src = path.join(dir, "src");
  fs.mkdirSync(src, { recursive: true });
  const write = (rel, text) => fs.writeFileSync(path.join(dir, rel), text);
  let modules = 0;
  for (let i = 0; i < components; i++) {
    const kids = [2 * i + 1, 2 * i + 2].filter((k) => k < components);
    const css = i % 10 === 0;
    const lines = [
      'import { useState } from "react";',
      `import { f${i} } from "./u${i}";`,
      ...kids.map((k) => `import C${k} from "./c${k}";`),
      ...(css ? [`import * as styles from "./c${i}.module.css";`] : []),
      `export default function C${i}(): JSX.Element {`,
      `  const [n, setN] = useState<number>(${i});`,
      `  return (<div className={${css ? `styles.box` : `"c${i}"`}} onClick={() => setN(f${i}(n))}>`,
      `    {n}${kids.map((k) => `<C${k} />`).join("")}`,
      "  </div>);",
      "}",
    ];
    write(`src/c${i}.tsx`, lines.join("\n") + "\n");
    write(`src/u${i}.ts`, `export function f${i}(x: number): number {\n  return (x * 31 + ${i}) % 1000;\n}\n`);
    modules += 2;
    if (css) {
      write(`src/c${i}.module.css`, `.box {\n  padding: ${i % 7}px;\n  border: 1px solid rgb(${i % 255}, 0, 0);\n}\n`);
      modules += 1;
    }
  }
  write("src/main.tsx", [
    'import { createRoot } from "react-dom/client";',
    'import C0 from "./c0";',
    'createRoot(document.getElementById("root")!).render(<C0 />);',
  ].join("\n") + "\n");
  modules += 1;
  write("index.html", '<!doctype html>\n<html>\n  <head><title>bench</title></head>\n  <body>\n    <div id="root"></div>\n    <script type="module" src="/src/main.tsx"></script>\n  </body>\n</html>\n');
  write("tsconfig.json", JSON.stringify({ compilerOptions: { jsx: "react-jsx", strict: false, target: "ES2020", module: "ESNext", moduleResolution: "bundler" } }));
  write("src/env.d.ts", 'declare module "*.module.css" { const c: Record<string, string>; export default c; }\ndeclare namespace JSX { type Element = any; }\n');
  write("rspack.config.mjs", `export default {
  mode: "production",
  entry: "./src/main.tsx",
  devtool: "source-map",
  output: { path: new URL("./dist-rspack", import.meta.url).pathname, clean: true },
  resolve: { extensions: [".tsx", ".ts", ".js"] },
  module: {
    rules: [
      { test: /\\.tsx?$/, loader: "builtin:swc-loader", type: "javascript/auto",
        options: { jsc: { parser: { syntax: "typescript", tsx: true }, transform: { react: { runtime: "automatic" } } } } },
      { test: /\\.module\\.css$/, type: "css/module" },
    ],
  },
  experiments: { css: true },
};
`);
  return modules;
}

// A generated app's files as the engine's in-memory API takes them (`{ path, text }`, paths relative
// to `dir`), leaving out earlier outputs (`dist*`) and the cache (`.nexxo`).
export function readAppFiles(dir) {
  const files = [];
  const walk = (abs, rel) => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      if (!rel && /^(dist.*|\.nexxo)$/.test(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(abs, e.name), r);
      else if (e.isFile()) files.push({ path: r, text: fs.readFileSync(path.join(abs, e.name), "utf8") });
    }
  };
  walk(dir, "");
  return files;
}
