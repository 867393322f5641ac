// Dependency resolution as npm does it, for the playground's packages: each dependency of the
// project (and, transitively, of each package) is a name and a spec (a range, a dist-tag, an
// `npm:` alias or a tarball URL); the registry's packument (`{registry}/{name}`) lists the
// versions, the highest one satisfying the range is taken (the `latest` tag first when it
// satisfies, as npm's pick does), and the package is placed in the node_modules tree:
//
// - as high as it can go (`node_modules/<name>`), so one copy serves every package whose range
//   it satisfies (dedupe);
// - when a copy of the name that does not satisfy the range is already visible from the
//   dependent (placed earlier: the project's own dependencies first, then breadth-first, as npm
//   orders them), nested in the dependent's own folder
//   (`node_modules/<parent>/node_modules/<name>`), where node's resolution, which the engine's
//   resolver follows, finds the nearer copy first. (npm may place it higher, between the two;
//   nesting under the dependent is always correct, sometimes one level deeper.)
//
// Required peer dependencies are installed like dependencies, but from the dependent's parent
// (they must be the copy the dependent's user sees). A failure names the chain that led to it:
// `app -> a@^1 -> b@^2: no version of b matches ^2 (have 1.0.0, 1.1.0)`.

import { maxSatisfying, parseRange, satisfies, sortVersions } from "./semver";
import type { LoadedPackage } from "./packages";

/** One version in a packument: what npm's abbreviated metadata (`application/vnd.npm.install-v1+json`) holds. */
export interface PackumentVersion {
  name?: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dist: { tarball: string; integrity?: string };
}

export interface Packument {
  name: string;
  "dist-tags"?: Record<string, string>;
  versions: Record<string, PackumentVersion>;
}

export interface InstallIO {
  /** The packument of `name`; `fresh` asks past any cache (a cached one lacked the version asked for). */
  packument(name: string, fresh: boolean): Promise<{ packument: Packument; cached: boolean }>;
  /** A package's files from its tarball, checked against `integrity` (an SRI string) when given. */
  tarball(label: string, url: string, integrity?: string): Promise<LoadedPackage>;
}

/** A package placed in the tree: its folder (`node_modules/a/node_modules/b`) and its files. */
export interface Installed {
  location: string;
  name: string;
  version: string;
  pkg: LoadedPackage;
}

export interface InstallResult {
  installed: Installed[];
  /** Each failure with the chain of dependents that needed it. */
  problems: string[];
}

/** What a spec asks for. */
type Want =
  | { kind: "range"; range: string; realName: string }
  | { kind: "tag"; tag: string; realName: string }
  | { kind: "url"; url: string }
  | { kind: "bad"; why: string };

const isUrl = (s: string) => /^https?:\/\//i.test(s);
const TAG = /^[a-z][\w.-]*$/i;

function want(name: string, spec: string): Want {
  const s = spec.trim();
  if (isUrl(s)) return { kind: "url", url: s };
  // `"b": "npm:real-name@^1"` installs real-name in the folder b.
  const alias = /^npm:((?:@[^/@]+\/)?[^@]+)(?:@(.*))?$/.exec(s);
  if (alias) {
    const inner = want(alias[1], alias[2] ?? "latest");
    return inner.kind === "range" || inner.kind === "tag" ? { ...inner, realName: alias[1] } : inner;
  }
  if (parseRange(s)) return { kind: "range", range: s, realName: name };
  if (TAG.test(s)) return { kind: "tag", tag: s, realName: name };
  return { kind: "bad", why: `"${s}" is not supported (a version range, a dist-tag, npm:name@range or a tarball URL)` };
}

/** The folder of `name` in the node_modules of `container` ("" is the project). */
const at = (container: string, name: string) => (container ? `${container}/node_modules/${name}` : `node_modules/${name}`);

interface Placed {
  name: string;
  version: string;
  /** The tarball it came from, for a dependency on a URL (which only that URL satisfies). */
  url: string;
  /** The folder that holds its node_modules' parent: "" for the project's top level. */
  parent: string;
  pkg: Promise<LoadedPackage>;
  chain: string;
}

interface Item {
  name: string;
  spec: string;
  /** The folder of the dependent ("" for the project). */
  from: string;
  chain: string[];
  peer: boolean;
  optional: boolean;
}

/** The versions of a packument for a message: all of them, or the last few of a long list. */
function have(p: Packument): string {
  const all = sortVersions(Object.keys(p.versions ?? {}));
  if (!all.length) return "it has no versions";
  return `have ${all.length > 12 ? `…, ${all.slice(-12).join(", ")}` : all.join(", ")}`;
}

/**
 * Resolves `dependencies` (the project's package.json) into a node_modules tree. Names in `skip`
 * are provided by the host (the playground's React) and not installed. Failures do not stop the
 * rest: the result has every package that resolved and loaded, and a message for each that did not.
 */
