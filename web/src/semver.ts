// Semantic versions and npm's range syntax, for resolving a package's dependencies against a
// registry's version list as npm does (https://semver.org, and npm's range grammar: `1.2.3`,
// `=1.2.3`, `>=1.2.0 <2`, `^1.2`, `~1.2.3`, `1.x`, `1.2.*`, `*`, `""`, `1.2 - 2.3.4`, `a || b`).
// A prerelease version (`2.0.0-beta.1`) satisfies a range only when asked for: when a comparator
// of the same set names a prerelease of the same major.minor.patch (npm's rule), so `^2.0.0`
// never picks a beta but `^2.0.0-beta.0` picks `2.0.0-beta.3`.

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Prerelease identifiers (`beta.1` -> ["beta", 1]); empty for a release. */
  pre: (string | number)[];
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** A full version (`1.2.3`, `1.2.3-rc.1+build`), or null when it is not one. */
export function parseVersion(s: string): Version | null {
  const m = VERSION.exec(s.trim());
  if (!m) return null;
  const pre = m[4] ? m[4].split(".").map((id) => (/^\d+$/.test(id) ? Number(id) : id)) : [];
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre };
}

/** Negative, zero or positive as a < b, a = b, a > b (build metadata ignored, as semver says). */
export function compare(a: Version, b: Version): number {
  const d = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (d) return d;
  // A release is greater than any of its prereleases.
  if (!a.pre.length || !b.pre.length) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    // Numeric identifiers sort below alphanumeric ones, and numerically among themselves.
    if (typeof x === "number" && typeof y === "number") return x - y;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

type Op = "<" | "<=" | ">" | ">=" | "=";
interface Comparator {
  op: Op;
  v: Version;
}
/** A range: any of its sets, each a conjunction of comparators (an empty set matches all). */
type Range = Comparator[][];

/** `1`, `1.2`, `1.x`, `1.2.*`, `*` as numbers, null standing for a wildcard. */
interface Partial {
  major: number | null;
  minor: number | null;
  patch: number | null;
  pre: (string | number)[];
}

const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function parsePartial(s: string): Partial | null {
  if (s === "") return { major: null, minor: null, patch: null, pre: [] };
  const m = PARTIAL.exec(s);
  if (!m) return null;
  const num = (x: string | undefined) => (x === undefined || /^[xX*]$/.test(x) ? null : Number(x));
  let major = num(m[1]);
  let minor = major === null ? null : num(m[2]);
  let patch = minor === null ? null : num(m[3]);
  const pre = m[4] && patch !== null ? parseVersion(`0.0.0-${m[4]}`)!.pre : [];
  if (major === null) minor = patch = null;
  return { major, minor, patch, pre };
}

const v = (major: number, minor: number, patch: number, pre: (string | number)[] = []): Version => ({ major, minor, patch, pre });
/** The lowest prerelease of a version: `<2.0.0-0` excludes 2.0.0's prereleases too, as npm does. */
const floor = (major: number, minor: number, patch: number) => v(major, minor, patch, [0]);

/** One space-separated part of a set (`^1.2`, `>=1.0.0`, `1.x`) as comparators. */
function comparators(part: string): Comparator[] | null {
  const m = /^(\^|~>?|>=|<=|>|<|=)?\s*(.*)$/.exec(part)!;
  const op = m[1] ?? "";
  const p = parsePartial(m[2]);
  if (!p) return null;
  const { major, minor, patch, pre } = p;
  if (major === null) {
    // `*`, `x`, `>=*`: everything; `<*`, `>*`: nothing.
    return op === "<" || op === ">" ? [{ op: "<", v: v(0, 0, 0, [0]) }] : [];
  }
  const lo = v(major, minor ?? 0, patch ?? 0, pre);
  switch (op) {
    case "^": {
      // Up to the next change of the first non-zero part of major.minor.patch.
      const hi =
        major > 0 || minor === null
          ? floor(major + 1, 0, 0)
          : minor > 0 || patch === null
            ? floor(0, minor + 1, 0)
            : floor(0, 0, patch + 1);
      return [{ op: ">=", v: lo }, { op: "<", v: hi }];
    }
    case "~":
    case "~>":
      return [{ op: ">=", v: lo }, { op: "<", v: minor === null ? floor(major + 1, 0, 0) : floor(major, minor + 1, 0) }];
    case "":
    case "=":
      if (minor === null) return [{ op: ">=", v: lo }, { op: "<", v: floor(major + 1, 0, 0) }];
      if (patch === null) return [{ op: ">=", v: lo }, { op: "<", v: floor(major, minor + 1, 0) }];
      return [{ op: "=", v: lo }];
    case ">":
      // `>1.2` is `>=1.3.0`; `>1` is `>=2.0.0`.
      if (minor === null) return [{ op: ">=", v: v(major + 1, 0, 0) }];
      if (patch === null) return [{ op: ">=", v: v(major, minor + 1, 0) }];
      return [{ op: ">", v: lo }];
    case "<=":
      // `<=1.2` is `<1.3.0-0`.
      if (minor === null) return [{ op: "<", v: floor(major + 1, 0, 0) }];
      if (patch === null) return [{ op: "<", v: floor(major, minor + 1, 0) }];
      return [{ op: "<=", v: lo }];
    case "<":
      return [{ op: "<", v: patch === null ? v(major, minor ?? 0, 0, [0]) : lo }];
    default:
      return [{ op: op as Op, v: lo }];
  }
}

/** A range as npm writes them, or null when it is not one (a tag such as `latest`, a URL). */
export function parseRange(range: string): Range | null {
  const sets: Range = [];
  for (const raw of range.trim().split("||")) {
    let s = raw.trim();
    // A hyphen range: `1.2 - 2.3.4` is `>=1.2.0 <=2.3.4`, and a partial upper end `- 2.3` is `<2.4.0-0`.
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(s);
    if (hyphen) s = `>=${hyphen[1]} <=${hyphen[2]}`;
    // An operator may be followed by spaces (`>= 1.2.0`): join them to their version.
    const parts = s.replace(/(\^|~>?|>=|<=|>|<|=)\s+/g, "$1").split(/\s+/).filter(Boolean);
    const set: Comparator[] = [];
    for (const part of parts) {
      const c = comparators(part);
      if (!c) return null;
      set.push(...c);
    }
    sets.push(set);
  }
  return sets;
}

function test(c: Comparator, x: Version): boolean {
  const d = compare(x, c.v);
  switch (c.op) {
    case "<":
      return d < 0;
    case "<=":
      return d <= 0;
    case ">":
      return d > 0;
    case ">=":
      return d >= 0;
    default:
      return d === 0;
  }
}

function inSet(set: Comparator[], x: Version): boolean {
  if (!set.every((c) => test(c, x))) return false;
  if (!x.pre.length) return true;
  // A prerelease only when a comparator asks for a prerelease of the same major.minor.patch. (The
  // `<X.Y.Z-0` upper bounds made above match this test too, but only versions they exclude.)
  return set.some((c) => c.v.pre.length > 0 && c.v.major === x.major && c.v.minor === x.minor && c.v.patch === x.patch);
}

/** Whether `version` satisfies `range` (false for an invalid version or range). */
export function satisfies(version: string, range: string): boolean {
  const x = parseVersion(version);
  const r = parseRange(range);
  return !!x && !!r && r.some((set) => inSet(set, x));
}

/** The highest of `versions` satisfying `range`, or null. */
export function maxSatisfying(versions: string[], range: string): string | null {
  const r = parseRange(range);
  if (!r) return null;
  let best: { s: string; v: Version } | null = null;
  for (const s of versions) {
    const x = parseVersion(s);
    if (x && r.some((set) => inSet(set, x)) && (!best || compare(x, best.v) > 0)) best = { s, v: x };
  }
  return best?.s ?? null;
}

/** Versions sorted low to high (invalid ones left out). */
export function sortVersions(versions: string[]): string[] {
  return versions
    .map((s) => ({ s, v: parseVersion(s) }))
    .filter((e): e is { s: string; v: Version } => !!e.v)
    .sort((a, b) => compare(a.v, b.v))
    .map((e) => e.s);
}
