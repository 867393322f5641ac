// The playground: edit a project's files, rebuild in the engine's Web Worker on every edit, and
// patch the live preview with HMR so component state survives.
import { createNexxoWorker } from "../../worker/client.js";
import { examples, type Project } from "./examples";
import "./style.css";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const tabs = $<HTMLDivElement>("#files");
const editor = $<HTMLTextAreaElement>("#editor");
const errors = $<HTMLPreElement>("#errors");
const status = $<HTMLSpanElement>("#status");
const select = $<HTMLSelectElement>("#example");
const frameHost = $<HTMLDivElement>("#preview-host");
const buildOut = $<HTMLPreElement>("#build-output");

const base = import.meta.env.BASE_URL;
const nexxo = createNexxoWorker(new URL(`${base}engine/nexxo-worker.js`, location.href));
const SESSION = "playground";
// Packages the preview frame supplies itself (see preview.ts); everything else is the project's.
const EXTERNALS = ["react", "react-dom", "react-dom/client", "react/jsx-runtime", "react/jsx-dev-runtime"];

let files: Project = {};
let current = "";
let frame: HTMLIFrameElement | null = null;
let chain: Promise<unknown> = Promise.resolve();
let editStarted = 0;

const asInput = (p: Project) => Object.entries(p).map(([path, text]) => ({ path, text }));

function showErrors(list: { message: string }[]) {
  errors.textContent = list.map((e) => e.message).join("\n\n");
  errors.hidden = list.length === 0;
  document.body.dataset.errors = String(list.length);
}

function setStatus(text: string) {
  status.textContent = text;
}

function renderTabs() {
  tabs.replaceChildren(
    ...Object.keys(files).map((path) => {
      const b = document.createElement("button");
      b.textContent = path;
      b.dataset.file = path;
      b.className = path === current ? "active" : "";
      b.onclick = () => openFile(path);
      return b;
    }),
  );
}

function openFile(path: string) {
  current = path;
  editor.value = files[path] ?? "";
  renderTabs();
}

function bodyOf(html: string): string {
  const m = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html);
  return (m ? m[1] : '<div id="root"></div>').replace(/<script[\s\S]*?<\/script>/gi, "");
}

/** Opens a fresh session and a fresh preview frame: first load, example switch, full reload. */
async function restart(reason: string) {
  setStatus(`${reason}…`);
  const started = performance.now();
  let update;
  try {
    update = await nexxo.openSession(SESSION, { files: asInput(files), externals: EXTERNALS });
  } catch (e) {
    showErrors([{ message: String((e as Error).message) }]);
    return;
  }
  if (update.errors.length) {
    showErrors(update.errors);
    setStatus("fix the error to run the preview");
    return;
  }
  showErrors([]);
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

async function edit(path: string, text: string) {
  files[path] = text;
  editStarted = performance.now();
  const update = await nexxo.updateSession(SESSION, [{ path, text }]);
  if (update.fullReload) return restart("reloaded");
  // The runtime shows errors in its overlay and clears it on the next good update, as in `nexxo dev`.
  frame?.contentWindow?.postMessage({ type: "messages", messages: update.messages }, location.origin);
  if (update.errors.length) {
    showErrors(update.errors);
    setStatus("error: the preview keeps the last good version");
    return;
  }
  showErrors([]);
}

addEventListener("message", (e: MessageEvent) => {
  if (!frame || e.source !== frame.contentWindow) return;
  const msg = e.data ?? {};
  if (msg.type === "updated") {
    const ms = Math.round(performance.now() - editStarted);
    setStatus(`hot updated in ${ms} ms`);
    document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1);
  } else if (msg.type === "reload-needed") {
    chain = chain.then(() => restart(`reloaded (${msg.reason})`));
  } else if (msg.type === "runtime-error") {
    showErrors([{ message: `runtime error in the preview:\n${msg.message}` }]);
  } else if (msg.type === "fetch-module") {
    // The runtime needs a module the session did not send yet (a new import).
    nexxo.sessionRunner(SESSION, msg.url).then(
      (r: { ok: boolean; code?: string; errors?: { message: string }[] }) =>
        frame?.contentWindow?.postMessage(
          r.ok ? { type: "module", id: msg.id, code: r.code } : { type: "module", id: msg.id, error: r.errors?.[0]?.message },
          location.origin,
        ),
      (e: Error) => frame?.contentWindow?.postMessage({ type: "module", id: msg.id, error: e.message }, location.origin),
    );
  } else if (msg.type === "started") {
    document.body.dataset.starts = String(Number(document.body.dataset.starts ?? 0) + 1);
  }
});

let timer: ReturnType<typeof setTimeout> | undefined;
editor.addEventListener("input", () => {
  const path = current;
  const text = editor.value;
  clearTimeout(timer);
  timer = setTimeout(() => {
    chain = chain.then(() => edit(path, text)).catch((e) => showErrors([{ message: String(e.message ?? e) }]));
  }, 60);
});
editor.addEventListener("keydown", (e) => {
  if (e.key === "Tab") {
    e.preventDefault();
    editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
    editor.dispatchEvent(new Event("input"));
  }
});

function loadExample(name: string) {
  files = { ...examples[name] };
  openFile(Object.keys(files).find((p) => p.startsWith("src/App")) ?? Object.keys(files)[0]);
  chain = chain.then(() => restart(`loaded ${name}`));
}

select.replaceChildren(
  ...Object.keys(examples).map((name) => Object.assign(document.createElement("option"), { value: name, textContent: name })),
);
select.onchange = () => loadExample(select.value);

$<HTMLButtonElement>("#build").onclick = async () => {
  buildOut.textContent = "building…";
  const started = performance.now();
  const res = await nexxo.build({ files: asInput(files) });
  const ms = Math.round(performance.now() - started);
  if (!res.ok) {
    buildOut.textContent = `build failed in ${ms} ms`;
    showErrors(res.errors);
    return;
  }
  const size = (f: { text?: string; base64?: string }) => (f.text ?? "").length || Math.floor(((f.base64 ?? "").length * 3) / 4);
  buildOut.textContent =
    `production build in ${ms} ms (engine in this tab's worker)\n` +
    res.files.map((f: { path: string; kind: string }) => `${f.path.padEnd(40)} ${String(size(f)).padStart(8)} B  ${f.kind}`).join("\n");
};

nexxo.version().then((v: string) => ($<HTMLSpanElement>("#version").textContent = `engine v${v}`));
loadExample(select.value || "react-counter");
