// Example projects the playground can load. Each is a complete Nexxo project (index.html entry).

export type Project = Record<string, string>;

const reactCounter: Project = {
  "index.html": `<!doctype html>
<html lang="en">
  <head><meta charset="UTF-8" /><title>Counter</title></head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/main.tsx"></script>
  </body>
</html>
`,
  "src/main.tsx": `import { createRoot } from "react-dom/client";
import { App } from "./App";
import "./global.css";

createRoot(document.getElementById("root")!).render(<App />);
`,
  "src/App.tsx": `import { useState } from "react";
import styles from "./App.module.css";
import { label } from "./label";

export function App() {
  const [count, setCount] = useState(0);
  return (
    <main className={styles.card}>
      <h1 id="title">Hello from Nexxo</h1>
      <button id="inc" onClick={() => setCount((c) => c + 1)}>
        {label}: {count}
      </button>
    </main>
  );
}
`,
  "src/label.ts": `export const label = "count";
`,
  "src/App.module.css": `.card {
  padding: 2rem;
  border-radius: 12px;
  background: #f4f4ff;
}
`,
  "src/global.css": `body {
  font-family: system-ui, sans-serif;
  color: rgb(20, 20, 40);
}
`,
};

const vanillaTs: Project = {
  "index.html": `<!doctype html>
<html lang="en">
  <head><meta charset="UTF-8" /><title>Vanilla</title></head>
  <body>
    <div id="app"></div>
    <script type="module" src="/src/main.ts"></script>
  </body>
</html>
`,
  "src/main.ts": `import { greet } from "./greet";
import "./style.css";

const app = document.getElementById("app")!;
app.innerHTML = \`<h1 id="title">\${greet("playground")}</h1>\`;
`,
  "src/greet.ts": `export function greet(name: string): string {
  return \`Hello, \${name}!\`;
}
`,
  "src/style.css": `h1 {
  color: rebeccapurple;
}
`,
};

export const examples: Record<string, Project> = { "react-counter": reactCounter, "vanilla-ts": vanillaTs };
