// JavaScript host of the Nexxo engine (`nexxo-engine.wasm`, the same module wasmtime runs).
// Works in browsers, Web Workers, Node and edge runtimes: no Node APIs needed, no globals touched
// (in Node, V8's compile threads are limited on machines of few cores: see tuneV8ForEngine).
//
//   const engine = await NexxoEngine.load(fetch("/engine/nexxo-engine.wasm"));   // or bytes, or a Module
//   engine.build({ files: [{ path: "index.html", text: "..." }] })  // -> BuildResponse
//   // or let the engine ask for what it reads, instead of sending the project in every call:
//   const files = new MemoryFiles([["/app/index.html", "..."]]);
//   const engine = new NexxoEngine(module, { files });
//   engine.build({ root: "/app" });  files.write("/app/src/a.ts", "...");  engine.build({ root: "/app" });
//
// The engine is a WASI reactor; this file supplies the handful of WASI calls it makes (clock,
// randomness, stderr, an empty environment, no preopened directories; everything else answers
// ENOSYS), then speaks its call protocol: JSON written into its memory, JSON read back (a build's
// files and output as bytes beside a small JSON: `nexxo_build_bin`, wasm/engine/src/bin_call.rs).
//
// A pool: `new NexxoEngine(module, { runJobs })` with `runJobs(jobsJson) -> Promise<resultsJson |
// null>` hands the session's parallel jobs (module transforms, runner forms: the `nexxo_host.
// jobs_run` import) to other workers, as wasmtime hands them to its instances. An import cannot
// wait for another worker synchronously, so this needs JSPI (`WebAssembly.Suspending` and
// `WebAssembly.promising`, Chromium 137+): the instance is suspended while the jobs run, and
// every call method returns a Promise (`engine.async`). Without JSPI, or without `runJobs`, the
// calls stay synchronous and the instance runs its jobs itself.

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_NOSYS = 52;

class WasiExit extends Error {
  constructor(code) {
    super(`the engine exited with code ${code}`);
    this.code = code;
  }
}

function wasiImports(getMemory, stderr) {
  const view = () => new DataView(getMemory().buffer);
  const bytes = () => new Uint8Array(getMemory().buffer);
  const zeroPair = (a, b) => {
    view().setUint32(a, 0, true);
    view().setUint32(b, 0, true);
    return ERRNO_SUCCESS;
  };
  return {
    args_sizes_get: zeroPair,
    environ_sizes_get: zeroPair,
    args_get: () => ERRNO_SUCCESS,
    environ_get: () => ERRNO_SUCCESS,
    clock_time_get(id, _precision, out) {
      const ms = id === 0 ? Date.now() : performance.now();
      view().setBigUint64(out, BigInt(Math.round(ms * 1e6)), true);
      return ERRNO_SUCCESS;
    },
    clock_res_get(_id, out) {
      view().setBigUint64(out, 1000n, true);
      return ERRNO_SUCCESS;
    },
    random_get(ptr, len) {
      const buf = bytes().subarray(ptr, ptr + len);
      for (let i = 0; i < len; i += 65536) crypto.getRandomValues(buf.subarray(i, Math.min(len, i + 65536)));
      return ERRNO_SUCCESS;
    },
    fd_write(fd, iovs, iovsLen, nwritten) {
      if (fd !== 1 && fd !== 2) return ERRNO_BADF;
      const v = view();
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + i * 8, true);
        const len = v.getUint32(iovs + i * 8 + 4, true);
        stderr.push(bytes().slice(ptr, ptr + len));
        total += len;
      }
      view().setUint32(nwritten, total, true);
      return ERRNO_SUCCESS;
    },
    fd_read(fd, _iovs, _iovsLen, nread) {
      if (fd !== 0) return ERRNO_BADF;
      view().setUint32(nread, 0, true);
      return ERRNO_SUCCESS;
    },
    fd_fdstat_get(fd, out) {
      if (fd > 2) return ERRNO_BADF;
      const v = view();
      v.setUint8(out, 2); // character device
      v.setUint16(out + 2, 0, true);
      v.setBigUint64(out + 8, 0xffffffffn, true);
      v.setBigUint64(out + 16, 0xffffffffn, true);
      return ERRNO_SUCCESS;
    },
    fd_prestat_get: () => ERRNO_BADF, // no preopened directories: the engine gets files in calls
    fd_close: () => ERRNO_SUCCESS,
    sched_yield: () => ERRNO_SUCCESS,
    proc_exit(code) {
      throw new WasiExit(code);
    },
  };
}

