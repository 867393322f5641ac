// Dev-server benchmark: Nexxo against Vite on generated React apps, driven by headless Chromium.
// Measures (1) command start to the whole component tree rendered in the page, and (2) file save
// to the DOM showing the edit, median over several edits of a leaf component.
//
//   node dev.mjs [--sizes 1000,10000] [--edits N] [--tools nexxo,nexxo-esm,nexxo-wasm,nexxo-wasm-1,vite]
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateApp } from "./generate.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const NEXXO = process.env.NEXXO_BIN ?? path.join(repo, "target/release/nexxo");
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const sizes = (args.sizes ?? "1000,10000").split(",").map(Number);
const edits = Number(args.edits ?? 7);
const tools = (args.tools ?? "nexxo,nexxo-esm,vite").split(",");

const SERVERS = {
  nexxo: (app) => [NEXXO, ["dev", app, "--port", "0"]],
  // The other serving model: one request per module (as Vite 7), for the record of why bundled won.
  "nexxo-esm": (app) => [NEXXO, ["dev", app, "--port", "0", "--no-bundle"]],
  // The same DevSession inside the WASM engine under wasmtime (no persistent cache): its jobs on a
  // pool of instances, one per core, and on its own instance only.
  "nexxo-wasm": (app) => [NEXXO, ["dev", app, "--port", "0", "--engine", "wasm"]],
  "nexxo-wasm-1": (app) => [NEXXO, ["dev", app, "--port", "0", "--engine", "wasm", "--instances", "1"]],
  vite: (app) => [path.join(here, "node_modules/.bin/vite"), ["--port", "5199", "--strictPort", "--config", "vite.config.mjs"]],
};

function start(tool, app) {
  const [cmd, argv] = SERVERS[tool](app);
  const t0 = performance.now();
  const child = spawn(cmd, argv, { cwd: app, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (d) => {
      out += d;
      const m = out.match(/http:\/\/localhost:(\d+)\//);
      if (m) {
        child.stdout.off("data", onData);
        resolve({ t0, url: `http://localhost:${m[1]}/`, child });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d) => (out += d));
    setTimeout(() => reject(new Error(`${tool} did not start:\n${out}`)), 60_000);
  });
}

let running; // the server being measured, stopped if its measurement fails
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const { launchChromium } = await import(path.join(repo, "tests/e2e/chromium.mjs"));
const browser = await launchChromium();
for (const size of sizes) {
  const app = path.join(here, ".apps", `dev-${size}`);
  generateApp(app, size);
  fs.writeFileSync(path.join(app, "vite.config.mjs"),
    `import react from "${path.join(here, "node_modules/@vitejs/plugin-react/dist/index.js")}";\nexport default { plugins: [react()] };\n`);
  console.log(`\n## ${size} components`);
  console.log("| tool | start to rendered (cold) | start to rendered (warm) | save to DOM, median |\n| --- | ---: | ---: | ---: |");
  for (const tool of tools) {
    const row = [];
    try {
      await measure(tool, app, size, row);
    } catch (e) {
      running?.kill();
      console.log(`| ${tool} | failed: ${String(e.message).split("\n")[0]} | | |`);
      continue;
    }
    console.log(`| ${tool} | ${row[0].toFixed(0)} ms | ${row[1].toFixed(0)} ms | ${row[2].toFixed(1)} ms |`);
  }
}
await browser.close();

async function measure(tool, app, size, row) {
  for (const round of ["cold", "warm"]) {
    if (round === "cold") {
      fs.rmSync(path.join(app, "node_modules"), { recursive: true, force: true });
      fs.rmSync(path.join(app, ".nexxo"), { recursive: true, force: true });
    }
    const server = await start(tool, app);
    const page = await browser.newPage();
    await page.goto(server.url, { waitUntil: "commit" });
    await page.waitForFunction((n) => document.querySelectorAll("#root div").length >= n, size, { timeout: 300_000 });
    row.push(performance.now() - server.t0);
    if (round === "warm") {
      const samples = [];
      const leaf = path.join(app, `src/c${size - 1}.tsx`);
      const original = fs.readFileSync(leaf, "utf8");
      for (let i = 0; i < edits; i++) {
        const marker = `edit${i}`;
        // The page notes the moment the edit reaches the DOM (a MutationObserver, epoch time),
        // so the figure is save-to-DOM, not save-to-DOM plus the harness's polling interval.
        await page.evaluate((m) => {
          window.__seen = 0;
          const check = () => {
            if (!window.__seen && document.body.textContent.includes(m)) window.__seen = performance.timeOrigin + performance.now();
          };
          window.__obs?.disconnect();
          window.__obs = new MutationObserver(check);
          window.__obs.observe(document.body, { subtree: true, childList: true, characterData: true });
        }, marker);
        const saved = performance.timeOrigin + performance.now();
        fs.writeFileSync(leaf, original.replace("{n}", `{n}${marker}`));
        await page.waitForFunction(() => window.__seen > 0, null, { timeout: 30_000, polling: 50 });
        samples.push((await page.evaluate(() => window.__seen)) - saved);
        await new Promise((r) => setTimeout(r, 150));
      }
      fs.writeFileSync(leaf, original);
      row.push(median(samples));
    }
    await page.close();
    server.child.kill();
    await new Promise((r) => server.child.once("exit", r));
  }
}
