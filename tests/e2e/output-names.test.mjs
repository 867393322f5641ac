// Where a build puts its files and what it says about them, as Vite apps configure it: Rollup's
// `output.entryFileNames` / `chunkFileNames` / `assetFileNames` patterns (apps served by a
// backend that wants `js/` and `css/`, or names without hashes), `build.sourcemap: "hidden"`
// (maps uploaded to an error tracker, never announced to browsers) and `"inline"`, and
// `build.chunkSizeWarningLimit` with Vite's warning about large chunks.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  PNG_1PX,
  backgroundImage,
  buildOk,
  decodeMappings,
  fixture,
  launchChromium,
  listFiles,
  nexxo,
  openPage,
  preview,
  readTree,
  vendorPackages,
} from "./helpers.mjs";

// A 1x1 PNG padded past any inline limit, so it is emitted as a file whatever the config says.
const PNG = Buffer.concat([PNG_1PX, Buffer.alloc(6000)]);

const reactApp = {
  "index.html": `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><div id="root"></div>
<script type="module" src="/src/main.tsx"></script></body></html>`,
  "src/main.tsx": `import { createRoot } from "react-dom/client";
import { App } from "./App";
createRoot(document.getElementById("root")!).render(<App />);
`,
  "src/App.tsx": `import { lazy, Suspense, useState } from "react";
import styles from "./App.module.css";
const Page = lazy(() => import("./Page"));
export function App() {
  const [count, setCount] = useState(0);
  const [open, setOpen] = useState(false);
  return (
    <main className={styles.app}>
      <button id="inc" onClick={() => setCount((c) => c + 1)}>count {count}</button>
      <button id="open" onClick={() => setOpen(true)}>open</button>
      {open && <Suspense fallback={<p>loading</p>}><Page /></Suspense>}
    </main>
  );
}
`,
  "src/App.module.css": `.app { background: url("./img/bg.png") no-repeat; padding-top: 3px }\n`,
  "src/Page.tsx": `import "./page.css";
import photo from "./img/photo.png";
export default function Page() {
  return <section id="page"><h2>page</h2><img id="photo" src={photo} /></section>;
}
`,
  "src/page.css": `#page h2 { color: rgb(10, 20, 30) }\n`,
  "src/img/bg.png": PNG,
  "src/img/photo.png": Buffer.concat([PNG, Buffer.from("photo")]),
};

/** Opens `url` in Chromium and checks the React app: state, the lazy page with its style sheet and
 * image, the CSS module's background image; no page error and no failed request. */
async function checkReactApp(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  const failed = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("requestfailed", (r) => failed.push(r.url()));
  page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
  await page.goto(url);
  await page.locator("#inc").click();
  await page.locator("#inc", { hasText: "count 1" }).waitFor({ timeout: 10_000 });
  await page.locator("#open").click();
  await page.locator("#page h2").waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector("#photo").complete, null, { timeout: 10_000 });
  const seen = await page.evaluate(() => ({
    color: getComputedStyle(document.querySelector("#page h2")).color,
    photo: document.querySelector("#photo").naturalWidth,
    photoSrc: document.querySelector("#photo").src,
  }));
  const { url: bgUrl, status: bgStatus } = await backgroundImage(page, "main");
  Object.assign(seen, { bgUrl, bgStatus });
  await page.close();
  assert.deepEqual(errors, []);
  assert.deepEqual(failed, []);
  return seen;
}

/** The files of a source map, and the generated code's first mapped segment's source. */
function mapSources(map) {
  assert.equal(map.version, 3);
  assert.ok(decodeMappings(map.mappings).some((line) => line.length > 0), "the map maps nothing");
  return map.sources;
}

