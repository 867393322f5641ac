// The playground's preview frame. It runs the one dev runtime (`/@nexxo/client`, the same code
// `nexxo dev` pages run) with a transport to the parent page instead of a WebSocket. The parent
// sends the engine's DevSession output here:
//   { type: "start", start, body }   define the session's modules and run the entry
//   { type: "messages", messages }   hand the session's messages (updates, errors) to the runtime
//   { type: "module", id, code?, error? }  the answer to a module the runtime asked for, or to a
//                                          pre-bundled chunk (/@deps/) this frame asked for
// and hears back { type: "preview-ready" | "started" | "updated" | "reload-needed" |
// "runtime-error" | "fetch-module" | "fetch-dep" | "start-failed", ... }.
import { RefreshRuntime } from "./refresh-setup";
import * as React from "react";
import * as ReactDOM from "react-dom";
import * as ReactDOMClient from "react-dom/client";
import * as JsxRuntime from "react/jsx-runtime";
import * as JsxDevRuntime from "react/jsx-dev-runtime";
import type { SessionMessage, SessionStart } from "../../wasm/js/nexxo";

type Exports = Record<string, unknown>;
interface Client {
  define(url: string, fn: unknown): void;
  load(url: string): Promise<Exports>;
  receive(msg: SessionMessage): Promise<void>;
}

// Packages a playground project may import: what this page bundles (see EXTERNALS in main.ts).
const pkg = (ns: object): Exports => ({ ...(ns as Exports), default: (ns as Exports).default ?? ns });
const g = globalThis as unknown as Record<string, unknown>;
const natives: Record<string, Exports> = {
  react: pkg(React),
  "react-dom": pkg(ReactDOM),
  "react-dom/client": pkg(ReactDOMClient),
  "react/jsx-runtime": pkg(JsxRuntime),
  "react/jsx-dev-runtime": pkg(JsxDevRuntime),
};
// The runtime asks `__nexxo_natives[url]` first for every module; the session's pre-bundled
// packages (`/@deps/...`, see depModule) are answered there too, with a promise of their namespace.
g.__nexxo_natives = new Proxy(natives, {
  get: (t, key) => (typeof key === "string" && key.startsWith("/@deps/") ? depModule(key).then((u) => import(/* @vite-ignore */ u)) : t[key as string]),
});
// CommonJS packages that `require()` React (rolldown's pre-bundle keeps unresolved requires as
// calls to a global `require`) get the page's React, the one the app renders with.
g.require = (id: string) => {
  const ns = natives[id];
  if (!ns) throw new Error(`require("${id}"): ${id} is not loaded in this preview: add it in Packages`);
  return ns.default ?? ns;
};

// ---- pre-bundled packages ------------------------------------------------------------------------
// `nexxo dev` serves the session's pre-bundle at /@deps/<file>, and the runtime imports those as
// native ES modules. This frame has no server for them: each chunk's text comes from the session
// (through the page) and runs from a blob: URL. Blob URLs resolve no relative imports, so the
// import specifiers of a chunk (rolldown writes `import ... from "./chunk-x.js"` one per line, and
// `import("./x.js")`) are rewritten to the blob URLs of the chunks they name; a bare specifier the
// pre-bundle left unresolved is a package that is not loaded, or React (the page's own).

const depUrls = new Map<string, Promise<string>>(); // /@deps/ URL -> blob URL of its module
const shims: Exports[] = [];
g.__nexxo_shims = shims;
const IDENT = /^[A-Za-z_$][\w$]*$/;

/** A module re-exporting `ns` (a namespace this frame has), for a chunk's import of it. */
function shimOf(ns: Exports): string {
  shims.push(ns);
  const names = Object.keys(ns).filter((n) => n !== "default" && IDENT.test(n));
  const code = `const ns = globalThis.__nexxo_shims[${shims.length - 1}];\nexport default ns.default;\nexport const { ${names.join(", ")} } = ns;\n`;
  return URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
}

/** A module that fails with `message` when it runs (an import of a package that is not loaded). */
const failing = (message: string) =>
  URL.createObjectURL(new Blob([`throw new Error(${JSON.stringify(message)});\n`], { type: "text/javascript" }));

