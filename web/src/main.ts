// The playground: edit a project's files, rebuild in the engine's Web Worker on every edit, and
// patch the live preview with HMR so component state survives. The project is a set of files the
// user can add, rename and delete (the engine's session follows), kept in IndexedDB across
// reloads, shareable as a link and downloadable as a zip.
import { createNexxoWorker } from "../../worker/client.js";
import { examples, type Project } from "./examples";
import { checkPath, conflict, treeRows } from "./paths";
import { MAX_ENCODED, HASH_KEY, decodeProject, encodeProject, payloadOf, type SharedProject } from "./share";
import { cachePackage, cachePackument, loadCachedPackage, loadCachedPackument, loadProject, saveProject } from "./store";
import {
  DEFAULT_REGISTRY, SUPPLIED, dependenciesOf, fetchPackage, fetchPackument, isTag, packumentUrl, parseAddition, projectName,
  withDependency, type LoadedPackage,
} from "./packages";
import { install, type InstallIO, type Packument } from "./install";
import { zipFiles } from "./zip";
import { Editor, type EditorError } from "./editor";
import { codeFrame, originalPosition, stackFrames, type RawMap } from "./sourcemap";
import "./style.css";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const tree = $<HTMLUListElement>("#files");
const editorHost = $<HTMLDivElement>("#editor-host");
const errors = $<HTMLPreElement>("#errors");
const status = $<HTMLSpanElement>("#status");
const savedOut = $<HTMLSpanElement>("#saved");
const select = $<HTMLSelectElement>("#example");
const frameHost = $<HTMLDivElement>("#preview-host");
const buildOut = $<HTMLPreElement>("#build-output");
const fileForm = $<HTMLFormElement>("#file-form");
const filePath = $<HTMLInputElement>("#file-path");
const fileError = $<HTMLParagraphElement>("#file-error");
const shareOut = $<HTMLDivElement>("#share-out");
const shareLink = $<HTMLInputElement>("#share-link");
const shareMsg = $<HTMLSpanElement>("#share-msg");
const pkgForm = $<HTMLFormElement>("#pkg-form");
const pkgInput = $<HTMLInputElement>("#pkg-add");
const pkgRegistry = $<HTMLInputElement>("#pkg-registry");
const pkgList = $<HTMLUListElement>("#pkg-list");
const pkgError = $<HTMLParagraphElement>("#pkg-error");
const pkgTreeBox = $<HTMLDetailsElement>("#pkg-tree-box");
const pkgTreeSummary = $<HTMLElement>("#pkg-tree-summary");
const pkgTree = $<HTMLUListElement>("#pkg-tree");

const base = import.meta.env.BASE_URL;
// The engine under content-hashed names: `nexxo build web` bundles the worker (with the JS host)
// as assets/nexxo-worker-<hash>.js, and the module it fetches as assets/nexxo-engine-<hash>.wasm.
// `nexxo preview` (as any host following the build's naming) serves them as immutable, so a
// returning page neither downloads nor revalidates the 12 MB module, and Chromium keeps the
// module's compiled code, which it could lose under a revalidated URL (see benches/README.md).
const nexxo = createNexxoWorker(new Worker(new URL("../../worker/nexxo-worker.js", import.meta.url), { type: "module" }));
const SESSION = "playground";
// Packages the preview frame supplies itself (see preview.ts); everything else is the project's.
const EXTERNALS = ["react", "react-dom", "react-dom/client", "react/jsx-runtime", "react/jsx-dev-runtime"];
const DEFAULT_EXAMPLE = "react-counter";

let files: Project = {};
/** The example the project started from (null: a shared project of no known example). */
let example: string | null = null;
let current = "";
let frame: HTMLIFrameElement | null = null;
let chain: Promise<unknown> = Promise.resolve();
let editStarted = 0;
/** Files edited in the editor whose new text the session has not been sent yet (debounced). */
const pending = new Set<string>();

const asInput = (p: Project) => Object.entries(p).map(([path, text]) => ({ path, text }));
const bump = (key: string) => (document.body.dataset[key] = String(Number(document.body.dataset[key] ?? 0) + 1));

// Every edit of the open file: `files` is the truth at once (saving, sharing and downloads read it);
// the session hears of the edit after a short pause in typing.
const editor = new Editor(editorHost, (text) => {
  if (!(current in files)) return;
  files[current] = text;
  pending.add(current);
  projectChanged();
  clearTimeout(timer);
  timer = setTimeout(() => sync([], []), 60);
});

function showErrors(list: EditorError[]) {
  // Packages that could not be loaded explain the resolve errors that follow from them: first.
  list = [...packageProblems.map((message) => ({ message })), ...list];
  editor.setErrors(list);
  errors.textContent = list.map((e) => e.message).join("\n\n");
  errors.hidden = list.length === 0;
  document.body.dataset.errors = String(list.length);
}

function setStatus(text: string) {
  status.textContent = text;
}

/** Whether the project differs from the example it came from (what switching would discard). */
function edited(): boolean {
  const pristine = example ? examples[example] : undefined;
  if (!pristine) return true;
  const keys = Object.keys(files);
  return keys.length !== Object.keys(pristine).length || keys.some((k) => pristine[k] !== files[k]);
}

// ---- the file tree -------------------------------------------------------------------------
// Folders exist through the files in them (as in the engine's file list): a path like
// src/lib/x.ts creates src/lib, and a folder whose last file goes disappears.

function smallButton(label: string, aria: string, onclick: () => void): HTMLButtonElement {
  const b = document.createElement("button");
  b.textContent = label;
  b.className = "folder-action";
  b.setAttribute("aria-label", aria);
  b.title = aria;
  b.onclick = onclick;
  return b;
}

function renderTree() {
  tree.replaceChildren(
    ...treeRows(Object.keys(files)).map((row) => {
      const li = document.createElement("li");
      li.style.setProperty("--depth", String(row.depth));
      if (row.kind === "folder") {
        li.className = "folder";
        li.dataset.folder = row.path;
        const name = document.createElement("span");
        name.textContent = `${row.name}/`;
        name.title = row.path;
        li.append(
          name,
          smallButton("rename", `Rename folder ${row.path}`, () => showForm("rename-folder", row.path)),
          smallButton("delete", `Delete folder ${row.path}`, () => deleteFolder(row.path)),
        );
        return li;
      }
      const b = document.createElement("button");
      b.textContent = row.name;
      b.title = row.path;
      b.dataset.file = row.path;
      b.className = row.path === current ? "active" : "";
      if (row.path === current) b.setAttribute("aria-current", "true");
      b.onclick = () => openFile(row.path);
      li.appendChild(b);
      return li;
    }),
  );
  // Rename/Delete act on the open file; their accessible names say which.
  $<HTMLButtonElement>("#rename-file").setAttribute("aria-label", `Rename ${current}`);
  $<HTMLButtonElement>("#delete-file").setAttribute("aria-label", `Delete ${current}`);
}

