// Promise-based client of nexxo-worker.js, for pages: `const nexxo = createNexxoWorker(url)`, or
// `createNexxoWorker(new Worker(new URL(".../nexxo-worker.js", import.meta.url), { type: "module" }))`
// for a page whose build bundles the worker (the engine module then gets a content-hashed name),
// and `createNexxoWorker(url, { pool: 2 })` for a worker that spreads a session's module transforms
// over 2 helper workers (JSPI browsers; elsewhere the worker runs them itself, see `poolInfo`). A
// bundled worker takes the pool size in its own URL (`nexxo-worker.js?pool=2`). Types: client.d.ts.

export function createNexxoWorker(urlOrWorker, { pool = 0 } = {}) {
  let worker = urlOrWorker;
  if (!(urlOrWorker instanceof Worker)) {
    const script = new URL(urlOrWorker, globalThis.location?.href);
    if (pool > 0) script.searchParams.set("pool", String(pool));
    worker = new Worker(script, { type: "module" });
  }
  const pending = new Map();
  let next = 0;
  worker.onmessage = ({ data }) => {
    const p = pending.get(data.id);
    if (!p) return;
    if (data.progress) {
      p.onProgress?.(data.progress);
      return;
    }
    pending.delete(data.id);
    if (data.ok) p.resolve(data.result);
    else p.reject(Object.assign(new Error(data.error), { crashed: !!data.crashed }));
  };
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(`worker error: ${e.message}`));
    pending.clear();
  };
  const call = (type, payload, onProgress) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ id, type, payload });
    });
  return {
    build: (request, { onProgress } = {}) => call("build", request, onProgress),
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
    terminate: () => worker.terminate(),
  };
}
