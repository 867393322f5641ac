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
  /** The project's files relative to root: sources, index.html, nexxo.config.json, .env, node_modules/... */
  files: InputFile[];
  /** Stands in for the process environment (NEXXO_* variables). */
  env?: Record<string, string>;
  overrides?: { mode?: string; minify?: boolean; sourcemap?: boolean; base?: string };
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

/** A module in module-runner form: the body of an async function (see crates/nexxo_engine/src/session.rs). */
export interface SessionModule {
  id: string;
  code: string;
  deps: Record<string, string>;
  selfAccepting: boolean;
  refresh: boolean;
  /** Ids of the deps it accepts with `import.meta.hot.accept(dep, cb)`: it is their boundary. */
  acceptedDeps: string[];
}

export interface SessionUpdate {
  modules: SessionModule[];
  entry: string;
  updates: { id: string; accepted: string }[];
  fullReload: boolean;
  pruned: string[];
  errors: Message[];
  env: Record<string, unknown>;
}

export declare class NexxoEngine {
  static load(source: WebAssembly.Module | BufferSource | Response | URL | string | Promise<Response>): Promise<NexxoEngine>;
  constructor(module: WebAssembly.Module);
  callJson(json: string): string;
  build(request: BuildRequest): BuildResponse;
  buildJson(requestJson: string): string;
  transform(request: TransformRequest): TransformResponse;
  openSession(session: string, request: BuildRequest): SessionUpdate;
  updateSession(session: string, changed: InputFile[], removed?: string[]): SessionUpdate;
  closeSession(session: string): boolean;
  version(): string;
}
