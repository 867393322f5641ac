// Types of client.js (the promise-based client of nexxo-worker.js). The shapes are the engine's
// (nexxo.d.ts, which travels beside nexxo.js and this file).
import type {
  BuildRequest,
  BuildResponse,
  InputFile,
  Message,
  OpenSessionRequest,
  SessionStart,
  SessionUpdate,
  TransformRequest,
  TransformResponse,
} from "./nexxo.js";

export interface NexxoWorkerOptions {
  /** Helper workers for a session's module transforms and runner forms (default 0: none; at most
   * 16). Needs JSPI (Chromium 137+); elsewhere the worker runs them itself and `poolInfo().size`
   * is 0. */
  pool?: number;
  /** Megabytes of memory the worker's engine instance takes as it starts (`?reserve=MB`; default
   * 0), so a large project's first build does not grow it step by step (see `reserve` in
   * nexxo.d.ts). Held for the worker's life. */
  reserveMB?: number;
}

/** What the worker's pool is and has done. */
export interface PoolInfo {
  /** The `pool` asked for. */
  requested: number;
  /** Helper workers running (0 without JSPI). */
  size: number;
  /** Whether this browser has JSPI (`WebAssembly.Suspending` and `WebAssembly.promising`). */
  jspi: boolean;
  /** Jobs each helper has run. */
  jobs: number[];
  /** Helper workers or their engine instances replaced after a crash. */
  restarts: number;
  /** Batches of jobs the engine handed to the pool (each split over the helpers). */
  calls: number;
  /** Time the engine spent waiting for the pool, in ms. */
  waitedMs: number;
  /** Time each helper spent running jobs (its engine call and JSON), in ms. */
  busyMs: number[];
  /** Bytes of memory the worker's engine instance has: what `reserveMB` took, or what its calls
   * grew it to (WebAssembly memory never shrinks). */
  memoryBytes: number;
}

/** Where a build is: each stage as it begins, and during "load" of the files the worker holds,
 * how many it has read. */
export interface BuildProgress {
  stage: "load" | "link" | "render" | "finish";
  /** Files of the held project read so far (a build of the held files, while it loads). */
  filesRead?: number;
  /** The last file read (absolute, under the build's root). */
  path?: string;
}

/** A rejected call's error; `crashed` when the engine instance died (its sessions are gone). */
export interface NexxoWorkerError extends Error {
  crashed: boolean;
}

export interface NexxoWorker {
  /** `onProgress` hears each stage as it begins and, while a build without `files` reads the files
   * the worker holds, how many it has read so far and the last one's path (the first file, then at
   * most every 50 ms).
   * `signal` stops the build: it rejects with the signal's reason (an `AbortError`) at once. Such a
   * build is sent only when the calls before it are answered; one not sent yet never is, one
   * running ends with its worker, which is replaced by a new one holding the same files and given
   * the calls sent after the build (sessions opened in the old one end). A client made from a
   * `Worker` cannot replace it: the build then runs on and its answer is dropped. */
  build(
    request: BuildRequest,
    options?: { onProgress?: (progress: BuildProgress) => void; signal?: AbortSignal },
  ): Promise<BuildResponse>;
  transform(request: TransformRequest): Promise<TransformResponse>;
  openSession(session: string, request: OpenSessionRequest): Promise<SessionStart>;
  updateSession(session: string, changed: InputFile[], removed?: string[]): Promise<SessionUpdate>;
  sessionRunner(session: string, url: string): Promise<{ ok: boolean; code?: string; errors?: Message[] }>;
  sessionRequest(session: string, url: string): Promise<{ status: number; contentType: string; text: string }>;
  closeSession(session: string): Promise<boolean>;
  /** Keeps files in the worker, under `root` (absolute): a `build` with this `root` and no `files`
   * reads them there, so an edit sends one file instead of the whole project. Answers how many
   * files the worker holds. */
  writeFiles(root: string, files: InputFile[]): Promise<number>;
  /** Drops files (relative to `root`) from the worker; answers how many it held. */
  removeFiles(root: string, paths: string[]): Promise<number>;
  clearFiles(): Promise<boolean>;
  version(): Promise<string>;
  poolInfo(): Promise<PoolInfo>;
  /** Workers started in place of one that was running an aborted build. */
  readonly restarts: number;
  /** Ends the worker; calls not answered yet, and any made after, reject. */
  terminate(): void;
}

/** A client of nexxo-worker.js (the worker runs its calls in turn). `source`: the worker
 * script's URL, or a function that starts the worker (for a bundled worker: `() => new Worker(new
 * URL("nexxo-worker.js", import.meta.url), { type: "module" })`), which lets an aborted build's
 * worker be replaced; or a started `Worker`, which cannot be. */
export declare function createNexxoWorker(
  source: string | URL | (() => Worker) | Worker,
  options?: NexxoWorkerOptions,
): NexxoWorker;
