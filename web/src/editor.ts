// The code editor: CodeMirror 6 (from npm, bundled by `nexxo build web`) with syntax highlighting
// for the project's languages, line numbers, undo history kept per file, search, bracket matching,
// and the engine's errors as inline markers on the lines they point at.
//
// Its editable element (CodeMirror's content DOM) has the id "editor" and a read-only `value`
// property holding the text, as the textarea it replaced had, so the page's focus handling and
// anything scripting the page (the e2e tests) read it the same way.
import { basicSetup } from "codemirror";
import { EditorState, type Extension } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { css } from "@codemirror/lang-css";
import { html } from "@codemirror/lang-html";
import { setDiagnostics, lintGutter, type Diagnostic } from "@codemirror/lint";

export interface EditorError {
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

function language(path: string): Extension {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  if (["ts", "tsx", "mts", "cts"].includes(ext)) return javascript({ typescript: true, jsx: ext === "tsx" });
  if (["js", "jsx", "mjs", "cjs"].includes(ext)) return javascript({ jsx: ext !== "mjs" && ext !== "cjs" });
  if (["css", "scss", "sass", "less"].includes(ext)) return css();
  if (["html", "htm", "svg"].includes(ext)) return html();
  return [];
}

export class Editor {
  readonly view: EditorView;
  /** Each file's editor state: switching files keeps its undo history and selection. */
  private states = new Map<string, EditorState>();
  private path = "";
  private errors: EditorError[] = [];
  /** The state and markers of the last marking: the same markers again dispatch nothing. */
  private marked: { state: EditorState; key: string } | null = null;

  constructor(parent: HTMLElement, private onChange: (text: string) => void) {
    this.view = new EditorView({ parent, state: this.stateFor("", "", true) });
    Object.defineProperty(this.view.contentDOM, "value", { get: () => this.text });
    // Keyboard users must be able to leave: Escape, then Tab (within 2 s) moves focus on. CodeMirror
    // does this itself, but not when another handler takes the Escape first (the autocompletion
    // closing its pending list, seen after typing), so the key arms it here, before any handler,
    // and still goes on to them.
    this.view.contentDOM.addEventListener("keydown", (e) => e.key === "Escape" && this.view.setTabFocusMode(2000), true);
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  private stateFor(path: string, text: string, readOnly: boolean): EditorState {
    return EditorState.create({
      doc: text,
      extensions: [
        basicSetup,
        // Tab indents; Escape, then Tab moves focus on (see the constructor).
        keymap.of([indentWithTab]),
        lintGutter(),
        language(path),
        EditorState.readOnly.of(readOnly),
        EditorView.editable.of(!readOnly),
        EditorView.contentAttributes.of({ id: "editor", "aria-label": `contents of ${path || "no file"}` }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) this.onChange(u.state.doc.toString());
        }),
      ],
    });
  }

  /** Shows `path` with `text`: its kept state when the text is unchanged, else a fresh one
   * (the file changed outside the editor: a rename, a loaded example, a share link). */
  open(path: string, text: string | undefined) {
    if (this.path) this.states.set(this.path, this.view.state);
    this.path = path;
    const kept = this.states.get(path);
    const state =
      text === undefined
        ? this.stateFor(path, "", true)
        : kept && kept.doc.toString() === text
          ? kept
          : this.stateFor(path, text, false);
    this.view.setState(state);
    this.mark();
  }

  /** Forgets the kept states of files that are gone (or replaced wholesale). */
  forget(keep: (path: string) => boolean) {
    for (const p of [...this.states.keys()]) if (!keep(p)) this.states.delete(p);
  }

  focus() {
    this.view.focus();
  }

  /** The errors to mark: those with a location in the open file get an inline marker. */
  setErrors(errors: EditorError[]) {
    this.errors = errors;
    this.mark();
  }

  private mark() {
    const doc = this.view.state.doc;
    const diagnostics: Diagnostic[] = [];
    for (const e of this.errors) {
      if (e.file !== this.path || !e.line || e.line > doc.lines) continue;
      const line = doc.line(e.line);
      const from = Math.min(line.to, line.from + Math.max(0, (e.column ?? 1) - 1));
      // The message's first line: the code frame is in the errors pane.
      diagnostics.push({ from, to: Math.max(from, line.to), severity: "error", message: e.message.split("\n")[0] });
    }
    // A dispatch drops a selection CodeMirror has not read from the DOM yet, and updates arrive
    // while the user works: none is made when the markers are what they were.
    const key = JSON.stringify(diagnostics);
    if (this.marked?.state === this.view.state && this.marked.key === key) return;
    this.view.dispatch(setDiagnostics(this.view.state, diagnostics));
    this.marked = { state: this.view.state, key };
  }
}
