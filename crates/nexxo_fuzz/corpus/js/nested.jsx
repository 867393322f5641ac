const deep = ((((((((((1 + 2) * 3) - 4) / 5) % 6) ** 2) | 0) & 1) ^ 2) >> 1);
const arr = [[[[[[1]]]]]];
const obj = { a: { b: { c: { d: { e: {} } } } } };
const f = (a) => (b) => (c) => (d) => a + b + c + d;
export const el = <ul><li><a href="#x">{deep}</a></li></ul>;
label: for (const x of arr) { if (x) continue label; else break label; }
async function* gen() { yield* await Promise.all([1, 2]); }
export { gen, f, obj };
