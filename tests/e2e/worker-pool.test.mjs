// The browser worker's pool (worker/nexxo-worker.js `?pool=N`, worker/client.js `{ pool }`): in
// headless Chromium, a dev session opened in a worker whose module transforms and runner forms run
// on helper workers (the engine suspended by JSPI while they work) gives the same modules and the
// same HMR update as a worker without helpers, and the helpers really ran the jobs. In Node (no
// JSPI) an engine given a pool stays synchronous and runs its jobs itself.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { copyWorkerLayout, fixture, launchChromium, preview, repoRoot, openPage } from "./helpers.mjs";
import { NexxoEngine, hasJspi } from "../../wasm/js/nexxo.js";

const COMPONENTS = 40;

/** A React + TS project of `COMPONENTS` components in a tree, each with a util module, every
 * fifth with a CSS module: jobs of different sizes, and more of them than batches. */
function project() {
  const files = [
    { path: "index.html", text: '<div id="root"></div><script type="module" src="/src/main.tsx"></script>\n' },
    { path: "src/main.tsx", text: 'import { createRoot } from "react-dom/client";\nimport C0 from "./c0";\nimport "./app.css";\ncreateRoot(document.getElementById("root")!).render(<C0 />);\n' },
    { path: "src/app.css", text: "body { margin: 0; }\n" },
  ];
  for (let i = 0; i < COMPONENTS; i++) {
    const kids = [2 * i + 1, 2 * i + 2].filter((k) => k < COMPONENTS);
    const css = i % 5 === 0;
    files.push({
      path: `src/c${i}.tsx`,
      text: [
        'import { useState } from "react";',
        `import { f${i} } from "./u${i}";`,
        ...kids.map((k) => `import C${k} from "./c${k}";`),
        ...(css ? [`import styles from "./c${i}.module.css";`] : []),
        `export default function C${i}() {`,
        `  const [n, setN] = useState<number>(${i});`,
        `  return <div className={${css ? "styles.box" : `"c${i}"`}} onClick={() => setN(f${i}(n))}>{n}${kids.map((k) => `<C${k} />`).join("")}</div>;`,
        "}",
        "",
      ].join("\n"),
    });
    files.push({ path: `src/u${i}.ts`, text: `export function f${i}(x: number): number {\n  return (x * 31 + ${i}) % 1000;\n}\n` });
    if (css) files.push({ path: `src/c${i}.module.css`, text: `.box { padding: ${i % 7}px; }\n` });
  }
  return files;
}

