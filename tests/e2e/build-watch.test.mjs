// `nexxo build --watch`: after each edit (change, add + import, delete an import and its file,
// rename, a syntax error and its fix) the watched dist/ must equal, byte for byte, a `--force`
// build of the same sources, and the page served from it must show the edit in Chromium. SIGTERM
// ends the watch with exit code 0 and leaves dist/ complete.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  assertSameAsForce as sameAsForce,
  listFiles,
  nexxo,
  openPage,
  readTree,
  waitForWatch,
  watchStep,
  watchedApp,
  writeFiles,
} from "./helpers.mjs";

const label = (text) => `export function Label(): JSX.Element {\n  return <h1 id="label">${text}</h1>;\n}\n`;
const app = (imports, body) =>
  `${imports}import styles from "./app.module.css";\n\nexport function App(): JSX.Element {\n` +
  `  return <main className={styles.box}>${body}</main>;\n}\n`;

const files = {
  "index.html": '<!doctype html>\n<html>\n  <body>\n    <div id="root"></div>\n    <script type="module" src="/src/main.tsx"></script>\n  </body>\n</html>\n',
  "src/main.tsx":
    'import { createRoot } from "react-dom/client";\nimport { App } from "./App";\n\n' +
    'createRoot(document.getElementById("root")!).render(<App />);\n',
  "src/App.tsx": app('import { Label } from "./Label";\n', "<Label />"),
  "src/Label.tsx": label("Hello v1"),
  "src/app.module.css": ".box {\n  color: rgb(10, 20, 30);\n}\n",
  "src/env.d.ts": 'declare module "*.module.css" { const c: Record<string, string>; export default c; }\n',
  "public/robots.txt": "User-agent: *\n",
  "tsconfig.json": JSON.stringify({ compilerOptions: { jsx: "react-jsx" } }),
};

let dir;
let watch;
let browser;
let server;

const waitFor = (from, re) => waitForWatch(watch, from, re);
const step = (edit, file) => watchStep(watch, edit, file);
const assertSameAsForce = () => sameAsForce(dir);
/** The rebuild lines the watch printed since `from`, times left out. */
const rebuildsSince = (from) =>
  (watch.out.slice(from).match(/rebuilt in \d+ms \([^)]*\)/g) ?? []).map((l) => l.replace(/\d+ms/, "Nms"));

async function pageText() {
  const { page, errors } = await openPage(browser, server.url);
  await page.locator("main").waitFor();
  const text = await page.locator("main").textContent();
  const color = await page.locator("main").evaluate((e) => getComputedStyle(e).color);
  await page.close();
  assert.deepEqual(errors, []);
  assert.equal(color, "rgb(10, 20, 30)", "the CSS module applies");
  return text;
}

let close;

before(async () => {
  ({ dir, watch, browser, server, close } = await watchedApp("build-watch", files));
});

after(() => close?.());

test("the first build equals a --force build and renders", async () => {
  assert.match(watch.out, /✓ built \d+ files/);
  assertSameAsForce();
  assert.ok(fs.existsSync(path.join(dir, "dist/robots.txt")), "public/ is copied");
  assert.equal(await pageText(), "Hello v1");
});

test("editing a file rebuilds it, rewriting only what changed", async () => {
  const out = await step(() => fs.writeFileSync(path.join(dir, "src/Label.tsx"), label("Hello v2")), "src/Label.tsx");
  assert.match(out, /\d+ files? written, \d+ removed, \d+ unchanged/);
  // An edit of a script module the last build loaded: only it is loaded again (rolldown's scan
  // of the rest is kept), and the output is still a --force build's.
  assert.match(out, /src\/Label\.tsx; incremental\)/);
  assertSameAsForce();
  assert.equal(await pageText(), "Hello v2");
});

test("an asset imported by an edit is emitted, and kept by the next rebuild", async () => {
  // Over the 4 KiB inline limit, so it is a file of its own, which the build makes once, from
  // the load of its module: the rebuild after it must not drop it.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><!-- ${"x".repeat(5000)} --><rect width="8" height="8"/></svg>`;
  await step(() => {
    writeFiles(dir, { "src/logo.svg": svg });
    fs.writeFileSync(path.join(dir, "src/App.tsx"), app('import { Label } from "./Label";\nimport logo from "./logo.svg";\n', "<Label /><img src={logo} />"));
  }, "src/App.tsx");
  assertSameAsForce();
  assert.ok(listFiles(path.join(dir, "dist")).some((p) => /^assets\/logo-\w+\.svg$/.test(p)), "the SVG is a file");
  const out = await step(() => fs.writeFileSync(path.join(dir, "src/Label.tsx"), label("Hello v2")), "src/Label.tsx");
  // The asset stays with the module that emitted it, which this rebuild does not load again.
  assert.match(out, /src\/Label\.tsx; incremental\)/);
  assertSameAsForce();
  assert.equal(await pageText(), "Hello v2");
});

