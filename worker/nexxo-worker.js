// The Nexxo engine in a Web Worker (a module worker). It runs the engine module
// (wasm/pkg/nexxo-engine.wasm, built by scripts/build-wasm.sh) with its JS host (wasm/js/nexxo.js),
// and answers messages:
//   { id, type: "build", payload: BuildRequest }                  -> BuildResponse
//   { id, type: "transform", payload: TransformRequest }          -> TransformResponse
//   { id, type: "session.open", payload: { session, request } }   -> SessionStart (every module)
//   { id, type: "session.update", payload: { session, changed, removed } } -> SessionUpdate (messages)
//   { id, type: "session.runner", payload: { session, url } }     -> { ok, code }
//   { id, type: "session.request", payload: { session, url } }    -> { status, contentType, text }
//   { id, type: "session.close", payload: { session } }           -> boolean
//   { id, type: "files.write", payload: { root, files } }         -> number (files held)
//   { id, type: "files.remove", payload: { root, paths } }        -> number (files removed)
//   { id, type: "files.clear" }                                   -> true
//   { id, type: "version" }                                       -> string
//   { id, type: "pool" }                                          -> PoolInfo (see below; with the instance's memoryBytes)
// Replies are { id, ok: true, result } or { id, ok: false, error, crashed? }; a `build` also posts
// { id, progress: { stage } } as each stage begins ("load", "link", "render", "finish"), and one that
// reads the held files (below) { id, progress: { stage: "load", filesRead, path } } as it reads.
//
// Files held by the worker (`files.*`): an IDE sends its project once and then only what changes;
// a `build` without `files` reads what it needs from them (`root` picks the project), so an edit
// costs one small message instead of the whole project, `node_modules` included.
//
// A panic ends the WASM instance; the worker starts a fresh one from the compiled module (open
// sessions are gone, and the reply says so) instead of failing every later message.
//
// Memory: `nexxo-worker.js?reserve=MB` has the engine instance take that much memory as it starts
// (none by default): a large project's first build then skips a dozen growths of the memory, most
// followed by a collection of the worker's JavaScript heap (see NexxoEngine's `reserve`).
//
// Pool: `nexxo-worker.js?pool=N` starts N helper workers (this same script, `?helper`), posts
// them the compiled module (no second download or compile) and sends them the session's parallel
// jobs (module transforms, runner forms) in batches, as wasmtime's pool does for `nexxo dev
// --engine wasm`: small batches taken in turn, results put back in the jobs' order. The session's
// instance waits suspended (JSPI, see nexxo.js); without JSPI there is no pool and the instance
// runs its jobs itself. A helper that crashes is replaced; the batch it had is run by the
// session's instance (the same bytes either way). `pool` answers { requested, size, jspi,
// jobs: jobs each helper ran, restarts: helper workers or instances replaced, calls: batches the
// engine handed over, waitedMs: time it waited for them, busyMs: each helper's working time }.
import { MemoryFiles, NexxoEngine, hasJspi } from "../wasm/js/nexxo.js";

const params = new URLSearchParams(self.location.search);
// More helpers than any machine has cores only costs memory (an instance each).
const MAX_POOL = 16;

if (params.has("helper")) helper();
else main(Math.min(MAX_POOL, Math.max(0, Math.floor(Number(params.get("pool") ?? 0)) || 0)), reserveOf(params.get("reserve")));

/** `?reserve=MB`: memory the worker's engine instance takes as it starts (NexxoEngine's
 * `reserve`), so a large project's first build does not grow it step by step. */
function reserveOf(mb) {
  const n = Math.floor(Number(mb ?? 0));
  return n > 0 ? Math.min(n, 2048) * 2 ** 20 : 0;
}

/** A pool helper: gets the module, then answers `{ id, jobs }` (a JSON array of jobs) with
 * `{ id, done }` (a JSON array of results, one per job, in order) or `{ id, done: null }`. */
function helper() {
  let module = null;
  let engine = null;
  self.onmessage = ({ data }) => {
    if (data.module) {
      // Started now, not on the first batch: a session's first open is what the pool is for.
      module = data.module;
      engine = new NexxoEngine(module);
      return;
    }
    const { id, jobs, count } = data;
    try {
      const t = performance.now();
      engine ??= new NexxoEngine(module);
      const answer = JSON.parse(engine.callJson(`{"op":"dev.jobs","jobs":${jobs}}`));
      const ok = answer.ok && Array.isArray(answer.done) && answer.done.length === count;
      self.postMessage({ id, done: ok ? JSON.stringify(answer.done) : null, ms: performance.now() - t });
    } catch {
      // A crashed instance is not reused; the next batch gets a fresh one.
      const crashed = !!engine?.broken;
      if (crashed) engine = null;
      self.postMessage({ id, done: null, crashed });
    }
  };
}

