// Types of the Nexxo engine's JavaScript API (wasm/js/nexxo.js). The same shapes travel as JSON
// through `nexxo worker`, the edge worker and wasmtime.

export type FileContents = { text: string } | { base64: string };
export type InputFile = { path: string } & FileContents;

export interface Message {
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface BuildRequest {
  /** Absolute directory the files live under (default "/project"). */
  root?: string;
  /** The project's files relative to root: sources, index.html, nexxo.config.json, .env, node_modules/...
   * Left out (or empty), the build reads the engine's `files` provider (`EngineOptions.files`). */
  files?: InputFile[];
  /** Stands in for the process environment (NEXXO_* variables). */
  env?: Record<string, string>;
  overrides?: { mode?: string; minify?: boolean; sourcemap?: boolean; base?: string };
  /** Keep this build's minified parts in the instance and take the last incremental build's again
   * where a chunk's part did not change: a rebuild after an edit minifies only what changed, with
   * the same output as without. Held by the instance until the next incremental build. */
  incremental?: boolean;
}

export type OutputKind = "html" | "entry" | "chunk" | "css" | "asset" | "sourcemap" | "manifest";
export type OutputFile = { path: string; kind: OutputKind } & FileContents;

export interface BuildResponse {
  ok: boolean;
  files: OutputFile[];
  warnings: Message[];
  errors: Message[];
  /** Project files the build read. */
  inputs: string[];
  /** Files whose existence, not content, the output depends on, and whether each existed when
   * the build looked (a page's `<img src>` or a `new URL()` naming no file is left as written, with a
   * warning): creating or deleting one makes another output, so a host's cache must check them. */
  lookedFor: [string, boolean][];
}

export interface TransformRequest {
  path: string;
  source: string;
  reactRefresh?: boolean;
}

export interface TransformResponse {
  ok: boolean;
  code: string;
  imports: string[];
  exports: string[];
  errors: Message[];
}

/** A module in runner form: the body of an async function for the dev runtime's `define(url, fn)`
 * (see crates/nexxo_engine/src/session.rs). */
export interface SessionModule {
  url: string;
  code: string;
}

export interface OpenSessionRequest extends BuildRequest {
  /** Bare specifiers the page supplies itself (its runtime's `__nexxo_natives`). */
  externals?: string[];
}

export interface SessionStart {
  ok: boolean;
  /** The module the page runs first. */
  entry: string;
  /** Every module the entry reaches, in import order. */
  modules: SessionModule[];
  /** The dev runtime (`/@nexxo/client`), to import as a module. */
  client: string;
  errors: Message[];
  warnings: string[];
}

/** A message for the runtime's `receive`, as `nexxo dev` sends over its WebSocket. */
export type SessionMessage =
  | { type: "update"; updates: { path: string; accepted: string; url: string; timestamp: number; kind: string }[]; modules: Record<string, string> }
  | { type: "full-reload" }
  | { type: "prune"; paths: string[] }
  | { type: "error"; error: { code: string; message: string; file?: string; line?: number; column?: number; frame?: string; hint?: string } };

export interface SessionUpdate {
  ok: boolean;
  messages: SessionMessage[];
  errors: Message[];
  /** The page must start over (open the session again). */
  fullReload: boolean;
  warnings: string[];
}

/** Where a build without `files` reads the project: the engine asks for each path it needs
 * (absolute; the request's `root` and everything under it, `node_modules` included). */
export interface FileProvider {
  /** What is at `path`: a file, a directory, or nothing (null). */
  stat(path: string): "file" | "directory" | null;
  /** A file's contents, or null when there is none. */
  read(path: string): string | Uint8Array | null;
  /** The names in a directory, or null (rarely asked: the resolver works by `stat`). */
  list?(path: string): string[] | null;
}

/** A `FileProvider` over files held in memory (absolute paths), changed between builds. */
export declare class MemoryFiles implements FileProvider {
  constructor(entries?: Iterable<[string, string | Uint8Array]>);
  write(path: string, contents: string | Uint8Array): void;
  /** Whether the file existed. Its directories stay. */
  remove(path: string): boolean;
  clear(): void;
  readonly size: number;
  stat(path: string): "file" | "directory" | null;
  read(path: string): string | Uint8Array | null;
  list(path: string): string[] | null;
}

export interface EngineOptions {
  /** The project for builds that send no `files`: the engine asks it for what it reads, so an
   * IDE sends its project once and an edit is one `write` (e.g. `new MemoryFiles(...)`). */
  files?: FileProvider;
  /** A pool for the session's parallel jobs (module transforms, runner forms): gets their JSON
   * array, answers their results' JSON array in the same order, or null to let the instance run
   * them itself. Used only where JSPI exists (`hasJspi`); then every call returns a Promise. */
  runJobs?: (jobsJson: string) => Promise<string | null>;
  /** In Node on a machine of 4 cores or fewer, the first instance limits V8's WebAssembly compile
   * threads to one fewer than the cores (process-wide; not where the command line
   * set it), so optimizing the engine does not take the core its first build runs on (2x faster
   * on 2 cores). `false` leaves V8's flags alone. No effect in browsers and edge runtimes. */
  tuneV8?: boolean;
  /** Bytes of memory each instance takes as it starts: by default 128 MB in Node, none in browsers
   * and edge runtimes; `0` for none. The engine's memory otherwise grows step by step through a
   * first build, and V8 collects the JavaScript heap after each growth: a 2.4k-module project's
   * first build in Node took about 10% longer without (`benches/first-build.mjs`, tools `nexxo`
   * and `nexxo-no-reserve`; 3% in Chromium, `browser-side.mjs`, tool `nexxo-reserve`), ending at the
   * same 135-148 MB. WebAssembly memory never shrinks, so this is address space held for the
   * instance's life; pages no build touched take no memory. Not for an edge isolate (128 MB in all).
   * For comparison, @rolldown/browser's binding starts with 1 GiB. */
  reserve?: number;
}

/** Whether this JavaScript engine has JSPI (`WebAssembly.Suspending`, `WebAssembly.promising`). */
export declare const hasJspi: boolean;

/** A call's result: a plain value, or a Promise of it when the engine has a pool (`async`);
 * either, for an engine given `runJobs` (it depends on JSPI: `await` works for both). */
/** The stages of a build, in order: resolving, reading and transforming modules; linking them;
 * rendering, minifying and hashing chunks; the chunks' CSS, the pages and the manifest. */
export type BuildStage = "load" | "link" | "render" | "finish";

type Answer<T, Async extends boolean> = Async extends true ? Promise<T> : T;

export interface NexxoEngine<Async extends boolean = false> {
  readonly module: WebAssembly.Module;
  /** Whether calls return Promises (a pool was given and JSPI exists). */
  readonly async: Async;
  /** Why the instance is unusable, after a crash. */
  readonly broken: string | null;
  callJson(json: string): Answer<string, Async>;
  /** Builds `request.files` (or, without files, what the file provider gives under `root`); the
   * files go in and the output's texts come back as bytes (`nexxo_build_bin`). `onProgress` hears
   * each stage as it begins, while the build runs. */
  build(request: BuildRequest, options?: { onProgress?: (progress: { stage: BuildStage }) => void }): Answer<BuildResponse, Async>;
  /** The same build as JSON text in and out (`nexxo_call`): the bytes `buildJson` answers are what
   * every host of the module answers. */
  buildJson(requestJson: string): Answer<string, Async>;
  transform(request: TransformRequest): Answer<TransformResponse, Async>;
  openSession(session: string, request: OpenSessionRequest): Answer<SessionStart, Async>;
  updateSession(session: string, changed: InputFile[], removed?: string[]): Answer<SessionUpdate, Async>;
  sessionRunner(session: string, url: string): Answer<{ ok: boolean; code?: string; errors?: Message[] }, Async>;
  sessionRequest(session: string, url: string): Answer<{ status: number; contentType: string; text: string }, Async>;
  closeSession(session: string): Answer<boolean, Async>;
  version(): Answer<string, Async>;
  /** Builds a small built-in project and drops the output, so V8 compiles and starts optimizing
   * the engine's hot code before the first real build (for idle time, e.g. while an IDE loads);
   * answers whether that build succeeded. `nexxo-worker.js` does it by itself. */
  warmUp(): Answer<boolean, Async>;
}

type Source = WebAssembly.Module | BufferSource | Response | URL | string | Promise<Response>;

export interface NexxoEngineConstructor {
  /** Starts an instance of a compiled module (synchronous). */
  new (module: WebAssembly.Module): NexxoEngine<false>;
  new (module: WebAssembly.Module, options: EngineOptions): NexxoEngine<boolean>;
  /** Compiles (or takes) the module and starts an instance, both asynchronously, so it works on a
   * browser's main thread too (the constructor starts the instance synchronously, which Chromium
   * refuses there for a module over 8 MB: use it in workers, Node and edge runtimes). */
  load(source: Source): Promise<NexxoEngine<false>>;
  load(source: Source, options: EngineOptions): Promise<NexxoEngine<boolean>>;
}

export declare const NexxoEngine: NexxoEngineConstructor;
