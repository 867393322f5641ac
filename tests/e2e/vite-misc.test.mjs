// Smaller Vite behaviours a real app trips over: TypeScript legacy decorators in dev as in the
// build, and JSON files saved with a byte-order mark.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildOk, dev, fixture, launchChromium, nexxo, preview } from "./helpers.mjs";

const PAGE = '<!doctype html><html><head></head><body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>';

async function textOf(url) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector("#app").textContent !== "", null, { timeout: 10_000 })
      .catch(() => {});
    return { text: await page.textContent("#app"), errors };
  } finally {
    await browser.close();
  }
}

function decorated() {
  return fixture("decorators", {
    "index.html": PAGE,
    "tsconfig.json": '{\n  // as `npm create vite` writes it, plus legacy decorators\n  "compilerOptions": { "experimentalDecorators": true, "target": "ES2020", },\n}\n',
    "src/main.ts": 'function tag(value: string) {\n  return (target: any) => { target.tag = value; };\n}\n@tag("decorated")\nclass Widget {}\ndocument.querySelector("#app")!.textContent = (Widget as any).tag;\n',
  });
}

test("legacy decorators (experimentalDecorators in tsconfig) run in the build", async () => {
  const dir = decorated();
  buildOk(dir);
  const server = await preview(dir);
  try {
    assert.deepEqual(await textOf(server.url), { text: "decorated", errors: [] });
  } finally {
    await server.close();
  }
});

// In nexxo dev, oxc's legacy-decorator transform imports its helper from `@oxc-project/runtime`,
// which the app must have installed (README: Known limitations); the build embeds the helpers.
test("nexxo dev transforms legacy decorators too (instead of serving `@tag` syntax the browser rejects)", async () => {
  const server = await dev(decorated(), ["--no-bundle"]);
  try {
    const res = await fetch(`${server.url}src/main.ts`);
    const code = await res.text();
    assert.doesNotMatch(code, /@tag\(/, code);
    assert.match(code, /@oxc-project\/runtime\/helpers\/decorate|runtime/);
  } finally {
    await server.close();
  }
});

test("a JSON file with a byte-order mark loads; invalid JSON names the file, line and column", async () => {
  const dir = fixture("json-bom", {
    "index.html": PAGE,
    "src/main.ts": 'import data from "./data.json";\ndocument.querySelector("#app")!.textContent = data.greeting;\n',
    "src/data.json": '\uFEFF{ "greeting": "hello" }\n',
  });
  buildOk(dir);
  const server = await preview(dir);
  try {
    assert.equal((await textOf(server.url)).text, "hello");
  } finally {
    await server.close();
  }
  for (const model of [[], ["--no-bundle"]]) {
    const d = await dev(dir, model);
    try {
      assert.equal((await textOf(d.url)).text, "hello");
    } finally {
      await d.close();
    }
  }
  const bad = fixture("json-bad", {
    "index.html": PAGE,
    "src/main.ts": 'import data from "./data.json";\nconsole.log(data);\n',
    "src/data.json": '{\n  "a": 1,\n  "b": ,\n}\n',
  });
  const r = nexxo(["build", bad]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.stderr, /src\/data\.json:3:\d+/);
  assert.match(r.stderr, /invalid JSON/);
});