test("a new file, imported by an edit, is built in", async () => {
  await step(() => {
    writeFiles(dir, { "src/Extra.tsx": 'export const Extra = () => <p id="extra">and more</p>;\n' });
    fs.writeFileSync(path.join(dir, "src/App.tsx"), app('import { Label } from "./Label";\nimport { Extra } from "./Extra";\n', "<Label /><Extra />"));
  }, "src/App.tsx");
  assertSameAsForce();
  assert.equal(await pageText(), "Hello v2and more");
});

test("deleting an import and its file rebuilds without it", async () => {
  const out = await step(() => {
    fs.writeFileSync(path.join(dir, "src/App.tsx"), app('import { Label } from "./Label";\n', "<Label />"));
    fs.rmSync(path.join(dir, "src/Extra.tsx"));
  }, "src/App.tsx");
  // The deleted file's importers load again (App.tsx was edited anyway); the rest of the scan stays.
  assert.match(out, /src\/App\.tsx[^)]*; incremental\)/);
  assertSameAsForce();
  assert.equal(await pageText(), "Hello v2");
});

test("renaming a file (and its import) rebuilds, and stale output files are removed", async () => {
  const before = listFiles(path.join(dir, "dist"));
  const from = watch.out.length;
  await step(() => {
    fs.renameSync(path.join(dir, "src/Label.tsx"), path.join(dir, "src/Title.tsx"));
    fs.writeFileSync(path.join(dir, "src/Title.tsx"), label("Renamed v3"));
    fs.writeFileSync(path.join(dir, "src/App.tsx"), app('import { Label } from "./Title";\n', "<Label />"));
  }, "src/App.tsx");
  // Label.tsx's importer loads again and finds Title.tsx: no full build, whether the rename and
  // the import's edit came in one batch or two.
  assert.deepEqual(rebuildsSince(from).filter((l) => !/incremental/.test(l)), []);
  assertSameAsForce();
  const after = listFiles(path.join(dir, "dist"));
  assert.notDeepEqual(after, before, "the JS chunk's hashed name changed");
  assert.equal(await pageText(), "Renamed v3");
});

test("a dist/ deleted while watching is written whole again by the next rebuild", async () => {
  fs.rmSync(path.join(dir, "dist"), { recursive: true });
  await step(() => fs.writeFileSync(path.join(dir, "src/Title.tsx"), label("Again v3")), "src/Title.tsx");
  assertSameAsForce();
  assert.ok(fs.existsSync(path.join(dir, "dist/robots.txt")), "public/ is copied again");
  assert.equal(await pageText(), "Again v3");
});

test("a syntax error prints file:line:col, leaves dist/ as it was, and the fix rebuilds", async () => {
  const distBefore = readTree(path.join(dir, "dist"));
  const from = watch.out.length;
  fs.writeFileSync(path.join(dir, "src/Title.tsx"), "export function Label(): JSX.Element {\n  const a: number = ;\n  return <h1>{a}</h1>;\n}\n");
  const out = await waitFor(from, /build failed \(src\/Title\.tsx\)/);
  assert.match(out, /src\/Title\.tsx:2:21/);
  assert.ok(!/panicked|stack backtrace/.test(out), out);
  assert.equal(watch.child.exitCode, null, "still watching");
  const distAfter = readTree(path.join(dir, "dist"));
  assert.deepEqual(Object.keys(distAfter), Object.keys(distBefore));
  for (const p of Object.keys(distBefore)) assert.ok(distAfter[p].equals(distBefore[p]), `${p} was touched`);
  // The fix loads the module again alone: rolldown's scan survives a failed rebuild.
  const fixed = await step(() => fs.writeFileSync(path.join(dir, "src/Title.tsx"), label("Fixed v4")), "src/Title.tsx");
  assert.match(fixed, /\(src\/Title\.tsx; incremental\)/);
  assertSameAsForce();
  assert.equal(await pageText(), "Fixed v4");
});

