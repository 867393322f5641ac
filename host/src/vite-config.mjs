// Runs a project's Vite config as Vite does, for `nexxo build`, `dev` and `preview` (see
// vite_config.rs): imports the module (its TypeScript already stripped by Nexxo, `__dirname`
// defined), calls its default export with { command, mode } when it is a function, awaits it,
// and prints what it made as the source text of a config object, which `nexxo migrate`'s
// translation reads:
// - data as JSON; a path inside the project as a root-relative "./path" (what migrate expects
//   of `path.resolve(__dirname, ...)`);
// - functions and other values that are not data as functions (migrate notes them as code);
// - plugins as calls of the packages they come from when Nexxo does their job itself (`react()`
//   from "@vitejs/plugin-react"), so they are known as built in; others by their name.
// `import ... from "vite"` gets Nexxo's stand-in (defineConfig, loadEnv, mergeConfig) when that
// is all it imports or the project has no `vite` package; see the hooks below.
// Input in the environment: NEXXO_VITE_CONFIG (the module's path), NEXXO_VITE_ROOT,
// NEXXO_VITE_COMMAND ("build" | "serve" | "preview"), NEXXO_VITE_MODE.
import { register } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const file = process.env.NEXXO_VITE_CONFIG;
const root = process.env.NEXXO_VITE_ROOT;
const command = process.env.NEXXO_VITE_COMMAND;
const mode = process.env.NEXXO_VITE_MODE;

// Vite's helpers a config imports, for a project that no longer has Vite. loadEnv follows Vite's:
// .env, .env.local, .env.[mode], .env.[mode].local from envDir, later files winning, `$VAR`
// expanded, only the prefixed keys (all with ""), and the process's own prefixed variables first.
const STAND_IN = `
import fs from "node:fs";
import path from "node:path";
export const defineConfig = (config) => config;
function parse(text) {
  const out = {};
  for (const raw of text.replace(/\\r\\n?/g, "\\n").split("\\n")) {
    const m = /^\\s*(?:export\\s+)?([\\w.-]+)\\s*=\\s*(.*)?$/.exec(raw);
    if (!m) continue;
    let v = (m[2] ?? "").trim();
    const q = v[0];
    if ((q === '"' || q === "'" || q === "\`") && v.lastIndexOf(q) > 0) {
      v = v.slice(1, v.lastIndexOf(q));
      if (q === '"') v = v.replace(/\\\\n/g, "\\n");
    } else {
      v = v.replace(/\\s+#.*$/, "");
    }
    out[m[1]] = v;
  }
  return out;
}
export function loadEnv(mode, envDir, prefixes = "VITE_") {
  const list = [].concat(prefixes);
  const files = [".env", ".env.local", \`.env.\${mode}\`, \`.env.\${mode}.local\`];
  const parsed = {};
  for (const f of files) {
    try { Object.assign(parsed, parse(fs.readFileSync(path.join(envDir, f), "utf8"))); } catch {}
  }
  const expand = (v, seen) => v.replace(/(\\\\)?\\$\\{?([\\w]+)\\}?/g, (all, esc, k) => {
    if (esc) return all.slice(1);
    if (seen.has(k)) return "";
    return process.env[k] ?? (k in parsed ? expand(parsed[k], new Set([...seen, k])) : "");
  });
  const env = {};
  const wanted = (k) => list.some((p) => k.startsWith(p));
  for (const [k, v] of Object.entries(parsed)) if (wanted(k)) env[k] = expand(v, new Set([k]));
  for (const [k, v] of Object.entries(process.env)) if (wanted(k) && v !== undefined) env[k] = v;
  return env;
}
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
export function mergeConfig(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v == null) continue;
    const old = out[k];
    if (Array.isArray(old) || Array.isArray(v)) out[k] = [...[].concat(old ?? []), ...[].concat(v)];
    else if (isObject(old) && isObject(v)) out[k] = mergeConfig(old, v);
    else out[k] = v;
  }
  return out;
}
export const searchForWorkspaceRoot = (current) => current;
export default { defineConfig, loadEnv, mergeConfig, searchForWorkspaceRoot };
`;

// Nexxo never runs a Vite plugin, and does these plugins' jobs itself (Preact's: JSX, through
// tsconfig): only their names matter
// (to say they are built in), so they are never loaded (plugin-react alone took 180 ms to import
// here) and need not be installed.
const PLUGIN_STAND_INS = {
  "@vitejs/plugin-react": "export default () => [{ name: 'vite:react-babel' }, { name: 'vite:react-refresh' }];",
  "@vitejs/plugin-react-swc": "export default () => [{ name: 'vite:react-swc' }];",
  "@tailwindcss/vite": "export default () => [{ name: '@tailwindcss/vite:scan' }];",
  "vite-tsconfig-paths": "export default () => ({ name: 'vite-tsconfig-paths' });",
  "@preact/preset-vite": "export default () => [{ name: 'preact:config' }];",
};

