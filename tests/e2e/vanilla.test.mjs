// The framework-free example in Chromium: DOM events, JSON import, CSS from JS.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { buildOk, launchChromium, preview, repoRoot } from "./helpers.mjs";

test("the vanilla example adds and toggles todos with styles applied", async () => {
  const example = path.join(repoRoot, "examples/vanilla");
  const outDir = path.join(repoRoot, "tests/.tmp", `vanilla-dist-${process.pid}`);
  buildOk(example, ["--out-dir", outDir]);
  const server = await preview(example, ["--out-dir", outDir]);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    const footer = page.locator("#footer");
    assert.equal(await footer.textContent(), "1 of 2 left");
    await page.fill("input[name=text]", "Test it");
    await page.click("form button");
    assert.deepEqual(await page.locator("li").allTextContents(), ["Write code", "Ship it", "Test it"]);
    assert.equal(await footer.textContent(), "2 of 3 left");
    await page.locator("li", { hasText: "Ship it" }).click();
    assert.equal(await footer.textContent(), "1 of 3 left");
    const done = page.locator("li.done", { hasText: "Ship it" });
    assert.equal(await done.evaluate((e) => getComputedStyle(e).textDecorationLine), "line-through");
    assert.equal(await done.evaluate((e) => getComputedStyle(e).color), "rgb(128, 128, 128)");
  } finally {
    await browser.close();
    await server.close();
  }
});
