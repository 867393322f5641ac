//! `nexxo build`.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use flate2::Compression;
use flate2::write::GzEncoder;
use nexxo_bundler::{BuildOutput, OutputFile, OutputKind};
use nexxo_config::{CliOverrides, ResolvedConfig};
use rayon::prelude::*;
use rolldown_fs::OxcResolverFileSystem as _;

use crate::build_cache::{self, RecordingFs};
use crate::style::{self, Style};
use crate::{BuildArgs, EngineKind, fs_out, load_config};

pub fn run(args: BuildArgs, shutdown: crate::shutdown::Signals) -> Result<(), ExitCode> {
    if args.watch {
        return crate::build_watch::run(args, shutdown);
    }
    let started = Instant::now();
    let loaded = tracing::info_span!("nexxo.config")
        .in_scope(|| load_config::load_quiet(&args.common, cli_overrides(&args), "build"))?;
    print_banner(&loaded.config);
    load_config::report(&loaded);
    let config = loaded.config;
    // Refuse a dangerous output directory before doing anything (the sources it may hold are only
    // known after the build, so `write` checks again with them).
    check_out_dir(&config, &[])?;
    // The lookup reads the cache opened read-only when it can (a read-write open writes and
    // fsyncs files every time, 5-60 ms here). A build to store needs it read-write: unless the
    // lookup already had it so, that open (with `--force`, removing the old cache first) runs on
    // a thread of its own beside the build.
    let fingerprint = config_fingerprint(&config);
    // Opened when the build reaches its link stage: opening (or re-creating) RocksDB takes 5-15
    // ms of CPU, which during the parallel module scan takes a core from it, while linking and
    // minifying a chunk leave one idle.
    let linking = Arc::new(Gate::default());
    // No cache yet (a first build): nothing to look up, so it is created beside the build.
    let reader = (!args.force && crate::cache::Cache::exists(&config.root)).then(|| {
        tracing::info_span!("nexxo.cache_open").in_scope(|| {
            crate::cache::Cache::open_read_only(&config.root)
                .map(|c| (c, false))
                .unwrap_or_else(|| (crate::cache::Cache::open(&config.root, false), true))
        })
    });
    let hit = reader
        .as_ref()
        .and_then(|(c, _)| tracing::info_span!("nexxo.cache_read").in_scope(|| build_cache::lookup(c, &fingerprint)));
    // A read-only handle is closed here, before anything opens the cache to write.
    let writer = reader.and_then(|(c, writable)| writable.then_some(c));
    let (writer, opening) = match writer {
        Some(c) => (Some(c), None),
        None if hit.is_some() => (None, None),
        None => {
            let (root, force, gate) = (config.root.clone(), args.force, Arc::clone(&linking));
            let t = std::thread::spawn(move || {
                gate.wait();
                tracing::info_span!("nexxo.cache_open_beside").in_scope(|| crate::cache::Cache::open(&root, force))
            });
            (None, Some(t))
        }
    };
    // `built`: the recording file system and start time of a build that ran, or the stored gzip
    // sizes of the output the cache had.
    let result = match hit {
        Some(h) => Ok((
            BuildOutput {
                files: h.files,
                inputs: h.inputs.into_iter().map(Into::into).collect(),
                ..Default::default()
            },
            Err(h.gzip),
        )),
        None => {
            let build_started = std::time::SystemTime::now();
            let fs = RecordingFs::new(false);
            tracing::info_span!("nexxo.bundle")
                .in_scope(|| match args.engine {
                    EngineKind::Native => run_engine(&config, fs.clone(), Arc::clone(&linking)),
                    EngineKind::Wasm => {
                        // The sandboxed engine does not tell its stages here.
                        linking.open();
                        run_wasm_engine(&config)
                    }
                })
                .map(|output| (output, Ok((fs, build_started))))
        }
    };
    // A build that failed before linking, or a cache hit.
    linking.open();
    // Joined before a failed build returns too: exiting mid-creation would leave a damaged cache.
    let cache = writer.or_else(|| opening.map(|t| joined(t.join())));
    let (output, built) = result?;
    let errs = Style::stderr();
    for w in &output.warnings {
        eprintln!("{} {}", errs.yellow("warning:"), if errs.enabled() { &w.colored } else { &w.plain });
    }
    // The sandboxed engine's output must hold nothing from outside the project, public/ included.
    let confine = (args.engine == EngineKind::Wasm).then_some(config.root.as_path());
    // Three independent jobs on the finished output run at once: storing it in the cache and
    // computing the summary's gzip sizes (CPU; unless the cache had them) beside writing it
    // (mostly system calls).
    let (fresh, cached_gzip) = match built {
        Ok(fresh) => (Some(fresh), None),
        Err(gzip) => (None, gzip),
    };
    let (public, gzip, stored_key) = std::thread::scope(|s| {
        let store = fresh.as_ref().zip(cache.as_ref()).map(|((fs, build_started), cache)| {
            s.spawn(|| {
                tracing::info_span!("nexxo.cache_write")
                    .in_scope(|| build_cache::store(cache, &fingerprint, &output, *build_started, &fs.take_reads()))
            })
        });
        let gzip = (cached_gzip.is_none() && config.report_compressed_size)
            .then(|| s.spawn(|| tracing::info_span!("nexxo.gzip").in_scope(|| gzip_sizes(&output.files))));
        let public = tracing::info_span!("nexxo.write").in_scope(|| write(&config, &output, confine));
        (public, gzip.map(|t| joined(t.join())), store.and_then(|t| joined(t.join())))
    });
    let gzip = gzip.or(cached_gzip).unwrap_or_default();
    if let (Some(out_key), Some(cache)) = (stored_key, &cache) {
        build_cache::store_gzip(cache, &out_key, &gzip);
    }
    let public = public?;
    let cached = fresh.is_none();
    tracing::info_span!("nexxo.summary")
        .in_scope(|| print_summary(&config, &output.files, &gzip, public, started, cached));
    // Closing RocksDB happens here rather than at the end of the scope so the table includes it.
    tracing::info_span!("nexxo.cache_close").in_scope(|| drop(cache));
    crate::profile::report();
    Ok(())
}