function openFile(path: string) {
  current = path;
  editor.open(path, files[path]);
  renderTree();
}

/** The file to show when the open one goes away: the app component if any, else the first. */
const defaultFile = () => {
  const paths = Object.keys(files);
  return paths.find((p) => /^src\/App\./.test(p)) ?? paths.find((p) => p.startsWith("src/")) ?? paths[0] ?? "";
};

type FormMode = "new" | "rename" | "rename-folder";
let formMode: FormMode = "new";
/** The folder being renamed (mode "rename-folder"). */
let formFolder = "";
/** Where focus goes back when the form closes. */
let formOpener: HTMLElement = editor.view.contentDOM;

function showForm(mode: FormMode, folder = "") {
  formMode = mode;
  formFolder = folder;
  formOpener = document.activeElement instanceof HTMLElement ? document.activeElement : editor.view.contentDOM;
  const label = { new: "new file path", rename: `rename ${current} to`, "rename-folder": `rename folder ${folder} to` }[mode];
  $<HTMLLabelElement>("#file-form-label").textContent = label;
  $<HTMLButtonElement>("#file-ok").textContent = mode === "new" ? "Create" : "Rename";
  const dir = current.includes("/") ? current.slice(0, current.lastIndexOf("/") + 1) : "";
  filePath.value = mode === "new" ? dir : mode === "rename" ? current : folder;
  fileError.textContent = "";
  fileForm.hidden = false;
  filePath.focus();
  // Select the name part so typing replaces it, keeping the folder.
  const keep = mode === "new" ? filePath.value.length : mode === "rename" ? dir.length : folder.lastIndexOf("/") + 1;
  filePath.setSelectionRange(keep, filePath.value.length);
}

function hideForm(focus: HTMLElement) {
  fileForm.hidden = true;
  fileError.textContent = "";
  focus.isConnected ? focus.focus() : editor.focus();
}

/** Applies a set of moves ({ from: to }) to the project and the session. */
function moveFiles(moves: Record<string, string>) {
  const changed: { path: string; text: string }[] = [];
  files = Object.fromEntries(
    Object.entries(files).map(([p, t]) => {
      if (!(p in moves)) return [p, t];
      changed.push({ path: moves[p], text: t });
      pending.delete(p);
      return [moves[p], t];
    }),
  );
  // A rename is a removal and an addition for the engine: importers of the old path now fail
  // to resolve (as on disk) until they are changed; nothing rewrites imports.
  sync(changed, Object.keys(moves));
  openFile(moves[current] ?? current);
  projectChanged();
}

fileForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const checked = checkPath(filePath.value);
  if ("error" in checked) return void (fileError.textContent = checked.error);
  const { path } = checked;
  if (formMode === "new") {
    const why = conflict(path, files);
    if (why) return void (fileError.textContent = why);
    files[path] = "";
    sync([{ path, text: "" }], []);
    openFile(path);
    projectChanged();
  } else if (formMode === "rename") {
    if (path !== current) {
      const why = conflict(path, files, current);
      if (why) return void (fileError.textContent = why);
      moveFiles({ [current]: path });
    }
  } else if (path !== formFolder) {
    if (path.startsWith(`${formFolder}/`)) return void (fileError.textContent = "a folder cannot move into itself");
    const moves: Record<string, string> = {};
    for (const p of Object.keys(files)) if (p.startsWith(`${formFolder}/`)) moves[p] = path + p.slice(formFolder.length);
    const rest = Object.fromEntries(Object.entries(files).filter(([p]) => !(p in moves)));
    for (const to of Object.values(moves)) {
      const why = conflict(to, rest);
      if (why) return void (fileError.textContent = why);
    }
    moveFiles(moves);
  }
  hideForm(editor.view.contentDOM);
});
fileForm.addEventListener("keydown", (e) => {
  if (e.key === "Escape") hideForm(formOpener);
});
$<HTMLButtonElement>("#file-cancel").onclick = () => hideForm(formOpener);
$<HTMLButtonElement>("#new-file").onclick = () => showForm("new");
$<HTMLButtonElement>("#rename-file").onclick = () => current in files && showForm("rename");

function deleteFiles(paths: string[], question: string) {
  if (paths.length === 0) return;
  if (paths.length >= Object.keys(files).length) return setStatus("a project needs at least one file");
  if (!confirm(question)) return;
  for (const p of paths) {
    delete files[p];
    pending.delete(p);
  }
  sync([], paths);
  editor.forget((p) => p in files);
  openFile(current in files ? current : defaultFile());
  projectChanged();
}
$<HTMLButtonElement>("#delete-file").onclick = () =>
  current in files && deleteFiles([current], `Delete ${current}? This cannot be undone.`);
function deleteFolder(folder: string) {
  const inside = Object.keys(files).filter((p) => p.startsWith(`${folder}/`));
  deleteFiles(inside, `Delete the folder ${folder} and its ${inside.length} file(s)? This cannot be undone.`);
}

// ---- the engine session and the preview ------------------------------------------------------

function bodyOf(html: string): string {
  const m = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html);
  return (m ? m[1] : '<div id="root"></div>').replace(/<script[\s\S]*?<\/script>/gi, "");
}

/** Opens a fresh session and a fresh preview frame: first load, example switch, full reload. */
async function restart(reason: string) {
  setStatus(`${reason}…`);
  const started = performance.now();
  // Edits made before this point are in `files`, which the new session reads whole.
  pending.clear();
  let update;
  try {
    update = await nexxo.openSession(SESSION, { files: [...asInput(files), ...packageInputs()], externals: EXTERNALS });
  } catch (e) {
    showErrors([{ message: String((e as Error).message) }]);
    return;
  }
  if (update.errors.length) {
    // No frame: the next good update starts one (see applyUpdate).
    frame?.remove();
    frame = null;
    showErrors(update.errors);
    setStatus("fix the error to run the preview");
    return;
  }
  showErrors([]);
  startFailed = false;
  // The files the frame will ask for by URL (package images, fonts; the project's SVGs).
  await servePreviewFiles();
  frame?.remove();
  frame = document.createElement("iframe");
  frame.id = "preview";
  frame.title = "preview";
  frameHost.appendChild(frame);
  const f = frame;
  await new Promise<void>((resolve) => {
    const onReady = (e: MessageEvent) => {
      if (e.source === f.contentWindow && e.data?.type === "preview-ready") {
        removeEventListener("message", onReady);
        resolve();
      }
    };
    addEventListener("message", onReady);
    f.src = `${base}preview.html`;
  });
  f.contentWindow!.postMessage({ type: "start", start: update, body: bodyOf(files["index.html"] ?? "") }, location.origin);
  setStatus(`${reason}: ${update.modules.length} modules in ${Math.round(performance.now() - started)} ms`);
}

