// Persistence: the current project in IndexedDB, so a reload (or a crash) keeps the edits.
// One object store, one record ("current"): the playground edits one project at a time, and
// switching examples replaces it after asking (see main.ts). IndexedDB rather than localStorage:
// it is asynchronous (no jank on every keystroke) and not limited to ~5 MB of UTF-16.

import type { Packument } from "./install";
import type { LoadedPackage } from "./packages";

export interface SavedProject {
  /** The example it started from; null for a project opened from a share link of no example. */
  example: string | null;
  files: Record<string, string>;
  open: string;
  savedAt: number;
}

const DB = "nexxo-playground";
const STORE = "projects";
const KEY = "current";
/** Unpacked package tarballs by URL (see packages.ts): a reload does not fetch them again. */
const PACKAGES = "packages";
/** Registry metadata by URL (see install.ts): resolution on a reload asks the registry nothing. */
const PACKUMENTS = "packuments";

let db: Promise<IDBDatabase> | null = null;
function open(): Promise<IDBDatabase> {
  db ??= new Promise((resolve, reject) => {
    // Version 2 added the package cache, 3 the packuments; an upgrade keeps what was there.
    const req = indexedDB.open(DB, 3);
    req.onupgradeneeded = () => {
      for (const name of [STORE, PACKAGES, PACKUMENTS]) if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name);
    };
    req.onsuccess = () => {
      // A newer playground in another tab upgrading the database: let it (this tab's next
      // operation opens it again).
      req.result.onversionchange = () => {
        req.result.close();
        db = null;
      };
      resolve(req.result);
    };
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("the playground's database is blocked by another tab"));
  });
  return db;
}

function run<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest, store = STORE): Promise<T> {
  return open().then(
    (d) =>
      new Promise<T>((resolve, reject) => {
        const tx = d.transaction(store, mode);
        const req = op(tx.objectStore(store));
        // Resolve on commit, not on the request's success: only then is a write durable.
        tx.oncomplete = () => resolve(req.result as T);
        tx.onerror = tx.onabort = () => reject(tx.error ?? req.error);
      }),
  );
}

export const loadProject = () => run<SavedProject | undefined>("readonly", (s) => s.get(KEY));
export const saveProject = (p: SavedProject) => run<void>("readwrite", (s) => s.put(p, KEY));
export const loadCachedPackage = (url: string) => run<LoadedPackage | undefined>("readonly", (s) => s.get(url), PACKAGES);
export const cachePackage = (p: LoadedPackage) => run<void>("readwrite", (s) => s.put(p, p.url), PACKAGES);
export const loadCachedPackument = (url: string) => run<Packument | undefined>("readonly", (s) => s.get(url), PACKUMENTS);
export const cachePackument = (url: string, p: Packument) => run<void>("readwrite", (s) => s.put(p, url), PACKUMENTS);
