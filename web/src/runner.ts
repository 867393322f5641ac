// The preview's module runner: runs the engine's session modules (module-runner form, see
// crates/nexxo_engine/src/session.rs) in this page and applies HMR updates to them.
//
// Each module is the body of an async function. Imports resolve through the module's `deps`
// map to other session modules or to `external:` packages this page supplies. On an update the
// changed modules and every module between them and their accepting boundary are re-run; React
// components then refresh in place (state kept) through react-refresh.

import type { SessionModule, SessionUpdate } from "../../wasm/js/nexxo";

export type { SessionModule, SessionUpdate } from "../../wasm/js/nexxo";

interface RefreshRuntime {
  register(type: unknown, id: string): void;
  createSignatureFunctionForTransform(): unknown;
  performReactRefresh(): unknown;
}

type Exports = Record<string, unknown>;
type Callback = (mod: Exports | undefined) => void;

interface Hot {
  data: Record<string, unknown>;
  accept(deps?: unknown, cb?: Callback): void;
  dispose(cb: (data: Record<string, unknown>) => void): void;
  prune(cb: (data: Record<string, unknown>) => void): void;
  invalidate(): void;
  on(event: string, cb: (payload: unknown) => void): void;
}

interface Record_ {
  hot: Hot;
  accepts: Callback[];
  /** `accept(deps, cb)`: the dep ids and the callback, which gets one module or an array. */
  depAccepts: { ids: string[]; cb: (mods: (Exports | undefined)[]) => void }[];
  disposers: ((data: Record<string, unknown>) => void)[];
  pruners: ((data: Record<string, unknown>) => void)[];
  data: Record<string, unknown>;
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...args: unknown[]) => Promise<void>;

const PARAMS = [
  "__vite_ssr_import__",
  "__vite_ssr_dynamic_import__",
  "__vite_ssr_exports__",
  "__vite_ssr_exportAll__",
  "__vite_ssr_import_meta__",
  "__nexxo_style__",
  "$RefreshReg$",
  "$RefreshSig$",
];

export class Runner {
  private modules = new Map<string, SessionModule>();
  private instances = new Map<string, Promise<Exports>>();
  private records = new Map<string, Record_>();
  private env: Record<string, unknown> = {};
  private styles = new Map<string, HTMLStyleElement>();
  onInvalidate: (id: string) => void = () => {};

  constructor(
    private externals: Record<string, Exports>,
    private refresh: RefreshRuntime,
  ) {}

  async start(update: SessionUpdate): Promise<void> {
    this.env = update.env;
    for (const m of update.modules) this.modules.set(m.id, m);
    await this.load(update.entry);
  }

  /** Applies an update; returns false when only a full reload is correct. */
  async apply(update: SessionUpdate): Promise<boolean> {
    if (update.fullReload) return false;
    for (const m of update.modules) this.modules.set(m.id, m);
    for (const id of update.pruned) {
      const rec = this.records.get(id);
      rec?.pruners.forEach((cb) => cb(rec.data));
      this.styles.get(id)?.remove();
      this.styles.delete(id);
    }
    if (update.updates.length === 0) return true;
    const changed = update.modules.map((m) => m.id);
    // Everything from a changed module up to what its boundary accepts (the boundary itself, or
    // the dep it accepts) holds stale bindings: run it again.
    const stops = new Set(update.updates.map((u) => u.accepted));
    const stale = new Set<string>();
    const stack = [...changed];
    while (stack.length) {
      const id = stack.pop()!;
      if (stale.has(id)) continue;
      stale.add(id);
      if (stops.has(id)) continue;
      for (const [other, m] of this.modules) {
        if (this.instances.has(other) && Object.values(m.deps).includes(id)) stack.push(other);
      }
    }
    for (const id of stale) {
      const rec = this.records.get(id);
      if (rec) {
        rec.data = {};
        rec.disposers.forEach((cb) => cb(rec.data));
        rec.disposers = [];
        rec.hot.data = rec.data;
      }
      this.instances.delete(id);
    }
    let refresh = false;
    for (const { id, accepted } of update.updates) {
      const rec = this.records.get(id);
      if (id === accepted) {
        // The module runs again and registers its callbacks anew.
        const callbacks = rec ? [...rec.accepts] : [];
        if (rec) {
          rec.accepts = [];
          rec.depAccepts = [];
        }
        const exports = await this.load(accepted);
        callbacks.forEach((cb) => cb(exports));
      } else {
        const exports = await this.load(accepted);
        for (const { ids, cb } of rec?.depAccepts ?? []) {
          if (ids.includes(accepted)) cb(ids.map((d) => (d === accepted ? exports : undefined)));
        }
      }
      refresh ||= this.modules.get(id)?.refresh ?? false;
    }
    if (refresh) this.refresh.performReactRefresh();
    return true;
  }