/**
 * A runtime error of the preview, at its original place: the first stack frame in a project
 * module is mapped through the session's source map for that module (what `nexxo dev` serves at
 * /@nexxo/map), and shown with a code frame here and in the preview's error overlay (the overlay
 * of `nexxo dev`, which the next good update clears). Frames in React or the runtime are skipped.
 */
async function showRuntimeError(message: string, stack: string) {
  let where: { file: string; line: number; column: number; frame: string } | null = null;
  for (const f of stackFrames(stack, location.origin)) {
    const path = f.url.split("?")[0].slice(1);
    if (!(path in files)) continue;
    try {
      const r = await nexxo.sessionRequest(SESSION, `/@nexxo/map?url=${encodeURIComponent(f.url)}&at=2`);
      if (r.status !== 200) continue;
      const pos = originalPosition(JSON.parse(r.text) as RawMap, f.line, f.column);
      if (!pos) continue;
      const file = pos.source.replace(/^\//, "");
      where = { file, line: pos.line, column: pos.column, frame: codeFrame(pos.content ?? files[file] ?? "", pos.line, pos.column) };
      break;
    } catch {
      // No map (the session restarted meanwhile): try the next frame, else show the stack.
    }
  }
  const text = where
    ? `runtime error in the preview: ${message}\n  at ${where.file}:${where.line}:${where.column}\n${where.frame}`
    : `runtime error in the preview: ${message}\n${stack}`;
  showErrors([{ message: text, ...(where && { file: where.file, line: where.line, column: where.column }) }]);
  if (where) {
    const error = { code: "RUNTIME", message, file: where.file, line: where.line, column: where.column, frame: where.frame,
      hint: "Fix the code: the overlay goes away on the next good update." };
    frame?.contentWindow?.postMessage({ type: "messages", messages: [{ type: "error", error }] }, location.origin);
  }
}

/** Whether a module the runtime fetched since the last update failed to build. */
let runnerFailed = false;
/** Whether the preview's app failed while starting (nothing ran that an update could patch). */
let startFailed = false;

async function applyUpdate(changed: { path: string; text: string }[], removed: string[]) {
  editStarted = performance.now();
  runnerFailed = false;
  // Another package list: the session starts over on the new node_modules (as `nexxo dev`
  // re-bundles its dependencies and reloads the page after an install).
  if ([...changed.map((c) => c.path), ...removed].includes("package.json") && (await refreshPackages())) {
    return restart("packages changed");
  }
  if ([...changed.map((c) => c.path), ...removed].some(servedByUrl)) await servePreviewFiles();
  const update = await nexxo.updateSession(SESSION, changed, removed);
  // No preview yet (the project did not start): a good state now starts it.
  if (update.fullReload || ((!frame || startFailed) && update.errors.length === 0)) return restart("reloaded");
  // The runtime shows errors in its overlay and clears it on the next good update, as in `nexxo dev`.
  frame?.contentWindow?.postMessage({ type: "messages", messages: update.messages }, location.origin);
  if (update.errors.length) {
    showErrors(update.errors);
    setStatus("error: the preview keeps the last good version");
    return;
  }
  showErrors([]);
}

let timer: ReturnType<typeof setTimeout> | undefined;
/**
 * Sends the session what changed: the pending editor edits plus `changed`/`removed` from a file
 * operation, in one update, queued after the previous one (updates must reach the engine in order).
 */
function sync(changed: { path: string; text: string }[], removed: string[]) {
  clearTimeout(timer);
  const edits = [...pending].filter((p) => p in files && !changed.some((c) => c.path === p));
  pending.clear();
  const all = [...edits.map((path) => ({ path, text: files[path] })), ...changed];
  if (all.length === 0 && removed.length === 0) return;
  chain = chain.then(() => applyUpdate(all, removed)).catch((e) => showErrors([{ message: String(e.message ?? e) }]));
}

addEventListener("message", (e: MessageEvent) => {
  if (!frame || e.source !== frame.contentWindow) return;
  const msg = e.data ?? {};
  if (msg.type === "updated") {
    const ms = Math.round(performance.now() - editStarted);
    // The runtime reports an update even when a module it fetched for it failed (see below).
    setStatus(runnerFailed ? "error: the preview keeps the last good version" : `hot updated in ${ms} ms`);
    bump("updates");
  } else if (msg.type === "reload-needed") {
    chain = chain.then(() => restart(`reloaded (${msg.reason})`));
  } else if (msg.type === "runtime-error") {
    showRuntimeError(String(msg.message), String(msg.stack ?? ""));
  } else if (msg.type === "fetch-module") {
    // The runtime needs a module the session did not send yet (a new import); one that fails
    // here (a new import of a missing file) is reported here. A module of an update that fails
    // (an importer of a removed file) comes back in the update's errors instead.
    nexxo.sessionRunner(SESSION, msg.url).then(
      (r: { ok: boolean; code?: string; errors?: { message: string }[] }) => {
        if (!r.ok) {
          runnerFailed = true;
          showErrors(r.errors?.length ? r.errors : [{ message: `cannot load ${msg.url}` }]);
        }
        frame?.contentWindow?.postMessage(
          r.ok ? { type: "module", id: msg.id, code: r.code } : { type: "module", id: msg.id, error: r.errors?.[0]?.message },
          location.origin,
        );
      },
      (e: Error) => {
        runnerFailed = true;
        showErrors([{ message: `cannot load ${msg.url}: ${e.message}` }]);
        frame?.contentWindow?.postMessage({ type: "module", id: msg.id, error: e.message }, location.origin);
      },
    );
  } else if (msg.type === "fetch-dep") {
    // A chunk of the session's pre-bundled packages (what `nexxo dev` serves at /@deps/).
    nexxo.sessionRequest(SESSION, msg.url).then(
      (r: { status: number; text: string }) =>
        frame?.contentWindow?.postMessage(
          r.status === 200 ? { type: "module", id: msg.id, code: r.text } : { type: "module", id: msg.id, error: `${msg.url}: ${r.text}` },
          location.origin,
        ),
      (e: Error) => frame?.contentWindow?.postMessage({ type: "module", id: msg.id, error: e.message }, location.origin),
    );
  } else if (msg.type === "start-failed") {
    startFailed = true;
  } else if (msg.type === "started") {
    bump("starts");
  }
});


// ---- persistence -----------------------------------------------------------------------------

let saveTimer: ReturnType<typeof setTimeout> | undefined;
let saving: Promise<void> = Promise.resolve();
function save() {
  clearTimeout(saveTimer);
  saveTimer = undefined;
  const record = { example, files: { ...files }, open: current, savedAt: Date.now() };
  saving = saving
    .then(() => saveProject(record))
    .then(
      () => {
        // Not while a newer change waits for its own save: the text would claim too much.
        if (saveTimer === undefined) savedOut.textContent = "saved in this browser";
        bump("saves");
      },
      (e: Error) => (savedOut.textContent = `not saved: ${e?.message ?? e}`),
    );
}

/** Any change to the project: save it soon, and drop a share link that no longer matches. */
function projectChanged() {
  savedOut.textContent = "saving…";
  clearTimeout(saveTimer);
  saveTimer = setTimeout(save, 150);
  dropShareLink();
}

/** A share link in the address bar that no longer matches the project goes (a reload would
 * otherwise reopen the link instead of the saved project). */
function dropShareLink() {
  if (payloadOf(location.hash)) history.replaceState(null, "", location.pathname + location.search);
  // A link that could not be opened stays explained until the next share.
  if (shareOut.dataset.state !== "error") shareOut.hidden = true;
}
// A last write when the tab goes away with a save still scheduled (best effort: IndexedDB may not
// finish during unload, which is why saves are also made 150 ms after each change).
addEventListener("pagehide", () => saveTimer !== undefined && save());

function setProject(p: { example: string | null; files: Project; open?: string }, reason: string) {
  clearTimeout(timer);
  pending.clear();
  files = { ...p.files };
  // Another project: the undo history of the previous one's files goes.
  editor.forget(() => false);
  example = p.example && p.example in examples ? p.example : null;
  syncSelect();
  openFile(p.open && p.open in files ? p.open : defaultFile());
  chain = chain.then(refreshPackages).then(() => restart(reason));
}

function syncSelect() {
  select.querySelector("option[value='']")?.remove();
  if (example) {
    select.value = example;
  } else {
    select.prepend(Object.assign(document.createElement("option"), { value: "", textContent: "(shared project)", disabled: true }));
    select.value = "";
  }
  selected = select.value;
}

function loadExample(name: string) {
  dropShareLink();
  setProject({ example: name, files: examples[name] }, `loaded ${name}`);
  save();
}

select.replaceChildren(
  ...Object.keys(examples).map((name) => Object.assign(document.createElement("option"), { value: name, textContent: name })),
);
let selected = select.value;
select.onchange = () => {
  if (edited() && !confirm(`Discard your edits to ${example ?? "this project"} and load ${select.value}?\n(Share or download the project first to keep them.)`)) {
    select.value = selected; // stay on the edited project
    return;
  }
  loadExample(select.value);
};
$<HTMLButtonElement>("#reset").onclick = () => {
  const name = example ?? DEFAULT_EXAMPLE;
  if (edited() && !confirm(`Discard your edits and load ${name} as it was?`)) return;
  loadExample(name);
};

// ---- sharing and downloads -------------------------------------------------------------------

function showShare(link: string, message: string, state: "ok" | "too-large" | "error") {
  shareOut.hidden = false;
  shareOut.dataset.state = state;
  shareLink.hidden = state !== "ok";
  shareLink.value = link;
  shareMsg.textContent = message;
}

$<HTMLButtonElement>("#share").onclick = async () => {
  const payload = await encodeProject({ example: example ?? undefined, files, open: current });
  if (payload.length > MAX_ENCODED) {
    showShare("", `too large for a link: ${(payload.length / 1024).toFixed(1)} KB encoded, the limit is ${MAX_ENCODED / 1024} KB. Download the .zip instead.`, "too-large");
    return;
  }
  history.replaceState(null, "", `${location.pathname}${location.search}#${HASH_KEY}=${payload}`);
  const link = location.href;
  let copied = false;
  try {
    await navigator.clipboard.writeText(link);
    copied = true;
  } catch {
    // No clipboard permission (or not a secure context): the link is in the field to copy.
  }
  showShare(link, `${copied ? "copied; " : ""}${(payload.length / 1024).toFixed(1)} KB, also in the address bar`, "ok");
  shareLink.focus();
  shareLink.select();
};

/** Opens the project in the URL hash, if any; asks first when it would replace local edits. */
async function openShared(payload: string): Promise<boolean> {
  let shared: SharedProject;
  try {
    shared = await decodeProject(payload);
  } catch (e) {
    // Shown beside the share controls: the errors pane belongs to the project (a restart clears it).
    showShare("", `could not open the shared project: ${(e as Error).message}`, "error");
    history.replaceState(null, "", location.pathname + location.search);
    return false;
  }
  const same = JSON.stringify(shared.files) === JSON.stringify(files);
  if (Object.keys(files).length && !same && edited() && !confirm("Open the shared project? It replaces your edits in this browser.")) {
    dropShareLink(); // declined: a reload must not ask again
    return false;
  }
  setProject({ example: shared.example ?? null, files: shared.files, open: shared.open }, "opened a shared project");
  save();
  return true;
}
addEventListener("hashchange", () => {
  const payload = payloadOf(location.hash);
  if (payload) openShared(payload);
});

$<HTMLButtonElement>("#download").onclick = () => {
  const blob = new Blob([zipFiles(files)], { type: "application/zip" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `${example ?? "nexxo-project"}.zip`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
};

// ---- packages ------------------------------------------------------------------------------------
// The project's package.json `dependencies` list its npm packages; install.ts resolves them and
// their own dependencies against the registry into a node_modules tree (see packages.ts for the
// I/O). Packuments and unpacked tarballs are kept in IndexedDB by URL, and each package's files go
// to the session and to Build as <its folder>/<path>, e.g. node_modules/a/node_modules/b/index.js.

const REGISTRY_KEY = "nexxo-playground-registry";
let registry = localStorage.getItem(REGISTRY_KEY) || DEFAULT_REGISTRY;
pkgRegistry.value = registry;
/** The installed packages by folder (`node_modules/a`, `node_modules/a/node_modules/b`). */
let loaded = new Map<string, LoadedPackage>();
/** Packages that could not be installed, with the chain that needed them: shown with the errors. */
let packageProblems: string[] = [];
/** Fetches under way, by URL: an add and the refresh it causes share one request. */
const fetching = new Map<string, Promise<LoadedPackage>>();
/** Packuments this page has asked for, by URL: one request per package however often it is needed. */
const packuments = new Map<string, Promise<{ packument: Packument; cached: boolean }>>();

/** A package by URL: from the browser's cache, else fetched (then cached). */
function obtain(label: string, url: string, integrity?: string): Promise<LoadedPackage> {
  const have = [...loaded.values()].find((p) => p.url === url);
  if (have) return Promise.resolve(have);
  let p = fetching.get(url);
  if (!p) {
    p = (async () => {
      const cached = await loadCachedPackage(url).catch(() => undefined);
      if (cached) return cached;
      const fresh = await fetchPackage(label, url, integrity);
      await cachePackage(fresh).catch(() => {}); // no cache (private mode): fetched again next time
      return fresh;
    })();
    fetching.set(url, p);
    p.finally(() => fetching.delete(url)).catch(() => {});
  }
  return p;
}

/** Where install.ts gets packuments and tarballs: this page's memory, IndexedDB, the network. */
const io: InstallIO = {
  packument(name, fresh) {
    const url = packumentUrl(registry, name);
    let p = fresh ? undefined : packuments.get(url);
    if (!p) {
      p = (async () => {
        const cached = fresh ? undefined : await loadCachedPackument(url).catch(() => undefined);
        if (cached) return { packument: cached, cached: true };
        const packument = await fetchPackument(url);
        await cachePackument(url, packument).catch(() => {});
        return { packument, cached: false };
      })();
      packuments.set(url, p);
      p.catch(() => packuments.delete(url));
    }
    return p;
  },
  tarball: obtain,
};

/** Files of the installed packages as the engine takes them: <folder>/<path>. */
function packageInputs() {
  return [...loaded].flatMap(([folder, p]) => p.files.map((f) => ({ ...f, path: `${folder}/${f.path}` })));
}

const projectLabel = () => projectName(files["package.json"], example ?? "project");

/** Installs what package.json lists (caches first); true when the installed tree changed. */
async function refreshPackages(): Promise<boolean> {
  const deps = dependenciesOf(files["package.json"]);
  const { installed, problems } = await install(projectLabel(), deps, io, SUPPLIED);
  const next = new Map(installed.map((i) => [i.location, i.pkg]));
  const key = (m: Map<string, LoadedPackage>) => JSON.stringify([...m].map(([n, p]) => [n, p.url]).sort());
  const changed = key(next) !== key(loaded);
  loaded = next;
  packageProblems = problems;
  renderPackages(deps);
  return changed;
}

function renderPackages(deps = dependenciesOf(files["package.json"])) {
  pkgList.replaceChildren(
    ...Object.entries(deps).map(([name, spec]) => {
      const li = document.createElement("li");
      li.dataset.package = name;
      const p = loaded.get(`node_modules/${name}`);
      const state = SUPPLIED.has(name) ? "supplied by the playground" : p ? `${p.version}, ${p.files.length} files` : "not loaded";
      const label = document.createElement("span");
      label.textContent = `${name} `;
      label.title = spec;
      const info = document.createElement("small");
      info.textContent = state;
      li.append(label, info, smallButton("remove", `Remove package ${name}`, () => removePackage(name)));
      return li;
    }),
  );
  // The whole tree, dependencies of dependencies included, one row per folder.
  pkgTreeBox.hidden = loaded.size === 0;
  pkgTreeSummary.textContent = `${loaded.size} package${loaded.size === 1 ? "" : "s"} installed`;
  pkgTree.replaceChildren(
    ...[...loaded].map(([folder, p]) => {
      const li = document.createElement("li");
      li.dataset.installed = folder;
      li.textContent = `${folder.replace(/^node_modules\//, "").replace(/\/node_modules\//g, " > ")}@${p.version}`;
      return li;
    }),
  );
  pkgError.textContent = packageProblems.join("\n");
  document.body.dataset.packages = String(loaded.size);
}

/** Writes package.json (open in the editor or not) and lets the session and the list follow. */
function setPackageJson(text: string) {
  const existed = "package.json" in files;
  files["package.json"] = text;
  pending.delete("package.json");
  sync([{ path: "package.json", text }], []);
  if (current === "package.json") openFile(current);
  else if (!existed) renderTree();
  projectChanged();
}

pkgForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const wanted = parseAddition(pkgInput.value);
  if ("error" in wanted) return void (pkgError.textContent = wanted.error);
  pkgError.textContent = "loading…";
  let name: string;
  let spec: string;
  try {
    if ("url" in wanted) {
      // The name comes from the archive's package.json; until then the file name stands for it.
      const label = decodeURIComponent(wanted.url.split(/[?#]/)[0].split("/").pop() ?? wanted.url).replace(/\.t(ar\.)?gz$/, "");
      name = (await obtain(label, wanted.url)).name;
      spec = wanted.url;
    } else {
      ({ name, spec } = wanted);
      // What the registry has now, as `npm install <name>` asks: a cached packument may predate
      // the version `latest` names today (the dependencies' cached ones are used as they are).
      await io.packument(name, true).catch(() => {});
    }
    // Installed on its own first: package.json gets only what installs, with every dependency (as
    // `npm install` leaves it on a failure). The project's install that follows reuses the loads.
    const trial = await install(projectLabel(), { [name]: spec }, io, SUPPLIED);
    if (trial.problems.length) throw new Error(trial.problems.join("\n"));
    // A tag is saved as npm saves it: a caret range of the version it named.
    const top = trial.installed.find((i) => i.location === `node_modules/${name}`);
    if (isTag(spec) && top) spec = `^${top.version}`;
    setPackageJson(withDependency(files["package.json"], example ?? "playground-project", name, spec));
  } catch (err) {
    pkgError.textContent = (err as Error).message;
    return;
  }
  pkgInput.value = "";
  pkgError.textContent = "";
});

function removePackage(name: string) {
  try {
    setPackageJson(withDependency(files["package.json"], example ?? "playground-project", name, null));
  } catch (e) {
    pkgError.textContent = (e as Error).message;
  }
}

pkgRegistry.addEventListener("change", () => {
  registry = pkgRegistry.value.trim() || DEFAULT_REGISTRY;
  pkgRegistry.value = registry;
  localStorage.setItem(REGISTRY_KEY, registry);
  chain = chain.then(refreshPackages).then((changed) => (changed ? restart("registry changed") : undefined));
});

/**
 * A build error inside a package that imports one not installed (its package.json does not list
 * it, so resolution did not install it) gets the package's name and the fix.
 */
function explainPackageError(e: EditorError): EditorError {
  // The innermost package: node_modules/a/node_modules/b/x.js is b's.
  const inPackage = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(e.file ?? "");
  const what = /Could not resolve '([^']+)'/.exec(e.message);
  if (!inPackage || !what) return e;
  const needed = what[1].startsWith("@") ? what[1].split("/").slice(0, 2).join("/") : what[1].split("/")[0];
  return { ...e, message: `${inPackage[1]} imports ${needed}, which is not installed (not in its dependencies): add it in Packages\n${e.message}` };
}

// ---- the live preview's files --------------------------------------------------------------------
// What the session names by URL rather than as a module (an image's URL is the default export of
// its module; a style sheet's url() keeps one): `nexxo dev` serves those from disk. The preview
// frame has no server, so public/preview-sw.js, a service worker controlling it, answers for them
// from Cache Storage, where this page keeps the current files: every package file of those types
// (node_modules/..., nested folders included) and the project's own.

const PREVIEW_FILES = "nexxo-preview-files";
/** Types fetched by URL: images, fonts, media (not code or style sheets, which are modules). */
const BY_URL = new Set(["svg", "png", "jpg", "jpeg", "gif", "webp", "avif", "ico", "bmp", "woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "ogg", "wav", "txt"]);
const servedByUrl = (path: string) => BY_URL.has(path.slice(path.lastIndexOf(".") + 1).toLowerCase());
const ASSET_MIME: Record<string, string> = {
  avif: "image/avif", bmp: "image/bmp", ttf: "font/ttf", otf: "font/otf", eot: "application/vnd.ms-fontobject",
  mp4: "video/mp4", webm: "video/webm", mp3: "audio/mpeg", ogg: "audio/ogg", wav: "audio/wav",
};

/** Registers public/<script> for `scope` (under this page's base) and resolves its scope URL once active. */
async function startServiceWorker(script: string, scope: string): Promise<string> {
  const reg = await navigator.serviceWorker.register(`${base}${script}`, { scope: `${base}${scope}` });
  // (Not navigator.serviceWorker.ready: that waits for a worker controlling this page, which is
  // outside the worker's scope.)
  const worker = reg.active ?? reg.waiting ?? reg.installing;
  if (worker && worker.state !== "activated") {
    await new Promise<void>((resolve) => worker.addEventListener("statechange", () => worker.state === "activated" && resolve()));
  }
  return reg.scope;
}

/** URL -> content of what the cache holds (null until the first sync, which starts it empty). */
let served: Map<string, string> | null = null;
let previewFilesUnavailable = false;

/** Brings the preview's file cache to the current project and packages (only what changed). */
async function servePreviewFiles() {
  if (previewFilesUnavailable) return;
  const want = new Map<string, { path: string; text?: string; base64?: string }>();
  const add = (path: string, f: { text?: string; base64?: string }) => want.set(new URL(`/${path}`, location.origin).href, { path, ...f });
  for (const [path, text] of Object.entries(files)) if (servedByUrl(path)) add(path, { text });
  for (const [folder, p] of loaded) for (const f of p.files) if (servedByUrl(f.path)) add(`${folder}/${f.path}`, f);
  try {
    if (!served) {
      if (!("serviceWorker" in navigator) || !("caches" in self)) throw new Error("no service workers here");
      await startServiceWorker("preview-sw.js", "preview.html");
      await caches.delete(PREVIEW_FILES);
      served = new Map();
    }
    const cache = await caches.open(PREVIEW_FILES);
    const content = (f: { text?: string; base64?: string }) => f.text ?? `base64:${f.base64}`;
    await Promise.all([
      ...[...served.keys()].filter((url) => !want.has(url)).map((url) => (served!.delete(url), cache.delete(url))),
      ...[...want]
        .filter(([url, f]) => served!.get(url) !== content(f))
        .map(([url, f]) => {
          served!.set(url, content(f));
          const ext = f.path.slice(f.path.lastIndexOf(".") + 1).toLowerCase();
          const body = f.text !== undefined ? f.text : Uint8Array.from(atob(f.base64 ?? ""), (c) => c.charCodeAt(0));
          return cache.put(url, new Response(body, { headers: { "content-type": MIME[ext] ?? ASSET_MIME[ext] ?? "application/octet-stream" } }));
        }),
    ]);
  } catch (e) {
    // Not a secure context (or storage refused): the preview runs, without these files.
    previewFilesUnavailable = true;
    console.warn(`the preview cannot serve package images and fonts: ${(e as Error).message}`);
  }
}

// ---- build -----------------------------------------------------------------------------------

// The packages a build resolves from node_modules. The preview frame gets React from this page's own
// bundle (preview.ts imports it); a production build needs the packages' files themselves, so this
// page's build (`nexxo build web`) emits the same node_modules files as raw-text chunks, fetched
// from this origin the first time Build runs. Only what a browser app imports: each package.json
// (the resolver reads `exports`/`main`), the entry files, and the production CommonJS files the
// entries pick when process.env.NODE_ENV is "production" (as it is in a build).
// (A typed declaration, not `as`: a multi-line `import.meta.glob(...) as T` fails to parse after the
// engine's glob transform, see the README.)
const packageFiles: Record<string, () => Promise<string>> = import.meta.glob(
  [
    "/node_modules/react/package.json",
    "/node_modules/react/{index,jsx-runtime,jsx-dev-runtime,compiler-runtime}.js",
    "/node_modules/react/cjs/{react,react-jsx-runtime,react-jsx-dev-runtime,react-compiler-runtime}.production.js",
    "/node_modules/react-dom/package.json",
    "/node_modules/react-dom/{index,client}.js",
    "/node_modules/react-dom/cjs/{react-dom,react-dom-client}.production.js",
    "/node_modules/scheduler/package.json",
    "/node_modules/scheduler/index.js",
    "/node_modules/scheduler/cjs/scheduler.production.js",
  ],
  { query: "?raw", import: "default" },
);
let reactInputs: Promise<{ path: string; text: string }[]> | undefined;
function loadPackages() {
  reactInputs ??= Promise.all(
    Object.entries(packageFiles).map(async ([key, load]) => ({ path: key.slice(1), text: await load() })),
  ).catch((e) => {
    reactInputs = undefined; // a failed fetch is retried on the next Build
    throw e;
  });
  return reactInputs;
}

type OutFile = { path: string; kind: string; text?: string; base64?: string };
/** The last successful build's files (what "Preview build" serves and "Download build" zips). */
type InputFile = { path: string; text: string } | { path: string; base64: string };
interface Built {
  files: OutFile[];
  id: string;
  /** What was built (for the source maps of a build without them, see buildMaps). */
  inputs: InputFile[];
  /** Where "Preview build" serves it: `<scope><id>/`. */
  served?: string;
  maps?: Promise<Map<string, RawMap & { dir: string }>>;
}
let built: Built | null = null;
const previewBuildButton = $<HTMLButtonElement>("#preview-build");
const downloadBuildButton = $<HTMLButtonElement>("#download-build");
const buildFrameHost = $<HTMLDivElement>("#build-preview-host");

const bytesOf = (f: OutFile): Uint8Array =>
  f.text !== undefined ? new TextEncoder().encode(f.text) : Uint8Array.from(atob(f.base64 ?? ""), (c) => c.charCodeAt(0));

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

// The size summary as `nexxo build` prints it (host/src/build.rs print_summary): HTML first, then
// by path; gzip sizes for HTML, CSS and JS; the manifest not listed.
const human = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1000).toFixed(2)} kB`);
async function summary(files: OutFile[], ms: number): Promise<string> {
  const shown = files.filter((f) => f.kind !== "manifest");
  const rows = await Promise.all(
    shown.map(async (f) => {
      const bytes = bytesOf(f);
      const gz = ["html", "css", "entry", "chunk"].includes(f.kind) ? await gzipSize(bytes) : null;
      return { f, size: bytes.length, gz };
    }),
  );
  const order = (r: (typeof rows)[number]) => `${r.f.kind === "html" ? 0 : 1}${r.f.kind === "sourcemap" ? 1 : 0}${r.f.path}`;
  rows.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  const width = Math.max(0, ...rows.map((r) => r.f.path.length)) + "dist/".length;
  const lines = rows.map(
    (r) => `${`dist/${r.f.path}`.padEnd(width)}  ${human(r.size).padStart(9)}${r.gz === null ? "" : ` │ gzip: ${human(r.gz).padStart(9)}`}`,
  );
  const total = rows.reduce((n, r) => n + r.size, 0);
  return `${lines.join("\n")}\n✓ built ${rows.length} files, ${human(total)} in ${ms}ms (engine in this tab's worker)`;
}

$<HTMLButtonElement>("#build").onclick = async () => {
  buildOut.textContent = "building…";
  document.body.dataset.build = "running";
  const started = performance.now();
  let res;
  let inputs: InputFile[] = [];
  try {
    // The user's packages as node_modules/ (after a package change still being loaded), and React's
    // (never among them: see SUPPLIED).
    await chain;
    inputs = [...asInput(files), ...(await loadPackages()), ...packageInputs()];
    // Incremental: the next Build after an edit minifies only the parts of the bundle it changed.
    res = await nexxo.build({ files: inputs, incremental: true });
  } catch (e) {
    res = { ok: false, errors: [{ message: String((e as Error).message ?? e) }] };
  }
  const ms = Math.round(performance.now() - started);
  if (!res.ok) {
    buildOut.textContent = `build failed in ${ms} ms`;
    document.body.dataset.build = "failed";
    showErrors(res.errors.map(explainPackageError));
    return;
  }
  built = { files: res.files, id: `${Date.now().toString(36)}`, inputs };
  buildOut.textContent = await summary(res.files, ms);
  previewBuildButton.disabled = false;
  downloadBuildButton.disabled = false;
  // An open preview shows the new build (one of an older build would mislead next to the summary).
  if (!buildFrameHost.hidden) await openBuildPreview();
  document.body.dataset.build = "ok";
};

const MIME: Record<string, string> = {
  html: "text/html", js: "text/javascript", mjs: "text/javascript", css: "text/css", json: "application/json",
  map: "application/json", svg: "image/svg+xml", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg",
  gif: "image/gif", webp: "image/webp", ico: "image/x-icon", woff: "font/woff", woff2: "font/woff2", wasm: "application/wasm", txt: "text/plain",
};

// ---- runtime errors of the built app ------------------------------------------------------------
// A built page previewed here reports its uncaught errors to this page (a script put before its
// own), which shows them like the live preview's: at the original file:line with a code frame.

const REPORTER = `<script>(() => {
  if (parent === window) return;
  const send = (e) => parent.postMessage({ type: "build-runtime-error",
    message: e instanceof Error ? e.name + ": " + e.message : String(e), stack: e instanceof Error ? e.stack || "" : "" }, location.origin);
  addEventListener("error", (e) => send(e.error ?? e.message));
  addEventListener("unhandledrejection", (e) => send(e.reason));
})();</script>`;

function withErrorReporter(html: string): string {
  const head = /<head[^>]*>/i.exec(html);
  return head ? html.slice(0, head.index + head[0].length) + REPORTER + html.slice(head.index + head[0].length) : REPORTER + html;
}

const SOURCE_MAP_COMMENT = /\n?\/\/# sourceMappingURL=(\S+)\s*$/;
const dirOf = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf("/")));
/** `rel` resolved against the folder `dir` (both relative to the project root). */
function joinPath(dir: string, rel: string): string {
  const parts = dir ? dir.split("/") : [];
  for (const seg of rel.split("/")) {
    if (seg === "..") parts.pop();
    else if (seg && seg !== ".") parts.push(seg);
  }
  return parts.join("/");
}

