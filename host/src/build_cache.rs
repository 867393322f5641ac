//! The build's output cache: a build's output is stored under a key made of the config
//! fingerprint and the content hash of every file the build read. A later build with the same
//! fingerprint looks up the list of those files and, if none changed, writes the stored output.
//!
//! Two costs are avoided. The cold build does not read (or stat) its inputs a second time to key
//! what it stores: [`RecordingFs`] stats and hashes each file as the build reads it, and the hash
//! is of exactly the content the output was made from. The warm build does not read its inputs either: each one is
//! stat'ed, and its recorded hash is reused when size, mtime, ctime and inode are unchanged and
//! the file was last changed well before the build that recorded it began (see [`SLACK`]); only
//! the others are read and hashed again.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use nexxo_bundler::{BuildOutput, OutputFile};
use rayon::prelude::*;
use rolldown_fs::{FileSystem, OsFileSystem, OxcResolverFileSystem};

use crate::cache::{Cache, key};
use crate::listing::{Entry, Kind, Listings};

/// A file whose ctime is within this of the start of the build that recorded it is hashed again
/// on every lookup instead of trusting its stamp. File times on Linux come from a coarse clock
/// (up to a scheduler tick behind `SystemTime::now`) and some file systems keep 1-2 s; a file
/// changed while the build read it, or twice within one time step with the same size, would
/// otherwise look unchanged.
const SLACK_NS: u128 = 2_000_000_000;

/// How many of a stored build's inputs, the most recently changed, a lookup checks before all the
/// others (see [`lookup`]).
const RECENT_FIRST: usize = 64;

/// The OS file system, keeping the stat and an xxh3-128 of every file read through it (modules,
/// pages, style sheets, assets, partials: the engine reads everything through its `FileSystem`),
/// so storing the output needs neither a second read nor a second stat of each input.
#[derive(Clone)]
pub struct RecordingFs {
    os: OsFileSystem,
    read: Arc<Mutex<HashMap<PathBuf, (Stat, u128)>>>,
    /// The resolver's questions ("is there a file here?") answered from directory listings.
    listings: Arc<Listings>,
}

impl std::fmt::Debug for RecordingFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordingFs")
    }
}

impl RecordingFs {
    /// The stat and hash of each file read so far, by the path it was read by.
    pub fn take_reads(&self) -> HashMap<PathBuf, (Stat, u128)> {
        std::mem::take(&mut *self.read.lock().expect("read files"))
    }

    /// Stat'ed (through the open file, not its path again) before the read: if the file changes
    /// in between, its stamp cannot match a later stat, and if it changes after, it is too recent
    /// to be trusted (see [`lookup`]).
    fn read_bytes(&self, path: &Path) -> io::Result<Vec<u8>> {
        use std::io::Read as _;
        let mut file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        if let Some(stat) = Stat::of(&meta) {
            let h = xxhash_rust::xxh3::xxh3_128(&bytes);
            self.read.lock().expect("read files").insert(path.to_path_buf(), (stat, h));
        }
        Ok(bytes)
    }
}

/// What the resolver is told of a path its directory's listing answered.
fn listed_metadata(kind: Kind) -> oxc_resolver::FileMetadata {
    oxc_resolver::FileMetadata::new(kind == Kind::File, kind == Kind::Dir, kind == Kind::Symlink)
}

impl FileSystem for RecordingFs {
    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        self.os.remove_dir_all(path)
    }
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        self.os.create_dir_all(path)
    }
    fn write(&self, path: &Path, content: &[u8]) -> io::Result<()> {
        self.os.write(path, content)
    }
    fn exists(&self, path: &Path) -> bool {
        self.os.exists(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        self.os.read_dir(path)
    }
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.os.remove_file(path)
    }
}

impl OxcResolverFileSystem for RecordingFs {
    fn new(yarn_pnp: bool) -> Self {
        Self { os: OsFileSystem::new(yarn_pnp), read: Arc::default(), listings: Arc::default() }
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.read_bytes(path)
    }
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        String::from_utf8(self.read_bytes(path)?)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
    }
    fn metadata(&self, path: &Path) -> io::Result<oxc_resolver::FileMetadata> {
        match self.listings.entry(path) {
            // A link is followed by the file system.
            Entry::Is(Kind::Symlink) | Entry::Ask => self.os.metadata(path),
            Entry::Is(kind) => Ok(listed_metadata(kind)),
            Entry::Missing => Err(io::ErrorKind::NotFound.into()),
        }
    }
    fn symlink_metadata(&self, path: &Path) -> io::Result<oxc_resolver::FileMetadata> {
        match self.listings.entry(path) {
            Entry::Is(kind) => Ok(listed_metadata(kind)),
            Entry::Missing => Err(io::ErrorKind::NotFound.into()),
            Entry::Ask => self.os.symlink_metadata(path),
        }
    }
    fn read_link(&self, path: &Path) -> Result<PathBuf, oxc_resolver::ResolveError> {
        self.os.read_link(path)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.os.canonicalize(path)
    }
}

