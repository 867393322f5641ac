// The screenshot in web/README.md: the playground (built by Nexxo, served by `nexxo preview`) in
// headless Chromium with a syntax error typed into src/App.tsx, shown inline in the editor, in the
// lint gutter and in the errors pane. Run from the repository root after `nexxo build web`:
//   node scripts/playground-screenshot.mjs        # -> web/screenshot-error.png
// (helpers.mjs loads playwright-core from tests/node_modules.)
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { launchChromium, preview } = await import(path.join(root, "tests/e2e/helpers.mjs"));

const server = await preview(path.join(root, "web"));
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(server.url);
  await page.frameLocator("#preview").locator("#inc").waitFor({ timeout: 30_000 });
  const editor = page.locator("#editor");
  const app = await editor.evaluate((el) => el.value);
  // A typo a user makes: a missing closing parenthesis in the click handler.
  await editor.fill(app.replace("setCount((c) => c + 1)}", "setCount((c) => c + 1}"));
  await page.locator("#errors").waitFor({ state: "visible" });
  await page.locator(".cm-lintRange-error").first().waitFor();
  // The marker's message, as hovering it shows.
  await page.locator(".cm-lintRange-error").first().hover();
  await page.locator(".cm-tooltip-lint").waitFor().catch(() => {});
  const out = path.join(root, "web/screenshot-error.png");
  await page.screenshot({ path: out });
  console.log(`wrote ${path.relative(root, out)}`);
} finally {
  await browser.close();
  await server.close();
}
