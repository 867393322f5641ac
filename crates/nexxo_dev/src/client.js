// Nexxo dev client: the HMR connection, `import.meta.hot`, React Fast Refresh scheduling, the
// module registry of bundled pages and the error overlay. Served as /@nexxo/client; every app
// module imports it. One runtime for every host: `nexxo dev` pages talk to the server over a
// WebSocket and fetch; a page with no server (the playground's preview) sets
// `globalThis.__nexxo_transport` before loading it: `{ send(msg), fetchRunner(url) -> Promise<code> }`,
// hands it the session's messages through `receive`, and may supply packages itself in
// `globalThis.__nexxo_natives` (specifier -> module namespace).
const transport = globalThis.__nexxo_transport;
const hotModules = new Map(); // path -> { acceptCallbacks, disposeCallbacks, pruneCallbacks, data }
const dataByPath = new Map();
let socket;
let pending = Promise.resolve();

function connect() {
  // The server this client came from, which need not be the page's: a backend's page (Vite's
  // "backend integration") loads it from the dev server's own origin.
  const server = new URL(import.meta.url);
  const proto = server.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${proto}://${server.host}/@nexxo/ws`);
  socket.addEventListener("message", (e) => receive(JSON.parse(e.data)));
  socket.addEventListener("close", () => {
    console.info("[nexxo] server connection lost, waiting for it to come back...");
    const retry = () => fetch(new URL("/@nexxo/ping", server)).then(() => location.reload(), () => setTimeout(retry, 500));
    setTimeout(retry, 500);
  });
}

/** Applies one message of the session (`update`, `full-reload`, `prune`, `error`), in order: an
 * update must not overtake the one before it. Resolves when it is applied. */
export function receive(msg) {
  pending = pending.then(() => handle(msg)).catch((err) => console.error("[nexxo] update failed", err));
  return pending;
}

async function handle(msg) {
  switch (msg.type) {
    case "connected": {
      // A reload the server sent while this page was still loading (before it connected) was
      // never heard: the page is older than the server's last reload, so it reloads now.
      const served = Number(globalThis.document?.querySelector("script[data-nexxo-reloads]")?.dataset.nexxoReloads ?? NaN);
      if (typeof msg.reloads === "number" && msg.reloads > served) location.reload();
      break;
    }
    case "update":
      clearOverlay();
      // A bundled page gets the modules the update runs again in the message itself.
      if (factories.size) {
        for (const [url, code] of Object.entries(msg.modules ?? {})) {
          // V8 puts a function built this way two lines below its header: the map starts there.
          const map = `${location.origin}/@nexxo/map?url=${encodeURIComponent(url)}&at=2`;
          if (!factories.has(url)) {
            factories.set(url, new AsyncFunction(...RUNNER_PARAMS, `${code}\n//# sourceURL=${location.origin}${url}\n//# sourceMappingURL=${map}`));
          }
        }
      }
      for (const u of msg.updates) {
        if (u.kind === "css-link") updateLink(u.path, u.timestamp);
        else if (u.accepted && u.accepted !== u.path) await updateDep(u.path, u.accepted, u.url);
        else await updateModule(u.path, u.url);
      }
      if (refreshTimer !== undefined) {
        // Every updated component is registered now: refresh once, without waiting for the timer.
        clearTimeout(refreshTimer);
        refreshTimer = undefined;
        window.__nexxo_refresh?.performReactRefresh();
      }
      window.__nexxo_last_update = msg.updates.map((u) => u.path);
      document.dispatchEvent(new CustomEvent("nexxo:afterUpdate", { detail: msg.updates }));
      break;
    case "full-reload":
      location.reload();
      break;
    case "prune":
      for (const p of msg.paths) {
        const m = hotModules.get(p);
        if (m) for (const cb of m.pruneCallbacks) cb(m.data);
      }
      break;
    case "error":
      showOverlay(msg.error);
      break;
  }
}

function updateLink(path, timestamp) {
  for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
    const url = new URL(link.href, location.href);
    if (url.pathname === path) {
      const next = link.cloneNode();
      next.href = `${path}?t=${timestamp}`;
      next.addEventListener("load", () => link.remove(), { once: true });
      link.after(next);
    }
  }
}