/// What a file looked like when its hash was recorded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Stat {
    size: u64,
    mtime_ns: u128,
    ctime_ns: u128,
    ino: u64,
}

fn stat(path: &Path) -> Option<Stat> {
    Stat::of(&std::fs::metadata(path).ok()?)
}

impl Stat {
    fn of(m: &std::fs::Metadata) -> Option<Stat> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            let ns = |s: i64, n: i64| (s.max(0) as u128) * 1_000_000_000 + n.max(0) as u128;
            Some(Stat {
                size: m.len(),
                mtime_ns: ns(m.mtime(), m.mtime_nsec()),
                ctime_ns: ns(m.ctime(), m.ctime_nsec()),
                ino: m.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            // No ctime: every stamp is untrusted (ctime_ns is the maximum), so lookups hash.
            let mtime_ns = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
            Some(Stat { size: m.len(), mtime_ns, ctime_ns: u128::MAX, ino: 0 })
        }
    }
}

struct Input {
    path: String,
    stat: Stat,
    hash: u128,
}

/// The inputs of a stored build: `trust_before` (ns since the epoch), then per input its path,
/// stat and hash, little-endian and length-prefixed.
fn encode_inputs(trust_before: u128, inputs: &[Input]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + inputs.iter().map(|i| i.path.len() + 76).sum::<usize>());
    out.extend(trust_before.to_le_bytes());
    for i in inputs {
        out.extend((i.path.len() as u32).to_le_bytes());
        out.extend(i.path.as_bytes());
        out.extend(i.stat.size.to_le_bytes());
        out.extend(i.stat.mtime_ns.to_le_bytes());
        out.extend(i.stat.ctime_ns.to_le_bytes());
        out.extend(i.stat.ino.to_le_bytes());
        out.extend(i.hash.to_le_bytes());
    }
    out
}

fn decode_inputs(mut b: &[u8]) -> Option<(u128, Vec<Input>)> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, tail) = b.split_at_checked(n)?;
        *b = tail;
        Some(head)
    }
    let u64_ = |b: &mut &[u8]| Some(u64::from_le_bytes(take(b, 8)?.try_into().ok()?));
    let u128_ = |b: &mut &[u8]| Some(u128::from_le_bytes(take(b, 16)?.try_into().ok()?));
    let trust_before = u128_(&mut b)?;
    let mut inputs = Vec::new();
    while !b.is_empty() {
        let n = u32::from_le_bytes(take(&mut b, 4)?.try_into().ok()?) as usize;
        let path = String::from_utf8(take(&mut b, n)?.to_vec()).ok()?;
        let stat = Stat { size: u64_(&mut b)?, mtime_ns: u128_(&mut b)?, ctime_ns: u128_(&mut b)?, ino: u64_(&mut b)? };
        inputs.push(Input { path, stat, hash: u128_(&mut b)? });
    }
    Some((trust_before, inputs))
}

/// The stored "hash" of a file whose existence, not content, the output depends on (see
/// `BuildOutput::looked_for`): absent or present when the build looked.
const ABSENT: u128 = u128::MAX;
const PRESENT: u128 = u128::MAX - 1;

fn hash_file(path: &str) -> Option<u128> {
    std::fs::read(path).ok().map(|b| xxhash_rust::xxh3::xxh3_128(&b))
}

/// The key of a build's output: the config fingerprint plus every input's path and hash, in any
/// order. Each (path, hash) pair is hashed and the pairs' hashes summed, so no list of tens of
/// thousands of paths has to be sorted at the end of a build (8-16 ms at 19k modules, on its
/// critical path); each input appears once.
fn output_key(fp: &[u8], inputs: &[(&str, u128)]) -> Vec<u8> {
    let sum = inputs.iter().fold(0u128, |sum, (path, hash)| {
        let mut pair = [0u8; 32];
        pair[..16].copy_from_slice(&xxhash_rust::xxh3::xxh3_128(path.as_bytes()).to_le_bytes());
        pair[16..].copy_from_slice(&hash.to_le_bytes());
        sum.wrapping_add(xxhash_rust::xxh3::xxh3_128(&pair))
    });
    key("build-output", &[fp, &sum.to_le_bytes()])
}

