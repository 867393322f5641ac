//! `nexxo build --profile` (or `NEXXO_PROFILE=1`): a table of where a build's wall time goes.
//!
//! Every stage is a `tracing` span: Nexxo's own (`nexxo.*`, in the host and in `nexxo_bundler`)
//! and the ones rolldown already declares around its stages (scan, link, generate, minify...).
//! Off, no subscriber is installed, so each span is one relaxed atomic load of the global max
//! level and nothing else. On, one layer keeps only the spans of [`STAGES`] (every other callsite,
//! events included, gets `Interest::never` once), timing each from creation to close: async
//! stages are measured as wall time, not poll time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tracing::span::{Attributes, Id};
use tracing::subscriber::Interest;
use tracing::{Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// A row of the table: the span it sums (name, and a part of its module path where rolldown uses
/// one name twice), its label and its indentation under the row it is part of.
struct Stage {
    name: &'static str,
    module: &'static str,
    label: &'static str,
    depth: usize,
    /// Runs on several threads at once, or beside the stages around it: the row is thread time,
    /// not a slice of the wall time.
    parallel: bool,
}

const fn stage(name: &'static str, module: &'static str, label: &'static str, depth: usize) -> Stage {
    Stage { name, module, label, depth, parallel: false }
}

const fn beside(name: &'static str, label: &'static str) -> Stage {
    Stage { name, module: "nexxo", label, depth: 1, parallel: true }
}

/// The table's rows, in build order. Depth-0 rows do not overlap, so what they leave of the wall
/// time is shown as "other" (process start, argument parsing, the exit).
const STAGES: &[Stage] = &[
    stage("nexxo.config", "nexxo", "config load (nexxo.config.json, .env)", 0),
    stage("nexxo.cache_open", "nexxo", "cache open (RocksDB; read-only if it can)", 0),
    beside("nexxo.cache_open_beside", "cache opened to write (--force: re-created; beside the build)"),
    stage("nexxo.cache_read", "nexxo", "cache read (inputs stat'ed, lookup)", 0),
    stage("nexxo.bundle", "nexxo", "bundle (engine, all below)", 0),
    stage("nexxo.setup", "nexxo_bundler", "setup (HTML entries, options, resolver)", 1),
    stage("generate", "rolldown::bundle", "rolldown build", 1),
    stage("scan_modules", "rolldown::bundle", "scan: resolve, load, parse, transform", 2),
    Stage {
        name: "nexxo.css",
        module: "nexxo_bundler",
        label: "CSS compile (lightningcss; thread time)",
        depth: 3,
        parallel: true,
    },
    stage("link", "rolldown::stages::link_stage", "link (bind, tree-shake)", 2),
    stage("generate", "rolldown::stages::generate_stage", "generate", 2),
    stage("generate_chunks", "rolldown::stages", "chunk graph (code splitting)", 3),
    stage("deconflict_chunk_symbols", "rolldown::stages", "deconflict symbols", 3),
    stage("finalize_modules", "rolldown::stages", "finalize modules (AST rewrite)", 3),
    stage("instantiate_chunks", "rolldown::stages", "render chunks (codegen, source maps)", 3),
    // rolldown's render-chunk hooks: Nexxo's minifier (`nexxo_bundler::minify`) and the collapse
    // of its source map into the chunk's.
    stage("render_chunks", "rolldown::utils", "minify (oxc, parts in parallel; map collapse)", 3),
    stage("finalize_assets", "rolldown::utils", "hash names, source map JSON", 3),
    stage("nexxo.finish", "nexxo_bundler", "finish (chunk CSS, HTML, manifest)", 1),
    stage("nexxo.write", "nexxo", "write output (staging dir, rename)", 0),
    stage("nexxo.write_changed", "nexxo", "write changed files (--watch: each renamed into place)", 0),
    beside("nexxo.gzip", "gzip sizes for the summary (beside the write)"),
    beside("nexxo.cache_write", "cache write (output stored; beside)"),
    stage("nexxo.summary", "nexxo", "print the summary", 0),
    stage("nexxo.cache_close", "nexxo", "cache close", 0),
];

fn stage_index(meta: &Metadata<'_>) -> Option<usize> {
    if !meta.is_span() {
        return None;
    }
    let module = meta.module_path().unwrap_or_default();
    STAGES.iter().position(|s| s.name == meta.name() && module.starts_with(s.module))
}

static ON: AtomicBool = AtomicBool::new(false);
/// When `init` ran: the first thing `main` does, so the table's wall time is the process's.
static START: OnceLock<Instant> = OnceLock::new();
static RECORDS: Mutex<Vec<(usize, Duration)>> = Mutex::new(Vec::new());

/// Whether this process is profiling.
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Starts profiling when `flag` or `NEXXO_PROFILE` (not empty or `0`) asks for it. Call before
/// any span is created (callsites cache their interest on first use).
pub fn init(flag: bool) {
    START.get_or_init(Instant::now);
    let env = std::env::var("NEXXO_PROFILE").is_ok_and(|v| !v.is_empty() && v != "0");
    if !(flag || env) {
        return;
    }
    let subscriber = tracing_subscriber::registry().with(StageLayer);
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        ON.store(true, Ordering::Relaxed);
    }
}

