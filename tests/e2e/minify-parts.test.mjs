// A chunk large enough to be minified in parts (`nexxo_bundler::minify`: each part compressed and
// mangled on its own thread, the chunk's top-level names given once for all) must do what the
// unminified build does. The app is built so that what one part cannot see of another is
// exercised: a binding read or assigned far from its declaration, names that shadow built-ins,
// inner names that a short top-level name could capture, shorthand properties, a CommonJS
// package in its wrapper, classes with private fields. The results are compared value for value
// with the `--no-minify` build's, run in Node, and the source map is checked to point into the
// right file and line from every part.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  assertSameAsForce,
  buildOk,
  decodeMappings,
  fixture,
  importBuilt,
  manifest,
  startWatch,
  waitForWatch,
  watchStep,
} from "./helpers.mjs";

const MODULES = 150;

/** Filler a compressor cannot fold away, so that the chunk is large (about 2.5 kB a module). */
function table(i) {
  const cases = Array.from({ length: 24 }, (_, k) =>
    `    case "k${i}_${k}": return { id: ${i * 100 + k}, text: "entry ${k} of table ${i}", even: ${k % 2 === 0} };`,
  ).join("\n");
  return `export function table${i}(key) {\n  switch (key) {\n${cases}\n    default: return null;\n  }\n}\n`;
}

function moduleSource(i) {
  const prev = i > 0 ? `import { helper${i - 1} } from "./m${i - 1}.js";\n` : "";
  // Every module uses one small CommonJS package, so that its \`require_\` function is the
  // chunk's most used name (the first short name), which the big package's body uses too.
  return `${prev}import small from "./small.cjs";
export const small${i} = small.v + ${i};
let count${i} = 0;
const K${i} = ${i} * 3;
// marker-m${i}
export function helper${i}(x) {
  // Inner names the mangler gives the shortest names; a top-level name given one of them
  // would be captured here.
  const e = x + 1, t = e * 2, n = t - 1;
  function inner(r) {
    return r + K${i} + ${i > 0 ? `(helper${i - 1}(r % 5) % 7)` : "0"};
  }
  count${i}++;
  return inner(n) % 1000;
}
export function count${i}Get() { return count${i}; }
export const shape${i} = { helper${i}, K: K${i}, label: "m${i}" };
export class Box${i} {
  #v;
  constructor(v) { this.#v = v; }
  get v() { return this.#v + K${i}; }
}
${table(i)}`;
}

/** A module whose binding is declared, read and assigned more than a part apart. */
function farModule() {
  const filler = Array.from({ length: 60 }, (_, i) => table(1000 + i)).join("\n");
  return `export let far = 1;
export function getFar() { return far; }
export function isFirst() { return far === 1 ? "first" : "later"; }
${filler}
export const farTables = [${Array.from({ length: 60 }, (_, i) => `table${1000 + i}`).join(", ")}];
export function setFar(v) { far = v; }
`;
}

/**
 * A CommonJS package longer than a part: its body is cut into parts of its own, with names given
 * apart from the chunk's. Its functions call each other across those parts, one of them has the
 * name of a chunk-level function (which the body's must hide), and its state is written far from
 * where it is declared.
 */
function bigCjs() {
  const tables = Array.from({ length: 70 }, (_, i) => table(2000 + i).replace("export function", "function")).join("\n");
  return `/**
 * @license big-cjs
 * (a licence over several lines, kept in front of the package's wrapper)
 */
"use strict";
var small = require("./small.cjs");
var shared = { hits: 0 };
function helper3(x) { return "cjs" + x; }
function twice(x) { shared.hits++; return x * 2; }
${tables}
var counter = 0;
exports.useTwice = function (x) { return twice(x) + table2069("k2069_3").id; };
exports.tables = [${Array.from({ length: 70 }, (_, i) => `table${2000 + i}`).join(", ")}];
exports.bump = function () { return ++counter; };
exports.shadow = (x) => helper3(x);
exports.small = () => small.v;
module.exports.getShared = () => shared;
// marker-bigcjs
`;
}

