// What each kind of edit costs under `nexxo build --watch`, against a cold build of the same app:
// a component (a leaf script module), a CSS module's rules, an SVG a CSS module's `url()` names,
// the page (index.html's title), a public/ file, a text file imported with `?raw`, a module
// renamed with its import, the fix of a
// syntax error (after the broken save's failed rebuild). Per kind, the median time from the edit being
// written to the watch's rebuild line, and how it rebuilt (incremental, full build, public files
// only). Several binaries alternate kind by kind, so drift in the machine's load hits them alike.
//
//   node watch-edits.mjs [--generate COMPONENTS] [--runs N] [--kinds component,?raw file] BIN...
//
// The app is the bench's generated React app (1100 components: 2.4k modules; 8600: 19k) in
// .apps/watch-COMPONENTS, with a public/ file and an SVG over the inline limit that
// src/c0.module.css names.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { appWithReact } from "./generate.mjs";
import { waitForExitHelpers } from "./exit-helpers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? dflt : argv.splice(i, 2)[1];
};
const components = Number(opt("generate", "8600"));
const runs = Number(opt("runs", "5"));
// `--kinds a,b`: only those kinds (by their names in the table).
const only = opt("kinds", "");
const bins = argv.map((b) => path.resolve(b));
if (bins.length === 0) bins.push(path.resolve(here, "../target/release/nexxo"));

const app = path.join(here, ".apps", `watch-${components}`);
if (appWithReact(app, components) !== null) {
  const svg = (fill) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><!-- ${"x".repeat(5000)} --><rect width="8" height="8" fill="${fill}"/></svg>`;
  fs.mkdirSync(path.join(app, "public"), { recursive: true });
  fs.writeFileSync(path.join(app, "public/robots.txt"), "User-agent: *\n");
  fs.writeFileSync(path.join(app, "src/bg.svg"), svg("red"));
  fs.appendFileSync(path.join(app, "src/c0.module.css"), ".bg {\n  background: url(./bg.svg);\n}\n");
}
// A text file the root component imports with `?raw` (the "?raw file" kind); added to an app
// generated before the kind existed too.
const notes = path.join(app, "src/notes.txt");
if (!fs.existsSync(notes)) {
  fs.writeFileSync(notes, "notes 0");
  const c0 = path.join(app, "src/c0.tsx");
  fs.writeFileSync(c0, `import notes from "./notes.txt?raw";\n${fs.readFileSync(c0, "utf8").replace("{n}", "{n}{notes}")}`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let n = 0;
const edits = {
  component: () => {
    const file = path.join(app, "src", `c${components - 1}.tsx`);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/useState<number>\((\d+)\)/, `useState<number>(${100000 + ++n})`));
  },
  "css module": () => {
    const file = path.join(app, "src/c0.module.css");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/padding: \d+px/, `padding: ${100 + ++n}px`));
  },
  "url() asset": () => {
    const file = path.join(app, "src/bg.svg");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/fill="[^"]*"/, `fill="#${(++n).toString(16).padStart(6, "0")}"`));
  },
  page: () => {
    const file = path.join(app, "index.html");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/<title>[^<]*<\/title>/, `<title>bench ${++n}</title>`));
  },
  "public file": () => fs.writeFileSync(path.join(app, "public/robots.txt"), `User-agent: *\n# ${++n}\n`),
  "?raw file": () => fs.writeFileSync(notes, `notes ${++n}`),
  // The fix of a syntax error (the broken save is written first, untimed, see `broken`).
  "fix after an error": () => {
    const file = path.join(app, "src", `c${components - 2}.tsx`);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/useState<number>\([^)]*\)/, `useState<number>(${100000 + ++n})`));
  },
  // As an editor's rename refactoring: a module renamed, then its importer's import rewritten.
  // Timed to the rebuild that names the importer.
  rename: () => {
    const last = components - 1;
    const [from, to] = fs.existsSync(path.join(app, `src/u${last}.ts`)) ? [`u${last}`, `v${last}`] : [`v${last}`, `u${last}`];
    fs.renameSync(path.join(app, `src/${from}.ts`), path.join(app, `src/${to}.ts`));
    const importer = path.join(app, `src/c${last}.tsx`);
    fs.writeFileSync(importer, fs.readFileSync(importer, "utf8").replace(`"./${from}"`, `"./${to}"`));
    return new RegExp(`rebuilt in \\d+ms \\([^;]*c${last}\\.tsx[^;]*; ([^)]*)\\)`);
  },
};

/** Untimed steps before an edit: the save that breaks the component the fix then mends. */
const broken = {
  "fix after an error": () => {
    const file = path.join(app, "src", `c${components - 2}.tsx`);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/useState<number>\([^)]*\)/, "useState<number>(1 +)"));
    return /build failed/;
  },
};

function cold(bin) {
  const start = process.hrtime.bigint();
  const r = spawnSync(bin, ["build", app, "--sourcemap", "--force", "--out-dir", "dist-cold"], {
    cwd: app,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  waitForExitHelpers();
  if (r.status !== 0) throw new Error(`${bin}: ${r.stderr}`);
  return ms;
}

/** A watch of `bin` on the app: each kind `runs` times after a warm-up; medians and how. */
async function watchAll(bin, kinds) {
  const child = spawn(bin, ["build", app, "--sourcemap", "--out-dir", "dist-watch", "--watch"], {
    cwd: app,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const waitFor = async (re, from) => {
    const deadline = Date.now() + 120_000;
    let m;
    while (!(m = out.slice(from).match(re))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${bin} --watch: no ${re}:\n${out.slice(-600)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    return m;
  };
  await waitFor(/watching for changes/, 0);
  const result = {};
  for (const kind of kinds) {
    const samples = [];
    let how = "";
    for (let i = 0; i <= runs; i++) {
      if (broken[kind]) {
        const before = out.length;
        await waitFor(broken[kind](), before);
        await new Promise((r) => setTimeout(r, 200));
      }
      const from = out.length;
      const start = process.hrtime.bigint();
      const re = edits[kind]() ?? /rebuilt in \d+ms \([^;]*; ([^)]*)\)/;
      const m = await waitFor(re, from);
      if (i > 0) samples.push(Number(process.hrtime.bigint() - start) / 1e6);
      how = m[1];
      await new Promise((r) => setTimeout(r, 200));
    }
    result[kind] = { ms: median(samples), how };
  }
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return result;
}

const kinds = Object.keys(edits).filter((k) => !only || only.split(",").includes(k));
const table = bins.map(() => ({ cold: [], kinds: {} }));
for (let round = 0; round < 2; round++) {
  const order = round % 2 ? [...bins.keys()].reverse() : [...bins.keys()];
  for (const b of order) {
    table[b].cold.push(cold(bins[b]));
    const r = await watchAll(bins[b], kinds);
    for (const k of kinds) (table[b].kinds[k] ??= []).push(r[k]);
  }
}
console.log(`\n${components} components, ${runs} edits of each kind per round, 2 rounds; ${new Date().toISOString()}`);
console.log(`| binary | cold (--force) | ${kinds.join(" | ")} |`);
console.log(`| --- | ---: | ${kinds.map(() => "---:").join(" | ")} |`);
for (const [b, row] of table.entries()) {
  const cells = kinds.map((k) => {
    const rs = row.kinds[k];
    return `${rs.map((r) => Math.round(r.ms)).join(" / ")} ms (${[...new Set(rs.map((r) => r.how))].join(", ")})`;
  });
  console.log(`| ${path.relative(process.cwd(), bins[b])} | ${row.cold.map(Math.round).join(" / ")} ms | ${cells.join(" | ")} |`);
}
