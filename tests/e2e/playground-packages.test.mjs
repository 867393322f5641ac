// npm packages in the playground, in headless Chromium: a package added by its tarball URL (one
// made by `npm pack`, others by a tar writer here; served by a local HTTP server, another origin)
// is unpacked in the page, imported by the example's code
// and runs in the live preview (the engine's dev session pre-bundles it) and in "Preview build";
// a reload keeps it from IndexedDB without fetching it again; a tarball that is not there, and a
// package importing one it does not depend on, give messages naming the package. Then, against a
// registry served here (packuments in npm's format, `npm pack` tarballs): dependencies resolved
// as npm does (ranges, dist-tags, transitive, deduped, a conflicting version nested), and the
// failures naming the chain that needed them.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import zlib from "node:zlib";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fixture, fillEditor, usePlayground, openPage } from "./helpers.mjs";

const pg = usePlayground();

/** A tar archive (ustar) of `files` under `package/`, as `npm pack` writes it; a path longer than
 * the 100-byte name field gets a pax `path` record, as npm's tar does. */
function tar(files) {
  const blocks = [];
  const header = (name, size, type) => {
    const h = Buffer.alloc(512);
    h.write(name.slice(0, 100), 0, "utf8");
    h.write("0000644\0", 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
    h.write("00000000000\0", 136);
    h.write("        ", 148);
    h.write(type, 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    return h;
  };
  const body = (data) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
  for (const [p, text] of Object.entries(files)) {
    const name = `package/${p}`;
    const data = Buffer.from(text);
    if (name.length > 100) {
      let rec = ` path=${name}\n`;
      let len = rec.length + 2;
      len = `${len}${rec}`.length;
      rec = `${len}${rec}`;
      blocks.push(header("PaxHeader/long", rec.length, "x"), body(Buffer.from(rec)));
    }
    blocks.push(header(name, data.length, "0"), body(data));
  }
  blocks.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(blocks));
}

/** The .tgz `npm pack` makes of a package folder with `files` (npm's own tar writer). */
function npmPack(files) {
  const dir = fixture("pkg-pack", files);
  const r = spawnSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: dir, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return fs.readFileSync(path.join(dir, r.stdout.trim().split("\n").pop()));
}

// A path over the 100 bytes of a tar header's name field: npm splits it into the ustar prefix,
// the test's writer uses a pax record; the page must read both.
const LONG = `lib/${"deeply-nested-folder/".repeat(5)}message.js`;
const LONG_CSS = `dist/${"styles/".repeat(15)}badge.css`;
const tarballs = {
  "/tiny-shout-1.0.0.tgz": npmPack({
    "package.json": JSON.stringify({ name: "tiny-shout", version: "1.0.0", type: "module", exports: { ".": "./index.js" } }),
    "index.js": `import { suffix } from "./${LONG}";\nexport const shout = (s) => s.toUpperCase() + suffix;\n`,
    [LONG]: 'export const suffix = " from tiny-shout";\n',
    "README.md": "# tiny-shout\n",
  }),
  // A React component: it must render with the app's React (one React, or its hooks fail).
  "/tiny-badge-0.2.0.tgz": tar({
    "package.json": JSON.stringify({ name: "tiny-badge", version: "0.2.0", type: "module", module: "dist/index.js", peerDependencies: { react: ">=18" } }),
    [LONG_CSS]: "#badge { color: rgb(1, 2, 3); }\n",
    "dist/index.js": `import { useState } from "react";\nimport { jsx } from "react/jsx-runtime";\nimport "./${LONG_CSS.slice(5)}";\n` +
      'export function Badge({ text }) {\n  const [n] = useState(3);\n  return jsx("span", { id: "badge", children: `${text} x${n}` });\n}\n',
  }),
};

// A registry, as registry.npmjs.org lays it out: the packument at {registry}/{name} (a scoped name
// as `@scope%2fname`, npm's encoding) lists every version with its dependencies and its
// tarball's URL and integrity; tarballs at {registry}/{name}/-/{unscoped}-{version}.tgz.
const packuments = {};
/** Publishes a package: `npm pack` of a folder with `pkg` as package.json and `files`. */
function publish(pkg, files, { tag = "latest", integrity } = {}) {
  const unscoped = pkg.name.split("/").pop();
  const tarPath = `/registry/${pkg.name}/-/${unscoped}-${pkg.version}.tgz`;
  const tgz = npmPack({ "package.json": JSON.stringify(pkg), ...files });
  tarballs[tarPath] = tgz;
  const doc = (packuments[`/registry/${pkg.name.replace("/", "%2f")}`] ??= { name: pkg.name, "dist-tags": {}, versions: {} });
  doc.versions[pkg.version] = {
    ...pkg,
    dist: {
      tarball: `REGISTRY${tarPath}`,
      shasum: crypto.createHash("sha1").update(tgz).digest("hex"),
      integrity: integrity ?? `sha512-${crypto.createHash("sha512").update(tgz).digest("base64")}`,
    },
  };
  if (tag) doc["dist-tags"][tag] = pkg.version;
}
const esm = (name, version, deps, code) => [{ name, version, type: "module", main: "index.js", ...(deps && { dependencies: deps }) }, { "index.js": code }];
// chain-a -> chain-b@^1 -> @demo/util@~1.0.0: a transitive chain, with a scoped CommonJS package.
publish(...esm("chain-a", "1.0.0", { "chain-b": "^1.0.0" }, 'import { b } from "chain-b";\nexport const a = () => `a<${b()}>`;\n'));
for (const v of ["1.0.0", "1.1.0"]) {
  publish(...esm("chain-b", v, { "@demo/util": "~1.0.0" }, `import { twice } from "@demo/util";\nexport const b = () => twice("b${v}");\n`));
}
// Not tagged: `latest` stays 1.1.0, so `^2` is picked from the version list.
publish(...esm("chain-b", "2.0.0", null, 'export const b = () => "b2.0.0";\n'), { tag: null });
// A prerelease: `^2` must not pick it; it is the `next` tag.
publish(...esm("chain-b", "2.1.0-beta.1", null, 'export const b = () => "b2.1.0-beta.1";\n'), { tag: "next" });
publish({ name: "@demo/util", version: "1.0.0", main: "index.js" }, { "index.js": "exports.twice = (s) => s + s;\n" });
publish({ name: "@demo/util", version: "1.0.1", main: "index.js" }, { "index.js": 'exports.twice = (s) => s + "+" + s;\n' });
publish({ name: "@demo/util", version: "1.1.0", main: "index.js" }, { "index.js": 'exports.twice = (s) => "1.1:" + s;\n' });
// One whose dependency no version satisfies, one whose dependency the registry does not have,
// one that imports a package it does not list, one whose tarball is not what the registry says.
publish(...esm("broken", "1.0.0", { "chain-b": "^3" }, "export const x = 1;\n"));
publish(...esm("needy", "1.0.0", { "absent-dep": "^2.0.0" }, 'import { x } from "absent-dep";\nexport const y = x;\n'));
publish(...esm("sneaky", "1.0.0", null, 'import { x } from "undeclared";\nexport const y = x;\n'));
publish(...esm("tampered", "1.0.0", null, "export const t = 1;\n"), { integrity: `sha512-${crypto.createHash("sha512").update("other bytes").digest("base64")}` });

/** A real PNG of `width` x `height` grey pixels, padded with a text chunk to about `pad` bytes. */
function png(width, height, pad = 0) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])));
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.concat(Array.from({ length: height }, () => Buffer.from([0, ...Array(width).fill(128)])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    ...(pad ? [chunk("tEXt", Buffer.from(`Comment\0${"x".repeat(pad)}`))] : []),
    chunk("IDAT", zlib.deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
// Images a package ships: imported by the app, by the package's own code (through the session's
// pre-bundle), and named by its style sheet's url(); big.png is over the build's 4 KB inline limit.
tarballs["/pic-kit-1.0.0.tgz"] = npmPack({
  "package.json": JSON.stringify({ name: "pic-kit", version: "1.0.0", type: "module", main: "index.js" }),
  "index.js": 'import big from "./img/big.png";\nexport const bigUrl = big;\n',
  "img/big.png": png(5, 4, 6000),
  "logo.png": png(3, 2),
  "icon.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="7" height="7"><rect width="7" height="7"/></svg>\n',
  "style.css": ".pic { background-image: url(./logo.png); width: 3px; height: 2px; }\n",
});

const hits = {};
const server = http.createServer((req, res) => {
  hits[req.url] = (hits[req.url] ?? 0) + 1;
  // Another origin than the playground: the tarballs are fetched with CORS, as from a registry.
  const headers = { "access-control-allow-origin": "*" };
  const doc = packuments[req.url];
  if (doc) {
    const origin = `http://${req.headers.host}`;
    res.writeHead(200, { ...headers, "content-type": "application/json" }).end(JSON.stringify(doc).replaceAll("REGISTRY", origin));
    return;
  }
  const body = tarballs[req.url];
  if (!body) {
    res.writeHead(404, { ...headers, "content-type": "text/plain" }).end("not found");
    return;
  }
  res.writeHead(200, { ...headers, "content-type": "application/octet-stream" }).end(body);
});
const tarballServer = new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}`)));
after(() => server.close());

test("playground: a package from a tarball URL runs in the preview and the build, survives a reload; bad ones are named", async () => {
  const origin = await tarballServer;
  const page = await pg.browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(pg.server.url);
  const frame = page.frameLocator("#preview");
  await frame.locator("#inc").waitFor({ timeout: 20_000 });

  // Added by URL: its name comes from the archive's package.json, and package.json lists it.
  const url = `${origin}/tiny-shout-1.0.0.tgz`;
  await page.fill("#pkg-add", url);
  await page.click("#pkg-add-ok");
  await page.locator('[data-package="tiny-shout"]', { hasText: "1.0.0, 4 files" }).waitFor({ timeout: 20_000 });
  await page.click('[data-file="package.json"]');
  const pkgJson = JSON.parse(await page.locator("#editor").evaluate((el) => el.value));
  assert.deepEqual(pkgJson.dependencies, { "tiny-shout": url });

  await page.fill("#pkg-add", `${origin}/tiny-badge-0.2.0.tgz`);
  await page.click("#pkg-add-ok");
  await page.locator('[data-package="tiny-badge"]', { hasText: "0.2.0, 3 files" }).waitFor({ timeout: 20_000 });

  // The example imports them: the preview (the engine's dev session) shows their output.
  await page.click('[data-file="src/App.tsx"]');
  const editor = page.locator("#editor");
  const app = await editor.evaluate((el) => el.value);
  await fillEditor(editor, 
    `import { shout } from "tiny-shout";\nimport { Badge } from "tiny-badge";\n${app.replace("Hello from Nexxo", '{shout("hi")}').replace("</h1>", '</h1>\n      <Badge text="badge" />')}`,
  );
  await frame.locator("#title", { hasText: "HI from tiny-shout" }).waitFor({ timeout: 20_000 });
  assert.equal(await frame.locator("#badge").textContent(), "badge x3", "the package's component, with a hook, renders");
  const color = (f) => f.locator("#badge").evaluate((el) => getComputedStyle(el).color);
  assert.equal(await color(frame), "rgb(1, 2, 3)", "the package's own style sheet applies");
  assert.equal(await page.locator("#errors").isHidden(), true, await page.locator("#errors").textContent());
  await frame.locator("#inc").click();
  assert.equal(await frame.locator("#inc").textContent(), "count: 1", "the app still runs");

  // Build resolves it from node_modules/ too; the built app shows it.
  await page.click("#build");
  await page.waitForFunction(() => ["ok", "failed"].includes(document.body.dataset.build), null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.build), "ok", await page.locator("#errors").textContent());
  await page.click("#preview-build");
  await page.frameLocator("#build-preview").locator("#title", { hasText: "HI from tiny-shout" }).waitFor({ timeout: 20_000 });
  assert.equal(await page.frameLocator("#build-preview").locator("#badge").textContent(), "badge x3");
  assert.equal(await color(page.frameLocator("#build-preview")), "rgb(1, 2, 3)");

  // A reload keeps the package: from IndexedDB, not fetched again.
  await page.locator("#saved", { hasText: "saved in this browser" }).waitFor();
  await page.reload();
  await page.frameLocator("#preview").locator("#title", { hasText: "HI from tiny-shout" }).waitFor({ timeout: 20_000 });
  await page.locator('[data-package="tiny-shout"]', { hasText: "1.0.0" }).waitFor();
  assert.equal(await page.frameLocator("#preview").locator("#badge").textContent(), "badge x3");
  assert.equal(hits["/tiny-shout-1.0.0.tgz"], 1, "the tarball was fetched once");
  assert.equal(hits["/tiny-badge-0.2.0.tgz"], 1, "the tarball was fetched once");

  // The project's zip lists them in package.json (what `npm install` reads).
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const zipped = spawnSync("unzip", ["-p", await download.path(), "package.json"], { encoding: "utf8" }).stdout;
  assert.deepEqual(JSON.parse(zipped).dependencies, { "tiny-badge": `${origin}/tiny-badge-0.2.0.tgz`, "tiny-shout": url });

  // A share link carries package.json, not the packages: another browser fetches them itself.
  await page.click("#share");
  await page.locator("#share-out[data-state='ok']").waitFor();
  const other = await pg.browser.newContext();
  const page2 = await other.newPage();
  page2.on("pageerror", (e) => problems.push(e.message));
  await page2.goto(await page.locator("#share-link").inputValue());
  await page2.frameLocator("#preview").locator("#badge", { hasText: "badge x3" }).waitFor({ timeout: 20_000 });
  assert.equal(hits["/tiny-shout-1.0.0.tgz"], 2, "fetched by the second browser (its own cache is empty)");
  await other.close();

  // A tarball URL that is not there: the message names the package (by its file name) and the status.
  await page.fill("#pkg-add", `${origin}/left-pad-9.9.9.tgz`);
  await page.click("#pkg-add-ok");
  await page.locator("#pkg-error", { hasText: "HTTP 404" }).waitFor();
  assert.match(await page.locator("#pkg-error").textContent(), /cannot load package left-pad-9\.9\.9: .*left-pad-9\.9\.9\.tgz answered HTTP 404/);
  assert.equal(await page.locator('[data-package^="left-pad"]').count(), 0, "not added");

  // A package that imports one it does not list as a dependency (so nothing installed it): the
  // session's dependency pre-bundle refuses the import (as `nexxo dev` does), naming the import and
  // the package file, under a line saying which package imports what.
  await page.fill("#pkg-registry", `${origin}/registry`);
  await page.press("#pkg-registry", "Enter");
  await page.fill("#pkg-add", "sneaky@1.0.0");
  await page.click("#pkg-add-ok");
  await page.locator('[data-package="sneaky"]', { hasText: "1.0.0" }).waitFor({ timeout: 20_000 });
  const good = await editor.evaluate((el) => el.value);
  await fillEditor(editor, `import { y } from "sneaky";\nconsole.log(y);\n${good}`);
  await page.locator("#errors", { hasText: "Could not resolve 'undeclared'" }).waitFor({ timeout: 20_000 });
  assert.match(await page.locator("#errors").textContent(), /node_modules\/sneaky\/index\.js/);
  // Build fails on it too, and says which package imports what first.
  await page.evaluate(() => delete document.body.dataset.build);
  await page.click("#build");
  await page.waitForFunction(() => document.body.dataset.build === "failed", null, { timeout: 60_000 });
  assert.match(
    await page.locator("#errors").textContent(),
    /^sneaky imports undeclared, which is not installed \(not in its dependencies\): add it in Packages\n\[UNRESOLVED_IMPORT\] Could not resolve 'undeclared'/m,
  );
  await fillEditor(editor, good);
  await page.frameLocator("#preview").locator("#badge").waitFor({ timeout: 20_000 });
  // Removing it; the other packages stay.
  await page.click('[aria-label="Remove package sneaky"]');
  await page.locator('[data-package="sneaky"]').waitFor({ state: "detached" });
  await page.frameLocator("#preview").locator("#title", { hasText: "HI from tiny-shout" }).waitFor({ timeout: 20_000 });
  assert.deepEqual(problems, []);
  await page.close();
});

/** The playground in a new browser context (an empty IndexedDB: nothing cached), its preview running. */
async function freshPlayground() {
  const context = await pg.browser.newContext();
  const { page, errors: problems } = await openPage(context, pg.server.url);
  const frame = page.frameLocator("#preview");
  await frame.locator("#inc").waitFor({ timeout: 20_000 });
  return { context, page, frame, problems };
}

test("playground: packages from a registry: dependencies resolved as npm does, a conflict nested, failures name the chain", async () => {
  const origin = await tarballServer;
  const { context, page, frame, problems } = await freshPlayground();
  await page.fill("#pkg-registry", `${origin}/registry`);
  await page.press("#pkg-registry", "Enter");
  const add = async (what) => {
    await page.fill("#pkg-add", what);
    await page.click("#pkg-add-ok");
  };
  const tree = () => page.$$eval("[data-installed]", (els) => els.map((e) => `${e.dataset.installed} ${e.textContent}`));
  const dependencies = async () => {
    await page.click('[data-file="package.json"]');
    return JSON.parse(await page.locator("#editor").evaluate((el) => el.value)).dependencies;
  };

  // A bare name: its `latest`, then its dependencies' highest matching versions, transitively:
  // chain-a -> chain-b@^1.0.0 (1.1.0, not 2.x) -> @demo/util@~1.0.0 (1.0.1, not 1.1.0).
  await add("chain-a");
  await page.locator('[data-package="chain-a"]', { hasText: "1.0.0, 2 files" }).waitFor({ timeout: 20_000 });
  await page.locator("[data-installed]").nth(2).waitFor({ state: "attached" });
  assert.deepEqual(await tree(), [
    "node_modules/@demo/util @demo/util@1.0.1",
    "node_modules/chain-a chain-a@1.0.0",
    "node_modules/chain-b chain-b@1.1.0",
  ]);
  assert.equal(await page.locator("#pkg-tree-summary").textContent(), "3 packages installed");
  // Saved as npm saves a tag: a caret range of the version it named.
  assert.deepEqual(await dependencies(), { "chain-a": "^1.0.0" });
  assert.equal(hits["/registry/@demo%2futil"], 1, "the scoped packument, at npm's encoded URL");

  await page.click('[data-file="src/App.tsx"]');
  const editor = page.locator("#editor");
  const app = await editor.evaluate((el) => el.value);
  await fillEditor(editor, `import { a } from "chain-a";\n${app.replace("Hello from Nexxo", "{a()}")}`);
  await frame.locator("#title", { hasText: "a<b1.1.0+b1.1.0>" }).waitFor({ timeout: 20_000 });

  // The app asks for chain-b@^2 itself: the project's copy goes to the top (2.0.0: the highest
  // release; the 2.1.0 prerelease is only for a range that names one), and chain-a's ^1 no longer
  // fits there, so its copy is nested under chain-a, where node's resolution finds it first.
  await add("chain-b@^2");
  await page.locator('[data-package="chain-b"]', { hasText: "2.0.0" }).waitFor({ timeout: 20_000 });
  await page.locator("[data-installed]").nth(3).waitFor({ state: "attached" });
  assert.deepEqual(await tree(), [
    "node_modules/@demo/util @demo/util@1.0.1",
    "node_modules/chain-a chain-a@1.0.0",
    "node_modules/chain-a/node_modules/chain-b chain-a > chain-b@1.1.0",
    "node_modules/chain-b chain-b@2.0.0",
  ]);
  await page.click('[data-file="src/App.tsx"]');
  const withA = await editor.evaluate((el) => el.value);
  await fillEditor(editor, `import { b } from "chain-b";\n${withA.replace("{a()}", "{a()} {b()}")}`);
  // Both copies run: the engine's session resolves chain-a's import to the nested one.
  await frame.locator("#title", { hasText: "a<b1.1.0+b1.1.0> b2.0.0" }).waitFor({ timeout: 20_000 });
  assert.equal(await page.locator("#errors").isHidden(), true, await page.locator("#errors").textContent());
  // And so does the production build.
  await page.click("#build");
  await page.waitForFunction(() => ["ok", "failed"].includes(document.body.dataset.build), null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.build), "ok", await page.locator("#errors").textContent());
  await page.click("#preview-build");
  await page.frameLocator("#build-preview").locator("#title", { hasText: "a<b1.1.0+b1.1.0> b2.0.0" }).waitFor({ timeout: 20_000 });

  // A scoped name with a range: the copy already at the top satisfies it (deduped, one copy).
  await add("@demo/util@~1.0.0");
  await page.locator('[data-package="@demo/util"]', { hasText: "1.0.1" }).waitFor({ timeout: 20_000 });
  assert.equal(await page.locator("[data-installed]").count(), 4);
  assert.deepEqual(await dependencies(), { "@demo/util": "~1.0.0", "chain-a": "^1.0.0", "chain-b": "^2" });
  // Each packument once per page, except that adding a package asks for its own again (what the
  // registry has now, as npm does): chain-b and @demo/util were dependencies first.
  assert.deepEqual(
    ["chain-a", "chain-b", "@demo%2futil"].map((name) => hits[`/registry/${name}`]),
    [1, 2, 2],
  );

  // Failures are not added, and name the chain that needed the package.
  const failing = [
    ["broken", "react-counter -> broken@latest -> chain-b@^3: no version of chain-b matches ^3 (have 1.0.0, 1.1.0, 2.0.0, 2.1.0-beta.1)"],
    ["chain-a@^5", "react-counter -> chain-a@^5: no version of chain-a matches ^5 (have 1.0.0)"],
    ["needy@^1", `react-counter -> needy@^1 -> absent-dep@^2.0.0: ${origin}/registry/absent-dep answered HTTP 404 Not Found`],
    ["ghost@1.0.0", `react-counter -> ghost@1.0.0: ${origin}/registry/ghost answered HTTP 404 Not Found`],
    ["chain-a@nope", "react-counter -> chain-a@nope: chain-a has no dist-tag \"nope\""],
    ["tampered", `react-counter -> tampered@latest: cannot load package tampered@1.0.0: ${origin}/registry/tampered/-/tampered-1.0.0.tgz does not match the registry's integrity hash`],
  ];
  for (const [what, message] of failing) {
    await add(what);
    await page.locator("#pkg-error", { hasText: message }).waitFor({ timeout: 20_000 });
  }
  assert.equal(await page.locator("[data-package]").count(), 3, "none of them was added");

  // A reload installs the same tree from IndexedDB: no request reaches the registry.
  const before = JSON.stringify(hits);
  await page.locator("#saved", { hasText: "saved in this browser" }).waitFor();
  await page.reload();
  await page.frameLocator("#preview").locator("#title", { hasText: "a<b1.1.0+b1.1.0> b2.0.0" }).waitFor({ timeout: 20_000 });
  assert.equal(await page.locator("[data-installed]").count(), 4);
  assert.equal(JSON.stringify(hits), before, "nothing fetched again");
  assert.deepEqual(problems, []);
  await context.close();
});