function files() {
  const out = {
    "nexxo.config.json": JSON.stringify({ build: { input: ["src/lib.js"] } }),
    // Top-level names that are built-ins' names; used far below, where a compressor that took
    // them for the built-ins would turn `Number(5)` into `5`.
    "src/builtins.js": `export function Number(x) { return "N" + x; }
export function Symbol(d) { return "S" + d; }
export const undefinedish = void 0;
`,
    "src/far.js": farModule(),
    "src/bigcjs.cjs": bigCjs(),
    "src/small.cjs": "exports.v = 7;\n",
    "src/cjs.cjs": `exports.value = 41;
exports.inc = function () { return ++exports.value; };
// marker-cjs
`,
  };
  for (let i = 0; i < MODULES; i++) out[`src/m${i}.js`] = moduleSource(i);
  const imports = Array.from({ length: MODULES }, (_, i) => `helper${i}, count${i}Get, shape${i}, Box${i}, table${i}`);
  out["src/lib.js"] = `import { Number as Num, Symbol as Sym, undefinedish } from "./builtins.js";
import { far, getFar, setFar, isFirst, farTables } from "./far.js";
import cjs from "./cjs.cjs";
import big from "./bigcjs.cjs";
${imports.map((names, i) => `import { ${names} } from "./m${i}.js";`).join("\n")}
// marker-lib
export function run() {
  const r = {};
  r.builtins = [Num(5), Sym("x"), typeof Num, undefinedish === undefined];
  r.farBefore = [far, getFar(), isFirst(), farTables.length];
  setFar(9);
  r.farAfter = [far, getFar(), isFirst()];
  r.cjs = [cjs.value, cjs.inc(), cjs.inc(), cjs.value];
  r.bigCjs = [big.useTwice(5), big.bump(), big.bump(), big.getShared().hits, big.tables.length, big.shadow(1), helper3(1) === big.shadow(1), big.small()];
  r.helpers = [${imports.map((_, i) => `helper${i}(${i})`).join(", ")}];
  r.counts = [${imports.map((_, i) => `count${i}Get()`).join(", ")}];
  r.shapes = [${imports.map((_, i) => `Object.keys(shape${i}).join() + (shape${i}.helper${i} === helper${i})`).join(", ")}];
  r.shorthand = Object.keys({ helper3, helper77, far, Num });
  r.boxes = [${imports.map((_, i) => `new Box${i}(${i}).v`).join(", ")}];
  r.tables = [${imports.map((_, i) => `table${i}("k${i}_${i % 24}")`).join(", ")}];
  return r;
}
export { helper0 as first, helper${MODULES - 1} as last };
`;
  return out;
}

function entry(dir) {
  return path.join(dir, "dist", manifest(dir)["src/lib.js"].file);
}

