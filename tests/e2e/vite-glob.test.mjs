// Vite's `import.meta.glob` and dynamic imports with variables (issue 12, items 11 and 12), as
// Vite documents them: every form on one page, checked in Chromium under `nexxo build` +
// `nexxo preview`, `nexxo dev` and `nexxo dev --no-bundle`; files added to a globbed directory
// while the dev server runs (and while it is down: the persistent cache must not serve a stale
// expansion); located errors for what cannot be expanded; the WASM engine writing the same build.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { buildOk, dev, fixture, launchChromium, nexxo, preview, readTree, repoRoot, runSession } from "./helpers.mjs";

// A 1x1 PNG: the `?url` globs must give URLs the page can fetch.
const png = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b5c1a40000000049454e44ae426082",
  "hex",
);

const files = {
  "index.html": `<!doctype html><html><head><title>glob</title></head><body><pre id="out"></pre>
<script type="module" src="/src/main.ts"></script></body></html>`,
  "nexxo.config.json": JSON.stringify({ resolve: { alias: { "@": "./src" } } }),
  "src/main.ts": `type Mod = { default: string; name: string };
// Lazy (the default): path -> () => import(path), keys sorted.
const lazy = import.meta.glob<Mod>("./dir/*.js");
// Eager: namespaces imported up front.
const eager = import.meta.glob<Mod>("./dir/*.js", { eager: true });
const defaults = import.meta.glob("./dir/*.js", { eager: true, import: "default" });
// Named export, lazy: the function resolves to that export.
const named = import.meta.glob("./dir/*.js", { import: "name" });
const raw = import.meta.glob("./dir/*.md", { query: "?raw", import: "default", eager: true });
const legacyRaw = import.meta.glob("./dir/*.md", { as: "raw", eager: true });
const urls = import.meta.glob("./assets/*.png", { query: "?url", import: "default", eager: true });
const legacyUrls = import.meta.glob(
  "./assets/*.png",
  { as: "url", eager: true },
);
const withQuery = import.meta.glob("./dir/a.js", { query: { foo: "bar" }, import: "default" });
const multi = import.meta.glob(["./dir/**/*.js", "!**/b.js"]);
const absolute = import.meta.glob("/src/dir/*.js");
const aliased = import.meta.glob("@/dir/*.js");
const based = import.meta.glob("./*.js", { base: "./dir" });

const view = (name: string) => import(\`./views/\${name}.js\`);
const viewByConcat = (name: string) => import("./views/" + name + ".js");

async function run() {
  const out: Record<string, unknown> = {};
  out.lazyKeys = Object.keys(lazy);
  out.lazyType = typeof lazy["./dir/a.js"];
  out.lazyA = (await lazy["./dir/a.js"]()).default;
  out.eager = Object.fromEntries(Object.entries(eager).map(([k, m]) => [k, m.default]));
  out.defaults = defaults;
  out.named = await named["./dir/b.js"]();
  out.raw = raw;
  out.legacyRaw = legacyRaw;
  out.urlKeys = Object.keys(urls);
  out.urlsFetch = await Promise.all(Object.values(urls).map(async (u) => (await fetch(u as string)).ok));
  out.legacyUrlsSame = JSON.stringify(legacyUrls) === JSON.stringify(urls);
  out.withQuery = [Object.keys(withQuery), await withQuery["./dir/a.js"]()];
  out.multiKeys = Object.keys(multi);
  out.absoluteKeys = Object.keys(absolute);
  out.aliasedKeys = Object.keys(aliased);
  out.basedKeys = Object.keys(based);
  out.basedB = ((await based["./b.js"]()) as Mod).name;
  out.views = [(await view("home")).default, (await viewByConcat("about")).default];
  out.later = await view("later").then((m) => m.default, (e) => e.message);
  out.missing = await view("missing").then(() => "loaded?", (e) => e.message);
  out.deep = await view("deep/x").then(() => "loaded?", (e) => e.message);
  document.getElementById("out")!.textContent = JSON.stringify(out);
}
run();
`,
  "src/dir/a.js": `export default "A";\nexport const name = "a";\n`,
  "src/dir/b.js": `export default "B";\nexport const name = "b";\n`,
  "src/dir/nested/c.js": `export default "C";\nexport const name = "c";\n`,
  "src/dir/.hidden.js": `export default "hidden";\n`,
  "src/dir/readme.md": "# glob me\n",
  "src/assets/dot.png": png,
  "src/views/home.js": `export default "home view";\n`,
  "src/views/about.js": `export default "about view";\n`,
};