export async function install(
  project: string,
  dependencies: Record<string, string>,
  io: InstallIO,
  skip: Set<string>,
): Promise<InstallResult> {
  const placed = new Map<string, Placed>();
  const problems: string[] = [];
  const queue: Item[] = [];
  const parentOf = new Map<string, string>([["", ""]]);

  const enqueue = (deps: Record<string, string>, from: string, chain: string[], peer: boolean, optional: Set<string>) => {
    for (const [name, spec] of Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (skip.has(name)) continue;
      const w = want(name, spec);
      // Start the registry request now: the tree is placed one package at a time (the order
      // decides what goes to the top), but the packuments load in parallel.
      if (w.kind === "range" || w.kind === "tag") io.packument(w.realName, false).catch(() => {});
      queue.push({ name, spec, from, chain, peer, optional: optional.has(name) });
    }
  };
  enqueue(dependencies, "", [project], false, new Set());

  // The folders whose node_modules a package in `from` sees, nearest first: its own, its
  // parent's, ..., the project's.
  const visible = (from: string) => {
    const out = [from];
    while (out[out.length - 1] !== "") out.push(parentOf.get(out[out.length - 1]) ?? "");
    return out;
  };

  while (queue.length) {
    const item = queue.shift()!;
    const { name, spec } = item;
    const label = `${[...item.chain, `${name}@${spec}`].join(" -> ")}`;
    const fail = (why: string) => void (item.optional ? undefined : problems.push(`${label}: ${why}`));
    const w = want(name, spec);
    if (w.kind === "bad") {
      fail(w.why);
      continue;
    }
    if (item.chain.length > 64) {
      fail("the dependency chain is too deep (a cycle of conflicting versions?)");
      continue;
    }
    // The registry's view first (a tag names one version, which a placed copy may already be).
    let version: string;
    let url: string;
    let integrity: string | undefined;
    let manifest: PackumentVersion | undefined;
    if (w.kind !== "url") {
      const pick = (p: Packument): string | null => {
        if (w.kind === "tag") return p["dist-tags"]?.[w.tag] ?? null;
        const latest = p["dist-tags"]?.latest;
        if (latest && p.versions?.[latest] && satisfies(latest, w.range)) return latest;
        return maxSatisfying(Object.keys(p.versions ?? {}), w.range);
      };
      let got: { packument: Packument; cached: boolean };
      let chosen: string | null;
      try {
        got = await io.packument(w.realName, false);
        chosen = pick(got.packument);
        // A cached packument may predate the version asked for: ask the registry again once.
        if ((!chosen || !got.packument.versions?.[chosen]) && got.cached) {
          got = await io.packument(w.realName, true);
          chosen = pick(got.packument);
        }
      } catch (e) {
        fail((e as Error).message);
        continue;
      }
      manifest = chosen ? got.packument.versions?.[chosen] : undefined;
      if (!chosen || !manifest) {
        fail(
          w.kind === "tag"
            ? `${w.realName} has no dist-tag "${w.tag}"${chosen ? ` (it names ${chosen}, which is not listed)` : ""}`
            : `no version of ${w.realName} matches ${w.range} (${have(got.packument)})`,
        );
        continue;
      }
      version = chosen;
    }
    const realName = w.kind === "url" ? name : w.realName;
    const matches = (p: Placed) =>
      w.kind === "url" ? p.url === w.url : p.name === realName && (w.kind === "tag" ? p.version === version : satisfies(p.version, w.range));

    // Dedupe against the copy the dependent sees (its own node_modules, then its parents', up to
    // the top); with none, the package goes to the top. When the visible copy does not fit, this one
    // is nested in the dependent's own node_modules: only the dependent and what it contains see
    // it, and none of those has resolved anything yet (breadth-first), so no earlier resolution
    // changes. A peer goes beside its dependent instead (in the same folder's node_modules).
    const folders = visible(item.peer ? (parentOf.get(item.from) ?? "") : item.from);
    let deduped = false;
    let target = "";
    for (let i = 0; i < folders.length; i++) {
      const there = placed.get(at(folders[i], name));
      if (!there) continue;
      if (matches(there)) deduped = true;
      else if (i === 0) {
        fail(`conflicts with ${name}@${there.version} (needed by ${there.chain})`);
        deduped = true;
      } else target = folders[0];
      break;
    }
    if (deduped) continue;

    if (manifest) {
      url = manifest.dist?.tarball;
      integrity = manifest.dist?.integrity;
      if (!url) {
        fail(`the registry lists no tarball for ${realName}@${version!}`);
        continue;
      }
    } else {
      url = (w as { url: string }).url;
    }

    const location = at(target, name);
    const pkg = io.tarball(w.kind === "url" ? name : `${realName}@${version!}`, url, integrity);
    pkg.catch(() => {});
    let deps: Record<string, string>;
    let peers: Record<string, string>;
    let optional: Set<string>;
    let peerMeta: Record<string, { optional?: boolean }>;
    if (manifest) {
      deps = { ...manifest.optionalDependencies, ...manifest.dependencies };
      optional = new Set(Object.keys(manifest.optionalDependencies ?? {}));
      peers = manifest.peerDependencies ?? {};
      peerMeta = manifest.peerDependenciesMeta ?? {};
    } else {
      // A tarball URL: its package.json says what it is and needs.
      let p: LoadedPackage;
      try {
        p = await pkg;
      } catch (e) {
        fail((e as Error).message);
        continue;
      }
      version = p.version;
      deps = p.dependencies ?? Object.fromEntries(p.needs.map((n) => [n, "*"]));
      optional = new Set();
      peers = p.peerDependencies ?? {};
      peerMeta = {};
    }
    placed.set(location, { name: realName, version: version!, url, parent: target, pkg, chain: label });
    parentOf.set(location, target);
    const chain = [...item.chain, `${name}@${spec}`];
    enqueue(deps, location, chain, false, optional);
    const required = Object.fromEntries(Object.entries(peers).filter(([n]) => !peerMeta[n]?.optional && !(n in deps)));
    enqueue(required, location, chain, true, new Set());
  }

  const installed: Installed[] = [];
  for (const [location, p] of placed) {
    try {
      installed.push({ location, name: p.name, version: p.version, pkg: await p.pkg });
    } catch (e) {
      problems.push(`${p.chain}: ${(e as Error).message}`);
    }
  }
  installed.sort((a, b) => (a.location < b.location ? -1 : 1));
  return { installed, problems };
}