test("a failed rebuild's new import of a file with an error: fixing that file rebuilds", async () => {
  // A file no build read yet, broken (an edit of it alone changes nothing), then imported.
  const appFile = path.join(dir, "src/App.tsx");
  const appText = fs.readFileSync(appFile, "utf8");
  let from = watch.out.length;
  writeFiles(dir, { "src/note.ts": "export const note: string = ;\n" });
  await new Promise((r) => setTimeout(r, 300));
  from = watch.out.length;
  fs.writeFileSync(appFile, `import { note } from "./note";\n${appText.replace("</main>", "{note}</main>")}`);
  const out = await waitFor(from, /build failed \(src\/App\.tsx\)/);
  assert.match(out, /src\/note\.ts:1:\d+/);
  // The fix is in a file the failed build loaded: it rebuilds, partially.
  const fixed = await step(() => fs.writeFileSync(path.join(dir, "src/note.ts"), 'export const note: string = " noted";\n'), "src/note.ts");
  assert.match(fixed, /\(src\/note\.ts; incremental\)/);
  assertSameAsForce();
  assert.equal(await pageText(), "Fixed v4 noted");
  from = watch.out.length;
  await step(() => {
    fs.writeFileSync(appFile, appText);
    fs.rmSync(path.join(dir, "src/note.ts"));
  }, "src/App.tsx");
  assertSameAsForce();
  assert.equal(await pageText(), "Fixed v4");
});

test("an import of a file not written yet fails; writing the file rebuilds", async () => {
  const appFile = path.join(dir, "src/App.tsx");
  const appText = fs.readFileSync(appFile, "utf8");
  let from = watch.out.length;
  fs.writeFileSync(appFile, `import { later } from "./later";\n${appText.replace("</main>", "{later}</main>")}`);
  await waitFor(from, /build failed \(src\/App\.tsx\)/);
  // A new file nothing imported before the failure: the failed build looked for it.
  await step(() => writeFiles(dir, { "src/later.ts": 'export const later: string = " later";\n' }), "src/later.ts");
  assertSameAsForce();
  assert.equal(await pageText(), "Fixed v4 later");
  await step(() => {
    fs.writeFileSync(appFile, appText);
    fs.rmSync(path.join(dir, "src/later.ts"));
  }, "src/App.tsx");
  assertSameAsForce();
  assert.equal(await pageText(), "Fixed v4");
});

test("a save through a temporary file and a rename (sed -i, vim, safe write) is one incremental rebuild", async () => {
  const from = watch.out.length;
  const out = await step(() => {
    // As `sed -i` saves: a new file beside the target, written and closed, then (after setting its
    // mode and owner: a moment) renamed over it.
    const tmp = path.join(dir, "src/sedK3x9Qa");
    fs.writeFileSync(tmp, label("Atomic v5"));
    for (const until = performance.now() + 1; performance.now() < until; );
    fs.renameSync(tmp, path.join(dir, "src/Title.tsx"));
  }, "src/Title.tsx");
  assert.match(out, /\(src\/Title\.tsx; incremental\)/);
  // Not a first rebuild for the temporary file alone (a new file: a full build) and a second for
  // the rename.
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(rebuildsSince(from), ["rebuilt in Nms (src/Title.tsx; incremental)"]);
  assertSameAsForce();
  assert.equal(await pageText(), "Atomic v5");
});

test("an editor's backup and autosave files (App.tsx~, #App.tsx#) start no rebuild of their own", async () => {
  const from = watch.out.length;
  const out = await step(() => {
    // Emacs' first save of a file: the file renamed to its backup, then written anew (a moment
    // later: longer than the 3 ms a batch waits for more, which split the save in two, the first
    // half a failed build that found Title.tsx gone).
    fs.renameSync(path.join(dir, "src/Title.tsx"), path.join(dir, "src/Title.tsx~"));
    for (const until = performance.now() + 6; performance.now() < until; );
    fs.writeFileSync(path.join(dir, "src/Title.tsx"), label("Backed up v6"));
  }, "src/Title.tsx");
  assert.match(out, /\(src\/Title\.tsx; incremental\)/);
  // Emacs' autosave, every 30 s of idle time.
  fs.writeFileSync(path.join(dir, "src/#Title.tsx#"), label("autosaved"));
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(rebuildsSince(from), ["rebuilt in Nms (src/Title.tsx; incremental)"]);
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6");
});

test("editing a CSS module rebuilds it alone, its rules and its class names", async () => {
  const style = async () => {
    const { page, errors } = await openPage(browser, server.url);
    await page.locator("main").waitFor();
    const css = await page.locator("main").evaluate((e) => [e.className, getComputedStyle(e).fontWeight]);
    await page.close();
    assert.deepEqual(errors, []);
    return css;
  };
  // A declaration added: the same class map, new rules in the chunk's CSS file.
  const out = await step(
    () => fs.writeFileSync(path.join(dir, "src/app.module.css"), ".box {\n  color: rgb(10, 20, 30);\n  font-weight: 700;\n}\n"),
    "src/app.module.css",
  );
  assert.match(out, /\(src\/app\.module\.css; incremental\)/);
  assertSameAsForce();
  assert.equal((await style())[1], "700");
  // A class renamed in the sheet and in the component that uses it: both loaded again (in one
  // rebuild or two: each file's close completes a save).
  const from = watch.out.length;
  await step(() => {
    fs.writeFileSync(path.join(dir, "src/app.module.css"), ".panel {\n  color: rgb(10, 20, 30);\n  font-weight: 300;\n}\n");
    fs.writeFileSync(
      path.join(dir, "src/App.tsx"),
      app('import { Label } from "./Title";\n', "<Label />").replace("styles.box", "styles.panel"),
    );
  }, "src/App.tsx");
  const rebuilds = rebuildsSince(from);
  assert.ok(rebuilds.length > 0 && rebuilds.every((l) => l.endsWith("; incremental)")), rebuilds.join("\n"));
  assertSameAsForce();
  const [className, weight] = await style();
  assert.match(className, /panel/);
  assert.equal(weight, "300");
  assert.equal(await pageText(), "Backed up v6");
});

