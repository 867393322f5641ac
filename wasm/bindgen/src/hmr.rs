//! The HMR diff of one edit, as `nexxo dev` computes it: the same graph (`nexxo_hmr`), owned by
//! the JS side (one `HmrGraph` per session; nothing global), fed with what [`crate::transform`]
//! reports of each module, answering an edit with the update `nexxo dev` would send its pages.

use nexxo_hmr::Graph;
use serde::Serialize;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

use crate::{Problem, returned, thrown};

/// One module an update lands on: the `updates` entry of `nexxo dev`'s `update` message, less the
/// URL (ids here are whatever the caller names modules by).
#[derive(Debug, Serialize, Tsify)]
pub struct HmrBoundary {
    /// The module whose accept callback runs (for a Fast Refresh component module, the module
    /// itself: its components are swapped in place).
    pub path: String,
    /// The changed module it accepts: `path` itself for a self-accepting module, else the dep it
    /// accepts with `import.meta.hot.accept(dep, cb)`. Fetch this one anew.
    pub accepted: String,
    /// The update's timestamp, for the module URLs (`?t=`) so the browser fetches them anew.
    pub timestamp: f64,
}

/// What an edit means, named as `nexxo dev`'s messages to its pages (`update`, `full-reload`).
#[derive(Debug, Serialize, Tsify)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum HmrUpdate {
    /// Run the accept callbacks of `updates`. `modules`: every module between the edit and its
    /// boundaries, sorted (the ones the update runs again; `nexxo dev` sends their code under the
    /// same name to bundled pages). Both empty when no changed id is in the graph.
    Update { updates: Vec<HmrBoundary>, modules: Vec<String> },
    /// The edit reaches a module nobody accepts (an entry): only reloading the page is correct.
    FullReload,
}

/// The HMR graph of one dev session: who imports whom and who accepts what. Ids are the caller's
/// (URL paths, file paths); imports must be given already resolved to ids, since no resolver runs
/// here.
#[wasm_bindgen]
#[derive(Debug, Default)]
pub struct HmrGraph {
    graph: Graph,
    /// The last timestamp an update used (the graph marks a module changed by an update with it).
    last: u64,
}

#[wasm_bindgen]
impl HmrGraph {
    #[wasm_bindgen(constructor)]
    pub fn new() -> HmrGraph {
        HmrGraph::default()
    }

    /// Records what module `id` imports now (ids) and what it accepts. `selfAccepting`: the module
    /// is its own boundary, which `nexxo dev` decides as `transform`'s `hmrBoundary` (it calls
    /// `import.meta.hot.accept()`, or is a Fast Refresh component module). `acceptedDeps`: ids it
    /// accepts updates of. Returns the ids nobody imports any more (their `import.meta.hot.prune`
    /// callbacks should run: `nexxo dev`'s `prune` message). Throws `BAD_ARGUMENT`.
    pub fn record(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string[]")] imports: JsValue,
        #[wasm_bindgen(js_name = selfAccepting, unchecked_param_type = "boolean")] self_accepting: JsValue,
        #[wasm_bindgen(js_name = acceptedDeps, unchecked_param_type = "string[]")] accepted_deps: JsValue,
    ) -> Result<Vec<String>, JsValue> {
        // Every argument is checked before the graph changes, so a bad call leaves it as it was.
        let id = id_argument("record", id)?;
        let imports = ids_argument("record", "imports", imports)?;
        let Some(self_accepting) = self_accepting.as_bool() else {
            return Err(bad_argument("record", "`selfAccepting` must be a boolean"));
        };
        let accepted_deps = ids_argument("record", "acceptedDeps", accepted_deps)?;
        Ok(self.graph.record(&id, id.clone().into(), &imports, self_accepting, &accepted_deps))
    }

    /// Forgets module `id` (its file was deleted); an unknown id is no error. Throws `BAD_ARGUMENT`.
    pub fn remove(&mut self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Result<(), JsValue> {
        let id = id_argument("remove", id)?;
        self.graph.remove(&id);
        Ok(())
    }

    /// The update for an edit of modules `changed` at `timestamp` (ms, the caller's clock: the
    /// graph has none). Ids the graph does not know are skipped, as `nexxo dev` ignores edits of
    /// files no page loaded (nothing here depends on them); so an edit of only such ids is an
    /// `update` with nothing in it. Timestamps strictly increase as in `nexxo dev`: one not after
    /// the last update's is moved just past it (two edits within a millisecond must still get
    /// different module URLs); the one used is in each `updates` entry. Throws `BAD_ARGUMENT`
    /// for a `changed` that is not an array of strings or a timestamp that is not a whole
    /// number of ms in 1..=2^53.
    pub fn update(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] changed: JsValue,
        timestamp: f64,
    ) -> Result<Ts<HmrUpdate>, JsValue> {
        let changed = ids_argument("update", "changed", changed)?;
        // 2^53: the last integer a JS number (and so `timestamp` in the result) holds exactly.
        const MAX: f64 = 9_007_199_254_740_992.0;
        if !((1.0..=MAX).contains(&timestamp) && timestamp.fract() == 0.0) {
            return Err(bad_argument(
                "update",
                &format!("`timestamp` must be a whole number of milliseconds in 1..=2^53, not {timestamp}"),
            ));
        }
        let known: Vec<String> = changed.into_iter().filter(|id| self.graph.contains(id)).collect();
        if known.is_empty() {
            return returned(&HmrUpdate::Update { updates: Vec::new(), modules: Vec::new() });
        }
        // The check above makes the cast exact; `max` keeps it within 2^53 too, bar 2^53 updates.
        let ts = (timestamp as u64).max(self.last + 1);
        self.last = ts;
        let update = match self.graph.propagate(&known, ts) {
            // Empty only without a changed id, which `known` rules out; reload like `nexxo dev` would.
            Some(boundaries) if !boundaries.is_empty() => HmrUpdate::Update {
                updates: boundaries
                    .into_iter()
                    .map(|b| HmrBoundary { path: b.id, accepted: b.accepted, timestamp: ts as f64 })
                    .collect(),
                modules: self.graph.stamped(ts).into_iter().map(|(id, _)| id.to_string()).collect(),
            },
            _ => HmrUpdate::FullReload,
        };
        returned(&update)
    }
}

fn bad_argument(method: &str, message: &str) -> JsValue {
    thrown(Problem::plain(
        "BAD_ARGUMENT",
        format!("HmrGraph.{method}: {message}"),
        "see HmrGraph's methods in nexxo_bindgen.d.ts",
    ))
}

/// A module id: a non-empty string.
fn id_argument(method: &str, given: JsValue) -> Result<String, JsValue> {
    given.as_string().filter(|s| !s.is_empty()).ok_or_else(|| bad_argument(method, "`id` must be a non-empty string"))
}

/// An array of module ids. (Taken as a `JsValue` and checked here: wasm-bindgen's own `Vec<String>`
/// conversion throws from inside Rust on a non-string (`throw_str`), past destructors, and without
/// the `Problem` the other errors are; `&str` would take a number as its decimal text.)
fn ids_argument(method: &str, name: &str, given: JsValue) -> Result<Vec<String>, JsValue> {
    let ids: Option<Vec<String>> = serde_wasm_bindgen::from_value(given).ok();
    ids.filter(|ids| ids.iter().all(|s| !s.is_empty()))
        .ok_or_else(|| bad_argument(method, &format!("`{name}` must be an array of non-empty strings")))
}
