//! The HMR graph shared by the dev server and the in-browser engine: who imports whom, which
//! modules accept their own updates, and what a change means (patch these boundaries, or reload).
//!
//! Pure data: no clock, no I/O. Callers pass timestamps in, so every runtime computes the same
//! updates for the same edits.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

/// One loaded module, keyed in the [`Graph`] by its id (a URL path in the dev server, an
/// absolute file path in the engine's session).
#[derive(Debug, Default, Clone)]
pub struct Node {
    pub file: PathBuf,
    pub importers: BTreeSet<String>,
    pub imports: BTreeSet<String>,
    pub self_accepting: bool,
    /// Ids this module accepts updates of via `import.meta.hot.accept(deps, cb)`.
    pub accepted_deps: BTreeSet<String>,
    /// When it last changed; imports of it carry this so the runtime fetches it anew.
    pub timestamp: u64,
}

/// Where an update lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boundary {
    /// The module whose accept callback runs.
    pub id: String,
    /// The changed module it accepts: itself for a self-accepting module, else one of its deps.
    pub accepted: String,
}

#[derive(Debug, Default, Clone)]
pub struct Graph {
    nodes: HashMap<String, Node>,
}

impl Graph {
    pub fn get(&self, id: &str) -> Option<&Node> {
        self.nodes.get(id)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.nodes.contains_key(id)
    }

    pub fn timestamp(&self, id: &str) -> u64 {
        self.nodes.get(id).map_or(0, |n| n.timestamp)
    }

    /// Records what a module imports now; returns modules nobody imports any more (pruned: their
    /// `import.meta.hot.prune` callbacks should run).
    pub fn record(
        &mut self,
        id: &str,
        file: PathBuf,
        imports: &[String],
        self_accepting: bool,
        accepted_deps: &[String],
    ) -> Vec<String> {
        let node = self.nodes.entry(id.to_string()).or_default();
        node.file = file;
        node.self_accepting = self_accepting;
        node.accepted_deps = accepted_deps.iter().cloned().collect();
        let now: BTreeSet<String> = imports.iter().cloned().collect();
        let dropped: Vec<String> = node.imports.difference(&now).cloned().collect();
        node.imports = now;
        for dep in imports {
            self.nodes.entry(dep.clone()).or_default().importers.insert(id.to_string());
        }
        let mut pruned = Vec::new();
        for dep in dropped {
            if let Some(n) = self.nodes.get_mut(&dep) {
                n.importers.remove(id);
                if n.importers.is_empty() {
                    pruned.push(dep);
                }
            }
        }
        pruned
    }

    /// Forgets a module (its file was deleted).
    pub fn remove(&mut self, id: &str) {
        if let Some(node) = self.nodes.remove(id) {
            for dep in node.imports {
                if let Some(n) = self.nodes.get_mut(&dep) {
                    n.importers.remove(id);
                }
            }
        }
    }

    /// Walks from the changed modules up through importers and stamps every module on the way
    /// with `ts`. Returns the accepting boundaries, or `None` if some path reaches a module
    /// nobody accepts (then only a full reload is correct).
    pub fn propagate(&mut self, changed: &[String], ts: u64) -> Option<Vec<Boundary>> {
        let mut boundaries = Vec::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = changed.to_vec();
        while let Some(id) = stack.pop() {
            if !seen.insert(id.clone()) {
                continue;
            }
            let node = self.nodes.get_mut(&id)?;
            node.timestamp = ts;
            if node.self_accepting {
                boundaries.push(Boundary { id: id.clone(), accepted: id });
                continue;
            }
            if node.importers.is_empty() {
                return None;
            }
            let importers: Vec<String> = node.importers.iter().cloned().collect();
            for importer in importers {
                let accepts = self.nodes.get(&importer).is_some_and(|n| n.accepted_deps.contains(&id));
                if accepts {
                    boundaries.push(Boundary { id: importer, accepted: id.clone() });
                } else {
                    stack.push(importer);
                }
            }
        }
        boundaries.sort_by(|a, b| (&a.id, &a.accepted).cmp(&(&b.id, &b.accepted)));
        boundaries.dedup();
        Some(boundaries)
    }

    /// The modules [`Graph::propagate`] stamped with `ts`: the ones an update runs again, sorted.
    pub fn stamped(&self, ts: u64) -> Vec<(&str, &PathBuf)> {
        let mut out: Vec<_> =
            self.nodes.iter().filter(|(_, n)| n.timestamp == ts).map(|(id, n)| (id.as_str(), &n.file)).collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph() -> Graph {
        // main -> app -> button, app -> util; app self-accepts, main accepts ./cfg.
        let mut g = Graph::default();
        g.record("main", "main".into(), &["app".into(), "cfg".into()], false, &["cfg".into()]);
        g.record("app", "app".into(), &["button".into(), "util".into()], true, &[]);
        g.record("button", "button".into(), &[], true, &[]);
        g.record("util", "util".into(), &[], false, &[]);
        g.record("cfg", "cfg".into(), &[], false, &[]);
        g
    }

    #[test]
    fn a_change_stops_at_the_nearest_accepting_module() {
        let mut g = graph();
        let b = g.propagate(&["util".into()], 7).unwrap();
        assert_eq!(b, vec![Boundary { id: "app".into(), accepted: "app".into() }]);
        assert_eq!(g.timestamp("util"), 7);
        assert_eq!(g.timestamp("main"), 0);
        let stamped: Vec<&str> = g.stamped(7).into_iter().map(|(id, _)| id).collect();
        assert_eq!(stamped, vec!["app", "util"]);
    }

    #[test]
    fn an_importer_that_accepts_the_dep_is_the_boundary() {
        let mut g = graph();
        let b = g.propagate(&["cfg".into()], 1).unwrap();
        assert_eq!(b, vec![Boundary { id: "main".into(), accepted: "cfg".into() }]);
    }

    #[test]
    fn reaching_an_unaccepting_root_means_reload() {
        let mut g = graph();
        assert!(g.propagate(&["main".into()], 1).is_none());
        assert!(g.propagate(&["unknown".into()], 1).is_none());
    }

    #[test]
    fn dropped_imports_are_pruned() {
        let mut g = graph();
        let pruned = g.record("app", "app".into(), &["button".into()], true, &[]);
        assert_eq!(pruned, vec!["util".to_string()]);
        g.remove("button");
        assert!(g.get("app").is_some() && !g.contains("button"));
    }
}