/** The helpers of one worker: each runs one batch at a time. */
class Pool {
  constructor(module, size) {
    this.module = module;
    this.helpers = Array.from({ length: size }, () => this.start({ jobs: 0, busy: 0 }));
    this.waited = 0;
    this.calls = 0;
    this.restarts = 0;
    this.next = 0;
  }

  /** Starts (or restarts) helper `h`'s worker; its pending batches answer null. */
  start(h) {
    const url = new URL(self.location.href);
    url.search = "?helper";
    const worker = new Worker(url, { type: "module", name: "nexxo-pool-helper" });
    h.worker = worker;
    h.pending = new Map();
    worker.onmessage = ({ data }) => {
      if (data.crashed) this.restarts++;
      h.busy += data.ms ?? 0;
      h.pending.get(data.id)?.(data.done);
      h.pending.delete(data.id);
    };
    // An uncaught error or a script that failed to load: replace the helper.
    worker.onerror = (e) => {
      e.preventDefault?.();
      if (h.worker !== worker) return;
      for (const resolve of h.pending.values()) resolve(null);
      worker.terminate();
      this.restarts++;
      this.start(h);
    };
    worker.postMessage({ module: this.module });
    return h;
  }

  /** One batch on helper `h`: its results' JSON array, or null. */
  batch(h, batch) {
    return new Promise((resolve) => {
      const id = ++this.next;
      h.pending.set(id, (done) => {
        if (done !== null) h.jobs += batch.length;
        resolve(done);
      });
      h.worker.postMessage({ id, jobs: JSON.stringify(batch), count: batch.length });
    });
  }

  /** `runJobs` for the engine: the jobs' results as one JSON array in the jobs' order, or null
   * (the session's instance then runs them all itself). */
  async run(jobsJson) {
    const t = performance.now();
    try {
      return await this.spread(jobsJson);
    } finally {
      this.waited += performance.now() - t;
      this.calls++;
    }
  }

  async spread(jobsJson) {
    const jobs = JSON.parse(jobsJson);
    // One job is not worth a round trip through another worker.
    if (jobs.length < 2) return null;
    // Small batches taken in turn keep every helper busy when job sizes differ (a large component
    // next to a one-line re-export); a message per job would cost more than most jobs.
    const size = Math.max(1, Math.ceil(jobs.length / (this.helpers.length * 4)));
    const batches = [];
    for (let i = 0; i < jobs.length; i += size) batches.push(jobs.slice(i, i + size));
    const results = new Array(batches.length).fill(null);
    let next = 0;
    let failed = false;
    await Promise.all(
      this.helpers.slice(0, batches.length).map(async (h) => {
        while (!failed && next < batches.length) {
          const b = next++;
          results[b] = await this.batch(h, batches[b]);
          if (results[b] === null) failed = true;
        }
      }),
    );
    if (failed) return null;
    // Each part is a JSON array; joining their insides keeps the results as the helpers wrote them.
    const inner = results.map((r) => r.slice(1, -1)).filter((r) => r.length > 0);
    return `[${inner.join(",")}]`;
  }

  info(requested) {
    const helpers = this.helpers;
    return {
      requested,
      size: helpers.length,
      jspi: hasJspi,
      jobs: helpers.map((h) => h.jobs),
      restarts: this.restarts,
      calls: this.calls,
      waitedMs: this.waited,
      busyMs: helpers.map((h) => h.busy),
    };
  }
}

/** An `InputFile`'s contents: its text, or the bytes of its `base64`. */
function fileContents(file) {
  if (typeof file.text === "string") return file.text;
  if (typeof file.base64 === "string") return Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
  throw new Error(`file "${file.path}" has neither text nor base64`);
}

