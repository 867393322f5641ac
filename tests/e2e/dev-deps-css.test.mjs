// A package that imports its own style sheet (and an image its code uses): the dev server's
// dependency pre-bundle leaves those imports to the server, which serves them like the app's own
// CSS. Before, pre-bundling failed ("Bundling CSS is no longer supported") and the page reloaded
// in a loop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildOk, dev, fixture, launchChromium, preview } from "./helpers.mjs";

// 1x1 red PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
  "base64",
);

function project() {
  return fixture("deps-css", {
    "index.html": '<!doctype html><html><head></head><body><div id="app"></div><script type="module" src="/src/main.js"></script></body></html>',
    "src/main.js": 'import { widget } from "fancy-widget";\ndocument.querySelector("#app").append(widget());\n',
    "node_modules/fancy-widget/package.json": JSON.stringify({ name: "fancy-widget", version: "1.0.0", type: "module", main: "index.js" }),
    "node_modules/fancy-widget/index.js": 'import "./style.css";\nimport icon from "./icon.png";\nexport function widget() {\n  const el = document.createElement("button");\n  el.className = "fancy-widget";\n  el.textContent = "widget";\n  const img = document.createElement("img");\n  img.src = icon;\n  img.id = "icon";\n  el.append(img);\n  return el;\n}\n',
    "node_modules/fancy-widget/style.css": ".fancy-widget { color: rgb(1, 2, 3); border: 3px solid rgb(4, 5, 6); }\n",
    "node_modules/fancy-widget/icon.png": PNG,
  });
}

async function check(url) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector(".fancy-widget");
    await page.waitForFunction(() => getComputedStyle(document.querySelector(".fancy-widget")).color === "rgb(1, 2, 3)", null, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector("#icon").naturalWidth === 1, null, { timeout: 10_000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
}

for (const model of [[], ["--no-bundle"]]) {
  test(`nexxo dev ${model.join(" ")}: a dependency's own CSS and image are applied and loaded`, async () => {
    const dir = project();
    const server = await dev(dir, model);
    try {
      await check(server.url);
      assert.doesNotMatch(server.output(), /pre-bundling dependencies failed/);
    } finally {
      await server.close();
    }
  });
}

test("nexxo build: the same package's CSS lands in the page's style sheet", async () => {
  const dir = project();
  buildOk(dir);
  const server = await preview(dir);
  try {
    await check(server.url);
  } finally {
    await server.close();
  }
});