const expected = {
  lazyKeys: ["./dir/a.js", "./dir/b.js"],
  lazyType: "function",
  lazyA: "A",
  eager: { "./dir/a.js": "A", "./dir/b.js": "B" },
  defaults: { "./dir/a.js": "A", "./dir/b.js": "B" },
  named: "b",
  raw: { "./dir/readme.md": "# glob me\n" },
  legacyRaw: { "./dir/readme.md": "# glob me\n" },
  urlKeys: ["./assets/dot.png"],
  urlsFetch: [true],
  legacyUrlsSame: true,
  withQuery: [["./dir/a.js"], "A"],
  multiKeys: ["./dir/a.js", "./dir/nested/c.js"],
  absoluteKeys: ["/src/dir/a.js", "/src/dir/b.js"],
  aliasedKeys: ["/src/dir/a.js", "/src/dir/b.js"],
  basedKeys: ["./a.js", "./b.js"],
  basedB: "b",
  views: ["home view", "about view"],
  later: "Unknown variable dynamic import: ./views/later.js",
  missing: "Unknown variable dynamic import: ./views/missing.js",
  deep: "Unknown variable dynamic import: ./views/deep/x.js. Note that variables only represent file names one level deep.",
};

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** Opens `url` and returns what the page computed, failing on page errors. */
async function results(url, errors = []) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.locator("#out", { hasText: /./ }).waitFor({ timeout: 15_000 });
  const out = JSON.parse(await page.locator("#out").textContent());
  await page.close();
  return out;
}