/**
 * The build's source maps, by output path. A build without maps (the default, as in `nexxo
 * build`) is built once more with `sourcemap: true`, which gives the same code plus the map
 * comment; a map is used only for a file whose code is the same, so a location is never mapped
 * through another file's map. Download build keeps the output as configured.
 */
function buildMaps(b: Built): Promise<Map<string, RawMap & { dir: string }>> {
  b.maps ??= (async () => {
    const own = b.files.some((f) => f.kind === "sourcemap");
    const res = own ? { ok: true, files: b.files } : await nexxo.build({ files: b.inputs, overrides: { sourcemap: true } });
    const withMaps: OutFile[] = res.ok ? res.files : [];
    const maps = new Map<string, RawMap & { dir: string }>();
    for (const f of b.files) {
      const twin = withMaps.find((g) => g.path === f.path)?.text;
      const ref = twin === undefined ? null : SOURCE_MAP_COMMENT.exec(twin);
      if (!ref || f.text === undefined || twin!.slice(0, ref.index) !== f.text.replace(SOURCE_MAP_COMMENT, "")) continue;
      const mapPath = joinPath(dirOf(f.path), ref[1]);
      const text = withMaps.find((g) => g.path === mapPath)?.text;
      // Map sources are relative to the map in dist/: "../../src/App.tsx" from dist/assets/.
      if (text) maps.set(f.path, { ...(JSON.parse(text) as RawMap), dir: dirOf(`dist/${mapPath}`) });
    }
    return maps;
  })();
  return b.maps;
}