  private load(id: string): Promise<Exports> {
    if (id.startsWith("external:")) {
      const name = id.slice("external:".length);
      const ext = this.externals[name];
      return ext ? Promise.resolve(ext) : Promise.reject(new Error(`package "${name}" is not available in the preview`));
    }
    let p = this.instances.get(id);
    if (!p) {
      p = this.run(id);
      this.instances.set(id, p);
    }
    return p;
  }

  private record(id: string): Record_ {
    let rec = this.records.get(id);
    if (rec) return rec;
    const r: Record_ = { accepts: [], depAccepts: [], disposers: [], pruners: [], data: {}, hot: undefined as unknown as Hot };
    r.hot = {
      data: r.data,
      accept: (deps?: unknown, cb?: Callback) => {
        if (typeof deps === "function" || deps === undefined) {
          r.accepts.push((deps as Callback) ?? (() => {}));
          return;
        }
        // Specifiers as written; the engine resolved them in the module's deps map.
        const specs = Array.isArray(deps) ? (deps as string[]) : [deps as string];
        const mdeps = this.modules.get(id)?.deps ?? {};
        const ids = specs.map((s) => mdeps[s] ?? s);
        r.depAccepts.push({ ids, cb: (mods) => cb?.((Array.isArray(deps) ? mods : mods[0]) as Exports) });
      },
      dispose: (cb) => r.disposers.push(cb),
      prune: (cb) => r.pruners.push(cb),
      invalidate: () => this.onInvalidate(id),
      on: () => {},
    };
    this.records.set(id, r);
    return r;
  }

  private async run(id: string): Promise<Exports> {
    const m = this.modules.get(id);
    if (!m) throw new Error(`module ${id} was not sent to the preview`);
    const exports: Exports = Object.create(null);
    Object.defineProperty(exports, Symbol.toStringTag, { value: "Module" });
    const rec = this.record(id);
    const importMeta = { url: `nexxo:${id}`, hot: rec.hot, env: this.env };
    const imp = (spec: string) => {
      const target = m.deps[spec];
      if (!target) return Promise.reject(new Error(`${id}: import "${spec}" was not resolved by the engine`));
      return this.load(target);
    };
    const exportAll = (from: Exports) => {
      for (const key of Object.keys(from)) {
        if (key !== "default" && !(key in exports)) {
          Object.defineProperty(exports, key, { enumerable: true, configurable: true, get: () => from[key] });
        }
      }
    };
    const style = (sid: string, css: string) => {
      let el = this.styles.get(sid);
      if (!el) {
        el = document.createElement("style");
        el.dataset.id = sid;
        document.head.appendChild(el);
        this.styles.set(sid, el);
      }
      el.textContent = css;
    };
    const reg = (type: unknown, name: string) => this.refresh.register(type, `${id} ${name}`);
    const sig = () => this.refresh.createSignatureFunctionForTransform();
    const fn = new AsyncFunction(...PARAMS, `${m.code}\n//# sourceURL=nexxo-preview://${id}`);
    await fn(imp, imp, exports, exportAll, importMeta, style, reg, sig);
    return exports;
  }
}
