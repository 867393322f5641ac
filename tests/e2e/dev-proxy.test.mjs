// `server.proxy` (and `preview.proxy`, which defaults to it), as Vite's: a page's requests to
// `/api/...` reach a backend, with the path rewritten, methods and bodies forwarded, answers
// streamed, WebSockets upgraded; from nexxo.config.json and from a `vite.config.ts` that is code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import { fixture, inBuildAndDev, dev, preview, buildOk, nexxo } from "./helpers.mjs";

/** A backend as an app would have: JSON about each request, an echo, a held-open stream and a
 * WebSocket that says where it was opened. */
let backend;
let backendPort;
const heldStreams = [];

before(async () => {
  backend = http.createServer((req, res) => {
    if (req.url.startsWith("/stream")) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first;");
      heldStreams.push(res);
      return;
    }
    if (req.url === "/release") {
      for (const r of heldStreams.splice(0)) r.end("last");
      res.end("released");
      return;
    }
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "x-backend": "yes" });
      res.end(JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, from: req.headers["x-from"] ?? null, body }));
    });
  });
  backend.on("upgrade", (req, socket) => {
    const accept = crypto
      .createHash("sha1")
      .update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
      .digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    // One unmasked text frame (payload under 126 bytes).
    const text = Buffer.from(`ws ${req.url}`);
    socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
  });
  await new Promise((r) => backend.listen(0, "127.0.0.1", r));
  backendPort = backend.address().port;
});

after(() => backend.close());

const PAGE = `<!doctype html><div id="out">loading</div><script type="module" src="/src/main.ts"></script>`;

/** The page asks the proxy and shows what the backend saw, one line per check. */
const MAIN = `
const lines: string[] = [];
const get = async (url: string, init?: RequestInit) => {
  const r = await fetch(url, init);
  const j = await r.json();
  return \`\${r.headers.get("x-backend")} \${j.method} \${j.url} \${j.host} \${j.from} \${j.body}\`;
};
lines.push(await get("/api/hello?x=1"));
lines.push(await get("/api/echo", { method: "POST", body: "ping" }));
lines.push(await get("/raw/a"));
lines.push(await get("/re/42?q"));
const ws = await new Promise<string>((resolve) => {
  const s = new WebSocket(location.origin.replace("http", "ws") + "/socket/chat");
  s.onmessage = (e) => resolve(String(e.data));
  s.onerror = () => resolve("ws error");
});
lines.push(ws);
document.querySelector("#out")!.textContent = lines.join("\\n");
`;

function config() {
  const b = `http://127.0.0.1:${backendPort}`;
  return {
    server: {
      proxy: {
        "/api": { target: b, rewrite: { "^/api": "" } },
        "/raw": b,
        "^/re/\\d+": { target: `${b}/base`, changeOrigin: true, headers: { "x-from": "nexxo" } },
        "/socket": { target: `ws://127.0.0.1:${backendPort}`, ws: true },
      },
    },
  };
}

function expected(serverHost) {
  return [
    `yes GET /hello?x=1 ${serverHost} null `,
    `yes POST /echo ${serverHost} null ping`,
    `yes GET /raw/a 127.0.0.1:${backendPort} null `,
    `yes GET /base/re/42?q 127.0.0.1:${backendPort} nexxo `,
    "ws /socket/chat",
  ];
}

test("server.proxy forwards requests, bodies and WebSockets, in nexxo dev (both engines) and preview", async () => {
  const dir = fixture("dev-proxy", {
    "index.html": PAGE,
    "src/main.ts": MAIN,
    "nexxo.config.json": JSON.stringify(config()),
  });
  await inBuildAndDev(dir, async (page) => {
    await page.waitForFunction(() => document.querySelector("#out").textContent !== "loading", null, { timeout: 15_000 });
    const host = new URL(page.url()).host;
    assert.deepEqual((await page.textContent("#out")).split("\n"), expected(host));
  });
});

