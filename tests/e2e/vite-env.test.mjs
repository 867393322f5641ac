// A Vite project's env works unchanged: VITE_ variables, dotenv-expand's `$VAR` forms, several
// env prefixes, and the spellings libraries use for NODE_ENV. Checked in Chromium under the build
// and both dev serving models.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildOk, dev, fixture, launchChromium, preview } from "./helpers.mjs";

const FILES = {
  "index.html": '<!doctype html><html><head></head><body><pre id="out"></pre><script type="module" src="/src/main.ts"></script></body></html>',
  ".env": "VITE_HOST=example.com\nVITE_API=https://$VITE_HOST/api\nVITE_PORT=${VITE_PORT_OVERRIDE:-8080}\nNEXXO_OWN=nexxo\nSECRET=hunter2\nVITE_PRICE=\\$5\n",
  "src/main.ts": `
    const env = import.meta.env;
    const out = {
      api: env.VITE_API, port: env.VITE_PORT, own: env.NEXXO_OWN, price: env.VITE_PRICE,
      secret: String(env.SECRET), keys: Object.keys(env).filter((k) => k.includes("SECRET")).length,
    };
    document.querySelector("#out").textContent = JSON.stringify(out);
  `,
};

const EXPECTED = { api: "https://example.com/api", port: "8080", own: "nexxo", price: "$5", secret: "undefined", keys: 0 };

async function pageResult(url) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector("#out").textContent !== "");
    return JSON.parse(await page.textContent("#out"));
  } finally {
    await browser.close();
  }
}

test("VITE_ and NEXXO_ variables with $VAR expansion reach import.meta.env in the build; others never do", async () => {
  const dir = fixture("env", FILES);
  buildOk(dir);
  const server = await preview(dir);
  try {
    assert.deepEqual(await pageResult(server.url), EXPECTED);
  } finally {
    await server.close();
  }
});

for (const model of [[], ["--no-bundle"]]) {
  test(`the same env in nexxo dev ${model.join(" ")}`, async () => {
    const dir = fixture("env-dev", FILES);
    const server = await dev(dir, model);
    try {
      assert.deepEqual(await pageResult(server.url), EXPECTED);
    } finally {
      await server.close();
    }
  });
}

test("envPrefix as a list exposes exactly those prefixes", async () => {
  const dir = fixture("env-prefix", {
    ...FILES,
    "nexxo.config.json": JSON.stringify({ envPrefix: ["APP_", "PUBLIC_"] }),
    ".env": "APP_A=1\nPUBLIC_B=2\nVITE_C=3\nNEXXO_D=4\n",
    "src/main.ts": 'document.querySelector("#out").textContent = JSON.stringify(Object.keys(import.meta.env).filter((k) => /^[A-Z]+_[A-Z]$/.test(k)).sort());\n',
  });
  buildOk(dir);
  const server = await preview(dir);
  try {
    assert.deepEqual(await pageResult(server.url), ["APP_A", "PUBLIC_B"]);
  } finally {
    await server.close();
  }
});

test("process.env.NODE_ENV (all three spellings) and define are replaced in the build and in nexxo dev, not inside strings", async () => {
  const dir = fixture("env-node", {
    ...FILES,
    "nexxo.config.json": JSON.stringify({ define: { __APP_VERSION__: JSON.stringify("1.2.3") } }),
    "src/main.ts": `
      declare const __APP_VERSION__: string;
      const a = process.env.NODE_ENV;
      const b = globalThis.process.env.NODE_ENV;
      // @ts-ignore
      const c = global.process.env.NODE_ENV;
      document.querySelector("#out").textContent = JSON.stringify([a, b, c, __APP_VERSION__, "process.env.NODE_ENV"]);
    `,
  });
  buildOk(dir);
  const server = await preview(dir);
  try {
    assert.deepEqual(await pageResult(server.url), ["production", "production", "production", "1.2.3", "process.env.NODE_ENV"]);
  } finally {
    await server.close();
  }
  // Vite's dev server replaces them too (NODE_ENV as the mode); before, the page threw
  // "process is not defined" and `define` did nothing in dev.
  for (const args of [[], ["--no-bundle"], ["--engine", "wasm"]]) {
    const d = await dev(dir, args);
    try {
      assert.deepEqual(
        await pageResult(d.url),
        ["development", "development", "development", "1.2.3", "process.env.NODE_ENV"],
        args.join(" "),
      );
    } finally {
      await d.close();
    }
  }
});
