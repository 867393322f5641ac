// `server.*` and `preview.*` in nexxo.config.json set the servers' port when no flag does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { NEXXO, buildOk, fixture } from "./helpers.mjs";

function firstUrl(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(NEXXO, args, { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => { child.kill(); reject(new Error(out)); }, 20_000);
    const on = (d) => {
      out += d;
      const m = out.match(/http:\/\/[^\s]+/);
      if (m) { clearTimeout(timer); child.kill(); resolve(m[0]); }
    };
    child.stdout.on("data", on);
    child.stderr.on("data", on);
  });
}

test("preview.port and server.port from the config are used; --port wins", async () => {
  const port = 30000 + (process.pid % 20000);
  const dir = fixture("server-config", {
    "index.html": "<p>hi</p>",
    "nexxo.config.json": JSON.stringify({ preview: { port }, server: { port: port + 1 } }),
  });
  buildOk(dir);
  assert.match(await firstUrl(["preview", dir]), new RegExp(`:${port}/`));
  assert.match(await firstUrl(["dev", dir]), new RegExp(`:${port + 1}/`));
  assert.doesNotMatch(await firstUrl(["preview", dir, "--port", String(port + 2)]), new RegExp(`:${port}/`));
});

test("server.headers reach every response (a cross-origin-isolated page), in dev and in preview, which takes them by default", async () => {
  const { dev, preview, launchChromium } = await import("./helpers.mjs");
  const dir = fixture("server-headers", {
    "index.html": `<!doctype html><div id="out"></div><script type="module" src="/src/main.ts"></script>`,
    "src/main.ts": `document.querySelector("#out")!.textContent = String(crossOriginIsolated && typeof SharedArrayBuffer === "function");`,
    "nexxo.config.json": JSON.stringify({
      server: { headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp", "X-Team": "web" } },
    }),
  });
  buildOk(dir);
  const browser = await launchChromium();
  try {
    for (const start of [() => dev(dir), () => preview(dir)]) {
      const server = await start();
      try {
        const module = await fetch(new URL("src/main.ts", server.url));
        assert.equal(module.headers.get("x-team"), "web");
        const page = await browser.newPage();
        await page.goto(server.url);
        await page.waitForFunction(() => document.querySelector("#out").textContent !== "");
        assert.equal(await page.textContent("#out"), "true", "SharedArrayBuffer is there: the page is cross-origin isolated");
        await page.close();
      } finally {
        await server.close();
      }
    }
  } finally {
    await browser.close();
  }
});

test("--open and server.open open the app with the program BROWSER names (preview takes server.open)", async () => {
  const { dev, preview } = await import("./helpers.mjs");
  const fs = await import("node:fs");
  const path = await import("node:path");
  const dir = fixture("server-open", {
    "index.html": "<p>hi</p>",
    "nexxo.config.json": JSON.stringify({ server: { open: "/docs/" } }),
  });
  const log = path.join(dir, "opened.txt");
  const script = path.join(dir, "browser.sh");
  fs.writeFileSync(script, `#!/bin/sh\necho "$1" >> "${log}"\n`, { mode: 0o755 });
  buildOk(dir);
  const opened = async () => {
    for (let i = 0; i < 100 && !fs.existsSync(log); i++) await new Promise((r) => setTimeout(r, 50));
    const lines = fs.readFileSync(log, "utf8").trim().split("\n");
    fs.rmSync(log);
    return lines;
  };
  const before = process.env.BROWSER;
  process.env.BROWSER = script;
  try {
    let server = await dev(dir, ["--open"]);
    assert.deepEqual(await opened(), [`http://localhost:${server.port}/`], "--open wins over the config's path");
    await server.close();
    server = await preview(dir);
    assert.deepEqual(await opened(), [`http://localhost:${server.port}/docs/`]);
    await server.close();
  } finally {
    process.env.BROWSER = before;
  }
});