// Runs a module's dispose callbacks; their `data` is what its next version finds in `hot.data`.
async function dispose(path) {
  const mod = hotModules.get(path);
  if (!mod) return;
  const data = {};
  for (const cb of mod.disposeCallbacks) await cb(data);
  dataByPath.set(path, data);
}

// Bundled pages (`/@nexxo/bundle`) keep app modules in this registry instead of the browser's
// module map: the bundle defines each module as a function in runner form (imports become
// `__vite_ssr_import__(url)` calls), and `load` runs it once. Module URLs a bundle did not carry,
// such as `?t=` versions from an update, are fetched one by one with `&runner`.
const factories = new Map(); // url -> async function
const AsyncFunction = (async () => {}).constructor;
const RUNNER_PARAMS = ["__vite_ssr_import__", "__vite_ssr_dynamic_import__", "__vite_ssr_exports__", "__vite_ssr_exportAll__", "__vite_ssr_import_meta__"];
const instances = new Map(); // url -> { exports, done, promise }
const natives = new Map(); // url -> namespace of a native module (client, pre-bundled deps)

export function define(url, fn) {
  if (!factories.has(url)) factories.set(url, fn);
}

const isAppModule = (url) => url.startsWith("/") && !url.startsWith("/@") && !url.startsWith("//");

export function load(url) {
  const supplied = globalThis.__nexxo_natives?.[url];
  if (supplied) return Promise.resolve(supplied);
  if (!isAppModule(url) || (!factories.size && !instances.size)) {
    return natives.get(url) ?? import(url).then((ns) => (natives.set(url, ns), ns));
  }
  return (instances.get(url) ?? evaluate(url)).promise;
}

// A static import of a module still running further up the import chain is a cycle: as in ESM,
// the importer gets the live, partly filled exports instead of waiting on itself. Finished
// modules are handed out directly: thousands of modules each awaiting a few imports add up.
function importStatic(url) {
  return instances.get(url)?.exports ?? load(url);
}

function evaluate(url) {
  const exports = Object.create(null);
  Object.defineProperty(exports, Symbol.toStringTag, { value: "Module" });
  const inst = { exports, done: false, promise: undefined };
  instances.set(url, inst);
  const exportAll = (from) => {
    for (const key of Object.keys(from)) {
      if (key !== "default" && !(key in exports)) {
        Object.defineProperty(exports, key, { enumerable: true, configurable: true, get: () => from[key] });
      }
    }
  };
  const run = (fn) =>
    fn(importStatic, load, exports, exportAll, { url: location.origin + url }).then(() => {
      inst.done = true;
      return exports;
    });
  const fn = factories.get(url);
  // A module the registry lacks: the server's `?runner` form, or the transport's.
  const fetchFactory = () =>
    transport
      ? transport.fetchRunner(url).then((code) => new AsyncFunction(...RUNNER_PARAMS, `${code}\n//# sourceURL=${location.origin}${url}`))
      : import(`${url}${url.includes("?") ? "&" : "?"}runner`).then((m) => m.default);
  inst.promise = fn ? run(fn) : fetchFactory().then((f) => (factories.set(url, f), run(f)));
  // A module that failed (say, a syntax error) is tried again by the next import.
  inst.promise.catch(() => instances.get(url) === inst && instances.delete(url));
  return inst;
}

async function updateModule(path, url) {
  await dispose(path);
  const next = await load(url);
  const fresh = hotModules.get(path);
  if (fresh) for (const cb of fresh.acceptCallbacks) cb(next);
}

// `importer` accepts `dep` (`import.meta.hot.accept(dep, cb)`): fetch the dep anew and hand it
// to the importer's callback; the importer itself does not run again.
async function updateDep(importer, dep, url) {
  await dispose(dep);
  const next = await load(url);
  for (const { deps, cb } of hotModules.get(importer)?.depCallbacks ?? []) {
    if (deps.includes(dep)) cb(deps.map((d) => (d === dep ? next : undefined)));
  }
}

