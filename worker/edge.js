// An edge build worker: a module worker (`export default { fetch }`) that takes a project's
// sources in a POST and returns the bundle. Same protocol as `nexxo worker`:
//   POST /build  {"files":[{"path":"index.html","text":"..."}], "env"?, "overrides"?}
//   200 BuildResponse | 422 BuildResponse with errors | 400/405/413 {"ok":false,"errors":[...]}
//
// createEdgeWorker takes the compiled engine module (wasm/pkg/nexxo-engine.wasm) because each
// platform loads it its own way (workerd imports the .wasm file, Node compiles the bytes); see
// edge-workerd.js. Each request gets a fresh engine instance: nothing survives between requests.

import { NexxoEngine } from "../wasm/js/nexxo.js";

const json = (status, body) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
const refuse = (status, message) => json(status, { ok: false, errors: [{ message }] });

export function createEdgeWorker(wasmModule, { maxBodyBytes = 16 << 20, maxFiles = 5000 } = {}) {
  return {
    async fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname === "/health") return json(200, { ok: true });
      if (pathname !== "/build") return refuse(404, "not found: POST /build");
      if (request.method !== "POST") return refuse(405, "use POST /build");
      const declared = Number(request.headers.get("content-length") ?? 0);
      if (declared > maxBodyBytes) return refuse(413, `request body exceeds ${maxBodyBytes} bytes`);
      const text = await request.text();
      if (text.length > maxBodyBytes) return refuse(413, `request body exceeds ${maxBodyBytes} bytes`);
      let body;
      try {
        body = JSON.parse(text);
      } catch (e) {
        return refuse(400, `the body is not valid JSON: ${e.message}`);
      }
      if (!body || !Array.isArray(body.files) || body.files.length === 0) {
        return refuse(400, "`files` must be a non-empty array of {path, text|base64}");
      }
      if (body.files.length > maxFiles) return refuse(413, `${body.files.length} files sent; at most ${maxFiles}`);
      if ("resolved" in body) return refuse(400, "`resolved` is not accepted; send nexxo.config.json as a file");
      let out;
      try {
        out = new NexxoEngine(wasmModule).buildJson(JSON.stringify(body));
      } catch (e) {
        return refuse(500, String(e?.message ?? e));
      }
      if (out.startsWith('{"ok":false,"errors":[{"message":"invalid call')) return json(400, out);
      return json(out.startsWith('{"ok":true') ? 200 : 422, out);
    },
  };
}