let server;
let browser;
before(async () => {
  const site = fixture("worker-pool", {});
  const dist = path.join(site, "dist");
  copyWorkerLayout(dist);
  fs.writeFileSync(path.join(dist, "index.html"), '<!doctype html><meta charset="utf-8"><title>pool</title>\n');
  // Counts the jobs an open hands to its host in batches a pool takes: an engine whose pool takes
  // note and declines.
  fs.writeFileSync(path.join(dist, "count-worker.js"), `
import { NexxoEngine } from "./wasm/js/nexxo.js";
self.onmessage = async ({ data }) => {
  let jobs = 0;
  const module = await WebAssembly.compileStreaming(fetch("./wasm/pkg/nexxo-engine.wasm"));
  // Batches of one job stay in the session's instance with a pool too.
  const count = (n) => (jobs += n > 1 ? n : 0);
  const engine = new NexxoEngine(module, { runJobs: async (json) => (count(JSON.parse(json).length), null) });
  await engine.openSession("s", data);
  self.postMessage(jobs);
};
`);
  // A build's entry chunk, the only script (no imports of its own), run as the page would: what
  // it leaves in `globalThis.built`.
  fs.writeFileSync(path.join(dist, "run-entry.js"), `
export async function run(response) {
  if (!response.ok) return { errors: response.errors };
  const entry = response.files.find((f) => f.kind === "entry");
  delete globalThis.built;
  await import(URL.createObjectURL(new Blob([entry.text], { type: "text/javascript" })));
  return { value: globalThis.built, inputs: response.inputs };
}
`);
  server = await preview(site);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** Update messages carry the time of the edit; the rest must match byte for byte. */
const untimed = (update) => JSON.parse(JSON.stringify(update).replace(/"timestamp":\d+/g, '"timestamp":0').replace(/([?&]t=)\d+/g, "$10"));

test("a session in a worker with a pool of 2 gives the same modules and updates, and the helpers ran its jobs", async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && !/favicon/.test(m.location().url) && problems.push(m.text()));
  await page.goto(server.url);
  const files = project();
  const edits = [
    { path: "src/u3.ts", text: "export function f3(x: number): number {\n  return x + 3;\n}\n" },
    { path: "src/c7.tsx", text: files.find((f) => f.path === "src/c7.tsx").text.replace("useState<number>(7)", "useState<number>(70)") },
    { path: "src/c5.module.css", text: ".box { padding: 9px; }\n" },
  ];
  const runs = await page.evaluate(
    async ({ files, edits }) => {
      const { createNexxoWorker } = await import("/worker/client.js");
      const out = {};
      const counter = new Worker("/count-worker.js", { type: "module" });
      out.jobs = await new Promise((resolve) => {
        counter.onmessage = ({ data }) => resolve(data);
        counter.postMessage({ files, externals: ["react", "react-dom/client", "react/jsx-dev-runtime"] });
      });
      counter.terminate();
      for (const pool of [0, 2]) {
        const nexxo = createNexxoWorker("/worker/nexxo-worker.js", { pool });
        const request = { files, externals: ["react", "react-dom/client", "react/jsx-dev-runtime"] };
        const start = await nexxo.openSession("s", request);
        const afterOpen = await nexxo.poolInfo();
        const update = await nexxo.updateSession("s", edits, []);
        const afterUpdate = await nexxo.poolInfo();
        // A second session in the same worker: the pool serves every session of the instance.
        const again = await nexxo.openSession("t", request);
        const afterAgain = await nexxo.poolInfo();
        out[pool] = { start, update, afterOpen, afterUpdate, again, afterAgain, closed: await nexxo.closeSession("s") };
        nexxo.terminate();
      }
      return out;
    },
    { files, edits },
  );
  assert.deepEqual(problems, []);
  const [plain, pooled] = [runs[0], runs[2]];

  assert.deepEqual(plain.start.errors, []);
  assert.equal(plain.start.modules.length, 2 * COMPONENTS + 1 + 1 + COMPONENTS / 5, "every module of the project");
  assert.match(plain.start.modules.find((m) => m.url === "/src/c1.tsx").code, /\$RefreshReg\$/, "transformed with Fast Refresh");
  assert.deepEqual(pooled.start, plain.start, "the same SessionStart, every module's code included");
  // The runner forms come back as one answer bigger than the engine's first 64 KiB buffer, so the
  // pooled open also went through the retry (the answer kept for the engine's second call).
  const code = plain.start.modules.reduce((n, m) => n + m.code.length, 0);
  assert.ok(code > 64 << 10, `${code} bytes of runner forms`);
  assert.deepEqual(pooled.again, plain.again);
  assert.deepEqual(untimed(pooled.update), untimed(plain.update), "the same SessionUpdate");
  assert.equal(plain.update.fullReload, false);
  assert.deepEqual(plain.update.errors, []);
  assert.equal(pooled.closed, true);

  const { memoryBytes, ...plainInfo } = plain.afterUpdate;
  assert.deepEqual(plainInfo, { requested: 0, size: 0, jspi: true, jobs: [], restarts: 0, calls: 0, waitedMs: 0, busyMs: [] });
  assert.ok(memoryBytes > 0, "the pool answer reports the instance's memory");
  assert.equal(pooled.afterOpen.size, 2);
  assert.equal(pooled.afterOpen.jspi, true);
  assert.equal(pooled.afterOpen.restarts, 0);
  // Opening transforms every module and makes every runner form: the helpers ran every job the
  // open handed out, each once (also across the retry with a bigger buffer), and each helper took
  // some.
  const opened = pooled.afterOpen.jobs.reduce((a, b) => a + b, 0);
  assert.ok(runs.jobs >= plain.start.modules.length, `${runs.jobs} jobs for ${plain.start.modules.length} modules`);
  assert.equal(opened, runs.jobs);
  assert.ok(pooled.afterOpen.jobs.every((n) => n > 0), `both helpers ran jobs: ${pooled.afterOpen.jobs}`);
  assert.ok(pooled.afterOpen.calls > 0 && pooled.afterOpen.busyMs.every((ms) => ms > 0));
  // An update handles its files one by one (`Session::update`), one job each, and one job is not
  // worth a round trip to a helper: the session's instance ran them.
  assert.deepEqual(pooled.afterUpdate.jobs, pooled.afterOpen.jobs);
  // The second session's open went to the helpers as well.
  const total = (info) => info.jobs.reduce((a, b) => a + b, 0);
  assert.ok(total(pooled.afterAgain) >= opened + plain.again.modules.length, `${pooled.afterAgain.jobs} after ${pooled.afterOpen.jobs}`);
  await page.close();
});