async function toModule(source) {
  source = await source;
  if (source instanceof WebAssembly.Module) return source;
  if (typeof Response !== "undefined" && source instanceof Response) {
    return WebAssembly.compileStreaming ? WebAssembly.compileStreaming(source) : WebAssembly.compile(await source.arrayBuffer());
  }
  if (source instanceof URL || typeof source === "string") return toModule(fetch(source));
  return WebAssembly.compile(source);
}

/** In Node, on a machine of few cores, leaves one core to the engine while V8 optimizes it.
 *
 * V8 runs the module's first calls on its baseline code (Liftoff) and recompiles the hot functions
 * with its optimizing compiler (TurboFan) on background threads: up to one per thread of Node's
 * platform pool (4), whatever the machine has. The engine runs on one thread, so on 2 cores four
 * compile threads take most of its core for the whole first build, which then ran 2x slower than
 * with one compile thread (benches/README.md, "First build in Chromium and Node, side by side").
 * One fewer compile thread than cores keeps a core for the build and the rest for the optimizer;
 * with five cores or more the pool fits beside the build and nothing is changed. Only `node:v8`
 * can set the limit, and it is process-wide, so it is set once, only where the user did not choose
 * it on the command line (Node refuses V8 flags in NODE_OPTIONS), and `options.tuneV8: false`
 * leaves V8 alone. Browsers and edge runtimes have no such knob: nothing is done there. */
let tunedV8 = false;
function tuneV8ForEngine() {
  if (tunedV8) return;
  tunedV8 = true;
  const proc = globalThis.process;
  const getBuiltin = proc?.getBuiltinModule;
  if (typeof getBuiltin !== "function") return;
  try {
    const chosen = (proc.execArgv ?? []).join(" ");
    if (chosen.includes("wasm-num-compilation-tasks") || chosen.includes("liftoff")) return;
    const os = getBuiltin.call(proc, "node:os");
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    if (!(cores >= 1 && cores <= 4)) return;
    getBuiltin.call(proc, "node:v8").setFlagsFromString(`--wasm-num-compilation-tasks=${Math.max(1, cores - 1)}`);
  } catch {
    // A runtime that looks like Node but refuses the flag keeps V8's defaults.
  }
}

/** The memory an instance takes as it starts in Node when `options.reserve` is not given.
 *
 * The engine grows its memory as a build needs it (wasm/engine/src/heap.rs), and V8 follows each
 * growth with a full collection of the JavaScript heap (the external memory it counts went up): 9
 * in a first 2.4k-module build, 1 with this much reserved, and the first build about 10% faster
 * (benches/README.md, "Session 22"). In Node the space costs address space, not memory (pages
 * nobody touched are not resident), as @rolldown/browser's binding takes 1 GiB as it starts. Not
 * in browsers (3% there, in a tab's budget) nor at the edge, where an isolate has 128 MB in all:
 * workerd's `nodejs_compat` looks like Node, so its user agent is asked too. */
const NODE_RESERVE = 128 * 2 ** 20;
const inNode = globalThis.process?.release?.name === "node" && globalThis.navigator?.userAgent !== "Cloudflare-Workers";

/** The reservation `options.reserve` asks for: a number of bytes (capped at 2 GiB; anything else
 * is none), or, when absent, {@link NODE_RESERVE} in Node and none elsewhere. */
