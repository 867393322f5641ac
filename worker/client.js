// Promise-based client of nexxo-worker.js, for pages: `const nexxo = createNexxoWorker(url)`, or
// `createNexxoWorker(() => new Worker(new URL(".../nexxo-worker.js", import.meta.url), { type: "module" }))`
// for a page whose build bundles the worker (the engine module then gets a content-hashed name),
// and `createNexxoWorker(url, { pool: 2 })` for a worker that spreads a session's module transforms
// over 2 helper workers (JSPI browsers; elsewhere the worker runs them itself, see `poolInfo`). A
// bundled worker takes the pool size in its own URL (`nexxo-worker.js?pool=2`), as it takes
// `reserveMB` (`?reserve=128`). Types: client.d.ts.
//
// Calls are posted at once (the worker runs them in turn), except a build
// given an AbortSignal: it waits here until the calls before it are answered, so that, when the
// signal aborts, it either was never sent (and is dropped) or is the call the worker is running. A
// running build cannot hear a message until it returns (it is one synchronous call), so the worker
// is terminated and a new one started, which gets the files the old one held (kept here for that)
// and then the calls that were sent after the build. Sessions opened in the old worker end with it.
// A `Worker` passed in (rather than a URL or a function that makes one) cannot be started again:
// an abort then only rejects the call, and the build runs on.

const aborted = (signal) => signal.reason ?? new DOMException("The build was aborted.", "AbortError");

export function createNexxoWorker(source, { pool = 0, reserveMB = 0 } = {}) {
  let make = null;
  let worker;
  if (typeof source === "function") {
    make = source;
  } else if (typeof Worker !== "undefined" && source instanceof Worker) {
    worker = source;
  } else {
    const script = new URL(source, globalThis.location?.href);
    if (pool > 0) script.searchParams.set("pool", String(pool));
    if (reserveMB > 0) script.searchParams.set("reserve", String(reserveMB));
    make = () => new Worker(script, { type: "module" });
  }
  // The files the worker holds, by `${root}\0${path}`, to give a restarted worker (only when one
  // can be started: otherwise nothing is kept twice).
  const held = make ? new Map() : null;
  const waiting = []; // calls not sent yet (behind an abortable build)
  const sent = []; // calls the worker has, oldest first (it answers them in this order)
  let next = 0;
  let restarts = 0;
  let terminated = false;

  const settle = (call, ok, value) => {
    call.signal?.removeEventListener("abort", call.onAbort);
    (ok ? call.resolve : call.reject)(value);
  };

  const remember = (type, payload) => {
    if (!held) return;
    if (type === "files.write") {
      for (const f of payload.files ?? []) {
        const key = `${payload.root}\0${f.path}`;
        held.delete(key); // a rewrite moves to the end, where a replay writes it last
        held.set(key, f);
      }
    } else if (type === "files.remove") {
      for (const rel of payload.paths ?? []) held.delete(`${payload.root}\0${rel}`);
    } else if (type === "files.clear") {
      held.clear();
    }
  };

  const post = (call) => {
    sent.push(call);
    worker.postMessage({ id: call.id, type: call.type, payload: call.payload });
  };

  /** Sends what may go: everything up to an abortable build, which goes only first in line. */
  const pump = () => {
    while (waiting.length > 0 && !(waiting[0].signal && sent.length > 0)) post(waiting.shift());
  };

  const listen = (w) => {
    w.onmessage = ({ data }) => {
      const call = sent.find((c) => c.id === data?.id);
      if (w !== worker || !call) return; // a replay's answer, an old worker's, or a dropped call's
      if (data.progress) {
        call.onProgress?.(data.progress);
        return;
      }
      sent.splice(sent.indexOf(call), 1);
      if (data.ok) {
        remember(call.type, call.payload);
        settle(call, true, data.result);
      } else {
        settle(call, false, Object.assign(new Error(data.error), { crashed: !!data.crashed }));
      }
      pump();
    };
    w.onerror = (e) => {
      if (w !== worker) return;
      const error = new Error(`worker error: ${e.message}`);
      for (const call of [...sent.splice(0), ...waiting.splice(0)]) settle(call, false, error);
    };
  };

  /** A new worker in place of the one running an aborted build: the held files given back (one
   * message per run of files under the same root), then the calls the old one had not answered. */
  const restart = () => {
    worker.terminate();
    worker = make();
    restarts++;
    listen(worker);
    let batch = null;
    const flush = () => batch && worker.postMessage({ id: 0, type: "files.write", payload: batch });
    for (const [key, file] of held) {
      const root = key.slice(0, key.indexOf("\0"));
      if (batch?.root !== root) {
        flush();
        batch = { root, files: [] };
      }
      batch.files.push(file);
    }
    flush();
    for (const call of sent.splice(0)) post(call);
  };

  const call = (type, payload, { onProgress, signal } = {}) =>
    new Promise((resolve, reject) => {
      if (terminated) return reject(new Error("the worker was terminated"));
      if (signal?.aborted) return reject(aborted(signal));
      const c = { id: ++next, type, payload, resolve, reject, onProgress, signal };
      if (signal) {
        c.onAbort = () => {
          if (waiting.includes(c)) {
            waiting.splice(waiting.indexOf(c), 1);
          } else if (sent.includes(c)) {
            // Sent only when it was the one call the worker had: the worker is running it.
            sent.splice(sent.indexOf(c), 1);
            // Without a way to start another worker, the build runs on and its answer is dropped.
            if (make) restart();
          } else {
            return;
          }
          settle(c, false, aborted(signal));
          pump();
        };
        signal.addEventListener("abort", c.onAbort, { once: true });
      }
      waiting.push(c);
      pump();
    });

  worker ??= make();
  listen(worker);
  return {
    build: (request, options) => call("build", request, options),
    transform: (request) => call("transform", request),
    openSession: (session, request) => call("session.open", { session, request }),
    updateSession: (session, changed, removed = []) => call("session.update", { session, changed, removed }),
    sessionRunner: (session, url) => call("session.runner", { session, url }),
    sessionRequest: (session, url) => call("session.request", { session, url }),
    closeSession: (session) => call("session.close", { session }),
    writeFiles: (root, files) => call("files.write", { root, files }),
    removeFiles: (root, paths) => call("files.remove", { root, paths }),
    clearFiles: () => call("files.clear"),
    version: () => call("version"),
    poolInfo: () => call("pool"),
    /** Workers started in place of one running an aborted build. */
    get restarts() {
      return restarts;
    },
    /** Ends the worker; calls not answered yet, and any made after, reject. */
    terminate: () => {
      terminated = true;
      worker.terminate();
      const error = new Error("the worker was terminated");
      for (const c of [...sent.splice(0), ...waiting.splice(0)]) settle(c, false, error);
    },
  };
}