async function showBuildRuntimeError(message: string, stack: string) {
  const b = built;
  if (!b?.served) return;
  let where: { file: string; line: number; column: number; frame: string; original: boolean } | null = null;
  for (const f of stackFrames(stack, location.origin)) {
    const full = location.origin + f.url.split("?")[0];
    // Files under the preview's scope, or at the root for a build with base "/" (build-sw.js).
    const path = full.startsWith(b.served) ? full.slice(b.served.length) : f.url.split("?")[0].slice(1);
    const out = b.files.find((o) => o.path === path);
    if (!out || out.text === undefined) continue;
    const map = (await buildMaps(b)).get(path);
    const pos = map && originalPosition(map, f.line, f.column);
    if (pos) {
      const file = joinPath(map.dir, pos.source);
      where = { file, line: pos.line, column: pos.column, frame: codeFrame(pos.content ?? files[file] ?? "", pos.line, pos.column), original: true };
    } else {
      // No map for it: the built file's place, with the part of the (minified) line around it.
      const text = out.text.split("\n")[f.line - 1] ?? "";
      const from = Math.max(0, f.column - 60);
      const frame = `> ${text.slice(from, f.column + 60)}\n  ${" ".repeat(f.column - 1 - from)}^`;
      where = { file: `dist/${path}`, line: f.line, column: f.column, frame, original: false };
    }
    break;
  }
  const text = where
    ? `runtime error in the production build: ${message}\n  at ${where.file}:${where.line}:${where.column}\n${where.frame}`
    : `runtime error in the production build: ${message}\n${stack}`;
  showErrors([{ message: text, ...(where?.original && { file: where.file, line: where.line, column: where.column }) }]);
  setStatus("the production build threw an error");
}