/// What the command line changes in the config.
pub(crate) fn cli_overrides(args: &BuildArgs) -> CliOverrides {
    CliOverrides {
        sourcemap: args.sourcemap.is_some().then_some(true),
        sourcemap_kind: args.sourcemap.as_deref().and_then(nexxo_config::SourcemapKind::parse),
        minify: args.no_minify.then_some(false),
        base: args.base.clone(),
        ..Default::default()
    }
}

pub(crate) fn print_banner(config: &ResolvedConfig) {
    let out = Style::stdout();
    println!(
        "{} {} {}",
        out.cyan(&out.bold(&format!("nexxo v{}", env!("CARGO_PKG_VERSION")))),
        out.green(&format!("building for {}...", config.mode)),
        out.dim(&format!("({})", config.root.display()))
    );
}

/// A joined thread's value; its panic, if it panicked, goes on in this thread.
fn joined<T>(r: std::thread::Result<T>) -> T {
    r.unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// What besides the sources decides the output: the resolved config (mode, env, defines...),
/// tsconfig and the installed packages.
fn config_fingerprint(config: &ResolvedConfig) -> Vec<u8> {
    let mut fp = format!("{config:?}").into_bytes();
    for f in ["tsconfig.json", "package.json", "package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock"] {
        fp.extend(std::fs::read(config.root.join(f)).unwrap_or_default());
    }
    fp
}

/// The build's runtime: [`crate::net::runtime`] with its blocking pool capped at one thread per
/// core. rolldown reads every module through `spawn_blocking`; uncapped, a 2-core machine started
/// dozens of threads (each with a parser-sized stack reserved) for reads that take microseconds.
pub(crate) fn build_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(crate::net::PARSER_STACK)
        .max_blocking_threads(cores)
        .build()
}

