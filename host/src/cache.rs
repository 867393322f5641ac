//! The persistent cache: RocksDB under `node_modules/.nexxo/cache` (or `.nexxo/cache` without
//! node_modules). Keys carry a content hash plus everything else that changes the value, so a hit
//! is always correct; a cache that cannot be trusted is thrown away and rebuilt, never used.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rocksdb::{DB, Options};

use crate::style;

/// See [`Cache::open_read_only`]: 64 KiB of log replays in well under a millisecond.
const READ_ONLY_LOG_LIMIT: u64 = 64 << 10;

/// Bump when the layout of any cached value changes.
const FORMAT: &str = "3";

pub struct Cache {
    db: Option<DB>,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

pub fn cache_dir(root: &Path) -> PathBuf {
    if root.join("node_modules").is_dir() { root.join("node_modules/.nexxo/cache") } else { root.join(".nexxo/cache") }
}

fn identity() -> String {
    format!("nexxo {} format {FORMAT}", env!("CARGO_PKG_VERSION"))
}

impl Cache {
    /// Opens (or creates) the cache of `root`. `force` discards it first. Any failure degrades to
    /// running without a persistent cache, with a one-line warning.
    pub fn open(root: &Path, force: bool) -> Self {
        Self::open_as(cache_dir(root), force, &identity())
    }

    fn open_as(dir: PathBuf, force: bool, identity: &str) -> Self {
        if force {
            let _ = std::fs::remove_dir_all(&dir);
        }
        let db = match Self::try_open(&dir) {
            Ok(db) => Some(db),
            Err(e) if is_lock_error(&e) => {
                warn(&format!(
                    "the cache at {} is in use by another Nexxo process; running without the persistent cache",
                    dir.display()
                ));
                None
            }
            Err(e) => {
                warn(&format!("the cache at {} is unreadable ({e}); rebuilding it", dir.display()));
                let _ = std::fs::remove_dir_all(&dir);
                Self::try_open(&dir).map_err(|e| warn(&format!("cannot create the cache: {e}"))).ok()
            }
        };
        let db = db.and_then(|db| match db.get(b"meta:identity") {
            Ok(Some(v)) if v == identity.as_bytes() => Some(db),
            Ok(None) if is_empty(&db) => {
                db.put(b"meta:identity", identity).ok()?;
                Some(db)
            }
            _ => {
                warn("the cache was written by another Nexxo version or is damaged; rebuilding it");
                drop(db);
                let _ = std::fs::remove_dir_all(&dir);
                let db = Self::try_open(&dir).ok()?;
                db.put(b"meta:identity", identity).ok()?;
                Some(db)
            }
        });
        Self { db, hits: AtomicUsize::new(0), misses: AtomicUsize::new(0) }
    }

    /// Whether `root` has a cache to look in.
    pub fn exists(root: &Path) -> bool {
        cache_dir(root).join("CURRENT").is_file()
    }

    /// Opens the cache of `root` to read only, if it exists and is this version's: no lock, no new
    /// MANIFEST or OPTIONS file and no fsync, which a read-write open does every time. What a
    /// no-change build needs; `None` sends it to [`Cache::open`]. Also `None` when the last writer
    /// left more than [`READ_ONLY_LOG_LIMIT`] in its log (a dev server's many entries; a build stores its
    /// output straight into a table file, see [`Cache::put_to_table`]):
    /// a read-only open would replay that log into memory on every run, while a read-write open
    /// moves it into a table file once.
    pub fn open_read_only(root: &Path) -> Option<Self> {
        if !Self::exists(root) {
            return None;
        }
        let dir = cache_dir(root);
        let log_bytes: u64 = std::fs::read_dir(&dir)
            .ok()?
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
        if log_bytes > READ_ONLY_LOG_LIMIT {
            return None;
        }
        let db = DB::open_for_read_only(&Self::options(), &dir, false).ok()?;
        let id = db.get(b"meta:identity").ok()??;
        (id == identity().as_bytes()).then(|| Self {
            db: Some(db),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
        })
    }

    fn try_open(dir: &Path) -> Result<DB, String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let mut opts = Self::options();
        opts.create_if_missing(true);
        DB::open(&opts, dir).map_err(|e| e.to_string())
    }

    fn options() -> Options {
        let mut opts = Options::default();
        // Fail loudly on damage instead of serving possibly wrong data.
        opts.set_paranoid_checks(true);
        opts.set_keep_log_file_num(2);
        // Every command opens the cache once, and a warm build is little else: the defaults
        // start 16 threads to open table files (there are one or two) and read every table's
        // properties for statistics nobody reads; warnings and errors still reach the LOG.
        opts.set_max_file_opening_threads(1);
        opts.set_skip_stats_update_on_db_open(true);
        opts.set_log_level(rocksdb::LogLevel::Warn);
        opts
    }

