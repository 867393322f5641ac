// CSS modules composing classes from another file (`composes: a b from "./base.module.css"`): the
// element gets the other file's scoped classes and their rules apply, in the built app and in
// `nexxo dev` (both serving models), where an edit of the composed-from file updates the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { buildOk, dev, fixture, launchChromium, preview, waitForStyle } from "./helpers.mjs";

const files = {
  "index.html": `<!doctype html><html><body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>`,
  "src/base.module.css": `.base { padding: 3px; color: rgb(0, 0, 255) }\n.rounded { border-radius: 4px }\n`,
  "src/Card.module.css": `.card { composes: base rounded from "./base.module.css"; color: rgb(1, 2, 3) }\n`,
  "src/main.ts": `import styles from "./Card.module.css";
const el = document.createElement("p");
el.id = "card";
el.className = styles.card;
el.textContent = styles.card;
document.getElementById("app")!.append(el);
`,
};

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

async function styleOf(page) {
  await page.locator("#card").waitFor({ timeout: 15_000 });
  return page.locator("#card").evaluate((e) => {
    const s = getComputedStyle(e);
    return { classes: e.className.split(" ").length, padding: s.paddingTop, radius: s.borderTopLeftRadius, color: s.color };
  });
}

test("build: composes from another file brings its classes and rules, with the composing rule winning", async () => {
  const dir = fixture("composes-build", files);
  buildOk(dir);
  const server = await preview(dir);
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    // Its own color wins over the composed class's: the composed-from sheet comes first.
    assert.deepEqual(await styleOf(page), { classes: 3, padding: "3px", radius: "4px", color: "rgb(1, 2, 3)" });
  } finally {
    await server.close();
  }
});

for (const mode of ["bundled", "esm"]) {
  test(`dev (${mode}): composes from another file, and an edit there updates the page`, async () => {
    const dir = fixture(`composes-dev-${mode}`, files);
    const server = await dev(dir, mode === "esm" ? ["--no-bundle"] : []);
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      assert.deepEqual(await styleOf(page), { classes: 3, padding: "3px", radius: "4px", color: "rgb(1, 2, 3)" });
      const base = path.join(dir, "src/base.module.css");
      // main.ts does not accept the CSS module (its exports could change), so the page reloads, as in
      // Vite; the element is missing for a moment during that.
      fs.writeFileSync(base, fs.readFileSync(base, "utf8").replace("padding: 3px", "padding: 9px"));
      await waitForStyle(page, "#card", "paddingTop", "9px");
    } finally {
      await server.close();
    }
  });
}