function reserveOf(options) {
  if (options.reserve === undefined) return inNode ? NODE_RESERVE : 0;
  return Number(options.reserve) > 0 ? Math.min(Number(options.reserve), 2 ** 31) : 0;
}

/** Whether this JavaScript engine has JSPI, which a pool needs (see the top of this file). */
export const hasJspi = typeof WebAssembly.Suspending === "function" && typeof WebAssembly.promising === "function";

/** The `jobs_run` import over an async `runJobs`: the jobs (JSON) go out, their results (JSON) are
 * written into the engine's buffer. An answer bigger than the buffer is kept for the engine's
 * second call with a bigger one (wasm/engine/src/host_jobs.rs), not asked for twice. */
function jobsImport(getMemory, runJobs) {
  let retained = null; // { input, answer } of an answer that did not fit
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  return async (ptr, len, buf, cap) => {
    const input = new Uint8Array(getMemory().buffer, ptr, len).slice();
    let answer;
    if (retained && same(retained.input, input)) {
      answer = retained.answer;
    } else {
      let text = null;
      try {
        text = await runJobs(new TextDecoder().decode(input));
      } catch {
        // A failed pool is not the session's failure: the instance runs the jobs itself.
      }
      if (typeof text !== "string") return -1n;
      answer = new TextEncoder().encode(text);
    }
    retained = null;
    if (answer.length <= cap) new Uint8Array(getMemory().buffer, buf, answer.length).set(answer);
    else retained = { input, answer };
    return BigInt(answer.length);
  };
}

/** A project's files held in memory, for `new NexxoEngine(module, { files })`: absolute paths to
 * contents (a string or bytes). The engine asks for what a build reads (sources, `node_modules`,
 * configs) instead of getting the whole project in every call; `write` and `remove` change it
 * between builds. Directories are those of the files (and "/"). */
export class MemoryFiles {
  constructor(entries = []) {
    this.files = new Map();
    this.dirs = new Map([["/", new Set()]]);
    for (const [path, contents] of entries) this.write(path, contents);
  }

  write(path, contents) {
    path = normalizePath(path);
    this.files.set(path, contents);
    for (let child = path, dir = parentOf(child); dir !== null; child = dir, dir = parentOf(dir)) {
      const known = this.dirs.get(dir);
      if (known) {
        known.add(baseName(child));
        break;
      }
      this.dirs.set(dir, new Set([baseName(child)]));
    }
  }

  /** Removes a file; returns whether it existed (its directories stay, as on disk). */
  remove(path) {
    path = normalizePath(path);
    this.dirs.get(parentOf(path))?.delete(baseName(path));
    return this.files.delete(path);
  }

  clear() {
    this.files.clear();
    this.dirs = new Map([["/", new Set()]]);
  }

  /** How many files it holds. */
  get size() {
    return this.files.size;
  }

  stat(path) {
    path = normalizePath(path);
    return this.files.has(path) ? "file" : this.dirs.has(path) ? "directory" : null;
  }

  read(path) {
    return this.files.get(normalizePath(path)) ?? null;
  }

  list(path) {
    const names = this.dirs.get(normalizePath(path));
    return names ? [...names].sort() : null;
  }
}

/** `path` absolute, without `.`, `..`, repeated or trailing slashes. */
function normalizePath(path) {
  const out = [];
  for (const part of String(path).split("/")) {
    if (part === "..") out.pop();
    else if (part && part !== ".") out.push(part);
  }
  return "/" + out.join("/");
}

