// A real npm package with a style sheet and images (Leaflet, installed in tests/node_modules, so
// hoisted above each fixture's root): its CSS and the images its CSS and its code load work in
// `nexxo dev` (both serving models) and in the built app, and the dev server serves no file of
// the hoisted node_modules that the app did not reach.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { buildOk, dev, fixture, launchChromium, preview, rawGet, repoRoot } from "./helpers.mjs";

const files = {
  "index.html": `<!doctype html><html><head><style>#map { width: 400px; height: 300px }</style></head>
<body><div id="map"></div><script type="module" src="/src/main.js"></script></body></html>`,
  "src/main.js": `import L from "leaflet";
import "leaflet/dist/leaflet.css";
const map = L.map("map").setView([51.5, -0.09], 13);
L.marker([51.5, -0.09]).addTo(map);
L.control.layers({}, {}).addTo(map);
`,
};

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** Opens `url` and checks the map as Leaflet's CSS and images make it. `markerImages`: whether
 * Leaflet's own lookup of its marker images can work, which it cannot after a build (like any
 * bundler's: it looks for a file named marker-icon.png, and the build hashes or inlines it). */
async function checkMap(url, { markerImages }) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(url);
    await page.locator(".leaflet-marker-icon").waitFor({ timeout: 15_000 });
    // leaflet.css positions panes and markers; without it the marker would sit in the flow.
    assert.equal(await page.locator(".leaflet-marker-icon").evaluate((e) => getComputedStyle(e).position), "absolute");
    assert.equal(await page.locator("#map").evaluate((e) => getComputedStyle(e).overflow), "hidden");
    // The icon comes from the CSS url(); the shadow is found by Leaflet's code next to it.
    if (markerImages) {
      await page.waitForFunction(() => {
        const imgs = [...document.querySelectorAll("img.leaflet-marker-icon, img.leaflet-marker-shadow")];
        return imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0);
      }, null, { timeout: 10_000 });
    }
    const toggle = await page.evaluate(async () => {
      const bg = getComputedStyle(document.querySelector(".leaflet-control-layers-toggle")).backgroundImage;
      const href = bg.match(/url\("(.*)"\)/)?.[1];
      const r = await fetch(href);
      return { href, status: r.status, type: r.headers.get("content-type") };
    });
    assert.equal(toggle.status, 200, JSON.stringify(toggle));
    assert.match(toggle.type, /^image\/png/);
    assert.match(toggle.href, /layers(-2x)?(-[\w-]+)?\.png|^data:image\/png/);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
}

for (const mode of ["bundled", "esm"]) {
  test(`dev (${mode}): a package's CSS and images load; nothing else of node_modules is served`, async () => {
    const dir = fixture(`dev-packages-${mode}`, files);
    const server = await dev(dir, mode === "esm" ? ["--no-bundle"] : []);
    try {
      await checkMap(server.url, { markerImages: true });
      const nm = path.join(repoRoot, "tests/node_modules");
      const leaflet = path.join(nm, "leaflet");
      for (const p of [
        `/@fs${nm}/react/package.json`, // a package the app imports as code only: pre-bundled, not served
        `/@fs${nm}/playwright-core/package.json`, // a package the app never imports
        `/@fs${leaflet}/../react/package.json`,
        `/@fs${leaflet}/%2e%2e/react/package.json`,
        `/@fs${leaflet}/dist/..%2f..%2freact/package.json`,
        `/@fs${leaflet}/../../../package.json`,
        "/@fs/etc/passwd",
        `/@fs${path.join(repoRoot, "Cargo.toml")}`,
      ]) {
        const r = await rawGet(server.port, p);
        assert.ok([403, 404].includes(r.status), `${p} -> ${r.status}`);
        assert.ok(!/"name":|root:x:|\[workspace\]/.test(r.body), `${p} leaked content`);
      }
      assert.equal((await rawGet(server.port, `/@fs${leaflet}/package.json`)).status, 200, "the imported package itself");
    } finally {
      await server.close();
    }
  });
}

test("build: a package's CSS and images are bundled and load in the built page", async () => {
  const dir = fixture("build-packages", files);
  buildOk(dir);
  const css = fs.readdirSync(path.join(dir, "dist/assets")).filter((f) => f.endsWith(".css"));
  assert.equal(css.length, 1, css.join(" "));
  assert.match(fs.readFileSync(path.join(dir, "dist/assets", css[0]), "utf8"), /\.leaflet-container/);
  const server = await preview(dir);
  try {
    await checkMap(server.url, { markerImages: false });
  } finally {
    await server.close();
  }
});

// A package that imports something not installed: rolldown alone would leave the import external
// and the page would fail later with a bare-specifier error; the dev server's pre-bundle refuses
// it as the build does, naming the import and the package file, and recovers once it is installed.
for (const mode of ["bundled", "esm"]) {
  test(`dev (${mode}): a package importing an uninstalled module shows an overlay naming both; installing it and reloading works`, async () => {
    const dir = fixture(`dev-missing-dep-${mode}`, {
      "index.html": '<!doctype html><html><body><p id="out">-</p><script type="module" src="/src/main.js"></script></body></html>',
      "src/main.js": 'import { greet } from "needy";\ndocument.getElementById("out").textContent = greet();\n',
      "node_modules/needy/package.json": JSON.stringify({ name: "needy", version: "1.0.0", type: "module", main: "index.js" }),
      "node_modules/needy/index.js": 'import pad from "absent-dep";\nexport const greet = () => pad("hi");\n',
    });
    const server = await dev(dir, mode === "esm" ? ["--no-bundle"] : []);
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      const overlay = page.locator("nexxo-error-overlay");
      await overlay.waitFor({ timeout: 15_000 });
      const text = await overlay.evaluate((e) => e.shadowRoot.textContent);
      assert.match(text, /absent-dep/, text);
      assert.match(text, /node_modules\/needy\/index\.js/, text);
      assert.equal(await page.locator("#out").textContent(), "-");
      // Installed: the next load pre-bundles again and the page runs.
      fs.mkdirSync(path.join(dir, "node_modules/absent-dep"), { recursive: true });
      fs.writeFileSync(path.join(dir, "node_modules/absent-dep/package.json"), JSON.stringify({ name: "absent-dep", type: "module", main: "i.js" }));
      fs.writeFileSync(path.join(dir, "node_modules/absent-dep/i.js"), 'export default (s) => `[${s}]`;\n');
      await page.goto(server.url);
      await page.locator("#out", { hasText: "[hi]" }).waitFor({ timeout: 15_000 });
    } finally {
      await page.close();
      await server.close();
    }
  });
}
