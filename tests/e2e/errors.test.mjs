// Bad input: every failure names the place and what to do, exits non-zero, and never panics.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, nexxo } from "./helpers.mjs";

function page(files) {
  return fixture("err", {
    "index.html": '<!doctype html><html><head></head><body><script type="module" src="/src/main.ts"></script></body></html>',
    ...files,
  });
}

function failBuild(dir, args = []) {
  const r = nexxo(["build", dir, ...args]);
  assert.equal(r.status, 1, `expected exit 1, got ${r.status}:\n${r.all}`);
  assert.ok(!/panicked|RUST_BACKTRACE|stack backtrace/.test(r.all), `panic output:\n${r.all}`);
  return r.stderr;
}

test("a JS/TS syntax error shows file:line:column, a code frame and the parser message", () => {
  const err = failBuild(page({ "src/main.ts": "const ok = 1;\nconst a: number = ;\nconsole.log(a, ok);\n" }));
  assert.match(err, /src\/main\.ts:2:19/);
  assert.match(err, /2 │ const a: number = ;/);
  assert.match(err, /Unexpected token/);
  assert.match(err, /build failed with 1 error/);
});

test("an unresolved relative import names the importer and the specifier", () => {
  const err = failBuild(page({ "src/main.ts": 'import { y } from "./nope";\nconsole.log(y);\n' }));
  assert.match(err, /Could not resolve '\.\/nope' in src\/main\.ts/);
  assert.match(err, /src\/main\.ts:1:19/);
});

test("an unresolved import with a query (?raw) points at the import, with a code frame", () => {
  const err = failBuild(page({ "src/main.ts": 'import n from "./note.md?raw";\nconsole.log(n);\n' }));
  assert.match(err, /Could not resolve '\.\/note\.md\?raw' in src\/main\.ts/);
  assert.match(err, /src\/main\.ts:1:15/);
  assert.match(err, /build failed with 1 error/);
});

test("an error a plugin hook reports is printed once, located, not again as \"plugin threw an error\"", () => {
  const err = failBuild(page({ "src/main.ts": 'const p = "./*.md";\nconst n = import.meta.glob(p);\nconsole.log(n);\n' }));
  assert.match(err, /\[GLOB_IMPORT\] src\/main\.ts:2:28: import\.meta\.glob\(\) patterns must be string literals/);
  assert.equal(err.match(/patterns must be string literals/g).length, 1, err);
  assert.doesNotMatch(err, /threw an error|Caused by/);
  assert.match(err, /build failed with 1 error/);
});

test("an unresolved package is an error (not a silent external) and says where Nexxo looked", () => {
  const err = failBuild(page({ "src/main.ts": 'import pad from "left-pad-not-installed";\nconsole.log(pad);\n' }));
  assert.match(err, /Could not resolve 'left-pad-not-installed' in src\/main\.ts/);
  assert.match(err, /looked in node_modules/);
  assert.match(err, /npm install/);
});

test("a missing entry says which file and what to do", () => {
  const dir = fixture("noentry", { "src/main.ts": "" });
  const err = failBuild(dir);
  assert.match(err, /cannot read entry `index\.html`/);
  assert.match(err, /hint: create it, or list your entries in build\.input/);
});

test("a missing project root fails cleanly", () => {
  const r = nexxo(["build", "/definitely/not/here"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot open project root \/definitely\/not\/here/);
});

test("an unknown config field is named with the nearest valid one", () => {
  const err = failBuild(page({ "src/main.ts": "", "nexxo.config.json": '{\n  "build": {\n    "outdir": "out"\n  }\n}\n' }));
  assert.match(err, /nexxo\.config\.json:3:5: unknown config field `build\.outdir`; did you mean `outDir`\?/);
});

test("invalid config JSON and wrong types are reported with their location", () => {
  let err = failBuild(page({ "src/main.ts": "", "nexxo.config.json": '{\n  "base": \n}' }));
  assert.match(err, /nexxo\.config\.json:3:1: invalid JSON/);
  err = failBuild(page({ "src/main.ts": "", "nexxo.config.json": '{"build": {"minify": "yes"}}' }));
  assert.match(err, /`build\.minify`: invalid type: string "yes", expected a boolean/);
});

test("--config pointing at a missing file is an error", () => {
  const dir = page({ "src/main.ts": "" });
  const err = failBuild(dir, ["--config", `${dir}/nope.json`]);
  assert.match(err, /cannot read config .*nope\.json/);
});

test("a CSS syntax error shows file:line:column and a code frame", () => {
  const err = failBuild(page({
    "src/main.ts": 'import "./a.css";',
    "src/a.css": ".a {\n  color: red;\n}\n}\n.b { color: blue }\n",
  }));
  assert.match(err, /\[CSS_SYNTAX\] src\/a\.css:4:1: /);
  assert.match(err, /> 4 \| }/);
});

test("an unresolvable url() in CSS points at the reference", () => {
  const err = failBuild(page({
    "src/main.ts": 'import "./a.css";',
    "src/a.css": ".a {\n  background: url(./missing.png);\n}\n",
  }));
  assert.match(err, /\[UNRESOLVED_URL\] src\/a\.css:2:\d+: cannot resolve url\(\.\/missing\.png\)/);
  assert.match(err, /> 2 \|   background: url\(\.\/missing\.png\);/);
});

test("an unreadable source file (invalid UTF-8) is reported, not a crash", () => {
  const err = failBuild(page({ "src/main.ts": 'import "./bad";', "src/bad.ts": Buffer.from([0x65, 0x78, 0xff, 0xfe, 0x0a]) }));
  assert.match(err, /Could not load src\/bad\.ts/);
  assert.match(err, /valid UTF-8/);
});

test("bad command lines exit 2 with usage help", () => {
  const r = nexxo(["build", "--no-such-flag"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unexpected argument '--no-such-flag'/);
  const help = nexxo(["build", "--help"]);
  assert.equal(help.status, 0);
  for (const flag of ["--out-dir", "--sourcemap", "--no-minify", "--mode", "--config", "--base"]) {
    assert.ok(help.stdout.includes(flag), `--help lacks ${flag}`);
  }
});