/// Runs `work` to completion on one of the runtime's workers, not on the calling thread.
///
/// `Runtime::block_on` polls its future on the calling thread, outside the pool: rolldown's module
/// loader loop lives in that future, and every module task that finished on a worker sent it a
/// message that had to wake the main thread through a futex and switch to it, thousands of times
/// a build. On a worker, a task woken from another worker is queued there and run without a
/// thread hand-off. Paired (`benches/paired.mjs`, same output byte for byte): 2.4k modules 189 ->
/// 169 ms wall, 270 -> 240 ms CPU (21 runs); 19k modules 1456 -> 1366 ms (5 runs); context
/// switches of a 2.4k build 3,021 -> 2,331. A panic in `work` is resumed here, as `block_on` would.
/// (`build --watch` keeps `block_on`: on a worker its rebuilds were no faster, 116 vs 118 ms at
/// 2.4k, and the watch process's peak RSS grew from 252 to 282 MB.)
pub(crate) fn on_worker<F>(runtime: &tokio::runtime::Runtime, work: F) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    runtime.block_on(runtime.spawn(work)).unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// A one-way latch: [`Gate::wait`] returns once [`Gate::open`] has been called.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn open(&self) {
        *self.open.lock().expect("gate") = true;
        self.opened.notify_all();
    }

    fn wait(&self) {
        let mut open = self.open.lock().expect("gate");
        while !*open {
            open = self.opened.wait(open).expect("gate");
        }
    }
}

/// Builds natively; `linking` is opened when the build starts linking.
fn run_engine(config: &ResolvedConfig, fs: RecordingFs, linking: Arc<Gate>) -> Result<BuildOutput, ExitCode> {
    let runtime = build_runtime().map_err(|e| {
        style::error(&format!("cannot start the async runtime: {e}"));
        ExitCode::FAILURE
    })?;
    let css_plugins = crate::css_plugins::for_config(config, "production");
    let config = config.clone();
    // On a terminal, the stage in hand on one line that the summary replaces.
    let status = style::Status::stderr();
    let on_stage: nexxo_bundler::OnStage = Arc::new(move |stage: nexxo_bundler::Stage| {
        if stage == nexxo_bundler::Stage::Link {
            linking.open();
        }
        if status.enabled() {
            status.show(stage_label(stage));
        }
    });
    let built = on_worker(&runtime, async move {
        nexxo_bundler::build(fs, &config, css_plugins, Some(on_stage), nexxo_bundler::Leftovers::Leak, None).await
    });
    status.clear();
    // Not shut down: `nexxo build` exits right after writing, and a shutdown joins the runtime's
    // threads, whose exit has mimalloc collect each one's heap (40 ms of a 19k-module build, on
    // the critical path). The threads wait, parked, until the process ends.
    std::mem::forget(runtime);
    built.map_err(|failure| {
        report_failure(&failure);
        ExitCode::FAILURE
    })
}

/// What the status line says while a stage runs.
fn stage_label(stage: nexxo_bundler::Stage) -> &'static str {
    match stage {
        nexxo_bundler::Stage::Load => "transforming modules...",
        nexxo_bundler::Stage::Link => "linking...",
        nexxo_bundler::Stage::Render => "rendering chunks...",
        nexxo_bundler::Stage::Finish => "finishing (CSS, pages, manifest)...",
    }
}

/// Prints a failed build's located errors and how many there were.
pub(crate) fn report_failure(failure: &nexxo_bundler::BuildFailure) {
    let s = Style::stderr();
    for e in &failure.errors {
        eprintln!("{}", if s.enabled() { &e.colored } else { &e.plain });
    }
    let n = failure.errors.len();
    style::error(&format!(
        "build failed with {n} error{}; the output directory was left untouched",
        if n == 1 { "" } else { "s" }
    ));
}

