// The project's JavaScript CSS tools, run for `nexxo build` and `nexxo dev` by
// host/src/css_plugins.rs in a Node.js process of their own: PostCSS with the project's config (as
// Vite loads it), Tailwind CSS v4 through @tailwindcss/node when the project uses
// @tailwindcss/vite (a Vite plugin, which Nexxo does not run: this is the same compile step), and
// the Less and Stylus compilers. One JSON request per line on stdin, `{ id, file, css, lang? }`
// (`lang`: "less" or "stylus" compiles the sheet instead); one JSON answer per line on stdout.
// The tools' own output goes to stderr, so nothing they print can break the protocol.
import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import readline from 'node:readline';

const root = process.env.NEXXO_POSTCSS_ROOT;
const configFile = process.env.NEXXO_POSTCSS_CONFIG || null;
const tailwindVite = process.env.NEXXO_TAILWIND_VITE === '1';
const mode = process.env.NEXXO_MODE || 'production';

const out = process.stdout;
console.log = console.info = console.debug = console.error;

const send = (answer) => out.write(JSON.stringify(answer) + '\n');

const fromRoot = createRequire(path.join(root, 'package.json'));

// A package as its importer would get it: the CommonJS entry if it has one, else its ESM entry
// (a package that only has an `import` export is found through its package.json).
async function load(name, req = fromRoot) {
  let resolved;
  try {
    resolved = req.resolve(name);
  } catch (e) {
    const dir = findPackageDir(name, req);
    if (!dir) throw e;
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const entry = exportEntry(pkg.exports) ?? pkg.module ?? pkg.main ?? 'index.js';
    resolved = path.join(dir, entry);
  }
  const mod = await import(pathToFileURL(resolved).href);
  return mod.default ?? mod;
}

function exportEntry(exports) {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return null;
  const main = exports['.'] ?? exports;
  if (typeof main === 'string') return main;
  for (const c of ['import', 'default', 'node', 'require']) {
    const v = main[c];
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      const inner = exportEntry({ '.': v });
      if (inner) return inner;
    }
  }
  return null;
}