// "vite" itself: the stand-in when the config imports only what the stand-in has (Vite's own
// module takes 150 ms to import, more than the rest of a cached build), or when the project
// cannot resolve it (uninstalled on the way to Nexxo); else the project's Vite.
const text = (await import("node:fs")).readFileSync(file, "utf8");
const fromVite = [...text.matchAll(/import\s+([^;]*?)\s+from\s*["']vite["']/g)].map((m) => m[1]);
const STAND_IN_NAMES = new Set(["defineConfig", "loadEnv", "mergeConfig", "searchForWorkspaceRoot"]);
const coversAll = fromVite.every((clause) => {
  const named = /^\{([^}]*)\}$/.exec(clause.trim());
  return named && named[1].split(",").map((n) => n.trim().split(/\s+as\s+/)[0]).filter(Boolean).every((n) => STAND_IN_NAMES.has(n));
});
const hooks = `
const standIn = ${JSON.stringify("data:text/javascript," + encodeURIComponent(STAND_IN))};
const plugins = ${JSON.stringify(Object.fromEntries(Object.entries(PLUGIN_STAND_INS).map(([k, v]) => [k, "data:text/javascript," + encodeURIComponent(v)])))};
const preferStandIn = ${JSON.stringify(coversAll)};
export async function resolve(specifier, context, next) {
  if (plugins[specifier]) return { url: plugins[specifier], shortCircuit: true };
  if (specifier === "vite" && preferStandIn) return { url: standIn, shortCircuit: true };
  try {
    return await next(specifier, context);
  } catch (e) {
    if (specifier === "vite" && e?.code === "ERR_MODULE_NOT_FOUND") return { url: standIn, shortCircuit: true };
    throw e;
  }
}
`;
register("data:text/javascript," + encodeURIComponent(hooks), import.meta.url);

/** Packages whose plugins Nexxo does itself, by the names their plugins carry. */
const BUILT_IN = [
  [/^vite:react-swc/, "@vitejs/plugin-react-swc"],
  [/^vite:react/, "@vitejs/plugin-react"],
  [/^@tailwindcss\/vite/, "@tailwindcss/vite"],
  [/^vite-tsconfig-paths/, "vite-tsconfig-paths"],
  [/^(preact:|prefresh)/, "@preact/preset-vite"],
];

const imports = [];

/** The plugins list, flattened (Vite accepts nested lists and falsy entries), as source text. */
function plugins(list) {
  const flat = [].concat(list ?? []).flat(Infinity).filter(Boolean);
  const out = [];
  const called = new Set();
  for (const p of flat) {
    const name = typeof p?.name === "string" ? p.name : "(unnamed)";
    const pkg = BUILT_IN.find(([re]) => re.test(name))?.[1];
    if (pkg) {
      // One call per package: plugin-react is several plugins.
      if (called.has(pkg)) continue;
      called.add(pkg);
      const id = `plugin${imports.length}`;
      imports.push(`import ${id} from ${JSON.stringify(pkg)};`);
      out.push(`${id}()`);
    } else {
      out.push(JSON.stringify(name));
    }
  }
  return `[${out.join(", ")}]`;
}

const inRoot = (s) => path.isAbsolute(s) && (s === root || s.startsWith(root + path.sep));

/** `v` as source text; values that are not data become functions (code, for migrate). */
function render(v, key, seen) {
  if (v === undefined) return "undefined";
  if (v === null || typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (typeof v === "string") {
    if (!inRoot(v)) return JSON.stringify(v);
    const rel = path.relative(root, v).split(path.sep).join("/");
    return JSON.stringify(rel ? `./${rel}` : ".");
  }
  if (v instanceof RegExp) return v.toString();
  // A proxy's `rewrite` and Rollup's `manualChunks` as their source, for migrate to recognize
  // `(p) => p.replace(/^\/api/, "")` and `if (id.includes("node_modules")) return "vendor"`; a
  // method (`manualChunks(id) {...}`) becomes a function expression; native code stays a function.
  if (typeof v === "function" && (key === "rewrite" || key === "manualChunks")) {
    const source = Function.prototype.toString.call(v);
    if (/^(async\s+)?(\(|function\b|[\w$]+\s*=>)/.test(source)) return `(${source})`;
    if (/^[\w$]+\s*\(/.test(source)) return `(function ${source})`;
  }
  if (typeof v !== "object" || seen.has(v) || !(Array.isArray(v) || [Object.prototype, null].includes(Object.getPrototypeOf(v)))) {
    return "(function () {})";
  }
  seen.add(v);
  const text = Array.isArray(v)
    ? `[${v.map((x) => render(x, "", seen)).join(", ")}]`
    : `{ ${Object.entries(v)
        .map(([k, x]) => `${JSON.stringify(k)}: ${k === "plugins" && key === "" ? plugins(x) : render(x, k, seen)}`)
        .join(", ")} }`;
  seen.delete(v);
  return text;
}

try {
  const mod = await import(pathToFileURL(file).href);
  let config = mod.default ?? mod;
  if (typeof config === "function") {
    config = await config({ command: command === "build" ? "build" : "serve", mode, isSsrBuild: false, isPreview: command === "preview" });
  }
  config = await config;
  if (config === null || typeof config !== "object") throw new Error(`the config is ${config === null ? "null" : typeof config}, not an object`);
  const body = render(config, "", new Set());
  // Exit once written: a plugin may have started a watcher or a timer that would keep Node up.
  process.stdout.write(`${imports.join("\n")}\nexport default ${body}\n`, () => process.exit(0));
} catch (e) {
  process.stderr.write(String(e?.message ?? e).split("\n")[0], () => process.exit(1));
}