addEventListener("message", (e: MessageEvent) => {
  const f = document.querySelector<HTMLIFrameElement>("#build-preview");
  if (!f || e.source !== f.contentWindow || e.data?.type !== "build-runtime-error") return;
  showBuildRuntimeError(String(e.data.message), String(e.data.stack ?? ""));
});

function closeBuildPreview() {
  buildFrameHost.replaceChildren();
  buildFrameHost.hidden = true;
}

/** Serves the last build through public/build-sw.js and opens its index.html in a frame. */
async function openBuildPreview() {
  if (!built) return;
  if (!("serviceWorker" in navigator) || !("caches" in self)) {
    setStatus("previewing a build needs service workers (a secure context: https or localhost)");
    return;
  }
  const { files: out, id } = built;
  try {
    const scope = await startServiceWorker("build-sw.js", "build-preview/");
    // One build at a time in the cache: the previous ones go.
    await caches.delete("nexxo-build-preview");
    const cache = await caches.open("nexxo-build-preview");
    await Promise.all(
      out.map((f) => {
        const ext = f.path.slice(f.path.lastIndexOf(".") + 1).toLowerCase();
        const headers = { "content-type": MIME[ext] ?? "application/octet-stream" };
        // Pages get the error reporter first (the only difference from the output files).
        const body = f.kind === "html" && f.text !== undefined ? withErrorReporter(f.text) : bytesOf(f);
        return cache.put(new Request(`${scope}${id}/${f.path}`), new Response(body, { headers }));
      }),
    );
    built.served = `${scope}${id}/`;
    const frame = document.createElement("iframe");
    frame.id = "build-preview";
    frame.title = "build preview";
    frame.src = `${scope}${id}/index.html`;
    const close = smallButton("close", "Close the build preview", closeBuildPreview);
    const open = Object.assign(document.createElement("a"), { href: frame.src, target: "_blank", textContent: "open in a new tab" });
    const bar = document.createElement("div");
    bar.className = "build-preview-bar";
    bar.append(`production build ${id}`, open, close);
    buildFrameHost.replaceChildren(bar, frame);
    buildFrameHost.hidden = false;
  } catch (e) {
    setStatus(`cannot preview the build: ${(e as Error).message ?? e}`);
  }
}
previewBuildButton.onclick = openBuildPreview;

