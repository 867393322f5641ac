// The playground's version ranges (web/src/semver.ts) and dependency resolution (web/src/install.ts)
// in Node, on cases the Chromium test (playground-packages) does not reach: npm's range grammar and
// prerelease rule, and node_modules trees with deeper conflicts, peers, aliases, cycles and
// optional dependencies, against an in-memory registry. The TypeScript is stripped by the engine
// itself (its WASM module's transform), so the code tested is the page's.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fixture, importBuilt, repoRoot } from "./helpers.mjs";

let semver;
let install;

before(async () => {
  const { NexxoEngine } = await import(path.join(repoRoot, "wasm/js/nexxo.js"));
  const engine = new NexxoEngine(await WebAssembly.compile(fs.readFileSync(path.join(repoRoot, "wasm/pkg/nexxo-engine.wasm"))));
  const dir = fixture("pg-install", { "package.json": "{}" });
  for (const name of ["semver", "install"]) {
    const source = fs.readFileSync(path.join(repoRoot, `web/src/${name}.ts`), "utf8");
    const r = engine.transform({ path: `src/${name}.ts`, source });
    assert.equal(r.ok, true, JSON.stringify(r.errors));
    fs.writeFileSync(path.join(dir, `${name}.mjs`), r.code.replace(/from "\.\/semver"/, 'from "./semver.mjs"'));
  }
  semver = await importBuilt(path.join(dir, "semver.mjs"));
  ({ install } = await importBuilt(path.join(dir, "install.mjs")));
});