test("a new module starts no rebuild until an edit imports it; one a resolution would now find starts a full one", async () => {
  const appNow = (imports, body) => app(imports, body).replace("styles.box", "styles.panel");
  const from = watch.out.length;
  writeFiles(dir, { "src/Later.tsx": 'export const Later = () => <p id="later">later</p>;\n' });
  await new Promise((r) => setTimeout(r, 500));
  assert.doesNotMatch(watch.out.slice(from), /rebuilt in/, "nothing imports it yet");
  let out = await step(
    () => fs.writeFileSync(path.join(dir, "src/App.tsx"), appNow('import { Label } from "./Title";\nimport { Later } from "./Later";\n', "<Label /><Later />")),
    "src/App.tsx",
  );
  assert.match(out, /\(src\/App\.tsx; incremental\)/);
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6later");
  // `./Later` may now resolve to a new Later.ts instead (the resolver tries .ts before .tsx):
  // a full build decides, and gives a --force build's output.
  out = await step(() => writeFiles(dir, { "src/Later.ts": 'export const Later = () => "from ts";\n' }), "src/Later.ts");
  assert.match(out, /\(src\/Later\.ts; full build\)/);
  assertSameAsForce();
  assert.match(await pageText(), /^Backed up v6/);
  await step(() => fs.writeFileSync(path.join(dir, "src/App.tsx"), appNow('import { Label } from "./Title";\n', "<Label />")), "src/App.tsx");
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6");
});

test("a new file no resolution looks for by its stem (notes.txt, an editor's leftover temporary copy) starts no rebuild; its ?raw import does, incrementally", async () => {
  const appNow = (imports, body) => app(imports, body).replace("styles.box", "styles.panel");
  const from = watch.out.length;
  // sed -i's temporary file when its rename comes late (a busy machine), JetBrains' safe write,
  // a note: before, each was a full build of its own.
  writeFiles(dir, { "src/notes.txt": "noted", "src/sedQ1w2E3": label("temp"), "src/Title.tsx___jb_tmp___": label("temp") });
  await new Promise((r) => setTimeout(r, 500));
  assert.doesNotMatch(watch.out.slice(from), /rebuilt in/, "nothing imports them");
  fs.rmSync(path.join(dir, "src/sedQ1w2E3"));
  fs.rmSync(path.join(dir, "src/Title.tsx___jb_tmp___"));
  await new Promise((r) => setTimeout(r, 300));
  assert.doesNotMatch(watch.out.slice(from), /rebuilt in/, "nor does their deletion");
  const out = await step(
    () => fs.writeFileSync(path.join(dir, "src/App.tsx"), appNow('import { Label } from "./Title";\nimport notes from "./notes.txt?raw";\n', "<Label />{notes}")),
    "src/App.tsx",
  );
  assert.match(out, /\(src\/App\.tsx; incremental\)/);
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6noted");
  await step(() => fs.writeFileSync(path.join(dir, "src/App.tsx"), appNow('import { Label } from "./Title";\n', "<Label />")), "src/App.tsx");
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6");
});