fn inputs_key(fp: &[u8]) -> Vec<u8> {
    key("build-inputs", &[fp])
}

/// A previous build found in the cache.
pub struct Hit {
    pub files: Vec<OutputFile>,
    /// The files it read.
    pub inputs: Vec<String>,
    /// The summary's gzip size of each of `files`, when stored ([`store_gzip`]).
    pub gzip: Option<Vec<Option<usize>>>,
}

/// A previous build's output, if every file it read is unchanged.
pub fn lookup(cache: &Cache, fp: &[u8]) -> Option<Hit> {
    let (trust_before, inputs) = decode_inputs(&cache.get_blob(&inputs_key(fp))?)?;
    // An input is unchanged when its stamp vouches for it, or else its content hashes the same.
    let unchanged = |i: &Input| -> Option<u128> {
        if i.hash == ABSENT || i.hash == PRESENT {
            return (Path::new(&i.path).is_file() == (i.hash == PRESENT)).then_some(i.hash);
        }
        let trusted = i.stat.ctime_ns < trust_before && stat(Path::new(&i.path)) == Some(i.stat);
        let hash = if trusted { i.hash } else { hash_file(&i.path)? };
        (hash == i.hash).then_some(hash)
    };
    // The files changed last before the stored build come first (see `store`): the ones being
    // edited, whose change a build after an edit finds here without stat'ing the whole tree
    // (18k files at 19k modules, 15-30 ms).
    let (recent, rest) = inputs.split_at(inputs.len().min(RECENT_FIRST));
    let mut current: Vec<(&str, u128)> =
        recent.iter().map(|i| Some((i.path.as_str(), unchanged(i)?))).collect::<Option<_>>()?;
    // Then one stat per other input (in parallel: the tree may hold tens of thousands); a file is
    // read only when its stamp cannot vouch for it.
    let others: Vec<(&str, u128)> =
        rest.par_iter().map(|i| Some((i.path.as_str(), unchanged(i)?))).collect::<Option<_>>()?;
    current.extend(others);
    let out_key = output_key(fp, &current);
    let files = nexxo_bundler::decode_files(&cache.get_blob(&out_key)?);
    if files.is_none() {
        cache.forget(&out_key);
    }
    let files = files?;
    let gzip = cache.get(&gzip_key(&out_key)).and_then(|b| decode_gzip(&b)).filter(|g| g.len() == files.len());
    let inputs = inputs.into_iter().filter(|i| i.hash != ABSENT && i.hash != PRESENT).map(|i| i.path).collect();
    Some(Hit { files, inputs, gzip })
}

fn gzip_key(out_key: &[u8]) -> Vec<u8> {
    key("build-gzip", &[out_key])
}

/// Keeps the summary's gzip sizes beside the output stored under `out_key`: a warm build then
/// prints them without compressing the output again (80 ms for a 19k-module app's 3.5 MB chunk).
pub fn store_gzip(cache: &Cache, out_key: &[u8], sizes: &[Option<usize>]) {
    let bytes: Vec<u8> = sizes.iter().flat_map(|s| s.map_or(u64::MAX, |n| n as u64).to_le_bytes()).collect();
    cache.put(&gzip_key(out_key), &bytes);
}

fn decode_gzip(b: &[u8]) -> Option<Vec<Option<usize>>> {
    if !b.len().is_multiple_of(8) {
        return None;
    }
    let size = |c: &[u8]| u64::from_le_bytes(c.try_into().expect("8 bytes"));
    Some(b.chunks_exact(8).map(|c| (size(c) != u64::MAX).then(|| size(c) as usize)).collect())
}

