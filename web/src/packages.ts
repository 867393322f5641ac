// npm packages for playground projects. The project's package.json `dependencies` is the list (so
// it lives with the project: IndexedDB, the zip, share links); install.ts resolves each entry
// and, transitively, the packages' own dependencies against the configured registry (or takes a
// tarball URL as it is). This file does the I/O: the registry's packument, the tarball (fetched,
// checked against the registry's integrity hash, un-gzipped with DecompressionStream, the tar
// read here), handed to the engine as `node_modules/<name>/...`, exactly what a project on disk
// with node_modules gives it.

import { parseRange } from "./semver";
import type { Packument, PackumentVersion } from "./install";

/** A package's files, as the engine's input takes them (text, or base64 for binary files). */
export type PackageFile = { path: string; text: string } | { path: string; base64: string };

export interface LoadedPackage {
  name: string;
  version: string;
  url: string;
  files: PackageFile[];
  /** Its package.json's `dependencies` and required `peerDependencies` (names). */
  needs: string[];
  /** Its package.json's `dependencies` (absent in packages cached by an older playground). */
  dependencies?: Record<string, string>;
  /** Its required `peerDependencies`. */
  peerDependencies?: Record<string, string>;
}

export const DEFAULT_REGISTRY = "https://registry.npmjs.org";

/**
 * Packages the playground supplies itself: the preview provides React (its own copy, so there is
 * one React), and Build sends the production files of these three from the page's node_modules.
 */
export const SUPPLIED = new Set(["react", "react-dom", "scheduler"]);

const isUrl = (s: string) => /^https?:\/\//i.test(s);
const NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;
const TAG = /^[a-z][\w.-]*$/i;

/**
 * What the user typed in the add field: a tarball URL, or `name`, `name@range` or `name@tag`
 * (`@scope/name@^1.2`); a bare name means its `latest` tag, as `npm install name` does.
 */
export function parseAddition(input: string): { url: string } | { name: string; spec: string } | { error: string } {
  const s = input.trim();
  if (isUrl(s)) return { url: s };
  const at = s.lastIndexOf("@");
  const name = at > 0 ? s.slice(0, at) : s;
  const spec = at > 0 ? s.slice(at + 1).trim() || "latest" : "latest";
  if (!NAME.test(name)) return { error: `"${name}" is not an npm package name (write name, name@range or a tarball URL)` };
  if (!parseRange(spec) && !TAG.test(spec)) return { error: `${name}: "${spec}" is not a version range or a dist-tag` };
  return { name, spec };
}

/** Whether a spec is a dist-tag (`latest`, `next`) rather than a range or URL. */
export const isTag = (spec: string) => !isUrl(spec) && !parseRange(spec) && TAG.test(spec);

/** The registry URL of a package's metadata: `@scope/name` is written `@scope%2fname`, as npm does. */
export function packumentUrl(registry: string, name: string): string {
  return `${registry.replace(/\/+$/, "")}/${name.replace("/", "%2f")}`;
}

/** Fetches a packument, kept to what resolution needs (a full one can be megabytes). */
export async function fetchPackument(url: string): Promise<Packument> {
  let res: Response;
  try {
    // npm's abbreviated metadata, when the registry has it (a safelisted header: no preflight).
    res = await fetch(url, { headers: { accept: "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8" } });
  } catch (e) {
    throw new Error(`${url}: ${(e as Error).message} (offline, or the registry does not allow cross-origin requests)`);
  }
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
  let p: Packument;
  try {
    p = await res.json();
  } catch {
    throw new Error(`${url} is not a registry's package metadata (not JSON)`);
  }
  if (!p || typeof p.versions !== "object") throw new Error(`${url} is not a registry's package metadata (no versions)`);
  const versions: Record<string, PackumentVersion> = {};
  for (const [v, m] of Object.entries(p.versions)) {
    if (!m || typeof m !== "object") continue;
    const { name, version, dependencies, optionalDependencies, peerDependencies, peerDependenciesMeta, dist } = m;
    versions[v] = { name, version, dependencies, optionalDependencies, peerDependencies, peerDependenciesMeta, dist: { tarball: dist?.tarball, integrity: dist?.integrity } };
  }
  return { name: p.name, "dist-tags": p["dist-tags"], versions };
}

/** The `dependencies` of a project's package.json text (empty when it has none or is malformed). */
export function dependenciesOf(packageJson: string | undefined): Record<string, string> {
  if (!packageJson) return {};
  try {
    const deps = JSON.parse(packageJson)?.dependencies;
    if (deps && typeof deps === "object") {
      return Object.fromEntries(Object.entries(deps).filter((e): e is [string, string] => typeof e[1] === "string"));
    }
  } catch {
    // A package.json being typed is often invalid for a moment: no packages until it parses.
  }
  return {};
}

/** The project's name for messages (package.json `name`, else the given fallback). */
export function projectName(packageJson: string | undefined, fallback: string): string {
  try {
    const name = packageJson ? JSON.parse(packageJson)?.name : undefined;
    return typeof name === "string" && name ? name : fallback;
  } catch {
    return fallback;
  }
}