test("editing a file imported with a query (?raw, ?url, ?inline) loads its modules again alone", async () => {
  const appNow = (imports, body) => app(imports, body).replace("styles.box", "styles.panel");
  const svg = (fill) => `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><!-- ${"x".repeat(6000)} --><rect width="4" height="4" fill="${fill}"/></svg>`;
  await step(() => {
    writeFiles(dir, { "src/note.md": "first", "src/dot.svg": svg("red"), "src/inl.css": ".x {\n  color: red;\n}\n" });
    fs.writeFileSync(
      path.join(dir, "src/App.tsx"),
      appNow(
        'import { Label } from "./Title";\nimport note from "./note.md?raw";\nimport dot from "./dot.svg?url";\nimport inl from "./inl.css?inline";\nimport plain from "./note.md?raw&v=2";\n',
        '<Label />{note}|{plain}|{inl.includes("red") ? "red" : "not red"}|<img id="dot" src={dot} />',
      ),
    );
  }, "src/App.tsx");
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6first|first|red|");
  const dotText = async () => {
    const { page, errors } = await openPage(browser, server.url);
    await page.locator("#dot").waitFor();
    const text = await page.evaluate(async () => (await fetch(document.querySelector("#dot").src)).text());
    await page.close();
    assert.deepEqual(errors, []);
    return text;
  };
  assert.match(await dotText(), /fill="red"/);
  for (const [file, text] of [["src/note.md", "second"], ["src/dot.svg", svg("blue")], ["src/inl.css", ".x {\n  color: blue;\n}\n"]]) {
    const out = await step(() => writeFiles(dir, { [file]: text }), file);
    assert.match(out, /; incremental\)/, file);
    assertSameAsForce();
  }
  assert.equal(await pageText(), "Backed up v6second|second|not red|");
  assert.match(await dotText(), /fill="blue"/);
  // Deleted while imported: the build fails, naming the import; put back, it builds.
  const from = watch.out.length;
  fs.rmSync(path.join(dir, "src/note.md"));
  assert.match(await waitFor(from, /build failed \(src\/note\.md\)/), /Could not resolve '\.\/note\.md\?raw' in src\/App\.tsx/);
  await step(() => writeFiles(dir, { "src/note.md": "third" }), "src/note.md");
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6third|third|not red|");
  await step(() => fs.writeFileSync(path.join(dir, "src/App.tsx"), appNow('import { Label } from "./Title";\n', "<Label />")), "src/App.tsx");
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6");
});