function findPackageDir(name, req) {
  for (const dir of req.resolve.paths(name) ?? []) {
    const candidate = path.join(dir, name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
  }
  return null;
}

// The config as postcss-load-config reads it: an object, or a function of the context.
async function readConfig(file) {
  const base = path.basename(file);
  let config;
  if (base === 'package.json') {
    config = JSON.parse(readFileSync(file, 'utf8')).postcss;
  } else if (base === '.postcssrc' || base.endsWith('.json')) {
    const text = readFileSync(file, 'utf8');
    try {
      config = JSON.parse(text);
    } catch {
      throw hinted(`${base} is not JSON`, 'write it as JSON, or as postcss.config.js');
    }
  } else if (base.endsWith('.yaml') || base.endsWith('.yml')) {
    throw hinted(`${base}: YAML configs are not read by Nexxo`, 'write it as .postcssrc.json or postcss.config.js');
  } else {
    let mod;
    try {
      // A fresh copy each time the plugins are loaded again (the config was edited).
      mod = await import(pathToFileURL(file).href + `?t=${Date.now()}`);
    } catch (e) {
      if (e && e.code === 'ERR_UNKNOWN_FILE_EXTENSION') {
        throw hinted(`${base}: this Node.js cannot load TypeScript`, 'rename it to postcss.config.mjs, or use Node.js 22.6 or later');
      }
      throw e;
    }
    config = mod.default ?? mod;
  }
  if (typeof config === 'function') config = await config({ env: mode, cwd: root, file: undefined, options: {} });
  return config ?? {};
}

function hinted(message, hint) {
  const e = new Error(message);
  e.hint = hint;
  return e;
}

async function setUp() {
  const steps = [];
  if (tailwindVite) steps.push(await tailwindStep());
  if (configFile) steps.push(await postcssStep(configFile));
  return steps;
}

async function postcssStep(file) {
  const config = await readConfig(file);
  const req = createRequire(file);
  const plugin = async (name, options) => {
    let p;
    try {
      p = await load(name, req);
    } catch {
      throw hinted(`${path.basename(file)} names the PostCSS plugin "${name}", which is not installed`, `npm install -D ${name}`);
    }
    return options && typeof options === 'object' && Object.keys(options).length ? p(options) : p;
  };
  let plugins = config.plugins ?? [];
  if (Array.isArray(plugins)) {
    plugins = await Promise.all(plugins.flat().filter(Boolean).map((p) => (typeof p === 'string' ? plugin(p, {}) : p)));
  } else {
    plugins = await Promise.all(
      Object.entries(plugins)
        .filter(([, o]) => o !== false)
        .map(([name, o]) => plugin(name, o)),
    );
  }
  let postcss;
  try {
    postcss = await load('postcss', req);
  } catch {
    throw hinted(`${path.basename(file)} is a PostCSS config, but the "postcss" package is not installed`, 'npm install -D postcss');
  }
  const options = {};
  for (const k of ['parser', 'syntax', 'stringifier']) {
    if (typeof config[k] === 'string') options[k] = await load(config[k], req);
    else if (config[k]) options[k] = config[k];
  }
  const processor = postcss(plugins);
  return async (file, css, result) => {
    const r = await processor.process(css, { ...options, from: file, to: file, map: false });
    for (const m of r.messages) {
      if (m.type === 'dependency' && m.file) result.deps.push(m.file);
      else if (m.type === 'dir-dependency' && m.dir) result.dirs.push({ dir: m.dir, glob: m.glob ?? '**/*' });
    }
    for (const w of r.warnings()) {
      result.warnings.push({ text: w.text, plugin: w.plugin ?? null, line: w.line ?? null, column: w.column ?? null });
    }
    result.deps.push(configFile);
    return r.css;
  };
}

// Tailwind CSS v4's compile step, as @tailwindcss/vite runs it on each style sheet: compile the
// sheet, scan its sources for class candidates, build.
async function tailwindStep() {
  const viteDir = findPackageDir('@tailwindcss/vite', fromRoot);
  const req = viteDir ? createRequire(path.join(viteDir, 'package.json')) : fromRoot;
  let node, oxide;
  try {
    node = await import(pathToFileURL(req.resolve('@tailwindcss/node')).href);
    oxide = await import(pathToFileURL(req.resolve('@tailwindcss/oxide')).href);
  } catch {
    throw hinted('package.json lists @tailwindcss/vite, but @tailwindcss/node is not installed', 'npm install -D @tailwindcss/vite tailwindcss');
  }
  const { compile, Features } = node;
  const { Scanner } = oxide.default ?? oxide;
  const needed = Features.AtApply | Features.JsPluginCompat | Features.ThemeFunction | Features.Utilities | Features.Variants;
  return async (file, css, result) => {
    const deps = [];
    const compiler = await compile(css, {
      base: path.dirname(file),
      shouldRewriteUrls: true,
      onDependency: (d) => deps.push(d),
    });
    if (!(compiler.features & needed)) return css;
    result.deps.push(...deps);
    const sources = (
      compiler.root === 'none'
        ? []
        : compiler.root === null
          ? [{ base: root, pattern: '**/*', negated: false }]
          : [{ ...compiler.root, negated: false }]
    ).concat(compiler.sources);
    const scanner = new Scanner({ sources });
    const candidates = compiler.features & Features.Utilities ? scanner.scan() : [];
    if (compiler.features & Features.Utilities) {
      result.deps.push(...scanner.files);
      for (const g of scanner.globs) {
        if (!g.pattern.startsWith('!')) result.dirs.push({ dir: g.base, glob: g.pattern });
      }
    }
    return compiler.build(candidates);
  };
}

// Less and Stylus, as Vite runs them: the project's own compiler, resolved from the project.
const compilers = {};
async function compiler(lang) {
  compilers[lang] ??= load(lang).catch(() => {
    throw hinted(`Preprocessor dependency "${lang}" not found: a .${lang === 'less' ? 'less' : 'styl'} file needs it installed, as in Vite`, `npm install -D ${lang}`);
  });
  return compilers[lang];
}

// `options`: `css.preprocessorOptions` of the language (its `additionalData` already in `source`).
async function preprocess(lang, file, source, options, result) {
  if (lang === 'less') {
    const less = await compiler('less');
    try {
      // `rewriteUrls: 'all'`: a url() in an imported file is relative to that file, as Vite has it.
      const out = await less.render(source, { rewriteUrls: 'all', ...options, filename: file });
      result.deps.push(...out.imports.map((f) => path.resolve(path.dirname(file), f)));
      return out.css;
    } catch (e) {
      // Less counts columns from 0.
      throw Object.assign(new Error(e.message), { file: e.filename && path.resolve(e.filename), line: e.line, column: e.column == null ? null : e.column + 1 });
    }
  }
  const stylus = await compiler('stylus');
  const style = stylus(source).set('filename', file);
  for (const [k, v] of Object.entries(options ?? {})) {
    if (k === 'define') for (const [name, value] of Object.entries(v ?? {})) style.define(name, value);
    else if (k === 'imports') for (const i of [v].flat()) style.import(i);
    else style.set(k, v);
  }
  const css = await new Promise((resolve, reject) => style.render((e, out) => (e ? reject(e) : resolve(out)))).catch((e) => {
    // Stylus's message starts with its own location and code frame; the reason is its last line.
    const reason = String(e.message).trim().split('\n').pop();
    throw Object.assign(new Error(reason), { file: e.filename && path.resolve(e.filename), line: e.lineno, column: e.column });
  });
  result.deps.push(...style.deps().map((f) => path.resolve(f)));
  return css;
}

let steps = null;
let setUpError = null;
async function ready() {
  if (!steps && !setUpError) {
    try {
      steps = await setUp();
    } catch (e) {
      setUpError = e;
    }
  }
  if (setUpError) throw setUpError;
  return steps;
}

function describe(e, file) {
  const error = {
    message: String(e?.reason ?? e?.message ?? e),
    plugin: e?.plugin ?? null,
    file: e?.file ?? (e?.line != null ? file : null),
    line: e?.line ?? null,
    column: e?.column ?? null,
    hint: e?.hint ?? null,
  };
  // A plugin's own failure (not a located CSS error): where in the plugin, for its bug report.
  if (process.env.NEXXO_DEBUG && e?.stack) error.stack = String(e.stack);
  return error;
}

async function answer(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return;
  }
  const { id, file, css, lang, options } = request;
  if (request.reload) {
    steps = null;
    setUpError = null;
    send({ id, css: '' });
    return;
  }
  const result = { id, css, deps: [], dirs: [], warnings: [] };
  try {
    if (lang) {
      result.css = await preprocess(lang, file, css, options, result);
    } else {
      for (const step of await ready()) result.css = await step(file, result.css, result);
    }
    send(result);
  } catch (e) {
    send({ id, error: describe(e, file), deps: result.deps, dirs: result.dirs });
  }
}

// A plugin's stray rejection must not end the process the build or the dev server waits on.
process.on('unhandledRejection', (e) => console.error('[nexxo postcss]', e));
process.on('uncaughtException', (e) => console.error('[nexxo postcss]', e));

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  answer(line);
});