/** The package.json text with `dependencies[name]` set (or removed, `spec` null), created if absent. */
export function withDependency(packageJson: string | undefined, project: string, name: string, spec: string | null): string {
  let pkg: Record<string, unknown>;
  try {
    pkg = packageJson ? JSON.parse(packageJson) : { name: project, private: true };
  } catch {
    throw new Error("package.json is not valid JSON: fix it first");
  }
  const deps = { ...((pkg.dependencies as Record<string, string>) ?? {}) };
  if (spec === null) delete deps[name];
  else deps[name] = spec;
  pkg.dependencies = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

// ---- tar -------------------------------------------------------------------------------------

const ascii = new TextDecoder();
const cString = (b: Uint8Array) => ascii.decode(b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)));
const octal = (b: Uint8Array) => parseInt(cString(b).trim() || "0", 8);

/** Pax extended header records: `<length in bytes> <key>=<value>\n`, values UTF-8. */
function paxRecords(b: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < b.length) {
    const space = b.indexOf(0x20, i);
    const len = space < 0 ? NaN : parseInt(ascii.decode(b.subarray(i, space)), 10);
    if (!(len > 0)) break;
    const record = new TextDecoder().decode(b.subarray(space + 1, i + len - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/**
 * The regular files of a tar archive (ustar, with pax `path` records and GNU long names), their
 * first path component (npm's `package/`) stripped.
 */
export function untar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const h = tar.subarray(offset, offset + 512);
    if (h.every((b) => b === 0)) break; // end of archive
    const size = octal(h.subarray(124, 136));
    const type = String.fromCharCode(h[156] || 48);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (body.length < size) throw new Error("the archive is truncated");
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      longName = paxRecords(body).path ?? longName;
      continue;
    }
    if (type === "L") {
      longName = cString(body);
      continue;
    }
    if (type === "g") continue; // global pax header: nothing npm tarballs need
    const prefix = cString(h.subarray(345, 500));
    const name = longName ?? (prefix ? `${prefix}/${cString(h.subarray(0, 100))}` : cString(h.subarray(0, 100)));
    longName = undefined;
    if (type !== "0" && type !== "7") continue; // directories, links: npm packs regular files
    const path = name.split("/").slice(1).filter((p) => p && p !== ".").join("/");
    if (!path || path.split("/").includes("..")) continue;
    files.set(path, body.slice());
  }
  return files;
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const out = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Whether `bytes` match an SRI `integrity` string (`sha512-<base64>`, any of several; unknown algorithms pass). */
async function checkIntegrity(bytes: Uint8Array, integrity: string): Promise<boolean> {
  const algos: Record<string, string> = { sha512: "SHA-512", sha384: "SHA-384", sha256: "SHA-256", sha1: "SHA-1" };
  const known = integrity.split(/\s+/).map((e) => /^(sha\d+)-(.+)$/.exec(e)).filter((m): m is RegExpExecArray => !!m && m[1] in algos);
  // crypto.subtle exists only in secure contexts (https, localhost): elsewhere nothing is checked.
  if (!known.length || !crypto.subtle) return true;
  for (const [, algo, expected] of known) {
    if (base64(new Uint8Array(await crypto.subtle.digest(algos[algo], bytes))) === expected) return true;
  }
  return false;
}

/**
 * Fetches and unpacks a package tarball, checked against the registry's `integrity` when given;
 * errors name the package (`label`) and the URL.
 */
export async function fetchPackage(label: string, url: string, integrity?: string): Promise<LoadedPackage> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    // A network failure, or a server that does not allow this origin (CORS).
    throw new Error(`cannot load package ${label} from ${url}: ${(e as Error).message} (offline, or the server does not allow cross-origin requests)`);
  }
  if (!res.ok) throw new Error(`cannot load package ${label}: ${url} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
  const archive = new Uint8Array(await res.arrayBuffer());
  if (integrity && !(await checkIntegrity(archive, integrity))) {
    throw new Error(`cannot load package ${label}: ${url} does not match the registry's integrity hash (${integrity.slice(0, 20)}…)`);
  }
  let entries: Map<string, Uint8Array>;
  try {
    entries = untar(await gunzip(archive));
  } catch (e) {
    throw new Error(`cannot load package ${label}: ${url} is not a gzipped tar archive (${(e as Error).message})`);
  }
  const manifest = entries.get("package.json");
  if (!manifest) throw new Error(`cannot load package ${label}: the archive at ${url} has no package.json`);
  let pkg: {
    name?: string;
    version?: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
  try {
    pkg = JSON.parse(new TextDecoder().decode(manifest));
  } catch {
    throw new Error(`cannot load package ${label}: its package.json is not valid JSON`);
  }
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const files: PackageFile[] = [];
  for (const [path, bytes] of entries) {
    try {
      files.push({ path, text: utf8.decode(bytes) });
    } catch {
      files.push({ path, base64: base64(bytes) });
    }
  }
  const optional = pkg.peerDependenciesMeta ?? {};
  const needs = [
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}).filter((n) => !optional[n]?.optional),
  ];
  const peers = Object.fromEntries(Object.entries(pkg.peerDependencies ?? {}).filter(([n]) => !optional[n]?.optional));
  return {
    name: pkg.name ?? label,
    version: pkg.version ?? "",
    url,
    files,
    needs: [...new Set(needs)],
    dependencies: { ...pkg.dependencies },
    peerDependencies: peers,
  };
}