test("a chunk minified in parts does what the unminified chunk does, and its map points home", async () => {
  const dir = fixture("minify-parts", files());

  buildOk(dir, ["--no-minify"]);
  const plainFile = entry(dir);
  const plain = await importBuilt(plainFile);
  const expected = plain.run();

  buildOk(dir, ["--sourcemap"]);
  const file = entry(dir);
  const code = fs.readFileSync(file, "utf8");
  // Each part is printed on a line of its own: the chunk went the parts' way.
  const lines = code.split("\n");
  assert.ok(lines.length >= 4, `expected the chunk in parts, got ${lines.length} line(s) of ${code.length} bytes`);
  assert.ok(!code.includes("function helper12("), "top-level names should be mangled");
  assert.match(code, /@license big-cjs\n ?\* \(a licence over several lines/, "the package's licence is kept");

  const min = await importBuilt(file);
  const got = min.run();
  assert.deepEqual(got, expected);
  // The values themselves, should both builds be wrong alike.
  assert.deepEqual(got.builtins, ["N5", "Sx", "function", true]);
  assert.deepEqual(got.farBefore, [1, 1, "first", 60]);
  assert.deepEqual(got.farAfter, [9, 9, "later"]);
  assert.deepEqual(got.cjs, [41, 42, 43, 43]);
  assert.deepEqual(got.bigCjs, [10 + 206903, 1, 2, 1, 70, "cjs1", false, 7]);
  assert.deepEqual(got.shorthand, ["helper3", "helper77", "far", "Num"]);
  assert.ok(got.counts.every((c) => c >= 1), JSON.stringify(got.counts));
  assert.ok(got.shapes.every((s, i) => s === `helper${i},K,labeltrue`), JSON.stringify(got.shapes.slice(0, 3)));
  assert.deepEqual(got.tables[7], { id: 707, text: "entry 7 of table 7", even: false });
  assert.equal(typeof min.first, "function");
  assert.equal(min.last(3), plain.last(3));

  // The map: a string from a module in the first part, one from the middle and one from the
  // last maps to its module's file and line.
  const map = JSON.parse(fs.readFileSync(`${file}.map`, "utf8"));
  const mappings = decodeMappings(map.mappings);
  const cases = [0, 70, MODULES - 1].map((i) => [i, `src/m${i}.js`, moduleSource(i)]);
  cases.push([2000, "src/bigcjs.cjs", bigCjs()], [2069, "src/bigcjs.cjs", bigCjs()]);
  const lineOf = (i) => code.slice(0, code.search(new RegExp(`[\`"']entry 5 of table ${i}[\`"']`))).split("\n").length;
  assert.notEqual(lineOf(2000), lineOf(2069), "the CommonJS package's body should be in parts");
  for (const [i, source, text] of cases) {
    const needle = `entry 5 of table ${i}`;
    // The printer picks the string's quotes.
    const at = code.search(new RegExp(`[\`"']${needle}[\`"']`));
    assert.ok(at >= 0, `${needle} is in the bundle`);
    const genLine = code.slice(0, at).split("\n").length - 1;
    const genCol = at - (code.lastIndexOf("\n", at - 1) + 1);
    const segs = mappings[genLine].filter((s) => s.col <= genCol);
    assert.ok(segs.length > 0, `a mapping before ${needle}`);
    const seg = segs[segs.length - 1];
    assert.ok(map.sources[seg.src].endsWith(source), `${needle} maps to ${map.sources[seg.src]}`);
    const srcLines = text.split("\n");
    assert.ok(srcLines[seg.line]?.includes(`"entry 5 of table ${i}"`), `${needle} maps to line ${seg.line + 1}: ${srcLines[seg.line]}`);
  }
});

test("--watch takes the parts an edit left alone from the last build, and writes what a --force build writes", async () => {
  const dir = fixture("minify-parts-watch", files());
  const watch = startWatch(dir);
  try {
    await waitForWatch(watch, 0, /watching for changes/);
    assertSameAsForce(dir);
    const edit = (file, from, to) => () => {
      const p = path.join(dir, file);
      const text = fs.readFileSync(p, "utf8");
      assert.ok(text.includes(from), `${file} has ${from}`);
      fs.writeFileSync(p, text.replace(from, to));
    };
    const steps = [
      // A string in one module: one part changes.
      ["src/m70.js", '"entry 5 of table 70"', '"entry 5 of table 70, edited"'],
      // Uses of a chunk name added: names are given again, every part is printed again.
      ["src/m3.js", "count3++;", "count3++; count3 += small3 * 0 + small3 * 0 + small3 * 0 + small3 * 0;"],
      // A top-level name added near the start.
      ["src/m1.js", "let count1 = 0;", "let count1 = 0;\nexport const added1 = [1, 2, 3].map((x) => x * small1);"],
      // The big CommonJS package's body.
      ["src/bigcjs.cjs", "return ++counter;", "counter += 2; return counter;"],
    ];
    for (const [file, from, to] of steps) {
      const out = await watchStep(watch, edit(file, from, to), file);
      assert.match(out, new RegExp(`${file.replace(/[.]/g, "\\.")}; incremental\\)`), out);
      assertSameAsForce(dir);
    }
    const got = (await importBuilt(entry(dir))).run();
    assert.equal(got.bigCjs[1], 2, "the package's edit runs");
    assert.deepEqual(got.tables[70], { id: 7022, text: "entry 22 of table 70", even: true });
    assert.ok(fs.readFileSync(entry(dir), "utf8").includes("entry 5 of table 70, edited"), "the string's edit is in");
  } finally {
    watch.child.kill("SIGKILL");
  }
});
