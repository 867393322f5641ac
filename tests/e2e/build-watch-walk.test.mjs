// `nexxo build --watch` under a seeded random walk of edits: imports, CSS modules, SVG assets and
// `?raw`/`?url` imports added and removed, style sheets and scripts edited (in place and through a temporary file),
// SVGs that sheets' `url()`s name, the page, public/ files, a worker started and its module, new files nothing imports,
// modules deleted and put back, a linked sheet. After every step the watched dist/ must equal, byte
// for byte, a `--force` build of the same sources, whichever way the watch rebuilt (incremental,
// full, or not at all). build-watch.test.mjs checks each path on its own, with Chromium.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { assertSameAsForce, fixture, startWatch, waitForWatch } from "./helpers.mjs";

const MODULES = ["a", "b", "c", "d"];
const svg = (i) => `<svg xmlns="http://www.w3.org/2000/svg"><!-- ${"x".repeat(5000)} ${i} --></svg>`;

let watch;
after(() => {
  if (watch && watch.child.exitCode === null) watch.child.kill("SIGKILL");
});

test("a random walk of edits under --watch: dist/ is a --force build after every step", async () => {
  const files = {
    "index.html":
      '<!doctype html>\n<html><head><link rel="stylesheet" href="/src/g.css"></head>\n' +
      '<body><div id="r"></div><script type="module" src="/src/main.ts"></script></body></html>\n',
    "src/g.css": "body { margin: 0; }\n",
    "public/p.txt": "0\n",
    "src/w.ts": 'import { d } from "./wdep";\nself.postMessage(d);\n',
    "src/wdep.ts": 'export const d = "d0";\n',
  };
  for (const m of MODULES) {
    files[`src/${m}.ts`] = `export const ${m} = () => "${m}0";\n`;
    files[`src/${m}.module.css`] = ".x { color: red; }\n";
    files[`src/${m}.svg`] = svg(0);
    files[`src/${m}.txt`] = `${m} text 0`;
  }
  const dir = fixture("build-watch-walk", files);
  const write = (rel, text) => fs.writeFileSync(path.join(dir, rel), text);
  const imports = { js: new Set(["a"]), css: new Set(), svg: new Set(), query: new Set(), worker: false };
  const deleted = new Set();
  let failures = 0;
  const writeMain = () => {
    const lines = [...imports.js].map((m) => `import { ${m} } from "./${m}";`);
    lines.push(...[...imports.css].map((m) => `import s_${m} from "./${m}.module.css";`));
    lines.push(...[...imports.svg].map((m) => `import u_${m} from "./${m}.svg";`));
    // Modules of a file with a query, beside its plain module when the SVG is imported too.
    lines.push(...[...imports.query].map((m) => `import t_${m} from "./${m}.txt?raw";\nimport q_${m} from "./${m}.svg?url";`));
    const used = [...imports.js].map((m) => `${m}()`);
    used.push(...[...imports.css].map((m) => `s_${m}.x`), ...[...imports.svg].map((m) => `u_${m}`));
    used.push(...[...imports.query].flatMap((m) => [`t_${m}`, `q_${m}`]));
    if (imports.worker) lines.push('new Worker(new URL("./w.ts", import.meta.url), { type: "module" });');
    write("src/main.ts", `${lines.join("\n")}\ndocument.body.append(${used.join(", ") || '""'});\n`);
  };
  writeMain();
  watch = startWatch(dir);
  await waitForWatch(watch, 0, /watching for changes/);

  // A fixed walk in CI; `NEXXO_WALK_SEED=N` explores another (a failure names its seed and step).
  const start = Number(process.env.NEXXO_WALK_SEED ?? 20261128);
  let seed = start;
  const pick = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  let probe = 0;
  const kinds = new Set();
  for (let step = 0; step < 32; step++) {
    const m = MODULES[pick(MODULES.length)];
    const toggle = (set) => (set.has(m) ? set.delete(m) : set.add(m));
    const from = watch.out.length;
    let what;
    const kind = pick(16);
    switch (kind) {
      case 0:
      case 1:
      case 2: {
        const [set, file] = [[imports.js, `${m}.ts`], [imports.css, `${m}.module.css`], [imports.svg, `${m}.svg`]][kind];
        if (kind === 0 && deleted.delete(m)) write(`src/${m}.ts`, `export const ${m} = () => "${m}r";\n`);
        toggle(set);
        writeMain();
        what = `import of ${file} toggled`;
        break;
      }
      case 3: {
        // Sometimes with a `url()` of an SVG (a file: over the inline limit), which an edit of
        // that SVG then loads again.
        const url = pick(2) ? `\n.z { background: url(./${MODULES[pick(MODULES.length)]}.svg); }` : "";
        write(`src/${m}.module.css`, `.x { color: rgb(${pick(255)}, 0, 0); }\n.y${pick(3)} { margin: 1px; }${url}\n`);
        what = `${m}.module.css edited`;
        break;
      }
      case 4: {
        if (deleted.has(m)) break;
        const file = path.join(dir, `src/${m}.ts`);
        fs.writeFileSync(`${file}.tmp`, `export const ${m} = () => "${m}${pick(100)}";\n`);
        fs.renameSync(`${file}.tmp`, file);
        what = `${m}.ts saved through a temporary file`;
        break;
      }
      case 5:
        if (deleted.has(m)) break;
        write(`src/${m}.ts`, `export const ${m} = () => "${m}${pick(100)}";\n`);
        what = `${m}.ts edited`;
        break;
      case 6:
        write(`src/n${pick(3)}.ts`, `export const n = ${pick(9)};\n`);
        what = "a file nothing imports written";
        break;
      case 7:
        write("index.html", files["index.html"].replace("<head>", `<head><title>t${pick(100)}</title>`));
        what = "the page edited";
        break;
      case 8:
        write("public/p.txt", `${pick(100)}\n`);
        what = "a public/ file edited";
        break;
      case 9:
        imports.worker = !imports.worker;
        writeMain();
        what = "the worker's start toggled";
        break;
      case 10:
        write("src/wdep.ts", `export const d = "d${pick(100)}";\n`);
        what = "a worker's module edited";
        break;
      case 12: {
        // A syntax error, then its fix: the rebuilds after a failure stay incremental, and must
        // still give a --force build's output.
        if (deleted.has(m)) break;
        write(`src/${m}.ts`, `export const ${m} = () => ;\n`);
        if (imports.js.has(m)) await waitForWatch(watch, from, /build failed/);
        else await new Promise((r) => setTimeout(r, 50));
        write(`src/${m}.ts`, `export const ${m} = () => "${m}f${pick(100)}";\n`);
        failures++;
        what = `${m}.ts broken and fixed`;
        break;
      }
      case 11:
        // A module deleted (its import first, as an editor's refactoring does), or put back.
        if (deleted.delete(m)) {
          write(`src/${m}.ts`, `export const ${m} = () => "${m}${pick(100)}";\n`);
          what = `${m}.ts put back`;
        } else {
          if (imports.js.delete(m)) writeMain();
          fs.rmSync(path.join(dir, `src/${m}.ts`));
          deleted.add(m);
          what = `${m}.ts deleted`;
        }
        break;
      case 15:
        // Imported with `?raw` (and its SVG with `?url`), or the text edited.
        if (pick(2)) {
          toggle(imports.query);
          writeMain();
          what = `${m}.txt?raw and ${m}.svg?url toggled`;
        } else {
          write(`src/${m}.txt`, `${m} text ${pick(100)}`);
          what = `${m}.txt edited`;
        }
        break;
      default:
        write(`src/${m}.svg`, svg(pick(50)));
        what = `${m}.svg edited`;
    }
    // A linked sheet edited after the step always rebuilds, after whatever the step started:
    // its rebuild line says the watch has caught up.
    await new Promise((r) => setTimeout(r, 50));
    write("src/g.css", `body { margin: ${++probe}px; }\n`);
    const out = await waitForWatch(watch, from, /rebuilt in \d+ms \([^)]*src\/g\.css/);
    for (const k of out.matchAll(/; (incremental|full build|public files only)\)/g)) kinds.add(k[1]);
    // Only a module the app imports fails the build when broken (a fresh build reads no other).
    const afterFix = kind === 12 && imports.js.has(m) ? out.slice(out.lastIndexOf("build failed")) : out;
    assert.doesNotMatch(afterFix.replace(/^build failed/, ""), /build failed|panicked|internal error/, `seed ${start}, step ${step} (${what})`);
    try {
      assertSameAsForce(dir);
    } catch (e) {
      e.message = `seed ${start}, step ${step} (${what}): ${e.message}`;
      throw e;
    }
  }
  if (start === 20261128) {
    // The fixed walk covers both fast paths (another seed may not).
    assert.ok(kinds.has("incremental"), "the walk takes the incremental path");
    assert.ok(kinds.has("public files only"), "and the public/ path");
  }
  watch.child.kill("SIGTERM");
  assert.equal((await watch.exited).code, 0);
});
