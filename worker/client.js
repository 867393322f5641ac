// Promise-based client of nexxo-worker.js, for pages: `const nexxo = createNexxoWorker(url)`.

export function createNexxoWorker(url) {
  const worker = new Worker(url, { type: "module" });
  const pending = new Map();
  let next = 0;
  worker.onmessage = ({ data }) => {
    const p = pending.get(data.id);
    if (!p) return;
    pending.delete(data.id);
    if (data.ok) p.resolve(data.result);
    else p.reject(Object.assign(new Error(data.error), { crashed: !!data.crashed }));
  };
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(`worker error: ${e.message}`));
    pending.clear();
  };
  const call = (type, payload) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, type, payload });
    });
  return {
    build: (request) => call("build", request),
    transform: (request) => call("transform", request),
    openSession: (session, request) => call("session.open", { session, request }),
    updateSession: (session, changed, removed = []) => call("session.update", { session, changed, removed }),
    sessionRunner: (session, url) => call("session.runner", { session, url }),
    sessionRequest: (session, url) => call("session.request", { session, url }),
    closeSession: (session) => call("session.close", { session }),
    version: () => call("version"),
    terminate: () => worker.terminate(),
  };
}
