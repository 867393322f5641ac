// What a careless user or an attacker sends must not lose data, kill a server or build wrong
// output. Each test here reproduces a failure found by trying (see the hardening issue).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { NEXXO, buildOk, dev, fixture, launchChromium, listFiles, nexxo, rawGet, settlePage, startWorker } from "./helpers.mjs";

const PAGE = '<!doctype html><html><head></head><body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>';

function app(extra = {}) {
  return fixture("hard", {
    "index.html": PAGE,
    "src/main.ts": 'document.querySelector("#app").textContent = "ok";\n',
    ...extra,
  });
}

/** A build that must be refused: exit 1, a message, no panic, and nothing deleted. */
function refused(args, pattern) {
  const r = nexxo(["build", ...args]);
  assert.equal(r.status, 1, `expected exit 1, got ${r.status}:\n${r.all}`);
  assert.match(r.stderr, pattern);
  assert.match(r.stderr, /Nothing was written or deleted/);
  return r;
}

test("an output directory that is the project root or contains it is refused, whatever its spelling", () => {
  const parent = fixture("hard-parent", { "sibling/keep.txt": "keep" });
  const dir = path.join(parent, "proj");
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.writeFileSync(path.join(dir, "index.html"), PAGE);
  fs.writeFileSync(path.join(dir, "src/main.ts"), "console.log(1);\n");
  const before = listFiles(parent);
  refused([dir, "--out-dir", "../proj"], /is the project root/);
  refused([dir, "--out-dir", parent], /contains the project root/);
  refused([dir, "--out-dir", "src/.."], /is the project root/);
  refused([dir, "--out-dir", "../../"], /contains the project root/);
  // Through a symlink: `out` points at the parent directory.
  fs.symlinkSync(parent, path.join(dir, "out"));
  refused([dir, "--out-dir", "out"], /contains the project root/);
  refused([dir, "--out-dir", "out/proj"], /is the project root/);
  fs.unlinkSync(path.join(dir, "out"));
  // The same from the config file.
  fs.writeFileSync(path.join(dir, "nexxo.config.json"), JSON.stringify({ build: { outDir: ".." } }));
  refused([dir], /contains the project root/);
  fs.rmSync(path.join(dir, "nexxo.config.json"));
  assert.deepEqual(listFiles(parent), before, "files were deleted or left behind");
  assert.deepEqual(fs.readdirSync(parent).sort(), ["proj", "sibling"], "a staging directory was left behind");
});

test("an output directory holding the sources or the public directory is refused", () => {
  const dir = app({ "public/robots.txt": "x" });
  refused([dir, "--out-dir", "src"], /contains the source file .*main\.ts/);
  refused([dir, "--out-dir", "public"], /overlaps the public directory/);
  refused([dir, "--out-dir", "public/dist"], /overlaps the public directory/);
  assert.ok(fs.existsSync(path.join(dir, "src/main.ts")));
  assert.ok(fs.existsSync(path.join(dir, "public/robots.txt")));
});

test("a foreign non-empty directory outside the root is only replaced with build.emptyOutDir", () => {
  const outside = fixture("hard-outside", { "precious.txt": "mine" });
  const dir = app();
  refused([dir, "--out-dir", outside], /outside the project root, is not empty/);
  assert.equal(fs.readFileSync(path.join(outside, "precious.txt"), "utf8"), "mine");
  fs.writeFileSync(path.join(dir, "nexxo.config.json"), JSON.stringify({ build: { emptyOutDir: true } }));
  buildOk(dir, ["--out-dir", outside]);
  assert.ok(fs.existsSync(path.join(outside, "index.html")));
  assert.ok(!fs.existsSync(path.join(outside, "precious.txt")));
  // A directory a Nexxo build wrote is replaced without asking again.
  fs.rmSync(path.join(dir, "nexxo.config.json"));
  buildOk(dir, ["--out-dir", outside]);
});

test("staging directories left by a killed build are removed by the next build", () => {
  const dir = app();
  // A pid that no process has: Linux pids stay below 2^22.
  const stale = path.join(dir, ".dist.nexxo-4999999");
  fs.mkdirSync(path.join(stale, "assets"), { recursive: true });
  fs.writeFileSync(path.join(stale, "assets/x.js"), "x");
  fs.mkdirSync(path.join(dir, ".dist.nexxo-4999998.old"));
  // Not ours: another name, and a live process's (this test runner's) staging directory.
  fs.mkdirSync(path.join(dir, ".dist.nexxo-notapid"));
  fs.mkdirSync(path.join(dir, `.dist.nexxo-${process.pid}`));
  buildOk(dir);
  const left = fs.readdirSync(dir).filter((n) => n.startsWith(".dist")).sort();
  assert.deepEqual(left, [`.dist.nexxo-${process.pid}`, ".dist.nexxo-notapid"]);
});

