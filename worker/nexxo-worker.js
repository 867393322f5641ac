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
//   { id, type: "version" }                                       -> string
// Replies are { id, ok: true, result } or { id, ok: false, error, crashed? }.
//
// A panic ends the WASM instance; the worker starts a fresh one from the compiled module (open
// sessions are gone, and the reply says so) instead of failing every later message.
import { NexxoEngine } from "../wasm/js/nexxo.js";

// Written as a bundler sees an asset (a literal `new URL(path, import.meta.url)`): a page that
// bundles this worker (`new Worker(new URL(".../nexxo-worker.js", import.meta.url))`, or
// `?worker&url`, as the playground does) gets the module under a content-hashed name, which hosts
// serve as immutable: a returning page neither downloads nor revalidates it, and Chromium keeps
// its compiled code. Served unbundled, the repository's layout (worker/ beside wasm/) works too.
const module = WebAssembly.compileStreaming(fetch(new URL("../wasm/pkg/nexxo-engine.wasm", import.meta.url)));
let engine = module.then((m) => new NexxoEngine(m));

function handle(nexxo, type, payload) {
  switch (type) {
    case "build":
      return nexxo.build(payload);
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
    case "version":
      return nexxo.version();
    default:
      throw new Error(`unknown message type "${type}"`);
  }
}

self.onmessage = async ({ data }) => {
  const { id, type, payload } = data ?? {};
  let nexxo;
  try {
    nexxo = await engine;
  } catch (e) {
    self.postMessage({ id, ok: false, error: `cannot load the Nexxo engine: ${e?.message ?? e}` });
    return;
  }
  try {
    self.postMessage({ id, ok: true, result: handle(nexxo, type, payload) });
  } catch (e) {
    const crashed = !!nexxo.broken;
    self.postMessage({ id, ok: false, error: String(e?.message ?? e), crashed });
    if (crashed) engine = module.then((m) => new NexxoEngine(m));
  }
};
