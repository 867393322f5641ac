//! The runner: a supervisor process that restarts a child process, and the child that runs
//! inputs.
//!
//! The child runs each input on one long-lived thread with a parser-sized stack (what the hosts
//! give threads that parse), under `catch_unwind`, and waits for it with a time bound. A panic
//! or a broken property is saved by the child as a regression input; a hang is saved and ends the
//! child (a thread cannot be stopped). What `catch_unwind` cannot catch (a stack overflow aborts
//! the process) ends the child too: before each input the child writes it to `current` in its
//! work directory, so the supervisor saves it from there and starts a fresh child.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read as _};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::check::shape;
use crate::mutate::{MAX_LEN, Rng, mutate};
use crate::targets::{Outcome, Target};

/// The stack of the thread that runs inputs: the hosts' `PARSER_STACK` (host/src/net.rs),
/// reserved, not committed.
pub const STACK: usize = 1 << 30;

/// Exit code of a child that saved a hang and stopped.
const HANG_EXIT: i32 = 3;

/// Where seed inputs and saved findings live in the repository.
/// `NEXXO_FUZZ_DIR` moves them elsewhere (the runner's own test does, to leave the repo alone).
pub fn crate_dir() -> PathBuf {
    std::env::var_os("NEXXO_FUZZ_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

pub fn corpus_dir(target: &str) -> PathBuf {
    crate_dir().join("corpus").join(target)
}

pub fn regressions_dir(target: &str) -> PathBuf {
    crate_dir().join("regressions").join(target)
}

/// Inputs of bugs found but not fixed yet: kept, replayed and reported, but they do not fail a
/// run. Their signatures are listed in `known-open.txt`; when a fix lands, the input moves to
/// `regressions/` and its line goes.
pub fn open_dir(target: &str) -> PathBuf {
    crate_dir().join("open").join(target)
}

/// Signatures of `target`'s known open bugs (`known-open.txt`: `target<TAB>signature<TAB>note`).
pub fn known_open(target: &str) -> Vec<String> {
    let text = std::fs::read_to_string(crate_dir().join("known-open.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split('\t');
            (parts.next()? == target).then(|| parts.next().map(str::to_string)).flatten()
        })
        .collect()
}

/// An input and the extension that decides its syntax (`tsx`, `module.css`).
#[derive(Clone, Debug)]
pub struct Input {
    pub ext: String,
    pub data: Vec<u8>,
}

/// The extension of a corpus file: everything after the first dot of its name.
fn ext_of(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.split_once('.').map_or("", |(_, e)| e).to_string()
}

/// What a replay runs: seed inputs, saved regressions and known open bugs' inputs of `target`,
/// sorted by path.
pub fn input_files(target: &str) -> Vec<PathBuf> {
    files_in(&[corpus_dir(target), regressions_dir(target), open_dir(target)])
}

/// What fuzzing starts from: seeds and regressions, not known open bugs (mutants of a known hang
/// would hang again and again).
fn seed_files(target: &str) -> Vec<PathBuf> {
    files_in(&[corpus_dir(target), regressions_dir(target)])
}

fn files_in(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in dirs {
        if let Ok(entries) = std::fs::read_dir(dir) {
            out.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    out.sort();
    out
}

fn load(path: &Path) -> Option<Input> {
    Some(Input { ext: ext_of(path), data: std::fs::read(path).ok()? })
}

#[derive(Debug, Clone)]
pub struct Finding {
    /// `panic`, `violation`, `hang` or `crash`.
    pub kind: String,
    /// A known open bug (`known-open.txt`): reported, not failing the run.
    pub known: bool,
    /// What identifies one bug across inputs (kind, panic location, message category).
    pub signature: String,
    pub message: String,
    /// The saved input (the regression file, or the replayed file that failed).
    pub path: Option<PathBuf>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub execs: u64,
    pub seeds: usize,
    pub corpus: usize,
    pub restarts: u32,
    pub elapsed: Duration,
    pub findings: Vec<Finding>,
}

// ---------------------------------------------------------------- supervisor

pub struct Options {
    pub seconds: f64,
    pub seed: u64,
    pub timeout: Duration,
}

fn work_dir(target: &str) -> PathBuf {
    std::env::temp_dir().join(format!("nexxo-fuzz-{}-{target}", std::process::id()))
}

/// Fuzzes `target` for `opts.seconds`, restarting the child after hangs and crashes.
pub fn fuzz(target: &Target, opts: &Options) -> Report {
    supervise(target, opts, false)
}

/// Runs every seed and regression input of `target` once.
pub fn replay(target: &Target, timeout: Duration) -> Report {
    supervise(target, &Options { seconds: 0.0, seed: 0, timeout }, true)
}

fn supervise(target: &Target, opts: &Options, replay: bool) -> Report {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(opts.seconds);
    let work = work_dir(target.name);
    let _ = std::fs::create_dir_all(&work);
    let mut report = Report::default();
    let mut seen = HashSet::new();
    let known = known_open(target.name);
    let mut seed = opts.seed;
    let mut start = 0usize;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if !replay && left < Duration::from_millis(100) {
            break;
        }
        let mut cmd = Command::new(std::env::current_exe().expect("own executable"));
        cmd.arg("--child")
            .arg(target.name)
            .arg(if replay { "replay" } else { "fuzz" })
            .arg(seed.to_string())
            .arg(left.as_millis().to_string())
            .arg(opts.timeout.as_millis().to_string())
            .arg(start.to_string())
            .env("NEXXO_FUZZ_WORKDIR", &work)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                report.findings.push(Finding {
                    kind: "setup".into(),
                    known: false,
                    signature: "spawn".into(),
                    message: format!("cannot start the fuzzing child: {e}"),
                    path: None,
                });
                break;
            }
        };
        // Stderr on its own thread so a chatty child cannot block on a full pipe.
        let mut stderr = child.stderr.take().expect("piped stderr");
        let err_thread = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let stdout = child.stdout.take().expect("piped stdout");
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("FINDING\t") {
                let mut parts = rest.splitn(4, '\t');
                let kind = parts.next().unwrap_or("").to_string();
                let signature = parts.next().unwrap_or("").to_string();
                let known = known.contains(&signature);
                let path = parts.next().filter(|p| *p != "-").map(PathBuf::from);
                let message = parts.next().unwrap_or("").replace("\\n", "\n");
                if seen.insert(signature.clone()) || replay {
                    report.findings.push(Finding { kind, known, signature, message, path });
                }
            } else if let Some(rest) = line.strip_prefix("STATS\t") {
                let mut nums = rest.split('\t').map(|n| n.parse::<usize>().unwrap_or(0));
                report.execs += nums.next().unwrap_or(0) as u64;
                report.seeds = nums.next().unwrap_or(0);
                report.corpus = report.corpus.max(nums.next().unwrap_or(0));
            }
        }
        let status = child.wait();
        let stderr = err_thread.join().unwrap_or_default();
        let code = status.as_ref().ok().and_then(|s| s.code());
        if code == Some(0) {
            break;
        }
        report.restarts += 1;
        let (index, current) = read_current(&work);
        if code != Some(HANG_EXIT) {
            // The child died without reporting (a stack overflow, an abort, a signal), and
            // without counting the input it died on.
            report.execs += 1;
            let why = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
            let signal = status.as_ref().ok().map(|s| format!("{s}")).unwrap_or_default();
            let signature = format!("crash {}", shape(&why));
            let known = known.contains(&signature);
            let message = format!("the process died ({signal}): {why}");
            let path = match (&current, replay) {
                (Some(input), false) => save(target.name, known, "crash", &signature, input),
                _ => replay_path(target.name, index),
            };
            if seen.insert(signature.clone()) || replay {
                report.findings.push(Finding { kind: "crash".into(), known, signature, message, path });
            }
        }
        if replay {
            start = index + 1;
        } else {
            seed = seed.wrapping_add(0x1000);
        }
        if report.restarts > 200 {
            break;
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    if replay {
        // Children that died did not report their count; every input was run once.
        report.execs = input_files(target.name).len() as u64;
    }
    report.elapsed = started.elapsed();
    report
}

fn replay_path(target: &str, index: usize) -> Option<PathBuf> {
    input_files(target).into_iter().nth(index)
}

/// The input the child was running when it stopped: its index and the input.
fn read_current(work: &Path) -> (usize, Option<Input>) {
    let Ok(bytes) = std::fs::read(work.join("current")) else { return (0, None) };
    let Some(nl) = bytes.iter().position(|b| *b == b'\n') else { return (0, None) };
    let header = String::from_utf8_lossy(&bytes[..nl]).into_owned();
    let (index, ext) = header.split_once(' ').unwrap_or((&header, ""));
    (index.parse().unwrap_or(0), Some(Input { ext: ext.to_string(), data: bytes[nl + 1..].to_vec() }))
}

/// Saves a finding's input as `regressions/<target>/<kind>-<hash of signature>.<ext>` (`open/`
/// for a known open bug); a smaller input for the same signature replaces a bigger one.
fn save(target: &str, known: bool, kind: &str, signature: &str, input: &Input) -> Option<PathBuf> {
    let dir = if known { open_dir(target) } else { regressions_dir(target) };
    std::fs::create_dir_all(&dir).ok()?;
    let hash =
        signature.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let ext = if input.ext.is_empty() { "txt".to_string() } else { input.ext.clone() };
    let path = dir.join(format!("{kind}-{hash:016x}.{ext}"));
    let keep = std::fs::metadata(&path).is_ok_and(|m| m.len() as usize <= input.data.len());
    if !keep {
        std::fs::write(&path, &input.data).ok()?;
    }
    Some(path)
}

// ---------------------------------------------------------------- child

static PANIC: Mutex<Option<String>> = Mutex::new(None);

enum Ran {
    Ok(String),
    Violation(String),
    Panic(String),
}

impl Ran {
    fn signature(&self) -> Option<(&'static str, String, &str)> {
        match self {
            Ran::Ok(_) => None,
            Ran::Violation(m) => Some(("violation", format!("violation {}", shape(crate::check::category(m))), m)),
            // Where it panicked identifies the bug; the message often carries input text.
            Ran::Panic(m) => Some(("panic", format!("panic {}", shape(m.split(": ").next().unwrap_or(m))), m)),
        }
    }
}

struct Executor {
    tx: mpsc::Sender<Input>,
    rx: mpsc::Receiver<Ran>,
}

impl Executor {
    fn new(target: &'static Target) -> Self {
        let (tx, job_rx) = mpsc::channel::<Input>();
        let (done_tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name(format!("fuzz-{}", target.name))
            .stack_size(STACK)
            .spawn(move || {
                for input in job_rx {
                    let run = panic::catch_unwind(AssertUnwindSafe(|| (target.run)(&input.ext, &input.data)));
                    let ran = match run {
                        Ok(Ok(outcome)) => Ran::Ok(outcome),
                        Ok(Err(violation)) => Ran::Violation(violation),
                        Err(_) => Ran::Panic(PANIC.lock().map(|mut p| p.take()).ok().flatten().unwrap_or_default()),
                    };
                    if done_tx.send(ran).is_err() {
                        break;
                    }
                }
            })
            .expect("spawn the fuzzing thread");
        Self { tx, rx }
    }

    /// Runs one input; `None` when it did not finish within `timeout`.
    fn run(&self, input: &Input, timeout: Duration) -> Option<Ran> {
        self.tx.send(input.clone()).ok()?;
        self.rx.recv_timeout(timeout).ok()
    }
}

fn outcome_key(o: &Outcome) -> u64 {
    let s = match o {
        Ok(s) => s.as_str(),
        Err(s) => s.as_str(),
    };
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn write_current(work: &Path, index: usize, input: &Input) {
    let mut bytes = format!("{index} {}\n", input.ext).into_bytes();
    bytes.extend_from_slice(&input.data);
    let _ = std::fs::write(work.join("current"), bytes);
}

fn emit(kind: &str, signature: &str, path: Option<&Path>, message: &str) {
    let path = path.map_or("-".to_string(), |p| p.display().to_string());
    let clean = |s: &str| s.chars().take(400).collect::<String>().replace('\t', " ").replace('\n', "\\n");
    println!("FINDING\t{kind}\t{}\t{path}\t{}", clean(signature), clean(message));
}

/// Shrinks an input that fails with `signature` by deleting chunks while it still fails alike.
fn minimize(exec: &Executor, mut input: Input, signature: &str, timeout: Duration) -> (Input, bool) {
    let until = Instant::now() + Duration::from_secs(3);
    let mut chunk = input.data.len() / 2;
    while chunk >= 1 && Instant::now() < until {
        let mut at = 0;
        let mut shrank = false;
        while at < input.data.len() && Instant::now() < until {
            let mut data = input.data.clone();
            data.drain(at..(at + chunk).min(data.len()));
            let candidate = Input { ext: input.ext.clone(), data };
            match exec.run(&candidate, timeout) {
                None => return (input, false),
                Some(r) if r.signature().is_some_and(|(_, s, _)| s == signature) => {
                    input = candidate;
                    shrank = true;
                }
                Some(_) => at += chunk,
            }
        }
        if !shrank {
            chunk /= 2;
        }
    }
    (input, true)
}

/// The child: `--child <target> <fuzz|replay> <seed> <millis> <timeout-ms> <start>`.
pub fn child(args: &[String]) -> i32 {
    let [name, mode, seed, millis, timeout, start] = args else {
        eprintln!("bad child arguments");
        return 2;
    };
    let Some(target) = crate::targets::target(name) else { return 2 };
    let seed: u64 = seed.parse().unwrap_or(0);
    let until = Instant::now() + Duration::from_millis(millis.parse().unwrap_or(0));
    let timeout = Duration::from_millis(timeout.parse().unwrap_or(5000)) * if target.slow { 4 } else { 1 };
    let start: usize = start.parse().unwrap_or(0);
    let work = PathBuf::from(std::env::var_os("NEXXO_FUZZ_WORKDIR").unwrap_or_default());
    panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if let Ok(mut p) = PANIC.lock() {
            *p = Some(format!("panicked at {at}: {msg}"));
        }
    }));
    // rolldown's parallel stages run on rayon's pool: parser-sized stacks there too, as the host does.
    let _ = rayon::ThreadPoolBuilder::new().stack_size(STACK).build_global();
    let exec = Executor::new(target);
    let files = input_files(target.name);
    let known = known_open(target.name);

    if mode == "replay" {
        let mut execs = 0;
        for (i, path) in files.iter().enumerate().skip(start) {
            let Some(input) = load(path) else { continue };
            write_current(&work, i, &input);
            execs += 1;
            match exec.run(&input, timeout) {
                None => {
                    emit("hang", "hang", Some(path), &format!("no result within {timeout:?}"));
                    println!("STATS\t{execs}\t{}\t{}", files.len(), files.len());
                    return HANG_EXIT;
                }
                Some(r) => {
                    if let Some((kind, sig, msg)) = r.signature() {
                        emit(kind, &sig, Some(path), msg);
                    }
                }
            }
        }
        println!("STATS\t{execs}\t{}\t{}", files.len(), files.len());
        return 0;
    }

    let mut corpus: Vec<Input> = seed_files(target.name).iter().filter_map(|p| load(p)).collect();
    if corpus.is_empty() {
        corpus.push(Input { ext: String::new(), data: Vec::new() });
    }
    let seeds = corpus.len();
    let mut rng = Rng::new(seed);
    let mut shapes: HashSet<u64> = HashSet::new();
    let mut saved: HashSet<String> = HashSet::new();
    let mut execs = 0usize;
    while Instant::now() < until {
        let base = &corpus[rng.below(corpus.len())];
        let other = &corpus[rng.below(corpus.len())].data;
        let input = Input { ext: base.ext.clone(), data: mutate(&mut rng, &base.data, other, target.tokens) };
        write_current(&work, execs, &input);
        execs += 1;
        let Some(ran) = exec.run(&input, timeout) else {
            let path = save(target.name, known.iter().any(|k| k == "hang"), "hang", "hang", &input);
            emit(
                "hang",
                "hang",
                path.as_deref(),
                &format!("no result within {timeout:?} ({} bytes)", input.data.len()),
            );
            println!("STATS\t{execs}\t{seeds}\t{}", corpus.len());
            return HANG_EXIT;
        };
        if let Some((kind, sig, msg)) = ran.signature() {
            let (msg, sig) = (msg.to_string(), sig.clone());
            // Each bug is minimized and saved once per child; later inputs hitting it are skipped.
            if saved.insert(sig.clone()) {
                let (small, finished) = minimize(&exec, input.clone(), &sig, timeout);
                let path = save(target.name, known.contains(&sig), kind, &sig, &small);
                emit(kind, &sig, path.as_deref(), &msg);
                if !finished {
                    println!("STATS\t{execs}\t{seeds}\t{}", corpus.len());
                    return HANG_EXIT;
                }
            }
            continue;
        }
        let Ran::Ok(outcome) = ran else { continue };
        // New kinds of outcome (a new error message, a new shape of result) grow the corpus.
        if shapes.insert(outcome_key(&Ok(outcome))) && input.data.len() <= MAX_LEN {
            if corpus.len() < 4096 {
                corpus.push(input);
            } else {
                let i = seeds + rng.below(corpus.len() - seeds);
                corpus[i] = input;
            }
        }
    }
    println!("STATS\t{execs}\t{seeds}\t{}", corpus.len());
    0
}
