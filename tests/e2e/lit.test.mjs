// create-vite's lit-ts app: legacy decorators (`experimentalDecorators`) with
// `useDefineForClassFields: false`, and a package subpath that ends in `.js`
// (`lit/decorators.js`). In the build and both dev models the element renders and its reactive
// property updates on click (a class field defined over Lit's accessor would hide it: the count
// stayed 0 in dev), and dev pre-bundles `lit/decorators.js` once at start-up (its entry was named
// so that no specifier matched it, and every request re-bundled).
import { test } from "node:test";
import assert from "node:assert/strict";
import { SERVE_MODES, fixture, launchChromium, serveAs, openPage } from "./helpers.mjs";

const FILES = {
  "tsconfig.json": `{
  "compilerOptions": {
    "target": "es2023",
    "experimentalDecorators": true,
    "useDefineForClassFields": false,
    "module": "esnext",
    "moduleResolution": "bundler",
    "verbatimModuleSyntax": true,
  },
  "include": ["src"]
}
`,
  "index.html": '<!doctype html><html><body><my-element><h1>Vite + Lit</h1></my-element><script type="module" src="/src/my-element.ts"></script></body></html>',
  "src/my-element.ts": `import { LitElement, css, html } from 'lit'
import { customElement, property } from 'lit/decorators.js'

@customElement('my-element')
export class MyElement extends LitElement {
  @property({ type: Number })
  count = 0

  @property()
  docsHint: string

  render() {
    return html\`<slot></slot><button id="b" @click=\${this._onClick}>count is \${this.count}</button><p>\${this.docsHint ?? 'no hint'}</p>\`
  }

  private _onClick() {
    this.count++
  }

  static styles = css\`button { color: rgb(1, 2, 3); }\`
}
`,
};

test("create-vite's lit-ts element: decorated reactive properties update on click in the build and in dev; lit/decorators.js is pre-bundled once", async () => {
  const browser = await launchChromium();
  try {
    for (const mode of SERVE_MODES) {
      const dir = fixture(`lit-${mode}`, FILES);
      const server = await serveAs(mode, dir);
      try {
        const { page, errors } = await openPage(browser, server.url);
        const button = page.locator("my-element #b");
        await button.waitFor({ timeout: 15_000 });
        assert.equal(await button.textContent(), "count is 0");
        assert.equal(await page.locator("my-element p").textContent(), "no hint");
        await button.click();
        await button.click();
        await page.locator("my-element #b", { hasText: "count is 2" }).waitFor({ timeout: 5_000 });
        assert.equal(await button.evaluate((b) => getComputedStyle(b).color), "rgb(1, 2, 3)");
        assert.deepEqual(errors, [], mode);
        if (mode !== "build") assert.doesNotMatch(server.output(), /new dependencies found/, server.output());
        await page.close();
      } finally {
        await server.close();
      }
    }
  } finally {
    await browser.close();
  }
});
