// The playground's preview frame. The parent page sends the engine's session output here:
//   { type: "start", update, body }   run the project from scratch (body: the project's <body>)
//   { type: "update", update }        apply an HMR update
// and hears back { type: "started" | "updated" | "reload-needed" | "runtime-error", ... }.
import { RefreshRuntime } from "./refresh-setup";
import * as React from "react";
import * as ReactDOM from "react-dom";
import * as ReactDOMClient from "react-dom/client";
import * as JsxRuntime from "react/jsx-runtime";
import * as JsxDevRuntime from "react/jsx-dev-runtime";
import { Runner, type SessionUpdate } from "./runner";

type Exports = Record<string, unknown>;
// Packages a playground project may import: what this page bundles.
const pkg = (ns: object): Exports => ({ ...(ns as Exports), default: (ns as Exports).default ?? ns });
const externals: Record<string, Exports> = {
  react: pkg(React),
  "react-dom": pkg(ReactDOM),
  "react-dom/client": pkg(ReactDOMClient),
  "react/jsx-runtime": pkg(JsxRuntime),
  "react/jsx-dev-runtime": pkg(JsxDevRuntime),
};

const runner = new Runner(externals, RefreshRuntime);
const post = (msg: object) => parent.postMessage(msg, location.origin);
runner.onInvalidate = (id) => post({ type: "reload-needed", reason: `${id} invalidated itself` });

const report = (e: unknown) =>
  post({ type: "runtime-error", message: e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e) });
addEventListener("error", (e) => report(e.error ?? e.message));
addEventListener("unhandledrejection", (e) => report(e.reason));

// Serialized: an edit that arrives while the previous one still runs waits its turn.
let queue = Promise.resolve();
addEventListener("message", (e: MessageEvent) => {
  if (e.source !== parent || e.origin !== location.origin) return;
  const msg = e.data as { type: string; update: SessionUpdate; body?: string };
  queue = queue.then(async () => {
    try {
      if (msg.type === "start") {
        document.body.innerHTML = msg.body ?? '<div id="root"></div>';
        await runner.start(msg.update);
        post({ type: "started" });
      } else if (msg.type === "update") {
        const applied = await runner.apply(msg.update);
        post(applied ? { type: "updated" } : { type: "reload-needed", reason: "no module accepted the change" });
      }
    } catch (err) {
      report(err);
    }
  });
});
post({ type: "preview-ready" });
