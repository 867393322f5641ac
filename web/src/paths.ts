// Project paths: what a user may type as a file name, and the folders the tree shows.

/**
 * Normalizes a path the user typed ("./src//x.ts", "/src/x.ts" -> "src/x.ts") or returns an error
 * message. Paths stay inside the project: no "..", no empty or "." segments after normalizing.
 */
export function checkPath(input: string): { path: string } | { error: string } {
  const raw = input.trim().replace(/\\/g, "/");
  if (!raw) return { error: "enter a file path, e.g. src/lib/util.ts" };
  if (raw.endsWith("/")) return { error: "a file path cannot end with /" };
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0) return { error: "enter a file path, e.g. src/lib/util.ts" };
  if (parts.some((p) => p === "..")) return { error: "paths stay inside the project: no .." };
  // Characters a file system or a URL would choke on (the engine serves these paths as URLs).
  if (parts.some((p) => /[\u0000-\u001f<>:"|?*#%]/.test(p))) return { error: 'a path cannot contain control characters or < > : " | ? * # %' };
  return { path: parts.join("/") };
}

/** Why `path` cannot be added to `files` (besides `except`, the file being renamed), or null. */
export function conflict(path: string, files: Record<string, string>, except?: string): string | null {
  for (const existing of Object.keys(files)) {
    if (existing === except) continue;
    if (existing === path) return `${path} already exists`;
    // A file and a folder cannot share a name: "src" as a file next to "src/App.tsx".
    if (existing.startsWith(`${path}/`)) return `${path} is a folder`;
    if (path.startsWith(`${existing}/`)) return `${existing} is a file, not a folder`;
  }
  return null;
}

export interface TreeRow {
  /** A folder row ("src/lib") or a file row ("src/lib/x.ts"). */
  kind: "folder" | "file";
  path: string;
  name: string;
  depth: number;
}

/** The rows of the file tree: folders first at each level, then files, each sorted by name. */
export function treeRows(paths: string[]): TreeRow[] {
  interface Dir { dirs: Map<string, Dir>; files: string[] }
  const root: Dir = { dirs: new Map(), files: [] };
  for (const p of paths) {
    const parts = p.split("/");
    let d = root;
    for (const seg of parts.slice(0, -1)) {
      if (!d.dirs.has(seg)) d.dirs.set(seg, { dirs: new Map(), files: [] });
      d = d.dirs.get(seg)!;
    }
    d.files.push(p);
  }
  const rows: TreeRow[] = [];
  const walk = (d: Dir, prefix: string, depth: number) => {
    for (const name of [...d.dirs.keys()].sort()) {
      const path = prefix + name;
      rows.push({ kind: "folder", path, name, depth });
      walk(d.dirs.get(name)!, `${path}/`, depth + 1);
    }
    for (const p of d.files.sort()) rows.push({ kind: "file", path: p, name: p.slice(prefix.length), depth });
  };
  walk(root, "", 0);
  return rows;
}
