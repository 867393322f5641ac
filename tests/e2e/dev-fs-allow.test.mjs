// `server.fs.allow` (as in Vite): a page may import sources from outside the project root (a
// monorepo's shared code) only from the directories the config names, in every dev model.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { NEXXO, dev, fixture, inBuildAndDev, launchChromium, nexxo, settlePage, waitForStyle } from "./helpers.mjs";

function workspace(allow) {
  const top = fixture("fs-allow", {
    "shared/greet.js": 'export const greet = (n) => `hello ${n}`;\n',
    "shared/secret.txt": "not for the page\n",
    "app/index.html": '<!doctype html><html><body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>',
    "app/src/main.ts": 'import { greet } from "../../shared/greet.js";\ndocument.querySelector("#app")!.textContent = greet("fs");\n',
    // The app is a package of its own, not a workspace's (that would be allowed by default).
    "app/package.json": "{}\n",
    "app/nexxo.config.json": JSON.stringify(allow ? { server: { fs: { allow: [".."] } } } : {}),
  });
  return { top, app: path.join(top, "app") };
}

for (const model of [[], ["--no-bundle"], ["--engine", "wasm"]]) {
  test(`nexxo dev ${model.join(" ")}: server.fs.allow lets the page import from outside the root, and only what it imports`, async () => {
    const { top, app } = workspace(true);
    const server = await dev(app, model);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.querySelector("#app").textContent === "hello fs", null, { timeout: 20_000 });
      // A file of the allowed directory that the page never imported is not served.
      const real = fs.realpathSync(top);
      const res = await fetch(`${server.url}@fs${real}/shared/secret.txt`);
      assert.ok(res.status === 403 || res.status === 404, `secret.txt: ${res.status}`);
      assert.doesNotMatch(await res.text(), /not for the page/);
    } finally {
      await browser.close();
      await server.close();
    }
  });
}

test("nexxo dev without server.fs.allow refuses the import with a hint that names it", async () => {
  const { app } = workspace(false);
  const server = await dev(app, ["--no-bundle"]);
  try {
    const res = await fetch(server.url + "src/main.ts");
    const text = await res.text();
    assert.match(text + server.output(), /resolves outside the project root; to serve it, add its directory to `server\.fs\.allow`/);
  } finally {
    await server.close();
  }
});

/** An npm-workspaces monorepo: `apps/web` imports `@mono/ui`, which its node_modules links to
 * `packages/ui` (as npm, yarn and pnpm link workspace packages), sources and CSS. */
function monorepo() {
  const top = fixture("monorepo", {
    "package.json": JSON.stringify({ name: "mono", private: true, workspaces: ["packages/*", "apps/*"] }),
    "packages/ui/package.json": JSON.stringify({ name: "@mono/ui", version: "1.0.0", type: "module", exports: { ".": "./src/index.ts" } }),
    "packages/ui/src/index.ts": 'import "./ui.css";\nexport const label = (s: string): string => `ui:${s}`;\n',
    "packages/ui/src/ui.css": ".ui { color: rgb(3, 4, 5) }\n",
    "apps/web/package.json": JSON.stringify({ name: "web", private: true, dependencies: { "@mono/ui": "1.0.0" } }),
    "apps/web/index.html": '<!doctype html><html><body><div id="app" class="ui"></div><script type="module" src="/src/main.ts"></script></body></html>',
    "apps/web/src/main.ts": 'import { label } from "@mono/ui";\ndocument.querySelector("#app")!.textContent = label("web");\n',
  });
  fs.mkdirSync(path.join(top, "apps/web/node_modules/@mono"), { recursive: true });
  fs.symlinkSync("../../../../packages/ui", path.join(top, "apps/web/node_modules/@mono/ui"));
  return { top, app: path.join(top, "apps/web") };
}

test("a workspace package linked into node_modules works with no config (Vite's default fs.allow: the workspace root), in the build and in dev", async () => {
  const { app } = monorepo();
  await inBuildAndDev(app, async (page) => {
    await page.waitForFunction(() => document.querySelector("#app")?.textContent === "ui:web", null, { timeout: 15_000 });
    await waitForStyle(page, "#app", "color", "rgb(3, 4, 5)");
  });
});

for (const model of [[], ["--no-bundle"], ["--engine", "wasm"]]) {
  test(`nexxo dev ${model.join(" ")}: an edit in a workspace package outside the root reaches the page`, async () => {
    const { top, app } = monorepo();
    const server = await dev(app, model);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.querySelector("#app")?.textContent === "ui:web", null, { timeout: 15_000 });
      fs.writeFileSync(path.join(top, "packages/ui/src/index.ts"), 'import "./ui.css";\nexport const label = (s: string): string => `edited:${s}`;\n');
      await settlePage(page, server.url, () => document.querySelector("#app")?.textContent === "edited:web");
      // A style sheet of the package updates in place.
      await page.evaluate(() => (window.__kept = true));
      fs.writeFileSync(path.join(top, "packages/ui/src/ui.css"), ".ui { color: rgb(6, 7, 8) }\n");
      await waitForStyle(page, "#app", "color", "rgb(6, 7, 8)");
      assert.equal(await page.evaluate(() => window.__kept), true, "the CSS edit did not reload the page");
      // A directory created in the package while the server runs is watched as well.
      const deep = path.join(top, "packages/ui/src/parts/deep");
      fs.mkdirSync(deep, { recursive: true });
      fs.writeFileSync(path.join(deep, "x.ts"), 'export const part = "one";\n');
      await new Promise((r) => setTimeout(r, 300));
      fs.writeFileSync(
        path.join(top, "packages/ui/src/index.ts"),
        'import "./ui.css";\nimport { part } from "./parts/deep/x";\nexport const label = (s: string): string => `${part}:${s}`;\n',
      );
      await settlePage(page, server.url, () => document.querySelector("#app")?.textContent === "one:web");
      fs.writeFileSync(path.join(deep, "x.ts"), 'export const part = "two";\n');
      // No navigation of ours: only the server's update (or reload) can bring the edit.
      await page.waitForFunction(() => document.querySelector("#app")?.textContent === "two:web", null, { timeout: 10_000 });
    } finally {
      await browser.close();
      await server.close();
    }
  });
}

test("a monorepo builds in the WASM engine too, and nexxo build --watch rebuilds on an edit in a workspace package", async () => {
  const { top, app } = monorepo();
  const jsOf = () => {
    const assets = path.join(app, "dist/assets");
    return fs.readdirSync(assets).filter((f) => f.endsWith(".js")).map((f) => fs.readFileSync(path.join(assets, f), "utf8")).join("");
  };
  // The engine in wasmtime reads the workspace root besides the app's root.
  const r = nexxo(["build", app, "--engine", "wasm", "--force"]);
  assert.equal(r.status, 0, r.all);
  assert.match(jsOf(), /ui:/);
  const child = spawn(NEXXO, ["build", app, "--watch"], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const until = async (re) => {
    const deadline = Date.now() + 30_000;
    while (!re.test(out)) {
      if (Date.now() > deadline) throw new Error(`no ${re} in:\n${out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  try {
    await until(/watching for changes/);
    fs.writeFileSync(path.join(top, "packages/ui/src/index.ts"), 'import "./ui.css";\nexport const label = (s: string): string => `watched:${s}`;\n');
    await until(/rebuilt in \d+ms \([^)]*packages\/ui\/src\/index\.ts/);
    assert.match(jsOf(), /watched:/);
  } finally {
    child.kill("SIGINT");
    await new Promise((r) => child.once("exit", r));
  }
});