test("kill -9 during builds never leaves staging directories behind for good, and dist stays whole", async () => {
  const files = { "index.html": PAGE, "src/main.ts": "" };
  let main = "";
  for (let i = 0; i < 300; i++) {
    files[`src/m${i}.ts`] = Array.from({ length: 20 }, (_, j) => `export const v${i}_${j}: number = ${i * j};\n`).join("")
      + `export const v${i} = v${i}_1;\n`;
    main += `import { v${i} } from "./m${i}";\nconsole.log(v${i});\n`;
  }
  files["src/main.ts"] = main;
  const dir = fixture("hard-kill", files);
  buildOk(dir);
  const good = fs.readFileSync(path.join(dir, "dist/index.html"), "utf8");
  for (const ms of [5, 20, 40, 80, 120]) {
    const child = spawn(NEXXO, ["build", dir, "--force"], { stdio: "ignore" });
    const exited = new Promise((r) => child.once("exit", r));
    await new Promise((r) => setTimeout(r, ms));
    child.kill("SIGKILL");
    await exited;
    assert.equal(fs.readFileSync(path.join(dir, "dist/index.html"), "utf8"), good);
  }
  buildOk(dir, ["--force"]);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith(".dist")), []);
});

test("a byte-order mark in .env, nexxo.config.json and CSS files is ignored", () => {
  const BOM = "\uFEFF";
  const dir = app({
    ".env": `${BOM}NEXXO_GREETING=hello\n`,
    "nexxo.config.json": `${BOM}{ "base": "/app/" }`,
    "src/main.ts": 'import "./a.css";\nimport "./b.css";\ndocument.title = import.meta.env.NEXXO_GREETING;\n',
    "src/a.css": ".a { color: red }\n",
    "src/b.css": `${BOM}.b { color: blue }\n`,
    "src/c.css": ".c { color: green }\n",
    "src/d.css": `${BOM}@import "./c.css";\n.d { color: black }\n`,
  });
  fs.appendFileSync(path.join(dir, "src/main.ts"), 'import "./d.css";\n');
  const r = buildOk(dir);
  assert.doesNotMatch(r.all, /\uFEFF/);
  const dist = path.join(dir, "dist");
  const js = listFiles(dist).filter((f) => f.endsWith(".js")).map((f) => fs.readFileSync(path.join(dist, f), "utf8")).join("");
  assert.match(js, /hello/);
  const css = listFiles(dist).filter((f) => f.endsWith(".css")).map((f) => fs.readFileSync(path.join(dist, f), "utf8")).join("");
  assert.ok(!css.includes(BOM), "a BOM reached the CSS output");
  assert.match(css, /\.b\{color:#00f\}/);
  assert.match(css, /\.c\{color:green\}.*\.d\{/s);
});

test("css.modules.pattern that would name every class alike is a config error, not a panic", () => {
  for (const pattern of ["", "x", "[name]"]) {
    const dir = app({
      "nexxo.config.json": JSON.stringify({ css: { modules: { pattern } } }),
      "src/main.ts": 'import s from "./a.module.css";\nconsole.log(s);\n',
      "src/a.module.css": ".a { color: red }\n.b { color: blue }\n",
    });
    const r = nexxo(["build", dir]);
    assert.equal(r.status, 1, r.all);
    assert.match(r.stderr, /css\.modules\.pattern: .*no \[local\] placeholder/);
    assert.doesNotMatch(r.all, /internal error|panicked/);
  }
});

test("a composes cycle between CSS modules is a located error instead of a bundle that throws", () => {
  const dir = app({
    "src/main.ts": 'import a from "./a.module.css";\nconsole.log(a);\n',
    "src/a.module.css": '.a { composes: b from "./b.module.css"; color: red }\n',
    "src/b.module.css": '.b { composes: a from "./a.module.css"; color: blue }\n',
  });
  const r = nexxo(["build", dir]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.stderr, /composes` forms a cycle: src\/(a|b)\.module\.css -> src\/(a|b)\.module\.css -> src\/(a|b)\.module\.css/);
});

test("a CSS syntax error after multi-byte text is located by character, with the caret under it", () => {
  const dir = app({
    "src/main.ts": 'import "./a.css";\n',
    "src/a.css": '.a { content: "日本語"; } .b..c { color: red }\n',
  });
  const r = nexxo(["build", dir]);
  assert.equal(r.status, 1, r.all);
  assert.doesNotMatch(r.all, /internal error|panicked/);
  const col = [...'.a { content: "日本語"; } .b.'].length + 1;
  assert.match(r.stderr, new RegExp(`src/a\\.css:1:${col}`));
  // The caret sits under the second `.`: CJK characters take two terminal cells each.
  const lines = r.stderr.split("\n");
  const codeLine = lines.find((l) => l.includes("日本語") && l.includes("..c"));
  const caretLine = lines[lines.indexOf(codeLine) + 1];
  const bar = codeLine.indexOf("|") >= 0 ? "|" : "│";
  const textStart = codeLine.indexOf(bar) + 2;
  const cells = (s) => [...s].reduce((n, c) => n + (/[\u3000-\u9fff]/.test(c) ? 2 : 1), 0);
  const caretCells = caretLine.indexOf("^") - textStart;
  assert.equal(caretCells, cells(codeLine.slice(textStart, codeLine.indexOf("..c") + 1)), `${codeLine}\n${caretLine}`);
});

/** Deeply nested or very long inputs that overflowed the stack and aborted the process. */
const DEEP = {
  "nested brackets": () => `export const x = ${"[".repeat(20000)}${"]".repeat(20000)};\n`,
  "nested parentheses": () => `export const x = ${"(".repeat(20000)}1${")".repeat(20000)};\n`,
  "chained arrows": () => `export const f = ${"a => ".repeat(20000)}1;\n`,
  "a long sum": () => `export const n = ${Array(200000).fill("1").join("+")};\n`,
};

for (const [name, make] of Object.entries(DEEP)) {
  test(`nexxo build survives ${name}: a result or a located error, never an abort`, () => {
    const dir = app({ "src/main.ts": 'import * as d from "./deep.js";\nconsole.log(d);\n', "src/deep.js": make() });
    const r = nexxo(["build", dir]);
    assert.ok(r.status === 0 || r.status === 1, `exit ${r.status} signal ${r.signal}:\n${r.all.slice(0, 2000)}`);
    assert.doesNotMatch(r.all, /panicked|stack overflow/);
  });
}

test("inputs the parsers take quadratic time on, or print wrongly, are located errors (found by the fuzzers)", () => {
  // oxc's parser is quadratic in nested groups: 4,000 levels took ~3 s per parse, a 1 MB file hours.
  const deep = `let a;\nexport const x = ${"(a = ".repeat(5000)}1${")".repeat(5000)};\n`;
  let dir = app({ "src/main.ts": 'import { x } from "./deep.js";\nconsole.log(x);\n', "src/deep.js": deep });
  let r = nexxo(["build", dir]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.all, /src\/deep\.js:2:5018/);
  assert.match(r.all, /nest more than 1000 levels/);
  // lightningcss prints `@\%` as `@%`, which does not parse again: the sheet would ship broken.
  dir = app({ "src/main.ts": 'import "./a.css";\n', "src/a.css": ".a { color: red }\n@\\% ;\n" });
  r = nexxo(["build", dir]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.all, /src\/a\.css:2:1/);
  assert.match(r.all, /at-rule's name is written with an escape/);
});

test("nexxo build survives 10,000 nested CSS rules and 5,000 unclosed @media blocks", () => {
  for (const css of ["a{" + "&{".repeat(10000) + "color:red" + "}".repeat(10001), "@media screen {".repeat(5000)]) {
    const dir = app({ "src/main.ts": 'import "./deep.css";\n', "src/deep.css": css });
    const r = nexxo(["build", dir]);
    assert.ok(r.status === 0 || r.status === 1, `exit ${r.status} signal ${r.signal}:\n${r.all.slice(0, 2000)}`);
    assert.doesNotMatch(r.all, /panicked|stack overflow/);
  }
});

for (const model of [[], ["--no-bundle"], ["--engine", "wasm"]]) {
  test(`nexxo dev ${model.join(" ")} keeps serving after inputs that crashed it, and recovers on the next good save`, async () => {
    const dir = app({
      "src/main.ts": 'import "./a.css";\nimport { s } from "./s.js";\nimport { x } from "./deep.js";\ndocument.querySelector("#app").textContent = s + x;\n',
      "src/a.css": ".a { color: red }\n",
      "src/s.js": 'export const s = "ok";\n',
      "src/deep.js": "export const x = 1;\n",
    });
    const server = await dev(dir, model);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.querySelector("#app").textContent === "ok1");
      // 1. A CSS syntax error after CJK text on the same line (the code frame sliced a char).
      fs.writeFileSync(path.join(dir, "src/a.css"), '.a { content: "日本語"; } .b..c { color: red }\n');
      // The overlay shows the located error (column in characters: the second `.`).
      await page.locator("nexxo-error-overlay").waitFor({ timeout: 10_000 });
      const shown = await page.evaluate(() => document.querySelector("nexxo-error-overlay").shadowRoot.textContent);
      assert.match(shown, /src\/a\.css:1:27/);
      // 2. A string holding `import.meta.hot.accept(` and an ideographic space (a text scan sliced a char).
      fs.writeFileSync(path.join(dir, "src/s.js"), 'export const s = "import.meta.hot.accept(\u3000";\n');
      // 3. 2,000 nested parentheses (overflowed the request thread's stack).
      fs.writeFileSync(path.join(dir, "src/deep.js"), `export const x = ${"(".repeat(2000)}2${")".repeat(2000)};\n`);
      await new Promise((r) => setTimeout(r, 1500));
      for (const url of ["/src/a.css", "/src/s.js", "/src/deep.js", "/src/main.ts"]) {
        // An error response is fine (the module is broken); a dropped connection is not.
        const res = await fetch(server.url + url.slice(1));
        assert.ok(res.status >= 200, `${url}: ${res.status}`);
      }
      assert.equal((await rawGet(server.port, "/@nexxo/ping")).status, 200, "the server stopped serving");
      assert.doesNotMatch(server.output(), /panicked|internal error/);
      // The located CSS error reached the terminal.
      assert.match(server.output(), /src\/a\.css:1:\d+/);
      // The next good save recovers the page.
      fs.writeFileSync(path.join(dir, "src/a.css"), ".a { color: blue }\n");
      fs.writeFileSync(path.join(dir, "src/s.js"), 'export const s = "good";\n');
      fs.writeFileSync(path.join(dir, "src/deep.js"), "export const x = 3;\n");
      // The good saves may reload the page themselves (HMR), racing any navigation of ours (CI saw
      // both "not attached to an active page" and "interrupted by another navigation").
      await settlePage(page, server.url, () => document.querySelector("#app")?.textContent === "good3");
    } finally {
      await browser.close();
      await server.close();
    }
  });
}

/** Opens `n` connections that send half a request's headers and then nothing. */
async function slowloris(port, n) {
  const socks = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => {});
    s.write("GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
    socks.push(s);
  }
  return () => socks.forEach((s) => s.destroy());
}

/** CPU seconds used by a process so far (user + system), from /proc. */
function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Starts a server under a small open-files limit; resolves { url, port, pid, close }. */
function underFdLimit(args, limit) {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", `ulimit -n ${limit}; exec "$0" "$@"`, NEXXO, ...args], {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const on = (d) => {
      out += d;
      const m = out.match(/http:\/\/(?:localhost|127\.0\.0\.1):(\d+)/);
      if (m && !on.done) {
        on.done = true;
        resolve({ port: Number(m[1]), pid: child.pid, close: () => child.kill(), output: () => out });
      }
    };
    child.stdout.on("data", on);
    child.stderr.on("data", on);
    child.once("exit", (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
}

for (const command of ["dev", "preview"]) {
  test(`nexxo ${command}: slowloris connections past the open-files limit neither starve others for long nor burn a core`, async () => {
    const dir = app();
    if (command === "preview") buildOk(dir);
    const server = await underFdLimit([command, dir, "--port", "0"], 200);
    let release;
    try {
      assert.equal((await rawGet(server.port, "/")).status, 200);
      release = await slowloris(server.port, 260);
      await new Promise((r) => setTimeout(r, 500));
      const cpu0 = cpuSeconds(server.pid);
      const t0 = Date.now();
      // Served at the latest once the header timeout (10 s) has closed the stalled connections.
      let ok = false;
      while (Date.now() - t0 < 20000 && !ok) {
        ok = await Promise.race([
          rawGet(server.port, "/").then((r) => r.status === 200, () => false),
          new Promise((r) => setTimeout(() => r(false), 3000)),
        ]);
      }
      const spent = cpuSeconds(server.pid) - cpu0;
      const wall = (Date.now() - t0) / 1000;
      assert.ok(ok, "a normal request was never served");
      assert.ok(spent < wall * 0.5, `the server burned ${spent.toFixed(2)} s of CPU in ${wall.toFixed(1)} s`);
    } finally {
      release?.();
      server.close();
    }
  });
}

test("nexxo worker cuts a request whose body stalls, and keeps serving", async () => {
  const worker = await startWorker(["--body-timeout-ms", "1000"]);
  try {
    const port = Number(new URL(worker.url).port);
    const started = Date.now();
    const status = await new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.write("POST /build HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"files\":");
      });
      let data = "";
      s.on("data", (d) => {
        data += d;
        resolve(Number(data.split(" ")[1]));
        s.destroy();
      });
      s.on("error", reject);
      setTimeout(() => resolve(0), 10000);
    });
    assert.equal(status, 408);
    assert.ok(Date.now() - started < 5000);
    const health = await fetch(`${worker.url}/health`);
    assert.equal(health.status, 200);
  } finally {
    await worker.close();
  }
});

test("a full disk while writing dist/ and the cache: exit 1, a clear error, the previous output intact", (t) => {
  // A small tmpfs stands in for a full disk; mounting needs root (CI and the dev machines run as root).
  const mnt = fixture("hard-disk", {});
  fs.mkdirSync(mnt, { recursive: true });
  const mounted = spawnSyncStatus("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt]);
  if (mounted !== 0) {
    t.skip("cannot mount a tmpfs here (not root)");
    return;
  }
  try {
    const dir = path.join(mnt, "proj");
    fs.mkdirSync(path.join(dir, "src"), { recursive: true });
    fs.writeFileSync(path.join(dir, "index.html"), PAGE);
    fs.writeFileSync(path.join(dir, "src/main.ts"), 'document.querySelector("#app").textContent = "v1";\n');
    buildOk(dir, ["--no-minify"]);
    const before = fs.readFileSync(path.join(dir, "dist/index.html"));
    // The next build's output is bigger than what is left on the disk.
    const big = Array.from({ length: 4000 }, (_, i) => `export const value${i} = "${"x".repeat(40)}${i}";`).join("\n");
    fs.writeFileSync(path.join(dir, "src/big.ts"), big);
    fs.writeFileSync(path.join(dir, "src/main.ts"), 'import * as b from "./big";\nconsole.log(Object.values(b).join(""));\n');
    const free = fs.statfsSync(mnt).bavail * fs.statfsSync(mnt).bsize;
    fs.writeFileSync(path.join(mnt, "filler"), Buffer.alloc(Math.max(0, free - 64 * 1024)));
    const r = nexxo(["build", dir, "--no-minify"]);
    assert.equal(r.status, 1, r.all);
    assert.match(r.stderr, /No space left on device|os error 28/);
    assert.match(r.stderr, /output directory was left untouched/);
    assert.doesNotMatch(r.all, /panicked|internal error/);
    assert.ok(fs.readFileSync(path.join(dir, "dist/index.html")).equals(before), "dist/ changed");
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith(".dist")), [], "staging left behind");
    // Room again: the build goes through, the cache included.
    fs.rmSync(path.join(mnt, "filler"));
    buildOk(dir, ["--no-minify"]);
    assert.match(fs.readFileSync(path.join(dir, "dist/index.html"), "utf8"), /<script/);
  } finally {
    spawnSyncStatus("umount", ["-l", mnt]);
  }
});

function spawnSyncStatus(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.error ? -1 : r.status;
}

test("--engine wasm never copies a file from outside the project into dist/ through public/", () => {
  const secret = fixture("hard-secret", { "key.txt": "TOP-SECRET" });
  for (const setup of ["absolute publicDir", "symlink in public/"]) {
    const dir = app();
    if (setup === "absolute publicDir") {
      fs.writeFileSync(path.join(dir, "nexxo.config.json"), JSON.stringify({ publicDir: secret }));
    } else {
      fs.mkdirSync(path.join(dir, "public"), { recursive: true });
      fs.symlinkSync(path.join(secret, "key.txt"), path.join(dir, "public/leak.txt"));
    }
    const r = nexxo(["build", dir, "--engine", "wasm"]);
    assert.equal(r.status, 1, `${setup}: ${r.all}`);
    assert.match(r.stderr, /outside the project root/);
    assert.ok(!fs.existsSync(path.join(dir, "dist")), `${setup}: dist/ was written`);
  }
  // A public/ inside the project is still copied.
  const ok = app({ "public/robots.txt": "User-agent: *" });
  buildOk(ok, ["--engine", "wasm"]);
  assert.equal(fs.readFileSync(path.join(ok, "dist/robots.txt"), "utf8"), "User-agent: *");
});
