// `nexxo preview` serves built files the way a production host should: compressed when the client
// accepts gzip, hashed assets cached for good, everything else revalidated (a 304 carries no
// body), so a reload of the playground does not download its 19 MB engine again.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import http from "node:http";
import { buildOk, fixture, preview } from "./helpers.mjs";

/** A GET with exact headers (fetch would decompress and hide Content-Encoding). */
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on("error", reject);
  });
}

test("nexxo preview: gzip when accepted, immutable hashed assets, ETag revalidation with 304", async () => {
  const big = "export const words = " + JSON.stringify("lorem ipsum dolor sit amet ".repeat(400)) + ";\n";
  const dir = fixture("preview-cache", {
    "index.html": '<!doctype html><html><body><script type="module" src="/src/main.ts"></script></body></html>',
    "src/main.ts": `import { words } from "./words";\ndocument.title = words.slice(0, location.hash.length + 5);\n`,
    "src/words.ts": big,
    "public/engine.wasm": Buffer.alloc(50_000, 7),
  });
  buildOk(dir);
  const server = await preview(dir);
  try {
    const html = fs.readFileSync(path.join(dir, "dist/index.html"), "utf8");
    const js = html.match(/src="(\/assets\/[^"]+\.js)"/)[1];
    const onDisk = fs.readFileSync(path.join(dir, "dist", js));

    const gz = await get(server.url + js.slice(1), { "Accept-Encoding": "gzip, br" });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers["content-encoding"], "gzip");
    assert.ok(gz.body.length < onDisk.length / 2, `${gz.body.length} vs ${onDisk.length}`);
    assert.deepEqual(zlib.gunzipSync(gz.body), onDisk, "the same bytes, compressed");
    assert.equal(gz.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.match(gz.headers.vary, /Accept-Encoding/);

    // Without Accept-Encoding: as is.
    const plain = await get(server.url + js.slice(1));
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.deepEqual(plain.body, onDisk);

    // An unhashed file (a public file, the page) is revalidated, and a matching ETag gets a 304.
    const wasm = await get(server.url + "engine.wasm", { "Accept-Encoding": "gzip" });
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers["cache-control"], "no-cache");
    assert.equal(wasm.headers["content-encoding"], "gzip");
    assert.ok(wasm.headers.etag);
    const again = await get(server.url + "engine.wasm", { "Accept-Encoding": "gzip", "If-None-Match": wasm.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const page = await get(server.url, { "If-None-Match": 'W/"0-0"' });
    assert.equal(page.status, 200);
    assert.equal(page.headers["cache-control"], "no-cache");

    // A rebuild changes the file: the old ETag no longer matches.
    fs.writeFileSync(path.join(dir, "dist/engine.wasm"), Buffer.alloc(50_001, 7));
    const changed = await get(server.url + "engine.wasm", { "If-None-Match": wasm.headers.etag });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.length, 50_001);
  } finally {
    await server.close();
  }
});

test("nexxo preview judges a hashed name inside the served directory, not by where the site lives", async () => {
  // A site under some `.../assets/` directory: a public file with a hash-like name keeps its own
  // name across builds, so it must be revalidated, not cached for good.
  const dir = path.join(fixture("preview-under", {}), "assets", "site");
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, text] of Object.entries({
    "index.html": '<!doctype html><html><body><script type="module" src="/src/main.ts"></script></body></html>',
    "src/main.ts": 'document.title = "x";\n',
    "public/logo-abcdefgh.png": "not really a png",
  })) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  buildOk(dir);
  const server = await preview(dir);
  try {
    const logo = await get(server.url + "logo-abcdefgh.png");
    assert.equal(logo.status, 200);
    assert.equal(logo.headers["cache-control"], "no-cache");
    const html = fs.readFileSync(path.join(dir, "dist/index.html"), "utf8");
    const js = html.match(/src="(\/assets\/[^"]+\.js)"/)[1];
    assert.equal((await get(server.url + js.slice(1))).headers["cache-control"], "public, max-age=31536000, immutable");
  } finally {
    await server.close();
  }
});
