// The playground's preview frame. It runs the one dev runtime (`/@nexxo/client`, the same code
// `nexxo dev` pages run) with a transport to the parent page instead of a WebSocket. The parent
// sends the engine's DevSession output here:
//   { type: "start", start, body }   define the session's modules and run the entry
//   { type: "messages", messages }   hand the session's messages (updates, errors) to the runtime
//   { type: "module", id, code?, error? }  the answer to a module the runtime asked for
// and hears back { type: "preview-ready" | "started" | "updated" | "reload-needed" |
// "runtime-error" | "fetch-module", ... }.
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
g.__nexxo_natives = {
  react: pkg(React),
  "react-dom": pkg(ReactDOM),
  "react-dom/client": pkg(ReactDOMClient),
  "react/jsx-runtime": pkg(JsxRuntime),
  "react/jsx-dev-runtime": pkg(JsxDevRuntime),
};
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
  fetchRunner(url: string) {
    return new Promise<string>((resolve, reject) => {
      const id = ++nextFetch;
      fetches.set(id, { resolve, reject });
      post({ type: "fetch-module", id, url });
    });
  },
};

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
    }
  });
});
post({ type: "preview-ready" });
