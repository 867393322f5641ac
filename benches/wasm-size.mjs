// Where a WebAssembly module's bytes go, by Rust crate: reads the code section's function bodies
// and the `name` section (present in cargo's output before wasm-opt strips it), demangles each
// function's name to the crate that defined it (for `<T as Trait>::f`, T's crate) and sums the
// body sizes. A stand-in for `twiggy top`, which is not installed here; generic code is counted
// under the crate that defines it, wherever it was instantiated.
//
//   node benches/wasm-size.mjs target/wasm32-wasip1/wasm/nexxo_engine_wasm.wasm [--top N] [--fns N]
import fs from "node:fs";

const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? Number(args[args.indexOf(k) + 1]) : d);
const file = args[0];
if (!file) {
  console.error("usage: node benches/wasm-size.mjs MODULE.wasm [--top N] [--fns N]");
  process.exit(1);
}
const b = fs.readFileSync(file);
let p = 8;
const leb = () => {
  let r = 0;
  let s = 0;
  let x;
  do {
    x = b[p++];
    r += (x & 0x7f) * 2 ** s;
    s += 7;
  } while (x & 0x80);
  return r;
};
const str = () => {
  const n = leb();
  const s = b.subarray(p, p + n).toString();
  p += n;
  return s;
};

let imported = 0;
const bodies = [];
const names = new Map();
const sections = [];
while (p < b.length) {
  const id = b[p++];
  const len = leb();
  const end = p + len;
  let custom = "";
  if (id === 0) custom = str();
  sections.push({ id, custom, len });
  if (id === 2) {
    for (let n = leb(); n > 0; n--) {
      str();
      str();
      const kind = b[p++];
      if (kind === 0) {
        imported++;
        leb();
      } else if (kind === 1) {
        p++;
        const f = b[p++];
        leb();
        if (f & 1) leb();
      } else if (kind === 2) {
        const f = b[p++];
        leb();
        if (f & 1) leb();
      } else if (kind === 3) p += 2;
    }
  } else if (id === 10) {
    for (let n = leb(), i = 0; i < n; i++) {
      const size = leb();
      bodies.push(size);
      p += size;
    }
  } else if (id === 0 && custom === "name") {
    while (p < end) {
      const sub = b[p++];
      const sublen = leb();
      const subend = p + sublen;
      if (sub === 1) for (let n = leb(); n > 0; n--) names.set(leb(), str());
      p = subend;
    }
  }
  p = end;
}

// Legacy Rust mangling: _ZN, then length-prefixed path segments, then E. `$LT$`... are escapes.
const unescape = (s) =>
  s
    .replace(/\$LT\$/g, "<")
    .replace(/\$GT\$/g, ">")
    .replace(/\$u20\$/g, " ")
    .replace(/\$RF\$/g, "&")
    .replace(/\$BP\$/g, "*")
    .replace(/\$C\$/g, ",")
    .replace(/\$u5b\$/g, "[")
    .replace(/\$u5d\$/g, "]")
    .replace(/\$u7b\$/g, "{")
    .replace(/\$u7d\$/g, "}")
    .replace(/\$u27\$/g, "'")
    .replace(/\.\./g, "::");
const demangle = (m) => {
  if (!m.startsWith("_ZN")) return m;
  const segs = [];
  let i = 3;
  while (i < m.length && m[i] !== "E") {
    let n = 0;
    while (/[0-9]/.test(m[i])) n = n * 10 + Number(m[i++]);
    if (!n) break;
    segs.push(unescape(m.slice(i, i + n)));
    i += n;
  }
  if (/^h[0-9a-f]{16}$/.test(segs.at(-1) ?? "")) segs.pop();
  return segs.join("::");
};
// v0 mangling (rustc's default here): the first crate root `C[s<disambiguator>_]<len><ident>` in the
// symbol is the crate of the item's outermost path (for an impl, the impl's crate).
const crateOf = (name) => {
  if (name.startsWith("_R")) {
    const re = /C(?:s[0-9A-Za-z]*_)?(\d+)/g;
    const m = re.exec(name);
    if (m) return name.slice(re.lastIndex, re.lastIndex + Number(m[1])).replace(/^_/, "");
    return "?";
  }
  const d = demangle(name).replace(/^_</, "<");
  // `<T as Trait>::f`, `<&mut T>::f`: the implementing type's crate.
  const m = /^<(?:&(?:mut )?|\*(?:const|mut) |\[)*([A-Za-z_][A-Za-z0-9_]*)/.exec(d);
  if (m) return m[1];
  const c = /^([A-Za-z_][A-Za-z0-9_]*)::/.exec(d);
  if (c) return c[1];
  return name.startsWith("_ZN") ? "?" : "(C / unmangled)";
};

const byCrate = new Map();
const fns = [];
let code = 0;
bodies.forEach((size, i) => {
  const name = names.get(imported + i) ?? `func[${imported + i}]`;
  const crate = names.size ? crateOf(name) : "(no name section)";
  const e = byCrate.get(crate) ?? { bytes: 0, count: 0 };
  e.bytes += size;
  e.count++;
  byCrate.set(crate, e);
  fns.push({ size, name: demangle(name) });
  code += size;
});
const mb = (n) => (n / 1e6).toFixed(2).padStart(6);
console.log(`${file}: ${mb(b.length)} MB; sections:`);
for (const s of sections.filter((s) => s.len > 10000))
  console.log(`  ${String(s.custom || ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data"][s.id]).padEnd(12)} ${mb(s.len)} MB`);
console.log(`\ncode by crate (${bodies.length} functions, ${mb(code)} MB):`);
const top = [...byCrate].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, opt("--top", 30));
for (const [crate, e] of top)
  console.log(`  ${crate.padEnd(28)} ${mb(e.bytes)} MB ${((e.bytes / code) * 100).toFixed(1).padStart(5)}%  ${String(e.count).padStart(6)} fns`);
const nf = opt("--fns", 0);
if (nf) {
  console.log(`\nlargest functions:`);
  for (const f of fns.sort((a, b) => b.size - a.size).slice(0, nf)) console.log(`  ${String(f.size).padStart(8)}  ${f.name.slice(0, 140)}`);
}