downloadBuildButton.onclick = () => {
  if (!built) return;
  // The output as `nexxo build` writes dist/: the same paths, binary files as their bytes.
  const blob = new Blob([zipFiles(Object.fromEntries(built.files.map((f) => [f.path, bytesOf(f)])))], { type: "application/zip" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `${example ?? "nexxo-project"}-dist.zip`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
};

// ---- start -----------------------------------------------------------------------------------

nexxo.version().then((v: string) => ($<HTMLSpanElement>("#version").textContent = `engine v${v}`));

async function init() {
  let stored;
  try {
    stored = await loadProject();
  } catch (e) {
    savedOut.textContent = `edits will not be kept: ${(e as Error).message}`;
  }
  if (stored && Object.keys(stored.files).length) {
    // Restore without a restart yet: a share link may replace it (and must compare against it).
    files = { ...stored.files };
    example = stored.example && stored.example in examples ? stored.example : null;
    syncSelect();
    openFile(stored.open in files ? stored.open : defaultFile());
    savedOut.textContent = "restored from this browser";
  }
  const payload = payloadOf(location.hash);
  if (payload && (await openShared(payload))) return;
  if (stored && Object.keys(stored.files).length) chain = chain.then(refreshPackages).then(() => restart("restored"));
  else loadExample(DEFAULT_EXAMPLE);
}
init();
