// `server.*` and `preview.*` in nexxo.config.json set the servers' port when no flag does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { NEXXO, buildOk, fixture } from "./helpers.mjs";

function firstUrl(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(NEXXO, args, { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => { child.kill(); reject(new Error(out)); }, 20_000);
    const on = (d) => {
      out += d;
      const m = out.match(/http:\/\/[^\s]+/);
      if (m) { clearTimeout(timer); child.kill(); resolve(m[0]); }
    };
    child.stdout.on("data", on);
    child.stderr.on("data", on);
  });
}

test("preview.port and server.port from the config are used; --port wins", async () => {
  const port = 30000 + (process.pid % 20000);
  const dir = fixture("server-config", {
    "index.html": "<p>hi</p>",
    "nexxo.config.json": JSON.stringify({ preview: { port }, server: { port: port + 1 } }),
  });
  buildOk(dir);
  assert.match(await firstUrl(["preview", dir]), new RegExp(`:${port}/`));
  assert.match(await firstUrl(["dev", dir]), new RegExp(`:${port + 1}/`));
  assert.doesNotMatch(await firstUrl(["preview", dir, "--port", String(port + 2)]), new RegExp(`:${port}/`));
});
