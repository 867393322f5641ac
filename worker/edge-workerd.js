// Entry for Cloudflare's workerd (and compatible edge runtimes): the .wasm import is a
// WebAssembly.Module there.
import wasm from "../wasm/pkg/nexxo-engine.wasm";
import { createEdgeWorker } from "./edge.js";

export default createEdgeWorker(wasm);