describe("Vite's output file-name patterns, a relative base and hidden source maps", () => {
  let dir;
  let server;
  let browser;
  let built;
  before(async () => {
    dir = fixture("output-names", {
      ...reactApp,
      "nexxo.config.json": JSON.stringify({
        base: "./",
        build: {
          entryFileNames: "js/[name]-[hash].js",
          chunkFileNames: "js/[name]-[hash].js",
          assetFileNames: "static/[ext]/[name]-[hash:10][extname]",
          sourcemap: "hidden",
        },
      }),
    });
    // In the project, so that the WASM engine's sandbox sees them too.
    vendorPackages(dir, ["react", "react-dom", "scheduler"]);
    built = buildOk(dir);
    // A relative base serves from any directory: the output copied two levels down.
    const served = path.join(dir, "served");
    fs.cpSync(path.join(dir, "dist"), path.join(served, "deep/app"), { recursive: true });
    server = await preview(dir, ["--out-dir", "served"]);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("every file goes where its pattern says, maps beside the chunks and named by none", () => {
    const files = listFiles(path.join(dir, "dist")).filter((f) => !f.startsWith(".nexxo/"));
    const rest = files.filter(
      (f) =>
        f !== "index.html" &&
        !/^js\/[\w-]+-[\w-]{8}\.js(\.map)?$/.test(f) &&
        !/^static\/css\/[\w-]+-[0-9a-f]{10}\.css$/.test(f) &&
        !/^static\/png\/(bg|photo)-[0-9a-f]{10}\.png$/.test(f),
    );
    assert.deepEqual(rest, [], files.join("\n"));
    const js = files.filter((f) => f.endsWith(".js"));
    assert.ok(js.length >= 2, `an entry and the lazy page's chunk: ${js}`);
    for (const f of js) {
      const code = fs.readFileSync(path.join(dir, "dist", f), "utf8");
      assert.doesNotMatch(code, /sourceMappingURL/, f);
      assert.ok(files.includes(`${f}.map`), `${f} has no map`);
    }
    assert.equal(files.filter((f) => f.startsWith("static/css/")).length, 2, files.join("\n"));
    const entry = js.find((f) => /^js\/index-/.test(f));
    const map = JSON.parse(fs.readFileSync(path.join(dir, "dist", `${entry}.map`), "utf8"));
    // Sources are relative to the map, which is in dist/js/.
    assert.ok(mapSources(map).includes("../../src/App.tsx"), map.sources.join(", "));
    // The summary lists them where they are.
    assert.match(built.stdout, /dist\/js\/index-[\w-]{8}\.js\.map/);
    // The manifest points at the same places.
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "dist/.nexxo/manifest.json"), "utf8"));
    assert.equal(manifest["index.html"].file, entry);
    assert.match(manifest["index.html"].css[0], /^static\/css\/index-/);
  });

  test("the app runs from a subdirectory in Chromium: state, its lazy page, styles and images", async () => {
    const seen = await checkReactApp(browser, new URL("deep/app/", server.url).href);
    assert.equal(seen.color, "rgb(10, 20, 30)");
    assert.equal(seen.photo, 1);
    assert.match(seen.photoSrc, /\/deep\/app\/static\/png\/photo-[0-9a-f]{10}\.png$/);
    assert.match(seen.bgUrl, /\/deep\/app\/static\/png\/bg-[0-9a-f]{10}\.png$/);
    assert.equal(seen.bgStatus, 200);
  });

  test("nexxo preview keeps the hashed files for good, by the configured patterns", async () => {
    const files = listFiles(path.join(dir, "dist"));
    const png = files.find((f) => f.startsWith("static/png/"));
    const js = files.find((f) => f.endsWith(".js"));
    for (const f of [png, js, `${js}.map`]) {
      const res = await fetch(new URL(`deep/app/${f}`, server.url));
      assert.equal(res.status, 200, f);
      // The patterns name `static/...` and `js/...`, not `deep/app/...`: served two levels down,
      // they are not the build's paths, so nothing is promised.
      assert.equal(res.headers.get("cache-control"), "no-cache", f);
    }
    const own = await preview(dir);
    try {
      for (const f of [png, js, `${js}.map`]) {
        const res = await fetch(new URL(f, own.url));
        assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable", f);
      }
      const page = await fetch(own.url);
      assert.equal(page.headers.get("cache-control"), "no-cache");
    } finally {
      await own.close();
    }
  });

  test("the WASM engine writes the same files", () => {
    const native = readTree(path.join(dir, "dist"));
    const wasm = fixture("output-names-wasm", {});
    fs.cpSync(dir, wasm, { recursive: true, filter: (src) => !/[\\/](dist|served|\.nexxo)$/.test(src) });
    buildOk(wasm, ["--engine", "wasm", "--force"]);
    assert.deepEqual(readTree(path.join(wasm, "dist")), native);
  });
});