/// Builds in the WASM engine under wasmtime: it reads the project (and nothing else) through the
/// host, the resolved config goes in as JSON, the output comes back as JSON and is written here.
pub(crate) fn run_wasm_engine(config: &ResolvedConfig) -> Result<BuildOutput, ExitCode> {
    let fail = |message: String| {
        style::error(&message);
        ExitCode::FAILURE
    };
    let engine = crate::wasm_engine::locate_engine()
        .and_then(|path| crate::wasm_engine::WasmEngine::load(&path, 1))
        .map_err(fail)?;
    println!("{}", Style::stdout().dim(&format!("wasm engine: {}", engine.load_note)));
    let job = nexxo_engine::Job::Build(Box::new(nexxo_engine::BuildRequest {
        root: config.root.clone(),
        files: Vec::new(),
        resolved: Some(config.clone()),
        env: Default::default(),
        overrides: Default::default(),
        incremental: false,
    }));
    let input = serde_json::to_vec(&job).map_err(|e| fail(format!("cannot encode the job: {e}")))?;
    let mut roots = crate::wasm_engine::project_roots(&config.root);
    // A monorepo's workspace packages, linked into node_modules from beside the app, are read
    // from the workspace root, as the native build reads them through the links.
    roots.extend(crate::workspace::workspace_above(&config.root));
    crate::wasm_engine::warn_unreadable_links(&roots);
    let stdout = engine
        .run(input, &roots, crate::wasm_engine::Limits::default())
        .map_err(|e| fail(format!("{e}; the output directory was left untouched")))?;
    let response: nexxo_engine::BuildResponse =
        serde_json::from_slice(&stdout).map_err(|e| fail(format!("the WASM engine sent a bad response: {e}")))?;
    response.into_output(&config.root).map_err(|errors| {
        for e in &errors {
            eprintln!("{}", e.message);
        }
        let n = errors.len();
        style::error(&format!(
            "build failed with {n} error{}; the output directory was left untouched",
            if n == 1 { "" } else { "s" }
        ));
        ExitCode::FAILURE
    })
}

/// [`fs_out::check_out_dir`] for `config`, reported.
pub(crate) fn check_out_dir(
    config: &ResolvedConfig,
    inputs: &[std::path::PathBuf],
) -> Result<std::path::PathBuf, ExitCode> {
    fs_out::check_out_dir(&config.root, &config.out_dir, config.public_dir.as_deref(), inputs, config.empty_out_dir)
        .map_err(|message| {
            style::error(&format!("{message}\nNothing was written or deleted."));
            ExitCode::FAILURE
        })
}

/// Writes public/ and the build output through a staging directory; returns public files copied.
pub(crate) fn write(
    config: &ResolvedConfig,
    output: &BuildOutput,
    confine: Option<&std::path::Path>,
) -> Result<usize, ExitCode> {
    let fail = |what: &str, e: std::io::Error| {
        style::error(&format!("{what}: {e}; the output directory was left untouched"));
        ExitCode::FAILURE
    };
    let out_dir = check_out_dir(config, &output.inputs)?;
    let staged = fs_out::stage(&out_dir).map_err(|e| fail("cannot create the staging directory", e))?;
    let result = (|| -> Result<usize, ExitCode> {
        let mut public = 0;
        if let Some(dir) = config.public_dir.as_ref().filter(|d| d.is_dir()) {
            public =
                staged.copy_tree(dir, confine).map_err(|e| fail(&format!("cannot copy {}", dir.display()), e))?.len();
        }
        for f in &output.files {
            staged.write(&f.path, &f.contents).map_err(|e| fail(&format!("cannot write {}", f.path), e))?;
        }
        Ok(public)
    })();
    match result {
        Ok(public) => {
            staged.commit(&out_dir).map_err(|e| fail("cannot move the build into place", e))?;
            Ok(public)
        }
        Err(code) => {
            staged.abort();
            Err(code)
        }
    }
}