function parentOf(path) {
  if (path === "/") return null;
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

function baseName(path) {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The `nexxo_host` file imports over a provider (`{ stat, read, list? }`, e.g. `MemoryFiles`): the
 * same calls wasmtime answers from the disk. An answer larger than the engine's buffer is kept for
 * its second call with a bigger one, so the provider is not asked twice. A provider that throws
 * answers "not found" for that path (the build's error then names the file). */
function fileImports(getMemory, provider) {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const pathAt = (ptr, len) => decoder.decode(new Uint8Array(getMemory().buffer, ptr, len));
  const bytesOf = (c) => (c == null ? null : typeof c === "string" ? encoder.encode(c) : c instanceof Uint8Array ? c : new Uint8Array(c));
  const ask = (f) => {
    try {
      return f();
    } catch {
      return null;
    }
  };
  let retained = null; // { key, bytes } of an answer that did not fit
  const give = (key, produce, buf, cap) => {
    let bytes;
    if (retained?.key === key) bytes = retained.bytes;
    else bytes = produce();
    retained = null;
    if (bytes == null) return -1n;
    if (bytes.length <= cap) new Uint8Array(getMemory().buffer, buf, bytes.length).set(bytes);
    else retained = { key, bytes };
    return BigInt(bytes.length);
  };
  return {
    fs_stat(ptr, len) {
      const kind = ask(() => provider.stat(pathAt(ptr, len)));
      return kind === "file" ? 1 : kind === "directory" ? 2 : -1;
    },
    fs_read(ptr, len, buf, cap) {
      const path = pathAt(ptr, len);
      return give(`r${path}`, () => bytesOf(ask(() => provider.read(path))), buf, cap);
    },
    fs_path(ptr, len, what, buf, cap) {
      const path = pathAt(ptr, len);
      // 0: a symlink's target (a provider has none); 1: the canonical path; 2: a listing.
      if (what === 0) return -1n;
      if (what === 1) return give(`c${path}`, () => (ask(() => provider.stat(path)) ? encoder.encode(normalizePath(path)) : null), buf, cap);
      return give(`l${path}`, () => {
        const names = ask(() => provider.list?.(path));
        return Array.isArray(names) ? encoder.encode(names.join("\n")) : null;
      }, buf, cap);
    },
  };
}

/** The build stages by their index in the engine's `Stage::ALL` (crates/nexxo_bundler/src/progress.rs). */
const STAGES = ["load", "link", "render", "finish"];

const utf8 = new TextEncoder();

/** A little-endian u32, as `nexxo_build_bin` reads its lengths. */
function u32(n) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** A build request as `nexxo_build_bin` takes it (wasm/engine/src/bin_call.rs): its JSON without
 * the files, then each file's path and contents as bytes. A file without contents is sent as
 * such, for the engine to name it in its answer. */
function encodeBuild(request) {
  const { files: given, ...rest } = request;
  const files = Array.isArray(given) ? given : [];
  const head = utf8.encode(JSON.stringify(rest));
  const parts = [u32(head.length), head, u32(files.length)];
  for (const f of files) {
    const path = utf8.encode(String(f?.path ?? ""));
    const [kind, body] =
      typeof f?.text === "string" ? [0, utf8.encode(f.text)] : typeof f?.base64 === "string" ? [1, utf8.encode(f.base64)] : [2, new Uint8Array(0)];
    parts.push(u32(path.length), path, Uint8Array.of(kind), u32(body.length), body);
  }
  return parts;
}

/** `nexxo_build_bin`'s answer as the BuildResponse `buildJson` gives: each `textAt` becomes the
 * `text` it points at. */
function decodeBuild(answer) {
  const view = new DataView(answer.buffer, answer.byteOffset, answer.byteLength);
  const jsonLen = view.getUint32(0, true);
  // A text that starts with a byte order mark keeps it, as inside the JSON answer.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const response = JSON.parse(decoder.decode(answer.subarray(4, 4 + jsonLen)));
  const texts = answer.subarray(4 + jsonLen);
  if (Array.isArray(response.files)) {
    response.files = response.files.map(({ textAt, ...f }) =>
      textAt ? { path: f.path, kind: f.kind, text: decoder.decode(texts.subarray(textAt[0], textAt[0] + textAt[1])) } : f,
    );
  }
  return response;
}

/** `load`'s constructor option: build the imports, let `load` instantiate asynchronously. */
const LATER = Symbol("instantiate later");

export class NexxoEngine {
  /** Compiles (or takes) the module and starts an instance, both asynchronously: works on a
   * browser's main thread too, where Chromium refuses to start a module over 8 MB synchronously
   * (`new NexxoEngine(module)` is for workers, Node and edge runtimes). */
  static async load(source, options = {}) {
    const module = await toModule(source);
    const engine = new NexxoEngine(module, { ...options, [LATER]: true });
    engine.#start(await WebAssembly.instantiate(module, engine.#imports));
    return engine;
  }

  /** The imports, kept until `load` has its instance. */
  #imports = null;
  #memory = null;
  /** Bytes of memory an instance takes at once when it starts (`options.reserve`). */
  #reserve = 0;

  /** Starts an instance of an already compiled `WebAssembly.Module` (synchronous). `options.runJobs`
   * gives it a pool (see the top of this file). */
  constructor(module, options = {}) {
    if (options.tuneV8 !== false) tuneV8ForEngine();
    this.#reserve = reserveOf(options);
    this.module = module;
    this.stderr = [];
    const memory = () => this.#memory;
    const wasi = wasiImports(memory, this.stderr);
    /** Whether calls return Promises: a pool was given and JSPI can wait for it. */
    this.async = !!options.runJobs && hasJspi;
    // Files come inside calls, or from `options.files` (the host-file functions wasmtime answers
    // from the disk; without a provider they find nothing). No pool of instances unless one was
    // given (else `jobs_run` says so and the instance runs its jobs itself), and no persistent
    // cache (every lookup misses).
    const host = {
      ...(options.files ? fileImports(memory, options.files) : { fs_stat: () => -1, fs_read: () => -1n, fs_path: () => -1n }),
      jobs_run: this.async ? new WebAssembly.Suspending(jobsImport(memory, options.runJobs)) : () => -1n,
      cache_get: () => -1n,
      cache_put: () => {},
      cache_forget: () => {},
      // A build's stages as they begin (wasm/engine/src/host_progress.rs), for the call's listener.
      progress: (index) => {
        const stage = STAGES[index];
        if (stage && this.#onStage) {
          try {
            this.#onStage({ stage });
          } catch {
            // A listener that throws does not stop the build.
          }
        }
      },
    };
    const imports = {};
    // Whatever else the module imports answers "not supported" instead of failing to link.
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.kind !== "function") continue;
      imports[imp.module] ??= {};
      const known = imp.module === "wasi_snapshot_preview1" ? wasi : imp.module === "nexxo_host" ? host : {};
      imports[imp.module][imp.name] = known[imp.name] ?? (() => ERRNO_NOSYS);
    }
    if (options[LATER]) this.#imports = imports;
    else this.#start(new WebAssembly.Instance(module, imports));
  }

  #start(instance) {
    this.#imports = null;
    this.instance = instance;
    this.#memory = instance.exports.memory;
    this.exports = instance.exports;
    this.broken = null;
    this.exports._initialize?.();
    // See NODE_RESERVE: fewer growths of the memory, each followed by a full collection in V8.
    if (this.#reserve) this.exports.nexxo_reserve?.(this.#reserve);
    if (this.async) {
      // Calls wait for the one before: a call arriving while the instance is suspended would
      // enter it in the middle of another (its sessions are borrowed, its stack is elsewhere).
      this.queue = Promise.resolve();
    }
  }

  /** One call of the engine's protocol, as a JSON string in and out (a Promise of it when
   * `async`). */
  callJson(json) {
    return this.#invoke("nexxo_call", [utf8.encode(json)], (answer) => new TextDecoder().decode(answer));
  }

  /** Calls export `fn` with `parts` (byte arrays, written one after the other into the
   * instance's memory); `read` gets the answer's bytes, a view of that memory valid until it
   * returns. A Promise when `async`. */
  #invoke(fn, parts, read, onStage = null) {
    if (!this.async) {
      const [ptr, len] = this.#begin(parts);
      this.#onStage = onStage;
      try {
        return this.#end(this.exports[fn](ptr, len), read);
      } catch (err) {
        this.#crashed(err);
      } finally {
        this.#onStage = null;
      }
    }
    const run = this.queue.then(async () => {
      const [ptr, len] = this.#begin(parts);
      // Calls run one after another (the queue), so the listener is this call's while it runs.
      this.#onStage = onStage;
      try {
        return this.#end(await this.#entry(fn)(ptr, len), read);
      } catch (err) {
        this.#crashed(err);
      } finally {
        this.#onStage = null;
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** The listener of the build in hand (`build`'s `onProgress`), told each stage as it begins. */
  #onStage = null;

  /** An export that may suspend (JSPI) while the pool works. */
  #entries = new Map();
  #entry(fn) {
    let f = this.#entries.get(fn);
    if (!f) this.#entries.set(fn, (f = WebAssembly.promising(this.exports[fn])));
    return f;
  }

  /** Writes a call into the instance's memory. */
  #begin(parts) {
    if (this.broken) throw new Error(`the engine instance is unusable after: ${this.broken}; load a new one`);
    this.stderr.length = 0;
    try {
      // No reservation per call: the engine grows its memory in large steps by itself
      // (wasm/engine/src/heap.rs), and takes no more than a call needs (an edge isolate has 128 MB).
      let len = 0;
      for (const p of parts) len += p.length;
      const ptr = this.exports.nexxo_alloc(len);
      // The allocation may have grown the memory: its buffer is taken after.
      const view = new Uint8Array(this.exports.memory.buffer, ptr, len);
      let at = 0;
      for (const p of parts) {
        view.set(p, at);
        at += p.length;
      }
      return [ptr, len];
    } catch (err) {
      this.#crashed(err);
    }
  }

  /** Reads (with `read`) and releases the answer an export returned. */
  #end(answer, read) {
    const e = this.exports;
    const packed = BigInt.asUintN(64, answer);
    const outPtr = Number(packed >> 32n);
    const outLen = Number(packed & 0xffffffffn);
    const result = read(new Uint8Array(e.memory.buffer, outPtr, outLen));
    e.nexxo_free(outPtr, outLen);
    return result;
  }

  /** A panic or a trap leaves the instance in an unknown state: report its message, retire it. */
  #crashed(err) {
    const log = new TextDecoder().decode(concat(this.stderr)).trim();
    this.broken = log || String(err);
    throw new Error(`the engine crashed: ${this.broken}`);
  }

  /** `f` of a result, or of a Promise's result when the engine is `async`. */
  #then(result, f) {
    return this.async ? result.then(f) : f(result);
  }

  call(request) {
    return this.#then(this.callJson(JSON.stringify(request)), JSON.parse);
  }

  /** Builds a project from in-memory files: `{ files, root?, env?, overrides? }` -> BuildResponse.
   * The files go in as bytes and the output's texts come back as bytes (`nexxo_build_bin`), not
   * inside JSON strings: the same response as `buildJson`'s, without escaping, scanning and
   * copying megabytes twice each way (a tenth of a warm 2.4k-module build in Node). Without
   * `files` the engine reads the project from the provider, and the output still comes back as
   * bytes. `onProgress` hears `{ stage }` as each stage begins: "load", "link", "render", "finish". */
  build(request, { onProgress } = {}) {
    // `files` that are not a list get the JSON call's error, which names what is wrong.
    const bad = request?.files !== undefined && !Array.isArray(request.files);
    if (bad || !this.exports?.nexxo_build_bin) return this.call({ ...request, op: "build" });
    return this.#invoke("nexxo_build_bin", encodeBuild(request ?? {}), decodeBuild, onProgress ?? null);
  }

  /** The same, JSON string in and out (what the parity tests compare byte for byte). */
  buildJson(requestJson) {
    const rest = requestJson.trim().slice(1).trim();
    return this.callJson(rest === "}" ? '{"op":"build"}' : `{"op":"build",${rest}`);
  }

  /** One module: `{ path, source, reactRefresh? }` -> TransformResponse. */
  transform(request) {
    return this.call({ ...request, op: "transform" });
  }

  /** Opens a dev session (the DevSession `nexxo dev` runs) over `request.files`; `request.externals`
   * names packages the page supplies. Returns the entry, its modules in runner form and the dev
   * runtime (SessionStart). */
  openSession(session, request) {
    return this.call({ op: "session.open", session, request });
  }

  /** Applies edits: `changed` files ({path, text}) and `removed` paths -> SessionUpdate (the
   * messages for the runtime's `receive`). */
  updateSession(session, changed, removed = []) {
    return this.call({ op: "session.update", session, changed, removed });
  }

  /** Module `url` in runner form (what the runtime's `fetchRunner` asks for) -> { ok, code }. */
  sessionRunner(session, url) {
    return this.call({ op: "session.runner", session, url });
  }

  /** What `nexxo dev` would answer for `url` -> { status, contentType, text }. */
  sessionRequest(session, url) {
    return this.call({ op: "session.request", session, url });
  }

  closeSession(session) {
    return this.#then(this.call({ op: "session.close", session }), (r) => r.ok);
  }

  version() {
    return this.#then(this.call({ op: "version" }), (r) => r.version);
  }

  /** Builds a small built-in project (TSX components, CSS modules, a package, minified with source
   * maps) and throws the result away, so V8 has compiled and begun optimizing the code a real build
   * runs hot: for a host with idle time before its first real build (an IDE's worker while the page
   * loads). Returns whether that build succeeded. */
  warmUp() {
    return this.#then(this.build({ root: "/nexxo-warm-up", files: warmUpFiles(), overrides: { sourcemap: true } }), (r) => r.ok);
  }
}

