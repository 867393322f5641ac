// First build and later builds of a generated React app by in-memory (WebAssembly) bundlers in
// Node: Nexxo's engine through its JS host (wasm/js/nexxo.js, what browsers and edge workers run),
// @rolldown/browser and esbuild-wasm (from browser-peers/: `cd benches/browser-peers && npm ci
// --ignore-scripts`). Each run is a fresh Node process, so "first" is a cold V8 with nothing cached:
// the time from the module's bytes in hand to the first output (compile + instantiate + build),
// then `--builds` more builds of the same project in the same instance.
//
// Nexxo gets the project's files inside the call (its in-memory API; reading them from disk is
// timed apart and not counted). @rolldown/browser's Node entry reads them through node:wasi, and
// esbuild-wasm through Node's fs: from the page cache after the first run. All three minify and
// write source maps (rolldown loads the CSS modules as empty modules: it does not bundle CSS).
//
// `nexxo-edit` and `nexxo-incremental` edit a leaf component (the initial state it renders) before
// every later build, the second with `incremental: true` (the instance keeps the minified parts of
// its last build and takes the unchanged ones again).
//
//   node benches/first-build.mjs [--components 1100] [--tools nexxo,nexxo-no-reserve,nexxo-disk,nexxo-edit,nexxo-incremental,rolldown-browser,esbuild-wasm]
//        [--runs 3] [--builds 3] [--wasm wasm/pkg/nexxo-engine.wasm[,other.wasm]] [--flags ";--liftoff-only"]
// `--flags`: V8 flag sets, `;`-separated, each its own row ("" is Node's defaults); `--wasm`: one row
// per module, to compare two builds of the engine. Runs go round-robin over the rows.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { appWithReact, readAppFiles } from "./generate.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const now = () => performance.now();
const peers = path.join(here, "browser-peers/node_modules");

async function child(tool, app, builds) {
  const out = { tool, builds: [], cpu: [] };
  // CPU time of the process (every thread: V8's background compilers too), beside the wall time:
  // on a shared machine it moves less than the wall time does.
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  if (tool.startsWith("nexxo")) {
    const { NexxoEngine } = await import(path.join(repo, "wasm/js/nexxo.js"));
    let t = now();
    // `nexxo-disk`: no files in the call; the engine asks a provider over the disk for what it
    // reads (as @rolldown/browser's Node entry reads through node:wasi), timed inside each build.
    const disk = {
      stat: (p) => { const s = fs.statSync(p, { throwIfNoEntry: false }); return s?.isFile() ? "file" : s?.isDirectory() ? "directory" : null; },
      read: (p) => { try { return fs.readFileSync(p); } catch { return null; } },
      list: (p) => { try { return fs.readdirSync(p); } catch { return null; } },
    };
    const files = tool === "nexxo-disk" ? undefined : readAppFiles(app);
    out.readFiles = now() - t;
    const bytes = fs.readFileSync(args.wasm ?? path.join(repo, "wasm/pkg/nexxo-engine.wasm"));
    out.moduleBytes = bytes.length;
    out.cpuStart = cpu();
    t = now();
    const module = await WebAssembly.compile(bytes);
    out.compile = now() - t;
    t = now();
    // `nexxo-no-reserve`: the instance grows its memory through the first build instead of taking
    // 128 MB as it starts (NexxoEngine's default in Node; @rolldown/browser starts with 1 GiB).
    const options = { "nexxo-no-reserve": { reserve: 0 }, "nexxo-disk": { files: disk } }[tool] ?? {};
    const edits = tool === "nexxo-edit" || tool === "nexxo-incremental";
    const leaf = files?.findLast((f) => /^src\/c\d+\.tsx$/.test(f.path));
    const engine = new NexxoEngine(module, options);
    out.instantiate = now() - t;
    for (let i = 0; i <= builds; i++) {
      t = now();
      if (edits && i > 0) leaf.text = leaf.text.replace(/useState<number>\((\d+)\)/, (_, n) => `useState<number>(${Number(n) + 1})`);
      const incremental = tool === "nexxo-incremental";
      const res = engine.build({ root: app, ...(files ? { files } : {}), overrides: { sourcemap: true }, incremental });
      out.builds.push(now() - t);
      out.cpu.push(cpu());
      if (!res.ok) throw new Error(res.errors.map((e) => e.message).join("\n"));
    }
  } else if (tool === "rolldown-browser") {
    out.cpuStart = cpu();
    let t = now();
    // The Node entry compiles and instantiates the module while it is imported.
    const { rolldown } = await import(path.join(peers, "@rolldown/browser/dist/index.mjs"));
    out.compile = now() - t;
    out.moduleBytes = fs.statSync(path.join(peers, "@rolldown/browser/dist/rolldown-binding.wasm32-wasi.wasm")).size;
    for (let i = 0; i <= builds; i++) {
      t = now();
      const bundle = await rolldown({
        input: path.join(app, "src/main.tsx"), cwd: app, platform: "browser", logLevel: "silent",
        moduleTypes: { ".css": "empty" }, transform: { define: { "process.env.NODE_ENV": '"production"' } },
      });
      const res = await bundle.generate({ minify: true, sourcemap: true });
      await bundle.close();
      out.builds.push(now() - t);
      out.cpu.push(cpu());
      if (!res.output.length) throw new Error("rolldown produced nothing");
    }
  } else if (tool === "esbuild-wasm") {
    out.cpuStart = cpu();
    let t = now();
    const esbuild = (await import(path.join(peers, "esbuild-wasm/lib/main.js"))).default;
    await esbuild.initialize({});
    out.compile = now() - t;
    out.moduleBytes = fs.statSync(path.join(peers, "esbuild-wasm/esbuild.wasm")).size;
    for (let i = 0; i <= builds; i++) {
      t = now();
      const res = await esbuild.build({
        entryPoints: [path.join(app, "src/main.tsx")], absWorkingDir: app, bundle: true, minify: true,
        sourcemap: true, splitting: true, format: "esm", outdir: path.join(app, "dist-esbuild-wasm"),
        write: false, jsx: "automatic", define: { "process.env.NODE_ENV": '"production"' }, logLevel: "warning",
      });
      out.builds.push(now() - t);
      out.cpu.push(cpu());
      if (!res.outputFiles.length) throw new Error("esbuild produced nothing");
    }
    await esbuild.stop?.();
  } else throw new Error(`unknown tool ${tool}`);
  out.first = (out.compile ?? 0) + (out.instantiate ?? 0) + out.builds[0];
  // CPU of the first build (from the module's compile on) and of each later build.
  out.cpuFirst = out.cpu[0] - out.cpuStart;
  out.cpuLater = out.cpu.slice(1).map((c, i) => c - out.cpu[i]);
  console.log(JSON.stringify(out));
  process.exit(0);
}