test("playground: a package's images (imported by the app, by the package, named by its CSS) and the project's SVG load in the preview and the build", async () => {
  const origin = await tarballServer;
  const { context, page, frame, problems } = await freshPlayground();
  await page.fill("#pkg-add", `${origin}/pic-kit-1.0.0.tgz`);
  await page.click("#pkg-add-ok");
  await page.locator('[data-package="pic-kit"]', { hasText: "1.0.0" }).waitFor({ timeout: 20_000 });

  // The project's own SVG, a new file.
  await page.click("#new-file");
  await page.fill("#file-path", "src/star.svg");
  await page.press("#file-path", "Enter");
  await page.locator('[data-file="src/star.svg"][aria-current="true"]').waitFor();
  await fillEditor(page.locator("#editor"), '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><circle r="4" cx="4" cy="4"/></svg>\n');

  await page.click('[data-file="src/App.tsx"]');
  const editor = page.locator("#editor");
  const app = await editor.evaluate((el) => el.value);
  await fillEditor(editor, 
    'import logo from "pic-kit/logo.png";\nimport icon from "pic-kit/icon.svg";\nimport { bigUrl } from "pic-kit";\nimport "pic-kit/style.css";\nimport star from "./star.svg";\n' +
      app.replace(
        "</h1>",
        '</h1>\n      <img id="logo" src={logo} />\n      <img id="icon" src={icon} />\n      <img id="big" src={bigUrl} />\n      <img id="star" src={star} />\n      <div id="pic" className="pic" />',
      ),
  );
  /** Each image's natural size once loaded (0x0 when it failed), and what the CSS url() answers. */
  // An image whose `src` the app has not set yet, or whose decode an attribute change cut short,
  // reads 0x0: measured again until every image has a size (or the last reading is returned).
  const sizes = async (f) => {
    for (let tries = 0; ; tries++) {
      const out = await sizesOnce(f);
      if (tries >= 50 || !Object.values(out).includes("0x0")) return out;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const sizesOnce = (f) =>
    f.locator("body").evaluate(async () => {
      const out = {};
      for (const id of ["logo", "icon", "big", "star"]) {
        const img = document.getElementById(id);
        await img.decode().catch(() => {});
        out[id] = `${img.naturalWidth}x${img.naturalHeight}`;
      }
      const bg = /url\("?([^")]+)"?\)/.exec(getComputedStyle(document.getElementById("pic")).backgroundImage)?.[1];
      const r = bg ? await fetch(bg) : null;
      out.css = r ? `${r.status} ${r.headers.get("content-type")} ${(await r.arrayBuffer()).byteLength > 0}` : "no url";
      return out;
    });
  await frame.locator("#pic").waitFor({ timeout: 20_000 });
  assert.deepEqual(await sizes(frame), { logo: "3x2", icon: "7x7", big: "5x4", star: "9x9", css: "200 image/png true" });

  // An edit of the SVG reaches the preview (the file server follows the project).
  await page.click('[data-file="src/star.svg"]');
  await fillEditor(editor, '<svg xmlns="http://www.w3.org/2000/svg" width="11" height="11"><circle r="4" cx="4" cy="4"/></svg>\n');
  await page.waitForFunction(
    async () => {
      const f = document.querySelector("#preview")?.contentDocument;
      const img = f?.getElementById("star");
      if (!img) return false;
      const r = await f.defaultView.fetch(img.src, { cache: "no-store" });
      return (await r.text()).includes('width="11"');
    },
    null,
    { timeout: 20_000 },
  );

  // Build emits them (big.png as a file, the small ones inlined) and the built app shows them.
  await page.click("#build");
  await page.waitForFunction(() => ["ok", "failed"].includes(document.body.dataset.build), null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.build), "ok", await page.locator("#errors").textContent());
  assert.match(await page.locator("#build-output").textContent(), /dist\/assets\/big-[\w-]{8}\.png/);
  await page.click("#preview-build");
  const built = page.frameLocator("#build-preview");
  await built.locator("#pic").waitFor({ timeout: 20_000 });
  const b = await sizes(built);
  assert.deepEqual({ ...b, css: b.css.split(" ")[0] }, { logo: "3x2", icon: "7x7", big: "5x4", star: "11x11", css: "200" });
  assert.deepEqual(problems, []);
  await context.close();
});