describe("names without hashes, inline maps, and the command line's --sourcemap=KIND", () => {
  const files = {
    "index.html": `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><p id="out"></p>
<script type="module" src="/src/main.ts"></script></body></html>`,
    "src/main.ts": `import "./main.css";
const { greet } = await import("./lazy");
document.querySelector("#out")!.textContent = greet("names");
`,
    "src/main.css": "#out { color: rgb(4, 5, 6) }\n",
    "src/lazy.ts": `import "./lazy.css";\nexport const greet = (n: string) => "hello " + n;\n`,
    "src/lazy.css": "#out { font-weight: 700 }\n",
    "nexxo.config.json": JSON.stringify({
      build: {
        entryFileNames: "assets/[name].js",
        chunkFileNames: "assets/[name].js",
        assetFileNames: "assets/[name][extname]",
        sourcemap: "inline",
      },
    }),
  };

  test("the names are exactly the patterns; each map is inside its chunk; preview revalidates them", async () => {
    const dir = fixture("output-names-plain", files);
    buildOk(dir);
    const out = path.join(dir, "dist");
    assert.deepEqual(
      listFiles(out).filter((f) => !f.startsWith(".nexxo/")),
      ["assets/index.css", "assets/index.js", "assets/lazy.css", "assets/lazy.js", "index.html"],
    );
    for (const [f, src] of [["assets/index.js", "../../src/main.ts"], ["assets/lazy.js", "../../src/lazy.ts"]]) {
      const code = fs.readFileSync(path.join(out, f), "utf8");
      const m = code.match(/\n\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/);
      assert.ok(m, `${f} ends with no inline map:\n${code.slice(-200)}`);
      assert.ok(mapSources(JSON.parse(Buffer.from(m[1], "base64").toString("utf8"))).includes(src), f);
    }
    const server = await preview(dir);
    const browser = await launchChromium();
    try {
      const { page, errors } = await openPage(browser, server.url);
      await page.locator("#out", { hasText: "hello names" }).waitFor({ timeout: 10_000 });
      const style = await page.evaluate(() => {
        const s = getComputedStyle(document.querySelector("#out"));
        return [s.color, s.fontWeight];
      });
      assert.deepEqual(style, ["rgb(4, 5, 6)", "700"]);
      assert.deepEqual(errors, []);
      // An unhashed name may get new content at the next build: never "immutable".
      const res = await fetch(new URL("assets/index.js", server.url));
      assert.equal(res.headers.get("cache-control"), "no-cache");
    } finally {
      await browser.close();
      await server.close();
    }

    // `--sourcemap=hidden` wins over the config's "inline"; `--sourcemap` alone keeps its kind.
    buildOk(dir, ["--sourcemap=hidden"]);
    assert.ok(fs.existsSync(path.join(out, "assets/index.js.map")));
    assert.doesNotMatch(fs.readFileSync(path.join(out, "assets/index.js"), "utf8"), /sourceMappingURL/);
    buildOk(dir, ["--sourcemap"]);
    assert.ok(!fs.existsSync(path.join(out, "assets/index.js.map")));
    assert.match(fs.readFileSync(path.join(out, "assets/index.js"), "utf8"), /sourceMappingURL=data:/);
    const bad = nexxo(["build", dir, "--sourcemap=external"]);
    assert.equal(bad.status, 2, bad.all);
    assert.match(bad.stderr, /possible values: true, hidden, inline/);
  });
});

