// Projects that every runtime of the engine must build to identical bytes.
import fs from "node:fs";
import path from "node:path";
import { copyFixture, fixture, repoRoot, vendorPackages } from "./helpers.mjs";

// A PNG large enough not to be inlined: binary output must survive every wire format.
const png = Buffer.concat([
  Buffer.from("89504e470d0a1a0a", "hex"),
  Buffer.from(Array.from({ length: 6000 }, (_, i) => (i * 7919) % 256)),
]);

export function pageProject() {
  return fixture("parity-page", {
    "index.html": `<!doctype html><html><head><link rel="icon" href="/favicon.svg" /></head>
<body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>`,
    ".env": "NEXXO_GREETING=hello parity\n",
    "public/favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "src/main.ts": `import styles from "./card.module.css";
import "./global.css";
import logo from "./logo.png";
import data from "./data.json";
const el = document.getElementById("app")!;
el.className = styles.card;
el.innerHTML = \`<img src="\${logo}"> \${import.meta.env.NEXXO_GREETING} \${data.items.length}\`;
export async function later(): Promise<string> {
  const { heavy } = await import("./lazy");
  return heavy(3);
}
`,
    "src/lazy.ts": `import "./lazy.css";\nexport const heavy = (n: number): string => "x".repeat(n);\n`,
    "src/lazy.css": ".lazy { color: teal; }\n",
    "src/card.module.css": ".card { composes: frame from './frame.module.css'; padding: 4px; background: url(./logo.png); }\n",
    "src/frame.module.css": ".frame { border: 1px solid; }\n",
    "src/global.css": "@import './reset.css';\nbody { color: rgb(1, 2, 3); }\n",
    "src/reset.css": "* { margin: 0; }\n",
    "src/data.json": JSON.stringify({ items: [1, 2, 3] }),
    "src/logo.png": png,
  });
}

/** examples/react-ts with React vendored into the project (in-memory builds get only its files). */
export function reactProject() {
  const dir = copyFixture("parity-react", path.join(repoRoot, "examples/react-ts"));
  vendorPackages(dir, ["react", "react-dom", "scheduler"]);
  return dir;
}

export function vanillaProject() {
  return copyFixture("parity-vanilla", path.join(repoRoot, "examples/vanilla"));
}

export const publicFilesOf = (dir) =>
  fs.existsSync(path.join(dir, "public")) ? fs.readdirSync(path.join(dir, "public")) : [];