function depModule(url: string, chain: string[] = []): Promise<string> {
  if (chain.includes(url)) return Promise.reject(new Error(`pre-bundled chunks import each other in a cycle (${[...chain, url].join(" -> ")}): not supported by the playground preview`));
  let found = depUrls.get(url);
  if (found) return found;
  found = ask("fetch-dep", url).then(async (code) => {
    const SPEC = /(^(?:import|export)\b[^\n]*?\bfrom\s*|^import\s*|\bimport\s*\(\s*)(["'])([^"'\n]+)\2/gm;
    const targets = new Map<string, string>();
    for (const m of code.matchAll(SPEC)) {
      const spec = m[3];
      if (targets.has(spec)) continue;
      // Relative specifiers resolve as URLs, as in `nexxo dev` (rolldown writes a package's own
      // style sheet, kept out of the pre-bundle, as "../../node_modules/pkg/x.css?import").
      const resolved = spec.startsWith(".") || spec.startsWith("/") ? new URL(spec, `http://x${url}`) : null;
      if (resolved?.pathname.startsWith("/@deps/")) {
        targets.set(spec, await depModule(resolved.pathname, [...chain, url]));
      } else if (resolved) {
        // A package's own style sheet or asset: a module of the session, served like the app's.
        targets.set(spec, shimOf((await client!.load(resolved.pathname + resolved.search)) as Exports));
      } else if (natives[spec]) {
        targets.set(spec, shimOf(natives[spec]));
      } else {
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
        const why = `a package imports "${spec}" (in ${url}), which is not loaded: add ${name} in Packages`;
        // A static import fails the chunk now (its named imports could not link against a stand-in);
        // a dynamic one fails when it runs.
        if (!m[1].includes("(")) throw new Error(why);
        targets.set(spec, failing(why));
      }
    }
    const rewritten = code.replace(SPEC, (all, head: string, q: string, spec: string) => `${head}${q}${targets.get(spec) ?? spec}${q}`);
    return URL.createObjectURL(new Blob([`${rewritten}\n//# sourceURL=${location.origin}${url}`], { type: "text/javascript" }));
  });
  depUrls.set(url, found);
  found.catch(() => depUrls.delete(url));
  return found;
}
// What `nexxo dev` pages get from its React preamble: the refresh runtime, and no-op
// registration outside component modules.
g.__nexxo_refresh = RefreshRuntime;
g.$RefreshReg$ = () => {};
g.$RefreshSig$ = () => (t: unknown) => t;

const post = (msg: object) => parent.postMessage(msg, location.origin);
const fetches = new Map<number, { resolve: (code: string) => void; reject: (e: Error) => void }>();
let nextFetch = 0;
g.__nexxo_transport = {
  send(msg: { type: string; path?: string }) {
    if (msg.type === "invalidate") post({ type: "reload-needed", reason: `${msg.path} invalidated itself` });
  },
  fetchRunner: (url: string) => ask("fetch-module", url),
};

/** Asks the page for code: a module in runner form, or a pre-bundled chunk; answered by "module". */
function ask(type: "fetch-module" | "fetch-dep", url: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const id = ++nextFetch;
    fetches.set(id, { resolve, reject });
    post({ type, id, url });
  });
}

// The stack goes as it is: the page maps its frames to the original files (see sourcemap.ts).
const report = (e: unknown) =>
  post({ type: "runtime-error", message: e instanceof Error ? `${e.name}: ${e.message}` : String(e), stack: e instanceof Error ? (e.stack ?? "") : "" });
addEventListener("error", (e) => report(e.error ?? e.message));
addEventListener("unhandledrejection", (e) => report(e.reason));

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => unknown;
const PARAMS = ["__vite_ssr_import__", "__vite_ssr_dynamic_import__", "__vite_ssr_exports__", "__vite_ssr_exportAll__", "__vite_ssr_import_meta__"];
let client: Client | undefined;

async function start(s: SessionStart) {
  const url = URL.createObjectURL(new Blob([s.client], { type: "text/javascript" }));
  client = (await import(/* @vite-ignore */ url)) as Client;
  for (const m of s.modules) {
    client.define(m.url, new AsyncFunction(...PARAMS, `${m.code}\n//# sourceURL=${location.origin}${m.url}`));
  }
  await client.load(s.entry);
}

// Serialized: an edit that arrives while the previous one still runs waits its turn.
let queue = Promise.resolve();
addEventListener("message", (e: MessageEvent) => {
  if (e.source !== parent || e.origin !== location.origin) return;
  const msg = e.data as { type: string; start?: SessionStart; body?: string; messages?: SessionMessage[]; id?: number; code?: string; error?: string };
  if (msg.type === "module") {
    // Answers are not queued: an update waits on them.
    const f = fetches.get(msg.id!);
    fetches.delete(msg.id!);
    if (msg.code !== undefined) f?.resolve(msg.code);
    else f?.reject(new Error(msg.error ?? "module not available"));
    return;
  }
  queue = queue.then(async () => {
    try {
      if (msg.type === "start") {
        document.body.innerHTML = msg.body ?? '<div id="root"></div>';
        await start(msg.start!);
        post({ type: "started" });
      } else if (msg.type === "messages" && client) {
        for (const m of msg.messages ?? []) await client.receive(m);
        if (msg.messages?.some((m) => m.type === "update")) post({ type: "updated" });
      }
    } catch (err) {
      report(err);
      // The app never ran (an import of its entry chain threw): an update cannot patch it.
      if (msg.type === "start") post({ type: "start-failed" });
    }
  });
});
post({ type: "preview-ready" });