test("nexxo build + preview: every glob form and dynamic import with variables, in Chromium", async () => {
  const dir = fixture("glob-build", files);
  const r = buildOk(dir);
  // The only warnings: rolldown's, that a.js and b.js, imported both eagerly and lazily by the
  // page's globs, stay in the entry chunk (as Vite warns too).
  const warnings = r.all.split("\n").filter((l) => /warn/i.test(l));
  assert.ok(warnings.every((l) => l.includes("INEFFECTIVE_DYNAMIC_IMPORT")), r.all);
  // Lazy globs and the views are split into chunks of their own, as dynamic imports are.
  const built = fs.readdirSync(path.join(dir, "dist/assets"));
  assert.ok(built.filter((f) => f.endsWith(".js")).length > 3, built.join(", "));
  const server = await preview(dir);
  try {
    const errors = [];
    assert.deepEqual(await results(server.url, errors), expected);
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

for (const mode of ["bundled", "esm"]) {
  describe(`nexxo dev (${mode})`, () => {
    let dir;
    let server;
    const start = () => dev(dir, mode === "bundled" ? [] : ["--no-bundle"]);
    before(async () => {
      dir = fixture(`glob-dev-${mode}`, files);
      server = await start();
    });
    after(async () => {
      await server?.close();
    });

    test("every glob form and dynamic import with variables", async () => {
      const errors = [];
      assert.deepEqual(await results(server.url, errors), expected);
      assert.deepEqual(errors, []);
    });

    test("a file added to a globbed directory reaches the open page; a removed one leaves it", async () => {
      const page = await browser.newPage();
      // Edits start once the HMR socket is subscribed, or the reload they cause could be missed.
      const connected = new Promise((resolve) =>
        page.on("websocket", (ws) => ws.on("framereceived", (f) => String(f.payload).includes('"connected"') && resolve())),
      );
      await page.goto(server.url);
      await page.locator("#out", { hasText: /./ }).waitFor({ timeout: 15_000 });
      await connected;
      const out = async () => JSON.parse(await page.locator("#out").textContent());
      fs.writeFileSync(path.join(dir, "src/views/later.js"), `export default "later view";\n`);
      fs.writeFileSync(path.join(dir, "src/dir/d.js"), `export default "D";\nexport const name = "d";\n`);
      // The page reloads (nothing accepts the globbing module's update); locators outlive that.
      await page.locator("#out", { hasText: "later view" }).waitFor({ timeout: 15_000 });
      await page.locator("#out", { hasText: "./dir/d.js" }).waitFor({ timeout: 15_000 });
      const now = await out();
      assert.equal(now.later, "later view");
      assert.deepEqual(now.lazyKeys, ["./dir/a.js", "./dir/b.js", "./dir/d.js"]);
      assert.deepEqual(now.defaults, { "./dir/a.js": "A", "./dir/b.js": "B", "./dir/d.js": "D" });
      fs.rmSync(path.join(dir, "src/dir/d.js"));
      await page.locator("#out", { hasText: /^(?!.*\.\/dir\/d\.js).*later view/ }).waitFor({ timeout: 15_000 });
      assert.deepEqual((await out()).lazyKeys, ["./dir/a.js", "./dir/b.js"]);
      await page.close();
    });

    test("a file added while the server is down is found on the next start (no stale cached expansion)", async () => {
      await server.close();
      fs.writeFileSync(path.join(dir, "src/dir/e.js"), `export default "E";\nexport const name = "e";\n`);
      server = await start();
      assert.match(server.output(), /cache: [1-9]\d* hits/, "the second start uses the persistent cache");
      const out = await results(server.url);
      assert.deepEqual(out.lazyKeys, ["./dir/a.js", "./dir/b.js", "./dir/e.js"]);
      assert.equal(out.defaults["./dir/e.js"], "E");
    });
  });
}

test("a pattern that is not a literal, or a dynamic import without an extension, is a located error", async () => {
  const dir = fixture("glob-errors", {
    "index.html": '<script type="module" src="/src/main.js"></script>',
    "src/main.js": `const pattern = "./dir/*.js";\nconst mods = import.meta.glob(pattern);\nconsole.log(mods);\n`,
    "src/dir/a.js": "export default 1;\n",
  });
  const r = nexxo(["build", dir]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.stderr, /src\/main\.js:2:31/);
  assert.match(r.stderr, /import\.meta\.glob\(\) patterns must be string literals/);
  assert.match(r.stderr, /const mods = import\.meta\.glob\(pattern\);/, "with a code frame");
  assert.match(r.stderr, /hint: .*string literal/);

  fs.writeFileSync(path.join(dir, "src/main.js"), "export const load = (n) =>\n  import(`./dir/${n}`);\n");
  const d = nexxo(["build", dir]);
  assert.equal(d.status, 1, d.all);
  assert.match(d.stderr, /src\/main\.js:2:10/);
  assert.match(d.stderr, /a file extension must be included/);
  assert.match(d.stderr, /@vite-ignore/);

  // The same error from the dev server, for the overlay.
  fs.writeFileSync(path.join(dir, "src/main.js"), `const pattern = "./dir/*.js";\nconst mods = import.meta.glob(pattern);\n`);
  const server = await dev(dir, ["--no-bundle"]);
  try {
    const res = await fetch(new URL("/src/main.js", server.url));
    assert.equal(res.status, 500);
    assert.match(await res.text(), /src\/main\.js:2:31/);
  } finally {
    await server.close();
  }
});

test("nexxo build --engine wasm expands globs to the same bytes as the native engine", () => {
  const dir = fixture("glob-wasm", files);
  buildOk(dir, ["--force", "--sourcemap", "--out-dir", "dist-native"]);
  buildOk(dir, ["--force", "--sourcemap", "--engine", "wasm", "--out-dir", "dist-wasm"]);
  const native = readTree(path.join(dir, "dist-native"));
  const wasm = readTree(path.join(dir, "dist-wasm"));
  assert.deepEqual(Object.keys(wasm).sort(), Object.keys(native).sort());
  for (const p of Object.keys(native)) assert.ok(native[p].equals(wasm[p]), `${p} differs between engines`);
});

test("the engine's in-browser HMR session (WASM, JS host) expands globs and sees files added to a globbed directory", async () => {
  const { NexxoEngine } = await import(path.join(repoRoot, "wasm/js/nexxo.js"));
  const wasm = await WebAssembly.compile(fs.readFileSync(path.join(repoRoot, "wasm/pkg/nexxo-engine.wasm")));
  const engine = new NexxoEngine(wasm);
  const main = `const eager = import.meta.glob("./dir/*.js", { eager: true, import: "default" });
const lazy = import.meta.glob("./dir/*.js");
const view = (n) => import(\`./dir/\${n}.js\`);
export const keys = Object.keys(lazy);
export const values = Object.values(eager);
export const b = (await view("b")).default;
export const missing = await view("zz").catch((e) => e.message);
`;
  const files = [
    { path: "index.html", text: '<script type="module" src="/main.js"></script>' },
    { path: "main.js", text: main },
    { path: "dir/a.js", text: 'export default "A";\n' },
    { path: "dir/b.js", text: 'export default "B";\n' },
  ];
  const first = engine.openSession("glob", { files });
  assert.deepEqual(first.errors, []);
  // The eager glob's files come with the entry; the lazy ones load when imported.
  assert.deepEqual(first.modules.map((m) => m.url).sort(), ["/dir/a.js", "/dir/b.js", "/main.js"]);
  // Run the modules in the dev runtime, as the playground's preview does.
  const out = await runSession(first);
  assert.deepEqual(out.keys, ["./dir/a.js", "./dir/b.js"]);
  assert.deepEqual(out.values, ["A", "B"]);
  assert.equal(out.b, "B");
  assert.equal(out.missing, "Unknown variable dynamic import: ./dir/zz.js");

  // A new file in the globbed directory changes main.js, the entry: the page starts over.
  const added = engine.updateSession("glob", [{ path: "dir/zz.js", text: 'export default "ZZ";\n' }], []);
  assert.deepEqual(added.errors, []);
  assert.equal(added.fullReload, true);
  const again = engine.openSession("glob", { files: [...files, { path: "dir/zz.js", text: 'export default "ZZ";\n' }] });
  const after = await runSession(again);
  assert.deepEqual(after.keys, ["./dir/a.js", "./dir/b.js", "./dir/zz.js"]);
  assert.equal(after.missing.default, "ZZ");
  // A file elsewhere changes nothing.
  const other = engine.updateSession("glob", [{ path: "other/x.js", text: "export default 1;\n" }], []);
  assert.deepEqual(other.messages, []);
  assert.equal(other.fullReload, false);
  engine.closeSession("glob");
});

test("a page's inline module script globs too (relative to the page): build, both dev models, a file added live", async () => {
  const page = {
    "index.html": `<!doctype html><html><body><pre id="out"></pre>
<script type="module">
const m = import.meta.glob("./src/dir/*.js", { eager: true, import: "default" });
document.getElementById("out").textContent = JSON.stringify(m);
</script></body></html>`,
    "src/dir/a.js": `export default "A";\n`,
  };
  const dir = fixture("glob-inline", page);
  buildOk(dir);
  const built = await preview(dir);
  try {
    assert.deepEqual(await results(built.url), { "./src/dir/a.js": "A" });
  } finally {
    await built.close();
  }
  for (const args of [[], ["--no-bundle"]]) {
    const server = await dev(dir, args);
    try {
      const tab = await browser.newPage();
      const connected = new Promise((resolve) =>
        tab.on("websocket", (ws) => ws.on("framereceived", (f) => String(f.payload).includes('"connected"') && resolve())),
      );
      await tab.goto(server.url);
      await tab.locator("#out", { hasText: "./src/dir/a.js" }).waitFor({ timeout: 15_000 });
      await connected;
      const added = `src/dir/b${args.length}.js`;
      fs.writeFileSync(path.join(dir, added), `export default "B";\n`);
      await tab.locator("#out", { hasText: `./${added}` }).waitFor({ timeout: 15_000 });
      await tab.close();
    } finally {
      await server.close();
    }
  }
});
