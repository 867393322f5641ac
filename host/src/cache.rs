//! The persistent cache: RocksDB under `node_modules/.nexxo/cache` (or `.nexxo/cache` without
//! node_modules). Keys carry a content hash plus everything else that changes the value, so a hit
//! is always correct; a cache that cannot be trusted is thrown away and rebuilt, never used.
//! Values of a build's size (its output, the list of its inputs) are files beside the database
//! ([`Cache::put_blob`]), each checked against its length and hash when read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rocksdb::{DB, Options};

use crate::style;

/// See [`Cache::open_read_only`]: 64 KiB of log replays in well under a millisecond.
const READ_ONLY_LOG_LIMIT: u64 = 64 << 10;

/// Bump when the layout of any cached value changes (5: a build's inputs include the files it
/// looked for, `build_cache::ABSENT` and `PRESENT`).
const FORMAT: &str = "5";

/// Blob files kept (the newest, by modification time); an older one is deleted when a new one is
/// written. Each distinct output of a project is one (a build's inputs list is one per config,
/// rewritten in place), so this many outputs stay ready for a checkout back to an earlier state.
const KEEP_BLOBS: usize = 16;

/// At most this many bytes of blob files stay (a 19k-module app's output with its source map is
/// 11.5 MB).
const KEEP_BLOB_BYTES: u64 = 256 << 20;

/// A blob's record in the database: its length and xxh3-128.
const BLOB_RECORD: usize = 24;