/// The gzip size of each file the summary shows one for (HTML, CSS, JS), in parallel.
pub(crate) fn gzip_sizes(files: &[OutputFile]) -> Vec<Option<usize>> {
    files
        .par_iter()
        .map(|f| {
            matches!(f.kind, OutputKind::Html | OutputKind::Css | OutputKind::EntryJs | OutputKind::ChunkJs)
                .then(|| gzip_len(&f.contents))
        })
        .collect()
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    let _ = enc.write_all(bytes);
    enc.finish().map(|v| v.len()).unwrap_or(0)
}

fn human(n: usize) -> String {
    if n < 1024 { format!("{n} B") } else { format!("{:.2} kB", n as f64 / 1000.0) }
}

/// `gzip`: per file of `files`, its gzip size if it has one to show.
pub(crate) fn print_summary(
    config: &ResolvedConfig,
    files: &[OutputFile],
    gzip: &[Option<usize>],
    public: usize,
    started: Instant,
    cached: bool,
) {
    let s = Style::stdout();
    let out_rel = config.out_dir.strip_prefix(&config.root).unwrap_or(&config.out_dir).display().to_string();
    // `gzip` may be shorter than `files` (none computed: `build.reportCompressedSize` off).
    let shown: Vec<(&OutputFile, Option<usize>)> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind != OutputKind::Manifest)
        .map(|(i, f)| (f, gzip.get(i).copied().flatten()))
        .collect();
    let width = shown.iter().map(|(f, _)| f.path.len()).max().unwrap_or(0) + out_rel.len() + 1;
    let mut rows: Vec<&(&OutputFile, Option<usize>)> = shown.iter().collect();
    rows.sort_by_key(|(f, _)| (f.kind != OutputKind::Html, f.kind == OutputKind::SourceMap, f.path.clone()));
    let large = nexxo_bundler::large_chunks(config, files);
    let mut total = 0;
    for (f, gz) in rows {
        total += f.contents.len();
        let name = format!("{out_rel}/{}", f.path);
        let padded = format!("{name:<width$}");
        let colored = match f.kind {
            OutputKind::Html => s.green(&padded),
            OutputKind::Css => s.magenta(&padded),
            OutputKind::EntryJs | OutputKind::ChunkJs => s.cyan(&padded),
            _ => s.dim(&padded),
        };
        let gz = gz.map_or(String::new(), |n| s.dim(&format!(" │ gzip: {:>9}", human(n))));
        let size = format!("{:>9}", human(f.contents.len()));
        // A chunk over the limit is yellow, as in Vite.
        let size = if large.iter().any(|l| l.path == f.path) { s.yellow(&s.bold(&size)) } else { s.bold(&size) };
        println!("{colored}  {size}{gz}");
    }
    if public > 0 {
        println!("{}", s.dim(&format!("+ {public} file(s) copied from public/")));
    }
    if !large.is_empty() {
        // On stdout after the table it is about, as Vite prints it.
        let names: Vec<String> =
            large.iter().map(|f| format!("  {out_rel}/{} ({})", f.path, human(f.contents.len()))).collect();
        println!(
            "{}\n{}\n{}",
            s.yellow(&format!(
                "(!) Some chunks are larger than {} kB after minification:",
                config.chunk_size_warning_bytes as f64 / 1000.0
            )),
            names.join("\n"),
            s.dim(
                "hint: split them with dynamic import(), or group packages with build.manualChunks; \
                 build.chunkSizeWarningLimit (kB) in nexxo.config.json sets this limit"
            )
        );
    }
    println!(
        "{} {} files, {} in {}{}",
        s.green("✓ built"),
        shown.len(),
        human(total),
        s.bold(&format!("{}ms", started.elapsed().as_millis())),
        if cached { s.dim(" (from cache: no source changed)") } else { String::new() }
    );
}
