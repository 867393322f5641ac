// An edge build worker: a module worker (`export default { fetch }`) that takes a project's
// sources in a POST and returns the bundle. Same protocol as `nexxo worker`:
//   POST /build  {"files":[{"path":"index.html","text":"..."}], "env"?, "overrides"?}
//   200 BuildResponse | 422 BuildResponse with errors | 400/405/413 {"ok":false,"errors":[...]}
//
// createEdgeWorker takes the compiled engine module (wasm/pkg/nexxo-engine.wasm) because each
// platform loads it its own way (workerd imports the .wasm file, Node compiles the bytes); see
// edge-workerd.js.
//
// One engine instance serves the isolate's requests, one after the other (a build is one
// synchronous call). A fresh instance per request made workerd grow from 114 MB to 316 MB over
// five small builds: each instance's WebAssembly memory is as large as its build needed and is
// freed only when the garbage collector gets to it. Nothing of a build stays in the instance after
// it (the request's files and the output are freed inside it), but its memory cannot shrink: an
// instance that grew past `maxEngineBytes` is dropped after its build, and the next request starts
// a fresh one (from the same compiled module: no second compile), so an isolate's 128 MB are not
// held by one large build. A crashed instance is replaced too. `GET /health` reports the engine:
// `{ ok, engine: { instances, builds, memoryBytes, peakBytes } }` (the largest instance memory yet).

import { NexxoEngine } from "../wasm/js/nexxo.js";

const json = (status, body) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
const refuse = (status, message) => json(status, { ok: false, errors: [{ message }] });

/** The request's JSON body, or the refusal to answer with. */
async function readJson(request, maxBodyBytes) {
  const text = await request.text();
  if (text.length > maxBodyBytes) return refuse(413, `request body exceeds ${maxBodyBytes} bytes`);
  try {
    return JSON.parse(text);
  } catch (e) {
    return refuse(400, `the body is not valid JSON: ${e.message}`);
  }
}

export function createEdgeWorker(wasmModule, { maxBodyBytes = 16 << 20, maxFiles = 5000, maxEngineBytes = 64 << 20 } = {}) {
  let engine = null;
  let instances = 0;
  let builds = 0;
  let peakBytes = 0;
  const memoryBytes = () => engine?.exports?.memory.buffer.byteLength ?? 0;
  return {
    async fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname === "/health") return json(200, { ok: true, engine: { instances, builds, memoryBytes: memoryBytes(), peakBytes } });
      if (pathname !== "/build") return refuse(404, "not found: POST /build");
      if (request.method !== "POST") return refuse(405, "use POST /build");
      const declared = Number(request.headers.get("content-length") ?? 0);
      if (declared > maxBodyBytes) return refuse(413, `request body exceeds ${maxBodyBytes} bytes`);
      // The body's text is unreachable once parsed (a project's worth of memory the collector can
      // take back while the engine works).
      const body = await readJson(request, maxBodyBytes);
      if (body instanceof Response) return body;
      if (!body || !Array.isArray(body.files) || body.files.length === 0) {
        return refuse(400, "`files` must be a non-empty array of {path, text|base64}");
      }
      if (body.files.length > maxFiles) return refuse(413, `${body.files.length} files sent; at most ${maxFiles}`);
      if ("resolved" in body) return refuse(400, "`resolved` is not accepted; send nexxo.config.json as a file");
      let out;
      try {
        if (!engine || engine.broken) {
          // No reservation (NexxoEngine's default in Node): an isolate has 128 MB in all, and
          // `maxEngineBytes` judges what the builds grew the memory to.
          engine = new NexxoEngine(wasmModule, { reserve: 0 });
          instances++;
        }
        builds++;
        out = engine.build(body);
      } catch (e) {
        return refuse(500, String(e?.message ?? e));
      } finally {
        peakBytes = Math.max(peakBytes, memoryBytes());
        if (engine && (engine.broken || memoryBytes() > maxEngineBytes)) engine = null;
      }
      if (!out.ok && out.errors?.[0]?.message?.startsWith("invalid call")) return json(400, out);
      return json(out.ok ? 200 : 422, out);
    },
  };
}