if (args.child) {
  await child(args.child, args.app, Number(args.builds));
} else {
  const components = Number(args.components ?? 1100);
  const app = args.app ?? path.join(os.tmpdir(), `nexxo-first-${components}`);
  const modules = appWithReact(app, components);
  if (modules !== null) console.log(`generated ${app}: ${modules} modules + react, react-dom, scheduler`);
  const tools = (args.tools ?? "nexxo,rolldown-browser,esbuild-wasm").split(",");
  const flagSets = (args.flags ?? "").split(";").map((s) => s.trim());
  const wasms = (args.wasm ?? path.join(repo, "wasm/pkg/nexxo-engine.wasm")).split(",").map((w) => path.resolve(w));
  const runs = Number(args.runs ?? 3);
  const builds = Number(args.builds ?? 3);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ms = (x) => (x === undefined || Number.isNaN(x) ? "" : `${Math.round(x)} ms`);
  // Every combination is a row; runs go round-robin over the rows, so a busy moment of a shared
  // machine falls on all of them alike.
  const rows = [];
  for (const tool of tools)
    for (const flags of flagSets)
      for (const wasm of tool === "nexxo" ? wasms : [null]) rows.push({ tool, flags, wasm, rs: [], failed: false });
  for (let r = 0; r < runs; r++) {
    for (const row of rows.filter((x) => !x.failed)) {
      const argv = [...row.flags.split(/\s+/).filter(Boolean), fileURLToPath(import.meta.url), "--child", row.tool, "--app", app, "--builds", String(builds)];
      if (row.wasm) argv.push("--wasm", row.wasm);
      const p = spawnSync(process.execPath, argv, { encoding: "utf8", maxBuffer: 256 << 20 });
      const line = p.stdout.trim().split("\n").pop();
      if (p.status !== 0 || !line?.startsWith("{")) {
        console.error(`${row.tool} ${row.flags}: failed\n${p.stderr.slice(-2000)}`);
        row.failed = true;
        continue;
      }
      row.rs.push(JSON.parse(line));
    }
  }
  console.log(`| tool | V8 flags | module | compile (+ load) | instantiate | first build (all) | first build (build only) | later builds (median) | CPU first / later |`);
  console.log(`| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
  for (const { tool, flags, wasm, rs } of rows) {
    if (!rs.length) continue;
    const m = (f) => (rs.every((r) => f(r) !== undefined) ? median(rs.map(f)) : undefined);
    const name = wasm && wasms.length > 1 ? `${tool} (${path.basename(wasm)})` : tool;
    console.log(`| ${name} | ${flags || "(default)"} | ${(rs[0].moduleBytes / 1e6).toFixed(1)} MB | ${ms(m((r) => r.compile))} | ${ms(m((r) => r.instantiate))} | ${ms(m((r) => r.first))} | ${ms(m((r) => r.builds[0]))} | ${ms(median(rs.flatMap((r) => r.builds.slice(1))))} | ${ms(m((r) => r.cpuFirst))} / ${ms(median(rs.flatMap((r) => r.cpuLater)))} |`);
  }
}
