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

export declare class NexxoEngine {
  static load(source: WebAssembly.Module | BufferSource | Response | URL | string | Promise<Response>): Promise<NexxoEngine>;
  constructor(module: WebAssembly.Module);
  callJson(json: string): string;
  build(request: BuildRequest): BuildResponse;
  buildJson(requestJson: string): string;
  transform(request: TransformRequest): TransformResponse;
  openSession(session: string, request: OpenSessionRequest): SessionStart;
  updateSession(session: string, changed: InputFile[], removed?: string[]): SessionUpdate;
  sessionRunner(session: string, url: string): { ok: boolean; code?: string; errors?: Message[] };
  sessionRequest(session: string, url: string): { status: number; contentType: string; text: string };
  closeSession(session: string): boolean;
  version(): string;
}