test("semver: npm's range grammar, the prerelease rule, the highest match", () => {
  const cases = [
    ["1.2.3", "1.2.3", true], ["1.2.4", "=1.2.3", false], ["1.9.0", "^1.2.3", true], ["2.0.0", "^1.2.3", false],
    ["2.0.0-beta.1", "^1.2.3", false], ["0.2.5", "^0.2.3", true], ["0.3.0", "^0.2.3", false], ["0.0.4", "^0.0.3", false],
    ["0.0.3", "^0.0.3", true], ["0.0.9", "^0.0", true], ["0.1.0", "^0.0", false], ["1.2.9", "~1.2.3", true],
    ["1.3.0", "~1.2.3", false], ["1.9.9", "~1", true], ["1.5.0", "1.x", true], ["2.0.0", "1.x", false], ["1.2.7", "1.2.*", true],
    ["3.4.5", "*", true], ["3.4.5", "", true], ["3.4.5", "x", true], ["1.5.0", ">=1.2.0 <2", true], ["2.0.0", ">=1.2.0 <2", false],
    ["3.0.0", "^1 || ^3", true], ["2.0.0", "^1 || ^3", false], ["2.3.9", "1.2 - 2.3", true], ["2.4.0", "1.2 - 2.3", false],
    ["1.1.9", "1.2 - 2.3", false], ["1.2.3", ">= 1.2.3", true], ["1.0.0", "<1", false], ["0.9.0", "<1", true],
    ["1.3.0", ">1.2", true], ["1.2.9", ">1.2", false], ["1.2.9", "<=1.2", true], ["1.3.0", "<=1.2", false],
    ["1.2.3", "v1.2.3", true], ["1.2.3+build.5", "1.2.3", true],
    // Prereleases: only for a comparator naming one of the same major.minor.patch.
    ["2.0.0-beta.3", "^2.0.0-beta.0", true], ["2.0.1-beta.3", "^2.0.0-beta.0", false], ["2.0.0", "^2.0.0-beta.0", true],
    ["1.0.0-rc.1", "1.0.0-rc.1", true], ["1.0.0-alpha", "1.0.0-alpha.1", false], ["1.0.0-alpha.beta", ">1.0.0-alpha.1", true],
    ["1.0.0-1", ">1.0.0-alpha", false], ["1.0.0-2", ">1.0.0-1", true], ["1.0.0-10", ">1.0.0-9", true], ["3.0.0-0", "*", false],
    // Not versions or not ranges.
    ["1.2", "1.2", false], ["1.2.3", "latest", false], ["1.2.3", "^1.2.3.4", false],
  ];
  const wrong = cases.filter(([v, r, want]) => semver.satisfies(v, r) !== want);
  assert.deepEqual(wrong, [], "satisfies() disagrees with npm on these");
  const versions = ["1.0.0", "1.1.0", "1.10.0", "1.9.0", "2.0.0", "2.1.0-beta.1", "0.9.0"];
  assert.equal(semver.maxSatisfying(versions, "^1"), "1.10.0", "numeric, not string, order");
  assert.equal(semver.maxSatisfying(versions, "*"), "2.0.0", "no prerelease unless asked");
  assert.equal(semver.maxSatisfying(versions, ">=2.1.0-beta.0"), "2.1.0-beta.1");
  assert.equal(semver.maxSatisfying(versions, "^3"), null);
  assert.deepEqual(semver.sortVersions(["1.0.0", "1.0.0-rc.1", "0.1.0", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11"]), [
    "0.1.0", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
  ]);
});

/** An in-memory registry: `pkgs` maps "name@version" to its dependencies (and other fields). */
function registry(pkgs, tags = {}) {
  const docs = {};
  for (const [id, fields] of Object.entries(pkgs)) {
    const at = id.lastIndexOf("@");
    const name = id.slice(0, at);
    const version = id.slice(at + 1);
    const doc = (docs[name] ??= { name, "dist-tags": {}, versions: {} });
    doc.versions[version] = { name, version, ...fields, dist: { tarball: `https://r.test/${name}/-/${version}.tgz` } };
    if (!version.includes("-")) doc["dist-tags"].latest = version;
  }
  for (const [name, t] of Object.entries(tags)) Object.assign(docs[name]["dist-tags"], t);
  const io = {
    async packument(name) {
      if (!docs[name]) throw new Error(`https://r.test/${name} answered HTTP 404`);
      return { packument: docs[name], cached: false };
    },
    async tarball(label, url) {
      const [, name, version] = /^https:\/\/r\.test\/(.+)\/-\/(.+)\.tgz$/.exec(url);
      return { name, version, url, files: [], needs: [] };
    },
  };
  return { io };
}
const tree = (r) => r.installed.map((i) => `${i.location}@${i.version}`);

test("install: a conflict deep in the tree nests under its dependent; the top copy serves the rest", async () => {
  const { io } = registry({
    "a@1.0.0": { dependencies: { b: "^1.0.0", c: "^1.0.0" } },
    "b@1.0.0": { dependencies: { d: "^1.0.0" } },
    "b@2.0.0": { dependencies: { d: "^2.0.0" } },
    "c@1.0.0": { dependencies: { b: "^2.0.0" } },
    "d@1.0.0": {},
    "d@2.0.0": {},
  });
  const r = await install("app", { a: "^1", d: "~2.0" }, io, new Set());
  assert.deepEqual(r.problems, []);
  // d@2 is the project's, at the top; b@1 under a needs d@1: nested under b. c needs b@2, which
  // conflicts with the top b@1: nested under c, where its d@^2 finds the top copy.
  assert.deepEqual(tree(r), [
    "node_modules/a@1.0.0",
    "node_modules/b@1.0.0",
    "node_modules/b/node_modules/d@1.0.0",
    "node_modules/c@1.0.0",
    "node_modules/c/node_modules/b@2.0.0",
    "node_modules/d@2.0.0",
  ]);
});

test("install: peers beside their dependent, aliases, tags, cycles, optional failures, supplied names", async () => {
  const { io } = registry(
    {
      "ui@1.0.0": { dependencies: { core: "^1" }, peerDependencies: { theme: "^2", react: ">=18", maybe: "*" }, peerDependenciesMeta: { maybe: { optional: true } } },
      "theme@2.1.0": {},
      "core@1.0.0": { dependencies: { ui: "^1" }, optionalDependencies: { native: "^1" } },
      "lodash@4.17.21": {},
      "lodash@3.10.1": {},
    },
    { lodash: { legacy: "3.10.1" } },
  );
  const r = await install("app", { ui: "latest", old: "npm:lodash@^3", lodash: "legacy" }, io, new Set(["react"]));
  // native (optional) does not exist: no problem; react is supplied; maybe is an optional peer.
  assert.deepEqual(r.problems, []);
  assert.deepEqual(tree(r), [
    "node_modules/core@1.0.0", // ui -> core -> ui: the cycle ends at the top copy of ui
    "node_modules/lodash@3.10.1", // the `legacy` tag
    "node_modules/old@3.10.1", // lodash under another name
    "node_modules/theme@2.1.0", // ui's peer, beside ui
    "node_modules/ui@1.0.0",
  ]);
  assert.equal(r.installed.find((i) => i.location === "node_modules/old").name, "lodash");
});

test("install: failures name the chain; the rest installs", async () => {
  const { io } = registry({
    "a@1.0.0": { dependencies: { b: "^2" } },
    "b@1.0.0": {},
    "b@1.1.0": {},
    "ok@1.0.0": {},
    "git@1.0.0": { dependencies: { x: "github:user/x" } },
  });
  const r = await install("app", { a: "^1", ok: "*", gone: "^1", git: "1.0.0" }, io, new Set());
  assert.deepEqual(r.problems.sort(), [
    "app -> a@^1 -> b@^2: no version of b matches ^2 (have 1.0.0, 1.1.0)",
    'app -> git@1.0.0 -> x@github:user/x: "github:user/x" is not supported (a version range, a dist-tag, npm:name@range or a tarball URL)',
    "app -> gone@^1: https://r.test/gone answered HTTP 404",
  ]);
  assert.deepEqual(tree(r), ["node_modules/a@1.0.0", "node_modules/git@1.0.0", "node_modules/ok@1.0.0"]);
});