pub struct Cache {
    db: Option<DB>,
    /// Where blob files go: `blobs/` in the cache's directory.
    blobs: PathBuf,
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
        Self { db, blobs: dir.join("blobs"), hits: AtomicUsize::new(0), misses: AtomicUsize::new(0) }
    }

    /// Whether `root` has a cache to look in.
    pub fn exists(root: &Path) -> bool {
        cache_dir(root).join("CURRENT").is_file()
    }

    /// Opens the cache of `root` to read only, if it exists and is this version's: no lock, no new
    /// MANIFEST or OPTIONS file and no fsync, which a read-write open does every time. What a
    /// no-change build needs; `None` sends it to [`Cache::open`]. Also `None` when the last writer
    /// left more than [`READ_ONLY_LOG_LIMIT`] in its log (a dev server's many entries; a build's
    /// output is a file of its own with a 24-byte record, see [`Cache::put_blob`]):
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
            blobs: dir.join("blobs"),
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

    /// Stores a value of a build's size (`parts`, concatenated) in a file of its own beside the
    /// database, with only its length and hash in the database. Written to RocksDB, a build's
    /// output had to go to a table file, synced, beside the build (its log would have to be
    /// replayed by the next command's open): 30-35 ms at 19k modules (11.5 MB with the source
    /// map), the last thing a cold build waited for. A file is written in 4-6 ms and not synced:
    /// a crash may lose or damage it, which [`Cache::get_blob`] detects (length, hash) and treats
    /// as a miss. The record goes through the log, unsynced too: it is 24 bytes.
    pub fn put_blob(&self, key: &[u8], parts: &[&[u8]]) {
        let Some(db) = &self.db else { return };
        let name = blob_name(key);
        let path = self.blobs.join(&name);
        let temp = self.blobs.join(format!(".{name}.{}.tmp", std::process::id()));
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut len = 0u64;
        let written = std::fs::create_dir_all(&self.blobs).and_then(|()| {
            let mut file = std::fs::File::create(&temp)?;
            for part in parts {
                hasher.update(part);
                len += part.len() as u64;
                file.write_all(part)?;
            }
            drop(file);
            std::fs::rename(&temp, &path)
        });
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
            return;
        }
        let mut record = [0u8; BLOB_RECORD];
        record[..8].copy_from_slice(&len.to_le_bytes());
        record[8..].copy_from_slice(&hasher.digest128().to_le_bytes());
        if db.put(key, record).is_err() {
            let _ = std::fs::remove_file(&path);
            return;
        }
        self.evict_old_blobs(&name);
    }

    /// A value stored by [`Cache::put_blob`], if its file is there, whole and unchanged; a file
    /// that is missing, cut short or altered is a miss, and its record is dropped (when the cache
    /// is open to write).
    pub fn get_blob(&self, key: &[u8]) -> Option<Vec<u8>> {
        let record = self.get(key)?;
        let path = self.blobs.join(blob_name(key));
        let bytes = (record.len() == BLOB_RECORD).then(|| std::fs::read(&path).ok()).flatten();
        let (len, hash) = record.split_at(8);
        let whole = bytes
            .filter(|b| len == (b.len() as u64).to_le_bytes() && hash == xxhash_rust::xxh3::xxh3_128(b).to_le_bytes());
        if whole.is_none() {
            // The file stays: a read-only reader may be looking at a writer's newer file under the
            // same name; the next store of this key replaces it, or eviction takes it.
            self.forget(key);
        }
        whole
    }

    /// Keeps the newest [`KEEP_BLOBS`] blob files, and of those only as many as fit in
    /// [`KEEP_BLOB_BYTES`] (`just_written` stays whatever its time and size).
    fn evict_old_blobs(&self, just_written: &str) {
        let Ok(entries) = std::fs::read_dir(&self.blobs) else { return };
        let now = std::time::SystemTime::now();
        let mut blobs: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
            .flatten()
            .filter(|e| e.file_name() != just_written)
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                let modified = m.modified().ok()?;
                if e.file_name().to_string_lossy().starts_with('.') {
                    // A temporary file: another process's write in progress, or one a killed
                    // process left (gone once it is an hour old).
                    if now.duration_since(modified).is_ok_and(|age| age.as_secs() > 3600) {
                        let _ = std::fs::remove_file(e.path());
                    }
                    return None;
                }
                Some((modified, m.len(), e.path()))
            })
            .collect();
        blobs.sort_unstable_by_key(|b| std::cmp::Reverse(b.0));
        let mut bytes = std::fs::metadata(self.blobs.join(just_written)).map_or(0, |m| m.len());
        for (i, (_, len, path)) in blobs.into_iter().enumerate() {
            bytes += len;
            if i + 1 >= KEEP_BLOBS || bytes > KEEP_BLOB_BYTES {
                // A record whose file is gone reads as a miss (`get_blob`).
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// A blob's file name: the hash of its key (keys are long and binary).
fn blob_name(key: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(key))
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
    fn a_blob_leaves_the_cache_readable_read_only_and_damage_is_a_miss() {
        let root = temp("blob");
        std::fs::create_dir_all(&root).unwrap();
        let big = vec![7u8; 4 * READ_ONLY_LOG_LIMIT as usize];
        let c = Cache::open(&root, false);
        c.put_blob(b"out", &[b"head", &big]);
        c.put_blob(b"inputs", &[b"list"]);
        drop(c);
        // Through the log, this much would have sent the next command to a read-write open.
        let r = Cache::open_read_only(&root).expect("opens read-only");
        let whole = [&b"head"[..], &big].concat();
        assert_eq!(r.get_blob(b"out").as_deref(), Some(&whole[..]));
        assert_eq!(r.get_blob(b"inputs").as_deref(), Some(&b"list"[..]));
        drop(r);
        let c = Cache::open(&root, false);
        let file = cache_dir(&root).join("blobs").join(blob_name(b"out"));
        // Same length, one byte changed (what a crash can leave: the size written, not the data).
        let mut damaged = whole.clone();
        damaged[5] = 0;
        std::fs::write(&file, &damaged).unwrap();
        assert_eq!(c.get_blob(b"out"), None, "an altered blob must not be served");
        assert_eq!(c.get(b"out"), None, "its record is dropped");
        c.put_blob(b"out", &[b"head", &big]);
        std::fs::write(&file, &whole[..10]).unwrap();
        assert_eq!(c.get_blob(b"out"), None, "a blob cut short must not be served");
        c.put_blob(b"out", &[b"x"]);
        std::fs::remove_file(&file).unwrap();
        assert_eq!(c.get_blob(b"out"), None);
        drop(c);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn only_the_newest_blobs_are_kept() {
        let root = temp("evict");
        std::fs::create_dir_all(&root).unwrap();
        let c = Cache::open(&root, false);
        let blobs = cache_dir(&root).join("blobs");
        std::fs::create_dir_all(&blobs).unwrap();
        // Temporary files: one a killed process left two hours ago, one being written now.
        let stale = blobs.join(".left.1.tmp");
        let fresh = blobs.join(".writing.2.tmp");
        std::fs::write(&stale, b"x").unwrap();
        std::fs::write(&fresh, b"x").unwrap();
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        std::fs::File::options().write(true).open(&stale).unwrap().set_modified(two_hours_ago).unwrap();
        let keys: Vec<Vec<u8>> = (0..KEEP_BLOBS + 4).map(|i| format!("out-{i}").into_bytes()).collect();
        for key in &keys {
            c.put_blob(key, &[key]);
            // Distinct modification times, whatever the file system's resolution.
            std::thread::sleep(std::time::Duration::from_millis(15));
        }
        assert!(!stale.exists(), "a temporary file an hour old goes");
        assert!(fresh.exists(), "a write in progress stays");
        std::fs::remove_file(&fresh).unwrap();
        assert_eq!(std::fs::read_dir(&blobs).unwrap().count(), KEEP_BLOBS);
        assert_eq!(c.get_blob(&keys[0]), None, "the oldest went");
        assert_eq!(c.get_blob(keys.last().unwrap()).as_deref(), Some(&keys.last().unwrap()[..]));
        assert_eq!(c.get_blob(&keys[4]).as_deref(), Some(&keys[4][..]), "the newest {KEEP_BLOBS} stay");
        drop(c);
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