test("an edited file that a module's load read (a url() asset, an inlined @import, a Sass partial, an imported asset) loads that module again alone", async () => {
  const appNow = (imports, body) => app(imports, body).replace("styles.box", "styles.panel");
  const big = (fill) => `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><!-- ${"x".repeat(5000)} --><rect width="8" height="8" fill="${fill}"/></svg>`;
  const small = (fill) => `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="${fill}"/></svg>`;
  // A plain sheet with an @import inlined into it, a small url() asset (a data URL) and a large
  // one (a file); a Sass sheet with a partial; an SVG imported by the component.
  await step(() => {
    writeFiles(dir, {
      "src/base.css": "main {\n  letter-spacing: 1px;\n}\n",
      "src/bg.svg": small("red"),
      "src/hero.svg": big("blue"),
      "src/icon.svg": big("green"),
      "src/theme.css": '@import "./base.css";\nbody {\n  background-image: url(./bg.svg);\n}\nh1 {\n  background-image: url(./hero.svg);\n}\n',
      "src/_ink.scss": "$ink: rgb(1, 2, 3);\n",
      "src/extra.scss": '@use "ink";\nmain {\n  border-top: 1px solid ink.$ink;\n}\n',
    });
    fs.writeFileSync(
      path.join(dir, "src/App.tsx"),
      appNow('import { Label } from "./Title";\nimport "./theme.css";\nimport "./extra.scss";\nimport icon from "./icon.svg";\n', '<Label /><img id="icon" src={icon} />'),
    );
  }, "src/App.tsx");
  assertSameAsForce();
  const look = async () => {
    const { page, errors } = await openPage(browser, server.url);
    await page.locator("main").waitFor();
    const seen = await page.evaluate(async () => {
      const main = document.querySelector("main");
      const icon = document.querySelector("#icon");
      const hero = getComputedStyle(document.querySelector("h1")).backgroundImage.slice(5, -2);
      const text = async (url) => (await fetch(url)).text();
      return {
        spacing: getComputedStyle(main).letterSpacing,
        border: getComputedStyle(main).borderTopColor,
        // A data URL (base64): the SVG's text.
        bg: atob(getComputedStyle(document.body).backgroundImage.match(/base64,([^")]+)/)?.[1] ?? ""),
        hero: await text(hero),
        icon: await text(icon.src),
      };
    });
    await page.close();
    assert.deepEqual(errors, []);
    return seen;
  };
  let seen = await look();
  assert.equal(seen.spacing, "1px");
  assert.match(seen.bg, /fill="red"/);
  assert.equal(seen.border, "rgb(1, 2, 3)");
  assert.match(seen.hero, /fill="blue"/);
  assert.match(seen.icon, /fill="green"/);
  const edits = [
    ["src/base.css", "main {\n  letter-spacing: 3px;\n}\n", (s) => assert.equal(s.spacing, "3px")],
    ["src/bg.svg", small("lime"), (s) => assert.match(s.bg, /fill="lime"/)],
    ["src/hero.svg", big("navy"), (s) => assert.match(s.hero, /fill="navy"/)],
    ["src/_ink.scss", "$ink: rgb(4, 5, 6);\n", (s) => assert.equal(s.border, "rgb(4, 5, 6)")],
    ["src/icon.svg", big("olive"), (s) => assert.match(s.icon, /fill="olive"/)],
  ];
  for (const [file, text, check] of edits) {
    const out = await step(() => fs.writeFileSync(path.join(dir, file), text), file);
    assert.match(out, new RegExp(`\\(${file.replace(/[.]/g, "\\.")}; incremental\\)`), out);
    assertSameAsForce();
    check(await look());
  }
  // The old files of the edited assets are gone: one of each.
  const names = listFiles(path.join(dir, "dist"));
  assert.equal(names.filter((p) => /^assets\/hero-\w+\.svg$/.test(p)).length, 1, names.join("\n"));
  assert.equal(names.filter((p) => /^assets\/icon-\w+\.svg$/.test(p)).length, 1, names.join("\n"));
  await step(() => fs.writeFileSync(path.join(dir, "src/App.tsx"), appNow('import { Label } from "./Title";\n', "<Label />")), "src/App.tsx");
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6");
});

test("editing the page (its title, an inline script, an icon it links) loads only the page's modules again", async () => {
  const html = (title, head = "", body = "") =>
    `<!doctype html>\n<html>\n  <head>\n    <title>${title}</title>\n${head}  </head>\n  <body>\n    <div id="root"></div>\n${body}` +
    '    <script type="module" src="/src/main.tsx"></script>\n  </body>\n</html>\n';
  const icon = (fill) => `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="${fill}"/></svg>`;
  const look = async () => {
    const { page, errors } = await openPage(browser, server.url);
    await page.locator("main").waitFor();
    const seen = await page.evaluate(async () => {
      const link = document.querySelector("link[rel=icon]");
      return {
        title: document.title,
        inline: document.body.dataset.inline ?? "",
        icon: link ? await (await fetch(link.href)).text() : "",
        text: document.querySelector("main").textContent,
      };
    });
    await page.close();
    assert.deepEqual(errors, []);
    return seen;
  };
  const edit = async (text, how = "incremental") => {
    const out = await step(() => fs.writeFileSync(path.join(dir, "index.html"), text), "index.html");
    if (how) assert.match(out, new RegExp(`\\(index\\.html; ${how}\\)`), out);
    assertSameAsForce();
    return look();
  };
  let seen = await edit(html("Watch v1"));
  assert.deepEqual([seen.title, seen.text], ["Watch v1", "Backed up v6"]);
  seen = await edit(html("Watch v2", "", '    <script type="module">document.body.dataset.inline = "yes";</script>\n'));
  assert.deepEqual([seen.title, seen.inline, seen.text], ["Watch v2", "yes", "Backed up v6"]);
  // A new file and the page that links it: whatever the rebuild, a --force build's output.
  writeFiles(dir, { "src/fav.svg": icon("red") });
  seen = await edit(html("Watch v3", '    <link rel="icon" href="/src/fav.svg">\n'), null);
  assert.match(seen.icon, /fill="red"/);
  // The icon edited: the page renders it again.
  const out = await step(() => fs.writeFileSync(path.join(dir, "src/fav.svg"), icon("teal")), "src/fav.svg");
  assert.match(out, /\(src\/fav\.svg; incremental\)/);
  assertSameAsForce();
  assert.match((await look()).icon, /fill="teal"/);
  seen = await edit(files["index.html"]);
  assert.deepEqual([seen.title, seen.inline, seen.icon, seen.text], ["", "", "", "Backed up v6"]);
  assert.deepEqual(listFiles(path.join(dir, "dist")).filter((p) => /fav/.test(p)), [], "the icon's file is gone");
});

test("a new asset nothing names starts no rebuild; one the page named and did not find starts a full one", async () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(600)]);
  const from = watch.out.length;
  writeFiles(dir, { "src/later.png": png });
  await new Promise((r) => setTimeout(r, 500));
  assert.doesNotMatch(watch.out.slice(from), /rebuilt in/, "nothing names it yet");
  const withImg = files["index.html"].replace("<body>", '<body>\n    <img id="hero" src="./src/hero.png">');
  let out = await step(() => fs.writeFileSync(path.join(dir, "index.html"), withImg), "index.html");
  assert.match(out, /src\/hero\.png referenced in index\.html did not resolve/);
  out = await step(() => writeFiles(dir, { "src/hero.png": png }), "src/hero.png");
  assert.match(out, /\(src\/hero\.png; full build\)/);
  assertSameAsForce();
  const { page, errors } = await openPage(browser, server.url);
  await page.locator("main").waitFor();
  assert.match(await page.locator("#hero").getAttribute("src"), /^\/assets\/hero-\w+\.png$/);
  assert.equal(await page.locator("#hero").evaluate((img) => img.complete && img.naturalWidth === 0), true, "served (not a valid PNG: no size)");
  await page.close();
  assert.deepEqual(errors, []);
  await step(() => fs.writeFileSync(path.join(dir, "index.html"), files["index.html"]), "index.html");
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6");
});

test("a public/ file edited, added or deleted is copied, and nothing is built", async () => {
  const robots = path.join(dir, "dist/robots.txt");
  let out = await step(() => fs.writeFileSync(path.join(dir, "public/robots.txt"), "User-agent: *\nDisallow: /x\n"), "public/robots.txt");
  assert.match(out, /\(public\/robots\.txt; public files only\)/);
  assert.equal(fs.readFileSync(robots, "utf8"), "User-agent: *\nDisallow: /x\n");
  assertSameAsForce();
  out = await step(() => writeFiles(dir, { "public/new.txt": "new\n" }), "public/new.txt");
  assert.match(out, /public files only/);
  assert.equal(fs.readFileSync(path.join(dir, "dist/new.txt"), "utf8"), "new\n");
  assertSameAsForce();
  out = await step(() => fs.rmSync(path.join(dir, "public/new.txt")), "public/new.txt");
  assert.ok(!fs.existsSync(path.join(dir, "dist/new.txt")), "a deleted public file leaves dist/");
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6");
});

test("deleting a module still imported fails the build, naming the import; putting it back builds", async () => {
  const appFile = path.join(dir, "src/App.tsx");
  const appText = fs.readFileSync(appFile, "utf8");
  // A constant: rolldown inlines it, so the module is in no chunk, and its deletion still counts.
  const version = 'export const version = " v7";\n';
  await step(() => {
    writeFiles(dir, { "src/version.ts": version });
    fs.writeFileSync(appFile, `import { version } from "./version";\n${appText.replace("</main>", "{version}</main>")}`);
  }, "src/App.tsx");
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6 v7");
  const distBefore = readTree(path.join(dir, "dist"));
  let from = watch.out.length;
  fs.rmSync(path.join(dir, "src/version.ts"));
  let out = await waitFor(from, /build failed \(src\/version\.ts\)/);
  assert.match(out, /Could not resolve '\.\/version' in src\/App\.tsx/);
  assert.match(out, /src\/App\.tsx:1:\d+/);
  const distAfter = readTree(path.join(dir, "dist"));
  for (const p of Object.keys(distBefore)) assert.ok(distAfter[p].equals(distBefore[p]), `${p} was touched`);
  await step(() => writeFiles(dir, { "src/version.ts": version }), "src/version.ts");
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6 v7");
  // The import and the module removed together: the importer loads again, nothing else.
  from = watch.out.length;
  await step(() => {
    fs.writeFileSync(appFile, appText);
    fs.rmSync(path.join(dir, "src/version.ts"));
  }, "src/App.tsx");
  assert.deepEqual(rebuildsSince(from).filter((l) => !/incremental/.test(l)), []);
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6");
});

test("a directory moved in, moved out or renamed whole counts as the files in it", async () => {
  const appFile = path.join(dir, "src/App.tsx");
  const appText = fs.readFileSync(appFile, "utf8");
  const away = `${dir}-away`;
  fs.rmSync(away, { recursive: true, force: true });
  writeFiles(away, { "deep/Widget.tsx": 'export const Widget = () => <b id="w"> widget</b>;\n' });
  const withWidget = (from) => `import { Widget } from "${from}";\n${appText.replace("</main>", "<Widget /></main>")}`;
  // Moved in: inotify names the directory only; nothing imports its files yet.
  let from = watch.out.length;
  fs.renameSync(away, path.join(dir, "src/widgets"));
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(rebuildsSince(from), []);
  let out = await step(() => fs.writeFileSync(appFile, withWidget("./widgets/deep/Widget")), "src/App.tsx");
  assert.match(out, /\(src\/App\.tsx; incremental\)/);
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6 widget");
  // Moved out while still imported: the build fails as a --force build would, naming the import.
  from = watch.out.length;
  fs.renameSync(path.join(dir, "src/widgets"), away);
  out = await waitFor(from, /build failed \(src\/widgets\/deep\/Widget\.tsx\)/);
  assert.match(out, /Could not resolve '\.\/widgets\/deep\/Widget' in src\/App\.tsx/);
  // Back under another name, the import following it; then removed with its import.
  await step(() => {
    fs.renameSync(away, path.join(dir, "src/parts"));
    fs.writeFileSync(appFile, withWidget("./parts/deep/Widget"));
  }, "src/App.tsx");
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6 widget");
  from = watch.out.length;
  await step(() => {
    fs.writeFileSync(appFile, appText);
    fs.rmSync(path.join(dir, "src/parts"), { recursive: true });
  }, "src/App.tsx");
  assert.deepEqual(rebuildsSince(from).filter((l) => !/incremental/.test(l)), []);
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6");
});

test("files the build did not read (a log written into the project, notes) start no rebuild; package.json does", async () => {
  // New files: a rebuild decides (one at the root may be a config).
  await step(() => writeFiles(dir, { "build.log": "line 0\n", "src/notes.md": "# notes\n", "package.json": '{"name":"w"}\n' }), "build.log");
  // Should the three new files come in two batches, the second's rebuild lands before `from`.
  await new Promise((r) => setTimeout(r, 500));
  const from = watch.out.length;
  for (let i = 1; i <= 5; i++) {
    fs.appendFileSync(path.join(dir, "build.log"), `line ${i}\n`);
    fs.appendFileSync(path.join(dir, "src/notes.md"), `- ${i}\n`);
    await new Promise((r) => setTimeout(r, 40));
  }
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(rebuildsSince(from), []);
  // What the resolver reads on the side (`exports`, `sideEffects`) is not in the build's reads.
  const out = await step(() => fs.writeFileSync(path.join(dir, "package.json"), '{"name":"w","sideEffects":true}\n'), "package.json");
  assert.match(out, /\(package\.json; full build\)/);
  assertSameAsForce();
});

test("a module no module imports any more: broken, it fails nothing; imported again, its new text is built", async () => {
  const appFile = path.join(dir, "src/App.tsx");
  const appText = fs.readFileSync(appFile, "utf8");
  const withOrphan = `import { orphan } from "./orphan";\n${appText.replace("</main>", "{orphan}</main>")}`;
  await step(() => {
    writeFiles(dir, { "src/orphan.ts": 'export const orphan: string = " o1";\n' });
    fs.writeFileSync(appFile, withOrphan);
  }, "src/App.tsx");
  assert.equal(await pageText(), "Backed up v6 o1");
  await step(() => fs.writeFileSync(appFile, appText), "src/App.tsx");
  // rolldown's scan still holds it; a fresh build would not read it.
  let out = await step(() => fs.writeFileSync(path.join(dir, "src/orphan.ts"), "export const orphan: string = ;\n"), "src/orphan.ts");
  assert.doesNotMatch(out, /build failed/);
  assertSameAsForce();
  out = await step(() => fs.writeFileSync(path.join(dir, "src/orphan.ts"), 'export const orphan: string = " o2";\n'), "src/orphan.ts");
  assertSameAsForce();
  // Imported again by an edit of App.tsx alone: the text it has now, not the one rolldown scanned
  // (the rebuild starts over once it sees the module is needed again).
  out = await step(() => fs.writeFileSync(appFile, withOrphan), "src/App.tsx");
  assert.match(out, /\(src\/App\.tsx; full build\)/);
  assertSameAsForce();
  assert.equal(await pageText(), "Backed up v6 o2");
  await step(() => {
    fs.writeFileSync(appFile, appText);
    fs.rmSync(path.join(dir, "src/orphan.ts"));
  }, "src/App.tsx");
  assertSameAsForce();
});

test("SIGTERM stops the watch with exit code 0 and a complete dist/", async () => {
  const distBefore = readTree(path.join(dir, "dist"));
  // An edit and SIGTERM close together: a rebuild in progress finishes its write before the exit.
  fs.writeFileSync(path.join(dir, "src/Title.tsx"), label("Last v5"));
  await new Promise((r) => setTimeout(r, 50));
  watch.child.kill("SIGTERM");
  const { code, signal } = await watch.exited;
  assert.equal(signal, null, watch.out);
  assert.equal(code, 0, watch.out);
  assert.match(watch.out, /stopped watching/);
  const leftovers = listFiles(path.join(dir, "dist")).filter((p) => /\.nexxo-\d+$/.test(p));
  assert.deepEqual(leftovers, [], "no temporary files left");
  // dist/ is one whole build: of the last edit if its rebuild ran, else of the state before.
  if ((await pageText()) === "Last v5") {
    assertSameAsForce();
  } else {
    const now = readTree(path.join(dir, "dist"));
    assert.deepEqual(Object.keys(now), Object.keys(distBefore));
    for (const p of Object.keys(now)) assert.ok(now[p].equals(distBefore[p]), `${p} is not the previous build's`);
  }
});

test("--help explains --watch", () => {
  const r = nexxo(["build", "--help"]);
  assert.match(r.stdout, /--watch/);
  assert.match(r.stdout, /rebuild on every change/);
});