    pub fn is_enabled(&self) -> bool {
        self.db.is_some()
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    pub fn misses(&self) -> usize {
        self.misses.load(Ordering::Relaxed)
    }

    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let value = self.db.as_ref()?.get(key).ok().flatten();
        let counter = if value.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        value
    }

    /// A value that no longer decodes is removed so the next run recomputes it.
    pub fn forget(&self, key: &[u8]) {
        if let Some(db) = &self.db {
            let _ = db.delete(key);
        }
    }

    pub fn put(&self, key: &[u8], value: &[u8]) {
        if let Some(db) = &self.db {
            let _ = db.put(key, value);
        }
    }

    /// Stores entries straight into a table file instead of the log. A build's stored output is
    /// megabytes: written to the log, the next command's open had to replay it, which a
    /// read-only open cannot keep doing and a read-write one does by writing a table file and
    /// syncing (15 ms at 2.4k modules, on the critical path of the next build). Written here,
    /// beside the build that made the output, once; a crash before the table is synced loses only
    /// these entries.
    pub fn put_to_table(&self, entries: &[(&[u8], &[u8])]) {
        let Some(db) = &self.db else { return };
        let mut unlogged = rocksdb::WriteOptions::default();
        unlogged.disable_wal(true);
        for (key, value) in entries {
            if db.put_opt(key, value, &unlogged).is_err() {
                return;
            }
        }
        let _ = db.flush();
    }
}

fn is_empty(db: &DB) -> bool {
    db.iterator(rocksdb::IteratorMode::Start).next().is_none()
}

fn is_lock_error(s: &str) -> bool {
    s.contains("lock") && (s.contains("Resource temporarily unavailable") || s.contains("hold by current process"))
}

fn warn(msg: &str) {
    let s = style::Style::stderr();
    eprintln!("{} {msg}", s.yellow("warning:"));
}

/// Cache keys: one implementation, shared with the dev engine, which keys its own entries.
pub use nexxo_dev::cache_key as key;

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("nexxo-cache-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn survives_reopen_and_discards_other_versions() {
        let dir = temp("version");
        let c = Cache::open_as(dir.clone(), false, "v1");
        c.put(b"k", b"value");
        drop(c);
        let c = Cache::open_as(dir.clone(), false, "v1");
        assert_eq!(c.get(b"k").as_deref(), Some(&b"value"[..]));
        assert_eq!(c.hits(), 1);
        drop(c);
        let c = Cache::open_as(dir.clone(), false, "v2");
        assert!(c.is_enabled());
        assert_eq!(c.get(b"k"), None, "a cache from another version must not be used");
        drop(c);
        let c = Cache::open_as(dir.clone(), true, "v2");
        assert_eq!(c.get(b"k"), None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_large_entry_put_to_a_table_leaves_the_cache_readable_read_only() {
        let root = temp("table");
        std::fs::create_dir_all(&root).unwrap();
        let big = vec![7u8; 4 * READ_ONLY_LOG_LIMIT as usize];
        let c = Cache::open(&root, false);
        c.put_to_table(&[(b"out", &big), (b"inputs", b"list")]);
        drop(c);
        // Through the log, this much would have sent the next command to a read-write open.
        let r = Cache::open_read_only(&root).expect("opens read-only");
        assert_eq!(r.get(b"out").as_deref(), Some(&big[..]));
        assert_eq!(r.get(b"inputs").as_deref(), Some(&b"list"[..]));
        drop(r);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn garbage_on_disk_is_rebuilt_and_a_second_opener_runs_without_cache() {
        let dir = temp("garbage");
        drop(Cache::open_as(dir.clone(), false, "v1"));
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.file_name().unwrap() != "LOCK" {
                std::fs::write(&p, b"\x00garbage\xff").unwrap();
            }
        }
        let c = Cache::open_as(dir.clone(), false, "v1");
        assert!(c.is_enabled(), "a damaged cache must be rebuilt, not disabled");
        c.put(b"k", b"v");
        let second = Cache::open_as(dir.clone(), false, "v1");
        assert!(!second.is_enabled(), "a locked cache must not be opened twice");
        assert_eq!(c.get(b"k").as_deref(), Some(&b"v"[..]));
        let _ = std::fs::remove_dir_all(dir);
    }
}