struct Started(Instant, usize);

struct StageLayer;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for StageLayer {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if stage_index(meta).is_some() { Interest::always() } else { Interest::never() }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        stage_index(meta).is_some()
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let (Some(i), Some(span)) = (stage_index(attrs.metadata()), ctx.span(id)) else { return };
        // rolldown opens `finalize_modules` inside `finalize_modules`: count the outer one only.
        if span.parent().is_some_and(|p| p.extensions().get::<Started>().is_some_and(|s| s.1 == i)) {
            return;
        }
        span.extensions_mut().insert(Started(Instant::now(), i));
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        if let Some(Started(at, i)) = span.extensions().get::<Started>() {
            RECORDS.lock().expect("profile records").push((*i, at.elapsed()));
        }
    }
}

/// Prints the table to stderr: each stage's time, its share of the wall time since `init`, and
/// how often it ran.
pub fn report() {
    if let Some(start) = START.get() {
        report_from(*start, "cpu");
    }
}

/// [`report`] for what ran since `start` (one rebuild of `build --watch`); the CPU time and peak
/// RSS, labelled `cpu_label`, are still the process's.
pub fn report_from(start: Instant, cpu_label: &str) {
    if !enabled() {
        return;
    }
    let wall = start.elapsed();
    let records = std::mem::take(&mut *RECORDS.lock().expect("profile records"));
    let mut sums = vec![(Duration::ZERO, 0usize); STAGES.len()];
    for (i, d) in records {
        sums[i].0 += d;
        sums[i].1 += 1;
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut lines = vec![format!("{:<56} {:>10} {:>7} {:>6}", "stage", "ms", "%", "runs")];
    let mut top = Duration::ZERO;
    for (s, (d, n)) in STAGES.iter().zip(&sums) {
        if *n == 0 {
            continue;
        }
        if s.depth == 0 && !s.parallel {
            top += *d;
        }
        let label = format!("{}{}", "  ".repeat(s.depth), s.label);
        let share =
            if s.parallel { "-".to_string() } else { format!("{:.1}", 100.0 * d.as_secs_f64() / wall.as_secs_f64()) };
        lines.push(format!("{label:<56} {:>10.1} {share:>7} {n:>6}", ms(*d)));
    }
    let other = wall.saturating_sub(top);
    lines.push(format!(
        "{:<56} {:>10.1} {:>7.1}",
        "other (start-up, exit, between stages)",
        ms(other),
        100.0 * other.as_secs_f64() / wall.as_secs_f64()
    ));
    lines.push(format!("{:<56} {:>10.1} {:>7}", "wall", ms(wall), "100.0"));
    if let Some((user, sys, rss_kb)) = rusage() {
        lines.push(format!(
            "{cpu_label}: user {:.0} ms, sys {:.0} ms; peak RSS {} MB",
            ms(user),
            ms(sys),
            rss_kb / 1024
        ));
    }
    eprintln!("\n{}", lines.join("\n"));
}

/// User and system CPU time and peak RSS (KiB) of this process so far.
fn rusage() -> Option<(Duration, Duration, i64)> {
    #[cfg(unix)]
    {
        // SAFETY: getrusage fills the zeroed struct it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
            return None;
        }
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        Some((tv(u.ru_utime), tv(u.ru_stime), u.ru_maxrss))
    }
    #[cfg(not(unix))]
    None
}