/// Stores `output` under the stats and hashes `read` recorded while building it (inputs it did not
/// record are stat'ed and read now). Returns the key it is stored under, if it was.
pub fn store(
    cache: &Cache,
    fp: &[u8],
    output: &BuildOutput,
    build_started: SystemTime,
    read: &HashMap<PathBuf, (Stat, u128)>,
) -> Option<Vec<u8>> {
    if !cache.is_enabled() {
        return None;
    }
    let started_ns = build_started.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    // Every file the build read, not only the modules its chunks kept: a module tree-shaken away
    // entirely is not in `output.inputs`, yet editing it can change the output. The key takes
    // them in any order (see `output_key`).
    let unrecorded = |p: &PathBuf| {
        // The WASM engine reads through its own host: its inputs are stat'ed and hashed here.
        Some(Input { path: p.to_string_lossy().into_owned(), stat: stat(p)?, hash: hash_file(p.to_str()?)? })
    };
    // Recorded inputs are taken in order on this thread: rayon's pool is still freeing the
    // bundler's data (rolldown hands those drops to it), and queued behind them a parallel pass
    // over a 19k-module build's inputs took 23 ms instead of 2. Only the WASM engine's inputs,
    // read and hashed here, are worth the pool.
    let mut inputs: Vec<Input> = if read.is_empty() {
        let mut paths: Vec<&PathBuf> = output.inputs.iter().collect();
        paths.sort_unstable();
        paths.dedup();
        paths.par_iter().map(|p| unrecorded(p)).collect::<Option<_>>()?
    } else {
        let recorded: HashSet<&[u8]> = read.keys().map(|p| p.as_os_str().as_encoded_bytes()).collect();
        let mut inputs: Vec<Input> = read
            .iter()
            .map(|(p, &(stat, hash))| Input { path: p.to_string_lossy().into_owned(), stat, hash })
            .collect();
        let mut others: Vec<&PathBuf> =
            output.inputs.iter().filter(|p| !recorded.contains(p.as_os_str().as_encoded_bytes())).collect();
        others.sort_unstable();
        others.dedup();
        for p in others {
            inputs.push(unrecorded(p)?);
        }
        inputs
    };
    // A file created or deleted where the build looked makes another output.
    let nothing = Stat { size: 0, mtime_ns: 0, ctime_ns: 0, ino: 0 };
    inputs.extend(output.looked_for.iter().map(|(p, found)| Input {
        path: p.to_string_lossy().into_owned(),
        stat: nothing,
        hash: if *found { PRESENT } else { ABSENT },
    }));
    // A file edited after the build began may not match the output (the stat of an input the
    // build read precedes that read, so this only skips builds where it truly may not).
    if inputs.iter().any(|i| i.stat.mtime_ns >= started_ns) {
        return None;
    }
    // The most recently changed first, for `lookup` (a partial sort: the order of the rest does
    // not matter, the output key takes the inputs in any order).
    if inputs.len() > RECENT_FIRST {
        inputs.select_nth_unstable_by_key(RECENT_FIRST, |i| std::cmp::Reverse(i.stat.mtime_ns));
    }
    let pairs: Vec<(&str, u128)> = inputs.iter().map(|i| (i.path.as_str(), i.hash)).collect();
    let out_key = output_key(fp, &pairs);
    let headers = nexxo_bundler::file_headers(&output.files);
    let files: Vec<&[u8]> =
        headers.iter().zip(&output.files).flat_map(|(header, f)| [header.as_slice(), f.contents.as_slice()]).collect();
    cache.put_blob(&out_key, &files);
    cache.put_blob(&inputs_key(fp), &[&encode_inputs(started_ns.saturating_sub(SLACK_NS), &inputs)]);
    Some(out_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexxo_bundler::OutputKind;

    fn project(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("nexxo-build-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Builds "output" from `src` through a RecordingFs, as `nexxo build` does, and stores it.
    fn build_and_store(cache: &Cache, src: &Path) {
        let started = SystemTime::now();
        let fs = RecordingFs::new(false);
        let text = fs.read_to_string(src).unwrap();
        let output = BuildOutput {
            files: vec![OutputFile { path: "out.js".into(), contents: text.into_bytes(), kind: OutputKind::EntryJs }],
            inputs: vec![src.to_path_buf()],
            ..Default::default()
        };
        let out_key = store(cache, b"fp", &output, started, &fs.take_reads()).expect("stored");
        store_gzip(cache, &out_key, &[Some(23)]);
    }

    #[test]
    fn an_unchanged_input_hits_and_a_same_size_edit_right_after_the_build_misses() {
        let dir = project("edit");
        let src = dir.join("a.js");
        std::fs::write(&src, "one").unwrap();
        let cache = Cache::open(&dir, false);
        build_and_store(&cache, &src);
        let hit = lookup(&cache, b"fp").expect("unchanged input: a hit");
        assert_eq!(hit.files[0].contents, b"one");
        assert_eq!(hit.inputs, vec![src.to_string_lossy().into_owned()]);
        assert_eq!(hit.gzip, Some(vec![Some(23)]));
        assert!(lookup(&cache, b"other fp").is_none());
        // Same size, and (on a coarse clock) possibly the same mtime: the stamp is too recent to
        // vouch for the file, so its content is hashed again.
        std::fs::write(&src, "two").unwrap();
        assert!(lookup(&cache, b"fp").is_none(), "a changed input must not hit");
        std::fs::write(&src, "one").unwrap();
        assert!(lookup(&cache, b"fp").is_some(), "the same content again hits");
        std::fs::remove_file(&src).unwrap();
        assert!(lookup(&cache, b"fp").is_none(), "a deleted input must not hit");
        drop(cache);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_inputs_changed_last_are_stored_first_and_any_edit_still_misses() {
        let dir = project("recent");
        let n = RECENT_FIRST + 40;
        let now = SystemTime::now();
        let files: Vec<PathBuf> = (0..n)
            .map(|i| {
                let f = dir.join(format!("m{i}.js"));
                std::fs::write(&f, format!("module {i:03}")).unwrap();
                // m0 changed longest ago, the last one most recently (all well before the build).
                let age = std::time::Duration::from_secs((n - i) as u64 * 10 + 60);
                std::fs::File::options().write(true).open(&f).unwrap().set_modified(now - age).unwrap();
                f
            })
            .collect();
        let cache = Cache::open(&dir, false);
        let started = SystemTime::now();
        let fs = RecordingFs::new(false);
        let text: String = files.iter().map(|f| fs.read_to_string(f).unwrap()).collect();
        let output = BuildOutput {
            files: vec![OutputFile { path: "out.js".into(), contents: text.into_bytes(), kind: OutputKind::EntryJs }],
            inputs: files.clone(),
            ..Default::default()
        };
        store(&cache, b"fp", &output, started, &fs.take_reads()).expect("stored");
        let (_, stored) = decode_inputs(&cache.get_blob(&inputs_key(b"fp")).unwrap()).unwrap();
        let oldest_first_part = stored[..RECENT_FIRST].iter().map(|i| i.stat.mtime_ns).min().unwrap();
        assert!(stored[RECENT_FIRST..].iter().all(|i| i.stat.mtime_ns <= oldest_first_part), "most recent first");
        assert!(lookup(&cache, b"fp").is_some(), "unchanged: a hit");
        // An edit of a file outside the recent ones is found by the full pass, one inside it first.
        for f in [&files[0], &files[n - 1]] {
            let before = std::fs::read(f).unwrap();
            std::fs::write(f, b"module XXX").unwrap();
            assert!(lookup(&cache, b"fp").is_none(), "an edit of {} must miss", f.display());
            std::fs::write(f, &before).unwrap();
            assert!(lookup(&cache, b"fp").is_some(), "its content back: a hit again");
        }
        drop(cache);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_output_key_takes_inputs_in_any_order_and_each_path_and_hash_counts() {
        let fp = b"config";
        let a = [("/p/a.ts", 1u128), ("/p/b.ts", 2), ("/p/c.ts", 3)];
        let shuffled = [a[2], a[0], a[1]];
        assert_eq!(output_key(fp, &a), output_key(fp, &shuffled));
        // The same hashes on other paths, another hash, one input less, another config.
        assert_ne!(output_key(fp, &a), output_key(fp, &[("/p/a.ts", 2), ("/p/b.ts", 1), ("/p/c.ts", 3)]));
        assert_ne!(output_key(fp, &a), output_key(fp, &[("/p/a.ts", 1), ("/p/b.ts", 2), ("/p/c.ts", 4)]));
        assert_ne!(output_key(fp, &a), output_key(fp, &a[..2]));
        assert_ne!(output_key(fp, &a), output_key(b"other", &a));
    }

    #[test]
    fn inputs_round_trip_and_truncation_is_refused() {
        let stat = Stat { size: 3, mtime_ns: 1, ctime_ns: 2, ino: 4 };
        let inputs = vec![Input { path: "/a/b.ts".into(), stat, hash: 99 }, Input { path: "/é".into(), stat, hash: 7 }];
        let bytes = encode_inputs(42, &inputs);
        let (t, back) = decode_inputs(&bytes).unwrap();
        assert_eq!(t, 42);
        assert_eq!(
            back.iter().map(|i| (i.path.as_str(), i.stat, i.hash)).collect::<Vec<_>>(),
            vec![("/a/b.ts", stat, 99), ("/é", stat, 7)]
        );
        assert!(decode_inputs(&bytes[..bytes.len() - 1]).is_none());
    }
}