function main(requested, reserve) {
  // Written as a bundler sees an asset (a literal `new URL(path, import.meta.url)`): a page that
  // bundles this worker (`new Worker(new URL(".../nexxo-worker.js", import.meta.url))`, or
  // `?worker&url`, as the playground does) gets the module under a content-hashed name, which hosts
  // serve as immutable: a returning page neither downloads nor revalidates it, and Chromium keeps
  // its compiled code. Served unbundled, the repository's layout (worker/ beside wasm/) works too.
  const module = WebAssembly.compileStreaming(fetch(new URL("../wasm/pkg/nexxo-engine.wasm", import.meta.url)));
  const pool = module.then((m) => (requested > 0 && hasJspi ? new Pool(m, requested) : null));
  // Outlives a crashed instance: the project is the page's, not the instance's.
  const held = new MemoryFiles();
  // Progress of a build that reads the held files: the engine asks for each file it reads, and a
  // message posted from inside that synchronous call reaches the page while the build goes on.
  // `{ id, progress: { stage: "load", filesRead, path } }` for the first file, then at most every 50 ms.
  let reading = null; // { id, count, last } of the build in hand
  const files = {
    stat: (path) => held.stat(path),
    list: (path) => held.list(path),
    read(path) {
      const contents = held.read(path);
      if (reading && contents !== null) {
        reading.count += 1;
        const now = performance.now();
        if (reading.count === 1 || now - reading.last >= 50) {
          reading.last = now;
          self.postMessage({ id: reading.id, progress: { stage: "load", filesRead: reading.count, path } });
        }
      }
      return contents;
    },
  };
  const fresh = async () => {
    const p = await pool;
    return new NexxoEngine(await module, p ? { files, reserve, runJobs: (jobs) => p.run(jobs) } : { files, reserve });
  };
  let engine = fresh();
  // Until the page asks for something, the first instance builds a small built-in project a few
  // times (`warmUp`), so V8 compiles and starts optimizing the engine's hot code while the page
  // loads and the user types: the first real build then ran 12% faster in Chromium and 20% in Node
  // (2.4k modules, benches/README.md). A message that arrives stops it after the build in hand.
  let asked = false;
  engine.then(async (nexxo) => {
    for (let i = 0; i < 3 && !asked; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (!asked) await nexxo.warmUp();
    }
  }).catch(() => {
    // A failed warm-up changes nothing: the first real call reports what is wrong.
  });

  /** A build, reporting its stages, and for one of the held files its reads (with a pool the
   * call is a Promise). */
  const build = async (nexxo, id, payload) => {
    const held = !payload?.files?.length;
    if (held) reading = { id, count: 0, last: 0 };
    try {
      return await nexxo.build(payload, { onProgress: (p) => self.postMessage({ id, progress: p }) });
    } finally {
      if (held) reading = null;
    }
  };

  const handle = (nexxo, p, id, type, payload) => {
    switch (type) {
      case "build":
        return build(nexxo, id, payload);
      case "transform":
        return nexxo.transform(payload);
      case "session.open":
        return nexxo.openSession(payload.session, payload.request);
      case "session.update":
        return nexxo.updateSession(payload.session, payload.changed ?? [], payload.removed ?? []);
      case "session.runner":
        return nexxo.sessionRunner(payload.session, payload.url);
      case "session.request":
        return nexxo.sessionRequest(payload.session, payload.url);
      case "session.close":
        return nexxo.closeSession(payload.session);
      case "files.write":
        for (const f of payload.files ?? []) held.write(`${payload.root}/${f.path}`, fileContents(f));
        return held.size;
      case "files.remove":
        return (payload.paths ?? []).filter((rel) => held.remove(`${payload.root}/${rel}`)).length;
      case "files.clear":
        held.clear();
        return true;
      case "version":
        return nexxo.version();
      case "pool": {
        const info = p ? p.info(requested) : { requested, size: 0, jspi: hasJspi, jobs: [], restarts: 0, calls: 0, waitedMs: 0, busyMs: [] };
        // The instance's memory: what `?reserve` took, or what its builds grew it to.
        return { ...info, memoryBytes: nexxo.exports.memory.buffer.byteLength };
      }
      default:
        throw new Error(`unknown message type "${type}"`);
    }
  };

  self.onmessage = async ({ data }) => {
    asked = true;
    const { id, type, payload } = data ?? {};
    const current = engine;
    let nexxo;
    let p;
    try {
      [nexxo, p] = await Promise.all([current, pool]);
    } catch (e) {
      self.postMessage({ id, ok: false, error: `cannot load the Nexxo engine: ${e?.message ?? e}` });
      return;
    }
    try {
      // With a pool the engine's calls are Promises (JSPI); without one, plain values.
      self.postMessage({ id, ok: true, result: await handle(nexxo, p, id, type, payload) });
    } catch (e) {
      const crashed = !!nexxo.broken;
      self.postMessage({ id, ok: false, error: String(e?.message ?? e), crashed });
      // Only the instance that crashed is replaced (two calls failing on it replace it once).
      if (crashed && engine === current) engine = fresh();
    }
  };
}