/** The warm-up project: a tree of components like an app's (state, props, JSX, a util module each,
 * a CSS module every fourth) over a stand-in `react` package, so the build resolves a package,
 * transforms TSX, compiles CSS modules, links, minifies and writes source maps. */
function warmUpFiles(components = 24) {
  const files = [
    { path: "index.html", text: '<div id="root"></div><script type="module" src="/src/main.tsx"></script>\n' },
    { path: "src/main.tsx", text: 'import { render } from "react";\nimport C0 from "./c0";\nrender(<C0 />);\n' },
    { path: "node_modules/react/package.json", text: '{ "name": "react", "main": "index.js" }\n' },
    { path: "node_modules/react/index.js", text: "export function useState(v) { return [v, () => {}]; }\nexport function render(x) { return x; }\n" },
    { path: "node_modules/react/jsx-runtime.js", text: "export function jsx(type, props) { return { type, props }; }\nexport const jsxs = jsx;\nexport const Fragment = {};\n" },
  ];
  for (let i = 0; i < components; i++) {
    const kids = [2 * i + 1, 2 * i + 2].filter((k) => k < components);
    const css = i % 4 === 0;
    files.push({
      path: `src/c${i}.tsx`,
      text: [
        'import { useState } from "react";',
        `import { f${i} } from "./u${i}";`,
        ...kids.map((k) => `import C${k} from "./c${k}";`),
        ...(css ? [`import styles from "./c${i}.module.css";`] : []),
        `export default function C${i}({ label = "c${i}" }: { label?: string }) {`,
        `  const [n, setN] = useState<number>(${i});`,
        `  return <div className={${css ? "styles.box" : `"c${i}"`}} title={label} onClick={() => setN(f${i}(n))}>{n}${kids.map((k) => `<C${k} />`).join("")}</div>;`,
        "}",
        "",
      ].join("\n"),
    });
    files.push({ path: `src/u${i}.ts`, text: `export function f${i}(x: number): number {\n  return (x * 31 + ${i}) % 1000;\n}\n` });
    if (css) files.push({ path: `src/c${i}.module.css`, text: `.box { padding: ${i % 7}px; display: flex; color: #336699; }\n.box:hover { color: red; }\n` });
  }
  return files;
}

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