describe("build.chunkSizeWarningLimit", () => {
  test("a chunk over the limit is named after the summary, as Vite warns; the build still succeeds", () => {
    const dir = fixture("chunk-limit", reactApp);
    // React and react-dom minified are about 190 kB: under Vite's default 500.
    const quiet = buildOk(dir);
    assert.doesNotMatch(quiet.all, /larger than/);
    fs.writeFileSync(path.join(dir, "nexxo.config.json"), JSON.stringify({ build: { chunkSizeWarningLimit: 100 } }));
    const loud = buildOk(dir);
    assert.match(loud.stdout, /\(!\) Some chunks are larger than 100 kB after minification:\n {2}dist\/assets\/index-[\w-]{8}\.js \(\d+\.\d+ kB\)\n/);
    assert.match(loud.stdout, /build\.chunkSizeWarningLimit/);
    // Only the large chunk: the lazy page's is a few hundred bytes.
    assert.doesNotMatch(loud.stdout, /dist\/assets\/Page-[\w-]{8}\.js \(/);
    // From the cache too: the warning is about the output, not the build that made it.
    const cached = buildOk(dir);
    assert.match(cached.stdout, /from cache/);
    assert.match(cached.stdout, /larger than 100 kB/);
    // Unminified sizes say little (as in Vite): no warning.
    assert.doesNotMatch(buildOk(dir, ["--no-minify"]).stdout, /larger than/);
  });

  test("bad values and patterns are located errors with a hint, exit 1", () => {
    for (const [build, says] of [
      [{ chunkSizeWarningLimit: "big" }, /chunkSizeWarningLimit/],
      [{ sourcemap: "external" }, /"external" is not a kind of source map/],
      [{ assetFileNames: "../[name][extname]" }, /must stay inside the output directory/],
      [{ entryFileNames: "js/[id].js" }, /unknown placeholder \[id\]/],
      [{ chunkFileNames: "js/chunk.js" }, /neither \[name\] nor \[hash\]/],
    ]) {
      const text = JSON.stringify({ build }, null, 2);
      const dir = fixture("bad-names", { ...reactApp, "nexxo.config.json": text });
      const r = nexxo(["build", dir]);
      assert.equal(r.status, 1, r.all);
      assert.match(r.stderr, says);
      // `{`, `"build": {`, then the field: line 3.
      assert.match(r.stderr, /nexxo\.config\.json:3:\d+/, r.stderr);
      assert.match(r.stderr, /hint:/);
    }
    // With a relative base the chunks must share a directory: the base can come from the command line.
    const dir = fixture("bad-names-base", {
      ...reactApp,
      "nexxo.config.json": JSON.stringify({ build: { entryFileNames: "js/[name].js", chunkFileNames: "chunks/[name].js" } }),
    });
    buildOk(dir);
    const r = nexxo(["build", dir, "--base", "./"]);
    assert.equal(r.status, 1, r.all);
    assert.match(r.stderr, /must put every chunk in one directory when `base` is relative/);
  });
});

describe("manualChunks functions and Vite 8's codeSplitting, from a vite.config", () => {
  // The shape most apps write: packages apart from the app, React apart from the other packages.
  const MANUAL_CHUNKS = `manualChunks(id) {
          if (id.includes('node_modules')) {
            if (id.includes('react-dom') || /[\\\\/]react[\\\\/]/.test(id)) {
              return 'react'
            }
            return 'vendor'
          }
        }`;
  const app = (config) =>
    fixture("manual-chunks-fn", {
      ...reactApp,
      "vite.config.ts": config,
      "node_modules/tiny-fmt/package.json": JSON.stringify({ name: "tiny-fmt", version: "1.0.0", main: "index.js" }),
      "node_modules/tiny-fmt/index.js": `module.exports.fmt = (n) => "tiny-fmt-marker " + n;\n`,
      "src/App.tsx": reactApp["src/App.tsx"]
        .replace(`import styles`, `import { fmt } from "tiny-fmt";\nimport styles`)
        .replace("count {count}", "{fmt(count)}"),
    });

  /** The built JS files by their names' first part (`react`, `vendor`, `index`, `Page`), but for
   * the helpers' chunk rolldown adds when two chunks share its CommonJS interop (as Vite 8 does). */
  function chunks(dir) {
    const out = {};
    const files = listFiles(path.join(dir, "dist/assets"));
    for (const f of files.filter((f) => f.endsWith(".js") && !f.startsWith("rolldown-runtime-"))) {
      out[f.replace(/-[\w-]{8}\.js$/, "")] = fs.readFileSync(path.join(dir, "dist/assets", f), "utf8");
    }
    return out;
  }

  async function runs(dir) {
    const server = await preview(dir);
    const browser = await launchChromium();
    try {
      const { page, errors } = await openPage(browser, server.url);
      await page.locator("#inc", { hasText: "tiny-fmt-marker 0" }).waitFor({ timeout: 10_000 });
      await page.locator("#inc").click();
      await page.locator("#inc", { hasText: "tiny-fmt-marker 1" }).waitFor({ timeout: 10_000 });
      await page.locator("#open").click();
      await page.locator("#page h2").waitFor({ timeout: 10_000 });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  }

  for (const [kind, config] of [
    ["read as data", `import { defineConfig } from 'vite'\nexport default defineConfig({\n  build: {\n    rollupOptions: {\n      output: {\n        ${MANUAL_CHUNKS},\n      },\n    },\n  },\n})\n`],
    [
      "run with Node.js (loadEnv)",
      `import { defineConfig, loadEnv } from 'vite'\nexport default defineConfig(({ mode }) => {\n  const env = loadEnv(mode, process.cwd(), '')\n  return {\n    define: { __X__: JSON.stringify(env.X ?? '') },\n    build: { rollupOptions: { output: { ${MANUAL_CHUNKS} } } },\n  }\n})\n`,
    ],
  ]) {
    test(`a manualChunks function (${kind}) splits React and the other packages as its ifs say; the app runs`, async () => {
      const dir = app(config);
      const r = buildOk(dir);
      assert.doesNotMatch(r.all, /manualChunks.*not translated/, r.all);
      const js = chunks(dir);
      assert.deepEqual(Object.keys(js).sort(), ["Page", "index", "react", "vendor"], Object.keys(js).join(", "));
      assert.match(js.vendor, /tiny-fmt-marker/);
      assert.doesNotMatch(js.index + js.react, /tiny-fmt-marker/);
      // React's runtime (react-dom's error URLs) is in its chunk, not in the app's.
      assert.match(js.react, /react\.dev\/errors/);
      assert.doesNotMatch(js.index, /react\.dev\/errors/);
      // The page preloads the chunks its entry needs.
      const html = fs.readFileSync(path.join(dir, "dist/index.html"), "utf8");
      assert.match(html, /<link rel="modulepreload"[^>]*assets\/react-/);
      await runs(dir);
    });
  }

  test("a manualChunks function that names a chunk per package (split('node_modules/')[1])", async () => {
    const dir = app(`export default {
  build: {
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules')) {
            return id.toString().split('node_modules/')[1].split('/')[0].toString()
          }
        },
      },
    },
  },
}
`);
    const r = buildOk(dir);
    assert.doesNotMatch(r.all, /not translated/, r.all);
    const js = chunks(dir);
    // A chunk per package the app uses; the app's own modules stay in theirs.
    for (const pkg of ["react-dom", "tiny-fmt"]) assert.ok(pkg in js, `no ${pkg} chunk: ${Object.keys(js)}`);
    assert.match(js["tiny-fmt"], /tiny-fmt-marker/);
    assert.doesNotMatch(js.index, /tiny-fmt-marker|react\.dev\/errors/);
    await runs(dir);
  });

  test("Vite 8's codeSplitting groups and Rollup's inlineDynamicImports", async () => {
    const dir = app(`export default {
  build: {
    rolldownOptions: {
      output: {
        codeSplitting: { groups: [{ name: 'pkgs', test: /[\\\\/]node_modules[\\\\/]/ }] },
      },
    },
  },
}
`);
    buildOk(dir);
    assert.deepEqual(Object.keys(chunks(dir)).sort(), ["Page", "index", "pkgs"]);
    await runs(dir);
    fs.writeFileSync(path.join(dir, "vite.config.ts"), "export default { build: { rollupOptions: { output: { inlineDynamicImports: true } } } }\n");
    buildOk(dir);
    // One script: the lazy page's code is inside it, and it still renders on demand.
    assert.deepEqual(Object.keys(chunks(dir)), ["index"]);
    await runs(dir);
  });
});

describe("dropping console and debugger (esbuild.drop, Vite 8's minify.compress)", () => {
  test("a production build has no console calls or debugger statements; the page still runs", async () => {
    const dir = fixture("drop-console", {
      "index.html": `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><p id="out"></p>
<script type="module" src="/src/main.ts"></script></body></html>`,
      "src/main.ts": `const n = [1, 2, 3].reduce((a, b) => a + b, 0);
console.log("secret-log", n);
console.warn("secret-warn");
debugger;
document.querySelector("#out")!.textContent = "sum " + n;
`,
      // Vite 7's way, for production builds only; migrate takes the build's branch.
      "vite.config.ts": `import { defineConfig } from 'vite'
export default defineConfig(({ mode }) => ({
  esbuild: { drop: mode === 'production' ? ['console', 'debugger'] : [] },
}))
`,
    });
    const js = () => {
      const files = listFiles(path.join(dir, "dist/assets")).filter((f) => f.endsWith(".js"));
      return files.map((f) => fs.readFileSync(path.join(dir, "dist/assets", f), "utf8")).join("\n");
    };
    buildOk(dir);
    assert.doesNotMatch(js(), /secret-log|secret-warn|debugger/);
    const server = await preview(dir);
    const browser = await launchChromium();
    try {
      const { page, errors } = await openPage(browser, server.url);
      const logged = [];
      page.on("console", (m) => logged.push(m.text()));
      await page.reload();
      await page.locator("#out", { hasText: "sum 6" }).waitFor({ timeout: 10_000 });
      assert.deepEqual(logged.filter((t) => t.includes("secret")), []);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
    // Without it, the calls stay (and so does oxc's default: `debugger` dropped when minifying).
    fs.rmSync(path.join(dir, "vite.config.ts"));
    buildOk(dir);
    assert.match(js(), /secret-log/);
    // The same as nexxo.config.json, Vite 8's option names.
    fs.writeFileSync(path.join(dir, "nexxo.config.json"), JSON.stringify({ build: { minify: { compress: { dropConsole: true, dropDebugger: false } } } }));
    buildOk(dir);
    assert.doesNotMatch(js(), /secret-log/);
    assert.match(js(), /debugger/);
  });
});