test("a proxied answer is streamed as it comes, and a backend that is down is a 502, not a dead server", async () => {
  const dir = fixture("dev-proxy-stream", {
    "index.html": PAGE,
    "src/main.ts": "export {};",
    "nexxo.config.json": JSON.stringify({
      server: { proxy: { "/api": { target: `http://127.0.0.1:${backendPort}`, rewrite: { "^/api": "" } }, "/down": "http://127.0.0.1:1" } },
    }),
  });
  buildOk(dir);
  for (const start of [() => dev(dir), () => preview(dir)]) {
    const server = await start();
    try {
      const r = await fetch(`http://127.0.0.1:${server.port}/api/stream`);
      const reader = r.body.getReader();
      // The backend holds the rest until /release: this read returns only if the proxy streams.
      const first = await Promise.race([
        reader.read().then((c) => new TextDecoder().decode(c.value)),
        new Promise((_, no) => setTimeout(() => no(new Error("the first chunk did not come through")), 5000)),
      ]);
      assert.equal(first, "first;");
      await fetch(`http://127.0.0.1:${backendPort}/release`);
      let rest = "";
      for (let c = await reader.read(); !c.done; c = await reader.read()) rest += new TextDecoder().decode(c.value);
      assert.equal(rest, "last");

      const down = await fetch(`http://127.0.0.1:${server.port}/down/x`);
      assert.equal(down.status, 502);
      assert.match(await down.text(), /could not reach http:\/\/127\.0\.0\.1:1\/down\/x/);
      // The terminal line (its pipe may deliver it a moment after the response).
      for (let i = 0; i < 50 && !/http proxy error/.test(server.output()); i++) await new Promise((r) => setTimeout(r, 40));
      assert.match(server.output(), /http proxy error: \/down\/x/);
      // Still serving.
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/`)).status, 200);
    } finally {
      await server.close();
    }
  }
});

test("a vite.config.ts that is code (loadEnv, a rewrite function) proxies as under Vite", async () => {
  const dir = fixture("dev-proxy-vite", {
    "index.html": PAGE,
    "src/main.ts": `const r = await fetch("/api/hello"); document.querySelector("#out")!.textContent = (await r.json()).url;`,
    ".env": `VITE_API=http://127.0.0.1:${backendPort}\n`,
    "vite.config.ts": `import { defineConfig, loadEnv } from 'vite'
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), '')
  return {
    server: {
      proxy: {
        '/api': { target: env.VITE_API, changeOrigin: true, rewrite: (path) => path.replace(/^\\/api/, '/v1') },
      },
    },
  }
})
`,
  });
  await inBuildAndDev(dir, async (page) => {
    await page.waitForFunction(() => document.querySelector("#out").textContent !== "loading", null, { timeout: 15_000 });
    assert.equal(await page.textContent("#out"), "/v1/hello");
  });
  // `nexxo migrate` writes the same translation for a config that is data.
  const data = fixture("dev-proxy-migrate", {
    "vite.config.js": `export default { server: { proxy: { '/api': { target: 'http://127.0.0.1:9', rewrite: (p) => p.replace(/^\\/api/, '') } } } }`,
  });
  const r = nexxo(["migrate", data, "--dry-run"]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))).server.proxy, {
    "/api": { target: "http://127.0.0.1:9", rewrite: { "^\\/api": "" } },
  });
});

test("a proxy the servers cannot run is a located config error, exit 1", () => {
  const dir = fixture("dev-proxy-bad", {
    "index.html": PAGE,
    "src/main.ts": "export {};",
    "nexxo.config.json": `{\n  "server": {\n    "proxy": {\n      "/api": "ftp://files.example.com"\n    }\n  }\n}\n`,
  });
  const r = nexxo(["dev", dir, "--port", "0"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nexxo\.config\.json:4:\d+/);
  assert.match(r.stderr, /must be an http:\/\/, https:\/\/, ws:\/\/ or wss:\/\/ URL/);
});

test("an https target: a self-signed certificate is taken with `secure: false` and refused otherwise", async () => {
  const dir = fixture("dev-proxy-tls", { "index.html": PAGE, "src/main.ts": "export {};" });
  const [key, cert] = [path.join(dir, "key.pem"), path.join(dir, "cert.pem")];
  const made = spawnSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
  ], { encoding: "utf8" });
  assert.equal(made.status, 0, `openssl made no certificate: ${made.stderr}`);
  const secure = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ url: req.url, host: req.headers.host }));
  });
  await new Promise((r) => secure.listen(0, "127.0.0.1", r));
  const port = secure.address().port;
  fs.writeFileSync(path.join(dir, "nexxo.config.json"), JSON.stringify({
    server: {
      proxy: {
        "/any": { target: `https://127.0.0.1:${port}/v2`, secure: false, changeOrigin: true, rewrite: { "^/any": "" } },
        "/strict": `https://127.0.0.1:${port}`,
      },
    },
  }));
  const server = await dev(dir);
  try {
    const ok = await fetch(`http://127.0.0.1:${server.port}/any/users?id=7`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { url: "/v2/users?id=7", host: `127.0.0.1:${port}` });
    const refused = await fetch(`http://127.0.0.1:${server.port}/strict/x`);
    assert.equal(refused.status, 502);
    assert.match(await refused.text(), /TLS: .*(UnknownIssuer|certificate).*secure: false/);
  } finally {
    await server.close();
    secure.close();
  }
});