test("without JSPI (Node 20) an engine given a pool stays synchronous and runs its jobs itself", { skip: hasJspi && "this Node has JSPI" }, async () => {
  const wasm = await WebAssembly.compile(fs.readFileSync(path.join(repoRoot, "wasm/pkg/nexxo-engine.wasm")));
  let asked = 0;
  const engine = new NexxoEngine(wasm, { runJobs: async () => (asked++, null) });
  assert.equal(engine.async, false);
  const start = engine.openSession("s", { files: project(), externals: ["react", "react-dom/client", "react/jsx-dev-runtime"] });
  assert.deepEqual(start.errors, []);
  assert.equal(start.modules.length, 2 * COMPONENTS + 1 + 1 + COMPONENTS / 5);
  assert.equal(asked, 0);
});

test("a helper that crashes mid-batch is replaced; its batch runs in the session's instance, with the same result", async () => {
  const { page, errors: problems } = await openPage(browser, server.url);
  const request = { files: project(), externals: ["react", "react-dom/client", "react/jsx-dev-runtime"] };
  const plain = await page.evaluate(async (request) => {
    const { createNexxoWorker } = await import("/worker/client.js");
    const nexxo = createNexxoWorker("/worker/nexxo-worker.js");
    const start = await nexxo.openSession("s", request);
    nexxo.terminate();
    return start;
  }, request);
  await page.evaluate(async () => {
    const { createNexxoWorker } = await import("/worker/client.js");
    window.pooled = createNexxoWorker("/worker/nexxo-worker.js", { pool: 2 });
    await window.pooled.version();
  });
  const helpers = () => page.workers().filter((w) => w.url().endsWith("?helper"));
  for (let i = 0; helpers().length < 2 && i < 100; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(helpers().length, 2);
  // The helper's next message throws out of its handler: an uncaught error in that worker, as a
  // bug or a lost worker would be.
  await helpers()[0].evaluate(() => {
    self.onmessage = () => {
      throw new Error("helper crashed");
    };
  });
  const crashed = await page.evaluate(async (request) => {
    const start = await window.pooled.openSession("s", request);
    return { start, info: await window.pooled.poolInfo() };
  }, request);
  assert.deepEqual(crashed.start, plain, "the same SessionStart, the lost batch run by the session's instance");
  assert.equal(crashed.info.restarts, 1);
  assert.equal(crashed.info.size, 2);
  // The replacement works: the next open's jobs run on two helpers again.
  const before = crashed.info.jobs;
  const again = await page.evaluate(async (request) => {
    const start = await window.pooled.openSession("t", request);
    return { start, info: await window.pooled.poolInfo() };
  }, request);
  assert.deepEqual(again.start, plain);
  assert.equal(again.info.restarts, 1);
  assert.ok(again.info.jobs.every((n, i) => n > before[i]), `both helpers ran jobs: ${before} -> ${again.info.jobs}`);
  assert.equal(helpers().length, 2, "the crashed helper's worker is gone, a new one took its place");
  assert.deepEqual(problems, []);
  await page.close();
});

test("a worker holding the project builds without files sent, an edit sends one file, and the bundle runs", async () => {
  const { page, errors: problems } = await openPage(browser, server.url);
  const files = [
    { path: "index.html", text: '<script type="module" src="/src/main.ts"></script>\n' },
    { path: "src/main.ts", text: 'import { pad } from "tiny-pad";\nimport { n } from "./n";\nglobalThis.built = pad(String(n * 2), 4);\n' },
    { path: "src/n.ts", text: "export const n: number = 21;\n" },
    { path: "node_modules/tiny-pad/package.json", text: '{ "name": "tiny-pad", "main": "lib/index.js" }\n' },
    { path: "node_modules/tiny-pad/lib/index.js", text: 'export function pad(s, w) { return s.padStart(w, "0"); }\n' },
  ];
  const out = await page.evaluate(async (files) => {
    const { createNexxoWorker } = await import("/worker/client.js");
    const nexxo = createNexxoWorker("/worker/nexxo-worker.js");
    const { run } = await import("/run-entry.js");
    const held = await nexxo.writeFiles("/ide/app", files);
    const progress = [];
    const first = await run(await nexxo.build({ root: "/ide/app" }, { onProgress: (p) => progress.push(p) }));
    const sent = await run(await nexxo.build({ root: "/elsewhere", files }));
    await nexxo.writeFiles("/ide/app", [{ path: "src/n.ts", text: "export const n: number = 50;\n" }]);
    const edited = await run(await nexxo.build({ root: "/ide/app" }));
    const removed = await nexxo.removeFiles("/ide/app", ["src/n.ts"]);
    const missing = await run(await nexxo.build({ root: "/ide/app" }));
    const cleared = await nexxo.clearFiles();
    const empty = await run(await nexxo.build({ root: "/ide/app" }));
    nexxo.terminate();
    return { held, first, sent, edited, removed, missing, cleared, empty, progress };
  }, files);
  assert.deepEqual(problems, []);
  assert.equal(out.held, files.length);
  assert.equal(out.first.value, "0042", "built from the files the worker holds, the package included");
  assert.equal(out.sent.value, "0042", "the same as a build that sends its files");
  for (const input of ["index.html", "src/main.ts", "node_modules/tiny-pad/lib/index.js"]) assert.ok(out.first.inputs.includes(input), input);
  assert.equal(out.edited.value, "0100", "an edit of one file reaches the next build");
  // The stages as they begin, and the first file read while it loads (later ones at most every 50 ms).
  assert.deepEqual([...new Set(out.progress.map((p) => p.stage))], ["load", "link", "render", "finish"]);
  const reads = out.progress.filter((p) => p.filesRead !== undefined);
  assert.ok(reads.length >= 1, "reads heard");
  assert.equal(reads[0].filesRead, 1);
  assert.equal(reads[0].stage, "load");
  assert.match(reads[0].path, /^\/ide\/app\//);
  assert.equal(out.removed, 1);
  assert.match(JSON.stringify(out.missing.errors), /\.\/n/, "the import of the removed file is named");
  assert.equal(out.missing.errors[0].file, "src/main.ts");
  assert.equal(out.cleared, true);
  assert.match(JSON.stringify(out.empty.errors), /index\.html/);
  await page.close();
});

test("a worker asked to reserve memory starts its engine with it and builds the same bundle", async () => {
  const { page, errors: problems } = await openPage(browser, server.url);
  const files = [
    { path: "index.html", text: '<script type="module" src="/src/main.ts"></script>\n' },
    { path: "src/main.ts", text: 'import { n } from "./n";\nglobalThis.built = String(n * 2);\n' },
    { path: "src/n.ts", text: "export const n: number = 21;\n" },
  ];
  const out = await page.evaluate(async (files) => {
    const { createNexxoWorker } = await import("/worker/client.js");
    const { run } = await import("/run-entry.js");
    const result = {};
    for (const [name, options] of [["plain", {}], ["reserved", { reserveMB: 64 }]]) {
      const nexxo = createNexxoWorker("/worker/nexxo-worker.js", options);
      const before = (await nexxo.poolInfo()).memoryBytes;
      const built = await run(await nexxo.build({ root: "/app", files }));
      result[name] = { before, after: (await nexxo.poolInfo()).memoryBytes, value: built.value };
      nexxo.terminate();
    }
    return result;
  }, files);
  assert.deepEqual(problems, []);
  assert.ok(out.plain.before < 64 << 20, `without reserve: ${out.plain.before}`);
  assert.ok(out.reserved.before >= 64 << 20, `with reserveMB 64: ${out.reserved.before}`);
  // A small build fits in the reserved memory.
  assert.equal(out.reserved.after, out.reserved.before);
  assert.equal(out.plain.value, "42");
  assert.equal(out.reserved.value, "42");
  await page.close();
});

test("NexxoEngine.load starts the engine on a page's main thread, where a synchronous start is refused", async () => {
  const { page, errors: problems } = await openPage(browser, server.url);
  const out = await page.evaluate(async () => {
    const { NexxoEngine } = await import("/wasm/js/nexxo.js");
    const engine = await NexxoEngine.load(fetch("/wasm/pkg/nexxo-engine.wasm"));
    const built = engine.build({
      files: [
        { path: "index.html", text: '<script type="module" src="/main.ts"></script>' },
        { path: "main.ts", text: "const n: number = 6;\nglobalThis.fromMain = n * 7;\n" },
      ],
    });
    await import(URL.createObjectURL(new Blob([built.files.find((f) => f.kind === "entry").text], { type: "text/javascript" })));
    let refused = "";
    try {
      new NexxoEngine(engine.module);
    } catch (e) {
      refused = String(e.message);
    }
    return { ok: built.ok, value: globalThis.fromMain, refused };
  });
  assert.deepEqual(problems, []);
  assert.equal(out.ok, true);
  assert.equal(out.value, 42, "the bundle built on the main thread runs");
  // Why `load` instantiates asynchronously: Chromium's rule for modules over 8 MB.
  assert.match(out.refused, /main thread/);
  await page.close();
});

test("an aborted build rejects at once: one waiting is never sent, one running ends with its worker, and the new worker holds the same files", async () => {
  const { page, errors: problems } = await openPage(browser, server.url);
  // 300 modules in a chain: a build long enough to be stopped halfway.
  const files = [
    { path: "index.html", text: '<script type="module" src="/src/main.ts"></script>\n' },
    { path: "src/main.ts", text: 'import { total } from "./m0";\nimport { n } from "./n";\nglobalThis.built = total + n;\n' },
    { path: "src/n.ts", text: "export const n: number = 21;\n" },
  ];
  for (let i = 0; i < 300; i++) {
    const next = i < 299 ? `import { total as rest } from "./m${i + 1}";\n` : "const rest = 0;\n";
    files.push({ path: `src/m${i}.ts`, text: `${next}export const total: number = rest + ${i % 2};\n` });
  }
  const out = await page.evaluate(async (files) => {
    const { createNexxoWorker } = await import("/worker/client.js");
    const nexxo = createNexxoWorker("/worker/nexxo-worker.js");
    const { run } = await import("/run-entry.js");
    const outcome = (promise) => promise.then((r) => ({ ok: true, r }), (e) => ({ ok: false, name: e.name, message: e.message }));
    await nexxo.writeFiles("/ide/app", files);
    await nexxo.version(); // the engine is loaded

    // Running: aborted at its first progress event (the first file read), while the engine works.
    const controller = new AbortController();
    let abortedAt = 0;
    const running = outcome(nexxo.build({ root: "/ide/app" }, {
      signal: controller.signal,
      onProgress: () => {
        if (!abortedAt) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    }));
    // Sent behind the build, so the old worker had it unanswered: the new worker answers it.
    const behindRunning = outcome(nexxo.writeFiles("/ide/app", [{ path: "src/extra.ts", text: "export {};\n" }]));
    const stopped = await running;
    const rejectedAfter = performance.now() - abortedAt;
    const sentBehind = await behindRunning;
    const restartsAfterRunning = nexxo.restarts;

    // The new worker holds the files: an edit and a build go on from there.
    await nexxo.writeFiles("/ide/app", [{ path: "src/n.ts", text: "export const n: number = 1000;\n" }]);
    const t = performance.now();
    const after = (await run(await nexxo.build({ root: "/ide/app" }))).value;
    const rebuildMs = performance.now() - t;

    // Waiting: a build behind another is dropped before it is sent; the one in front finishes.
    const second = new AbortController();
    const front = outcome(nexxo.build({ root: "/ide/app" }));
    const behind = outcome(nexxo.build({ root: "/ide/app" }, { signal: second.signal }));
    second.abort();
    const [frontDone, behindDone] = await Promise.all([front, behind]);
    const already = await outcome(nexxo.build({ root: "/ide/app" }, { signal: AbortSignal.abort() }));
    const restarts = nexxo.restarts;
    const version = await nexxo.version();
    nexxo.terminate();
    const afterEnd = await outcome(nexxo.version());
    return {
      afterEnd,
      sentBehind,
      stopped, rejectedAfter, restartsAfterRunning, after, rebuildMs, frontOk: frontDone.ok && frontDone.r.ok,
      frontValue: frontDone.ok ? (await run(frontDone.r)).value : null, behindDone, already, restarts, version,
    };
  }, files);
  assert.deepEqual(problems, []);
  assert.deepEqual(out.stopped.ok, false, "the running build was stopped");
  assert.equal(out.stopped.name, "AbortError");
  assert.ok(out.rejectedAfter < 50, `rejected ${out.rejectedAfter.toFixed(1)} ms after the abort`);
  assert.equal(out.restartsAfterRunning, 1, "its worker was replaced");
  assert.deepEqual(out.sentBehind, { ok: true, r: files.length + 1 }, "a call sent behind it is answered by the new worker, which holds the files");
  assert.equal(out.after, 1150, "the new worker built the held files with the edit (150 + 1000)");
  assert.equal(out.frontOk, true);
  assert.equal(out.frontValue, 1150);
  assert.equal(out.behindDone.ok, false);
  assert.equal(out.behindDone.name, "AbortError");
  assert.equal(out.already.name, "AbortError", "an aborted signal sends nothing");
  assert.equal(out.restarts, 1, "a build that had not started needed no new worker");
  assert.match(out.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual([out.afterEnd.ok, out.afterEnd.message], [false, "the worker was terminated"], "a call after terminate() rejects");
  console.log(`# abort: rejected ${out.rejectedAfter.toFixed(1)} ms after it; the next build (new worker) ${out.rebuildMs.toFixed(0)} ms`);
  await page.close();
});