export function createHotContext(path) {
  const mod = {
    acceptCallbacks: [],
    depCallbacks: [],
    disposeCallbacks: [],
    pruneCallbacks: [],
    data: dataByPath.get(path) ?? {},
  };
  hotModules.set(path, mod);
  return {
    get data() {
      return mod.data;
    },
    accept(deps, cb) {
      if (typeof deps === "function" || deps === undefined) mod.acceptCallbacks.push(deps ?? (() => {}));
      else {
        // The server rewrote each dep to its URL path, the key updates arrive with.
        const list = Array.isArray(deps) ? deps : [deps];
        mod.depCallbacks.push({ deps: list, cb: (mods) => cb?.(Array.isArray(deps) ? mods : mods[0]) });
      }
    },
    dispose(cb) {
      mod.disposeCallbacks.push(cb);
    },
    prune(cb) {
      mod.pruneCallbacks.push(cb);
    },
    invalidate(message) {
      const msg = { type: "invalidate", path, message };
      if (transport) transport.send(msg);
      else socket?.send(JSON.stringify(msg));
    },
    on(event, cb) {
      document.addEventListener(event, (e) => cb(e.detail));
    },
  };
}

// React Fast Refresh: components re-render in place after their modules are re-imported.
let refreshTimer;
export function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    window.__nexxo_refresh?.performReactRefresh();
  }, 0);
}

export function isRefreshBoundary(exports) {
  const rt = window.__nexxo_refresh;
  if (!rt) return false;
  const values = Object.entries(exports);
  return values.length > 0 && values.every(([, v]) => rt.isLikelyComponentType(v));
}

// Error overlay: a shadow-DOM element so app styles cannot break it.
// Workers import this module too (their modules are served like the page's): there is no DOM
// there, so the overlay and the connection exist only in a document.
const inDocument = typeof document !== "undefined";
class ErrorOverlay extends (globalThis.HTMLElement ?? Object) {
  constructor(error) {
    super();
    const root = this.attachShadow({ mode: "open" });
    const where = error.file ? `${error.file}${error.line ? `:${error.line}:${error.column ?? 1}` : ""}` : "";
    root.innerHTML = `<style>
      :host { position: fixed; inset: 0; z-index: 99999; background: rgba(0,0,0,.66); display: flex; align-items: flex-start; justify-content: center; font: 14px/1.5 ui-monospace, monospace; }
      .box { margin-top: 8vh; max-width: 90vw; background: #181818; color: #eee; border-top: 6px solid #ff5555; padding: 20px 28px; border-radius: 6px; white-space: pre-wrap; overflow: auto; max-height: 80vh; }
      .msg { color: #ff7777; font-weight: bold; } .file { color: #7fd7ff; } .hint { color: #aaa; margin-top: 12px; }
    </style><div class="box" role="alert"><div class="msg"></div><div class="file"></div><pre class="frame"></pre><div class="hint"></div></div>`;
    root.querySelector(".msg").textContent = `[${error.code}] ${error.message}`;
    root.querySelector(".file").textContent = where;
    root.querySelector(".frame").textContent = error.frame ?? "";
    root.querySelector(".hint").textContent = error.hint ?? "Fix the code and save: the overlay goes away on the next good update.";
  }
}
if (inDocument && !customElements.get("nexxo-error-overlay")) customElements.define("nexxo-error-overlay", ErrorOverlay);

function showOverlay(error) {
  clearOverlay();
  document.body.appendChild(new ErrorOverlay(error));
}

function clearOverlay() {
  for (const el of document.querySelectorAll("nexxo-error-overlay")) el.remove();
}

export function updateStyle(id, css) {
  let style = document.querySelector(`style[data-nexxo-id="${CSS.escape(id)}"]`);
  if (!style) {
    style = document.createElement("style");
    style.setAttribute("data-nexxo-id", id);
    document.head.appendChild(style);
  }
  style.textContent = css;
}

// Modules import this runtime by its URL; in a registry page it is this very instance.
natives.set("/@nexxo/client", { createHotContext, scheduleRefresh, isRefreshBoundary, updateStyle, define, load, receive });

if (inDocument && !transport) {
  window.addEventListener("error", (e) => console.error("[nexxo] runtime error (HMR stays connected):", e.message));
  connect();
}
