//! `nexxo build --watch`: one build, then a rebuild for every settled batch of changes under the
//! project root, until Ctrl-C or SIGTERM.
//!
//! What stays in memory between builds: the loaded config (reloaded when nexxo.config.json or a
//! .env file changes), the async runtime and thread pools, the content hash of every output file
//! last written, and rolldown's scan of the last build ([`nexxo_bundler::Incremental`], rolldown's
//! incremental `Bundler`). A rebuild loads, parses and transforms (or compiles) again only the
//! modules an edit touched, then links and generates in full: an edited script module or style
//! sheet module; the modules whose loads read an edited file (a sheet's `url()` asset or one
//! inlined, a sheet an `@import` inlined, a Sass partial, an imported asset); an edited page's
//! entry and inline scripts ([`nexxo_bundler::Incremental::partial_ids`]). A new script or CSS
//! file nothing imports yet is left for the edit that imports it
//! ([`nexxo_bundler::Incremental::can_skip_new`]); a batch of public/ files no module read writes
//! the last output again with the new public/, building nothing. A worker's bundle is kept with
//! the modules that start it, and made again when they load again (an edit of a file it read
//! loads them; so does an edit of a `?worker` import's sources). A deleted (or renamed) file
//! loads again the modules that imported or read it. A failed partial rebuild keeps rolldown's
//! scan, so the next one is partial too; an edited module that no module imports any more is not
//! loaded. Anything else (other new files, the config, the rebuild after a failed full build)
//! starts a full build, and so does a partial one whose output no longer has a module that
//! emitted an asset, or needs again a module left unloaded. All give `nexxo build --force`'s
//! output (tested in `build-watch`, `build-watch-workers` and `build-watch-walk`).
//!
//! Writing: the first build replaces the output directory as `nexxo build` does (staging
//! directory, one rename). A rebuild writes only the files whose content changed, each to a
//! temporary name beside it and renamed into place (chunks and assets first, then pages and the
//! manifest, so a page never names a file not yet there), then removes the files the build no
//! longer makes. A change under the public directory replaces the whole directory again.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use nexxo_bundler::{BuildOutput, OutputKind};
use nexxo_config::ResolvedConfig;
use tracing::Instrument as _;

use crate::build::{self, check_out_dir};
use crate::style::{self, Style};
use crate::{BuildArgs, EngineKind, fs_out, load_config};

/// The build output last written: each file's path, size and content hash.
type Written = HashMap<String, (u64, u128)>;

/// The files the last build read (its modules, style sheets, assets, partials).
type Reads = std::collections::HashSet<PathBuf>;

pub fn run(args: BuildArgs, shutdown: crate::shutdown::Signals) -> Result<(), ExitCode> {
    let runtime = build::build_runtime().map_err(|e| {
        style::error(&format!("cannot start the async runtime: {e}"));
        ExitCode::FAILURE
    })?;
    let (stop_tx, stop) = tokio::sync::mpsc::unbounded_channel();
    shutdown.on_signal(move || {
        let _ = stop_tx.send(());
    });
    runtime.block_on(watch(args, stop))
}

async fn watch(args: BuildArgs, mut stop: tokio::sync::mpsc::UnboundedReceiver<()>) -> Result<(), ExitCode> {
    let loaded = load_config::load_quiet(&args.common, build::cli_overrides(&args), "build")?;
    build::print_banner(&loaded.config);
    load_config::report(&loaded);
    let mut config = loaded.config;
    check_out_dir(&config, &[])?;
    let watch_fail = |root: &Path, e: notify::Error| {
        style::error(&format!("cannot watch {}: {e}", root.display()));
        ExitCode::FAILURE
    };
    // A monorepo's shared packages change the output too (see `crate::workspace`).
    let extra = |root: &Path| Vec::from_iter(crate::workspace::workspace_above(root));
    let (mut _watcher, mut batches, _) = crate::watch::batches(&config.root, &config.out_dir, &extra(&config.root))
        .map_err(|e| watch_fail(&config.root, e))?;
    let mut written: Option<Written> = None;
    // The output last written, for a batch that changes only public/ files no module read: the
    // build's output is the same, so it is written again with the new public/ and nothing is
    // built (a full build was 1.2 s at 19k modules for a robots.txt edit).
    let mut last: Option<BuildOutput> = None;
    // Files whose existence the last output depends on, and whether each existed (see
    // `BuildOutput::looked_for`): one created or deleted starts a full build.
    let mut looked: HashMap<PathBuf, bool> = HashMap::new();
    let started = Instant::now();
    let mut live = None;
    // The minifier's parts, kept across every rebuild of the session (see `KeptChunks`): a part is
    // the same for the same text and options whichever bundler made it, so a rebuild that starts
    // over, even after a failure, takes them too.
    let minified = nexxo_bundler::KeptChunks::default();
    // One process for the project's CSS plugins, kept across rebuilds (Tailwind then rescans
    // only what changed).
    let mut css_plugins = crate::css_plugins::for_config(&config, "production");
    // When the build that read `reads` started: a file born before it existed for that build.
    let mut reads_since = std::time::SystemTime::now();
    // Whether a path got or lost a name since the last build (see `build_once`).
    let mut names_changed = false;
    let (built, mut reads, _) = build_once(&config, args.engine, &mut live, &minified, None, false, &css_plugins).await;
    if let Some(output) = built
        && let Ok((w, public)) = write_all(&config, &output, args.engine)
    {
        let gzip = if config.report_compressed_size { build::gzip_sizes(&output.files) } else { Vec::new() };
        build::print_summary(&config, &output.files, &gzip, public, started, false);
        written = Some(w);
        looked = output.looked_for.iter().cloned().collect();
        last = Some(output);
    }
    crate::profile::report_from(started, "cpu (process so far)");
    let s = Style::stdout();
    println!("{}", s.dim("watching for changes (Ctrl-C to stop)"));
    loop {
        let batch = tokio::select! {
            biased;
            _ = stop.recv() => break,
            b = batches.recv() => b,
        };
        let Some(crate::watch::Batch { paths: mut changed, mut named }) = batch else { break };
        // Kept until a build runs: a batch that builds nothing (a new file nothing imports) may
        // still have changed what a resolution finds.
        names_changed |= !named.is_empty();
        // No wait beyond the watcher's own settling (a save is one batch once its file is closed,
        // see `watch`): Rollup's `buildDelay` is 0 too, and the 30 ms this waited were a quarter of
        // an incremental rebuild at 2.4k modules. Batches that came meanwhile join this one; a
        // save of several files that arrives in two batches rebuilds twice, the second in full
        // agreement with `nexxo build --force`, as with Rollup.
        while let Ok(more) = batches.try_recv() {
            changed.extend(more.paths);
            named.extend(more.named);
        }
        let started = Instant::now();
        named.extend(whole_directories(&mut changed, &reads));
        // Deleted config, .env and public/ files were never read, yet change the output.
        let public = config.public_dir.clone();
        // New files nothing imports yet can wait for the edit that imports one, which loads it
        // (a full build for each new file was 1.4 s at 19k modules, twice over when a component
        // is created and then imported); the CSS plugins' configs cannot.
        let may_wait = |p: &Path| {
            css_plugins.as_ref().is_none_or(|c| !c.is_config(p))
                && live.as_ref().is_some_and(|l| l.can_skip_new(&p.to_string_lossy()))
        };
        let appeared = |p: &Path| looked.get(p).is_some_and(|&was| p.is_file() != was);
        // A file that was there, at this path, for the last build, which did not read it: an edit
        // of its content changes nothing, unless it is one the resolver or the CSS plugins read
        // on the side. (A log redirected into the project, `nexxo build --watch > build.log`,
        // rebuilt the app on every line the rebuild printed, for ever.) Born before that build
        // and given no new name since (a file renamed or moved in keeps its age).
        let idle = |p: &Path| {
            live.as_ref().is_some_and(|l| !l.css_plugins_read(p))
                && !read_on_the_side(p)
                && !named.contains(p)
                && std::fs::metadata(p).and_then(|m| m.created()).is_ok_and(|born| born < reads_since)
        };
        changed.retain(|p| {
            appeared(p)
                || is_config_input(&args, &config.root, p)
                || public.as_deref().is_some_and(|d| p.starts_with(d))
                || (matters(&reads, p, may_wait) && (reads.contains(p) || !idle(p)))
        });
        if changed.is_empty() {
            continue;
        }
        let shown = shown_paths(&config.root, &changed);
        if changed.iter().any(|p| is_config_input(&args, &config.root, p)) {
            match load_config::load(&args.common, build::cli_overrides(&args), "build") {
                Ok(c) => {
                    if c.out_dir != config.out_dir {
                        // The old watcher ignores the old output directory, not the new one.
                        (_watcher, batches, _) = crate::watch::batches(&c.root, &c.out_dir, &extra(&c.root))
                            .map_err(|e| watch_fail(&c.root, e))?;
                        written = None;
                    }
                    config = c;
                    live = None;
                    last = None;
                    css_plugins = crate::css_plugins::for_config(&config, "production");
                }
                Err(_) => {
                    // load_config printed the located problem; the next save retries.
                    println!("{} {}", s.red("✗ config error"), s.dim(&format!("({shown}); watching for changes")));
                    continue;
                }
            }
        }
        let public_changed = config.public_dir.as_deref().is_some_and(|dir| changed.iter().any(|p| p.starts_with(dir)));
        if let Some(p) = css_plugins.as_ref().filter(|p| changed.iter().any(|c| p.is_config(c))) {
            // The PostCSS config itself: its plugins are loaded again, and every sheet made anew.
            p.reload();
            live = None;
        }
        // Only public/ files that no module read (`?raw` imports of them are read): the last
        // output again, with public/ copied anew. `last` is the output of the last build when it
        // succeeded and the config has not changed since.
        let existence_changed = changed.iter().any(|p| appeared(p));
        if existence_changed {
            // A URL left as written may now name a file, or the reverse: every module that
            // named one is transformed again.
            live = None;
        }
        let only_public = public_changed
            && !existence_changed
            && changed
                .iter()
                .all(|p| config.public_dir.as_deref().is_some_and(|d| p.starts_with(d)) && !reads.contains(p));
        if only_public && let Some(output) = &last {
            match write_all(&config, output, args.engine) {
                Ok((w, public)) => {
                    println!(
                        "{} {} {}",
                        s.green("✓ rebuilt in"),
                        s.bold(&format!("{}ms", started.elapsed().as_millis())),
                        s.dim(&format!("({shown}; public files only): {public} public file{} copied", plural(public)))
                    );
                    written = Some(w);
                }
                Err(_) => println!("{}", s.dim("watching for changes")),
            }
            continue;
        }
        last = None;
        let attempt_started = std::time::SystemTime::now();
        let (built, new_reads, how) =
            build_once(&config, args.engine, &mut live, &minified, Some(&changed), names_changed, &css_plugins).await;
        names_changed = false;
        if built.is_some() {
            (reads, reads_since) = (new_reads, attempt_started);
        } else {
            // A failed build: what the last good one read still matters, and so does what this
            // one loaded; a file born since the last good build is new to the watch.
            reads.extend(new_reads);
        }
        let Some(output) = built else {
            println!("{} {}", s.red("✗ build failed"), s.dim(&format!("({shown}); watching for changes")));
            continue;
        };
        // dist/ as last written (no file deleted or changed by hand), else a full write.
        let intact = written.as_ref().filter(|w| !public_changed && still_there(&config.out_dir, w));
        let result = match intact {
            Some(previous) => write_changed(&config, &output, previous),
            None => write_all(&config, &output, args.engine).map(|(w, _)| {
                let n = w.len();
                (w, n, 0)
            }),
        };
        match result {
            Ok((w, rewritten, removed)) => {
                let unchanged = output.files.len() - rewritten.min(output.files.len());
                println!(
                    "{} {} {}",
                    s.green("✓ rebuilt in"),
                    s.bold(&format!("{}ms", started.elapsed().as_millis())),
                    s.dim(&format!(
                        "({shown}; {how}): {rewritten} file{} written, {removed} removed, {unchanged} unchanged",
                        plural(rewritten)
                    ))
                );
                written = Some(w);
                looked = output.looked_for.iter().cloned().collect();
                last = Some(output);
                crate::profile::report_from(started, "cpu (process so far)");
            }
            // Reported by the writer; what was there stays.
            Err(_) => println!("{}", s.dim("watching for changes")),
        }
    }
    println!("{}", s.dim("stopped watching"));
    Ok(())
}

/// Whether a change to `path` can change the output: a file the last build read (edited or
/// deleted), or any file it did not read that exists (a new module, one an import failed to find,
/// the config, public/: the build decides whether it matters) unless it `may_wait`. Not: an
/// editor's temporary file, already gone again.
fn matters(reads: &Reads, path: &Path, may_wait: impl Fn(&Path) -> bool) -> bool {
    reads.contains(path) || (path.exists() && !may_wait(path))
}

/// The most files a new directory in a batch is taken as (see [`whole_directories`]).
const MAX_NEW_FILES: usize = 10_000;

/// Directories in a batch, as the files they stand for, which are returned. One renamed away or
/// deleted whole can come as the directory's path alone (inotify names the directory of a rename,
/// not its files): the files the last build read under it went with it. One created or renamed
/// in comes as its path, and files written into it before its watch began come as nothing: the
/// files under it that the last build did not read are the change, each judged as a new file (at
/// most [`MAX_NEW_FILES`]; over that, the directory stays in the batch, and a path the build did
/// not read starts a full build).
fn whole_directories(changed: &mut BTreeSet<PathBuf>, reads: &Reads) -> Vec<PathBuf> {
    let mut found = Vec::new();
    changed.retain(|p| match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => {
            let mut under = Vec::new();
            let whole = crate::watch::files_under(p, MAX_NEW_FILES, &mut under);
            found.extend(under.into_iter().filter(|f| !reads.contains(f)));
            !whole
        }
        Ok(_) => true,
        Err(_) => {
            if !reads.contains(p) {
                found.extend(reads.iter().filter(|r| r.starts_with(p)).cloned());
            }
            true
        }
    });
    changed.extend(found.iter().cloned());
    found
}

/// Whether `path` is a file that resolvers or transforms read without the build recording it: a
/// package's manifest (`exports`, `browser`, `sideEffects`), a TypeScript or JavaScript project
/// file (`paths`, JSX options), a browserslist, a PostCSS or Tailwind config.
fn read_on_the_side(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "package.json"
        || ((name.starts_with("tsconfig") || name.starts_with("jsconfig")) && name.ends_with(".json"))
        || name == ".browserslistrc"
        || name == "browserslist"
        || crate::css_plugins::is_config_name(name)
        || name.starts_with("tailwind.config.")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The changed paths as the summary shows them: relative to the root, at most three.
fn shown_paths(root: &Path, changed: &BTreeSet<PathBuf>) -> String {
    let rel: Vec<String> =
        changed.iter().map(|p| p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/")).collect();
    let mut shown = rel.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if rel.len() > 3 {
        shown.push_str(&format!(" and {} more", rel.len() - 3));
    }
    shown
}

/// Whether `path` is one the config is loaded from: a .env file, or a config source
/// ([`nexxo_migrate::is_config_source`]).
fn is_config_input(args: &BuildArgs, root: &Path, path: &Path) -> bool {
    let explicit = args.common.config.as_ref().map(|c| root.join(c));
    path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".env"))
        || nexxo_migrate::is_config_source(root, path, explicit.as_deref())
}

/// One build, its errors printed; the files it read (after a failure: the files it loaded); and
/// how it was built. With the native engine, `live` keeps rolldown's scan of the last build
/// ([`nexxo_bundler::Incremental`]): when each of `changed` names modules it can load again
/// alone ([`nexxo_bundler::Incremental::partial_ids`]), only those are loaded, parsed and
/// transformed again; otherwise the build starts over. `names_changed`: a path got or lost a name
/// since the last build. A panic inside the engine is a bug: it is reported as one and the watch
/// goes on.
async fn build_once(
    config: &ResolvedConfig,
    engine: EngineKind,
    live: &mut Option<nexxo_bundler::Incremental>,
    minified: &nexxo_bundler::KeptChunks,
    changed: Option<&BTreeSet<PathBuf>>,
    names_changed: bool,
    css_plugins: &Option<Arc<dyn nexxo_bundler::CssPlugins>>,
) -> (Option<BuildOutput>, Reads, &'static str) {
    // What a failed build read (the files it loaded before it failed): edits of them matter.
    let mut failed_reads = Reads::new();
    let result = match engine {
        // A library (`build.lib`) is built whole each time, every format (rolldown's incremental
        // state holds one output format).
        EngineKind::Native if config.lib.is_some() => {
            *live = None;
            let (job_config, css_plugins) = (config.clone(), css_plugins.clone());
            let job = tokio::spawn(
                async move {
                    use rolldown_fs::OxcResolverFileSystem as _;
                    let fs = rolldown_fs::OsFileSystem::new(false);
                    nexxo_bundler::build(fs, &job_config, css_plugins, None, nexxo_bundler::Leftovers::Free, None).await
                }
                .instrument(tracing::info_span!("nexxo.bundle")),
            );
            (job.await, "full build")
        }
        EngineKind::Native => {
            let paths: Vec<String> = changed.into_iter().flatten().map(|p| p.to_string_lossy().into_owned()).collect();
            // The modules to load again: the edited ones, and those whose loads read an edited
            // file (a sheet's `url()` asset, an inlined `@import`, a Sass partial).
            // A file created, renamed or deleted since the last build: the resolvers must not
            // answer from their caches (a deleted file found, a file put back after a failed
            // build's search not found).
            if names_changed && let Some(l) = live.as_ref() {
                l.forget_resolutions();
            }
            let ids = changed.and_then(|_| live.as_ref().and_then(|l| l.partial_ids(&paths)));
            let partial = ids.is_some();
            let minified = minified.clone();
            if !partial {
                *live = None;
            }
            let (kept, job_config, css_plugins) = (live.take(), config.clone(), css_plugins.clone());
            // On a task of its own, so a panic in the engine ends that task, not the watch.
            let job = tokio::spawn(
                async move {
                    let mut inc = match kept {
                        Some(inc) => inc,
                        None => nexxo_bundler::incremental(&job_config, css_plugins, minified)?,
                    };
                    let output = inc.build(ids).await;
                    Ok::<_, nexxo_bundler::BuildFailure>((inc, output))
                }
                .instrument(tracing::info_span!("nexxo.bundle")),
            );
            // Kept after a failure too: it knows whether the next rebuild can be partial (see
            // `Incremental::build`), and what the failed build loaded.
            let mut how = if partial { "incremental" } else { "full build" };
            let output = match job.await {
                Ok(Ok((inc, output))) => {
                    if !inc.was_partial() {
                        how = "full build";
                    }
                    if output.is_err() {
                        failed_reads.extend(inc.loaded_files());
                        failed_reads.extend(inc.module_files());
                    }
                    *live = Some(inc);
                    Ok(output)
                }
                Ok(Err(failure)) => Ok(Err(failure)),
                Err(e) => Err(e),
            };
            (output, how)
        }
        EngineKind::Wasm => {
            let job_config = config.clone();
            let job = tokio::task::spawn_blocking(move || {
                tracing::info_span!("nexxo.bundle").in_scope(|| build::run_wasm_engine(&job_config))
            });
            // run_wasm_engine reported its errors; the failure here only says that it failed.
            let output = match job.await {
                Ok(Ok(output)) => Ok(Ok(output)),
                Ok(Err(_)) => Ok(Err(nexxo_bundler::BuildFailure::single("WASM", String::new()))),
                Err(e) => Err(e),
            };
            (output, "full build")
        }
    };
    let (output, how) = result;
    let output = match output {
        Ok(Ok(output)) => output,
        Ok(Err(failure)) => {
            if engine == EngineKind::Native {
                build::report_failure(&failure);
            }
            return (None, failed_reads, how);
        }
        Err(_) => {
            *live = None;
            style::error("internal error during the build (a bug in Nexxo); the output directory was left untouched");
            return (None, Reads::new(), how);
        }
    };
    let s = Style::stderr();
    for w in &output.warnings {
        eprintln!("{} {}", s.yellow("warning:"), if s.enabled() { &w.colored } else { &w.plain });
    }
    let mut reads: Reads = output.inputs.iter().cloned().collect();
    reads.extend(live.iter().flat_map(|l| l.module_files()));
    (Some(output), reads, how)
}

fn hashes(output: &BuildOutput) -> Written {
    output
        .files
        .iter()
        .map(|f| (f.path.clone(), (f.contents.len() as u64, xxhash_rust::xxh3::xxh3_128(&f.contents))))
        .collect()
}

/// Replaces the whole output directory, public/ included, as `nexxo build` does. Returns the
/// hashes written and how many files public/ gave.
fn write_all(config: &ResolvedConfig, output: &BuildOutput, engine: EngineKind) -> Result<(Written, usize), ExitCode> {
    let confine = (engine == EngineKind::Wasm).then_some(config.root.as_path());
    let public = tokio::task::block_in_place(|| {
        tracing::info_span!("nexxo.write").in_scope(|| build::write(config, output, confine))
    })?;
    Ok((hashes(output), public))
}

/// Whether every file of the last write is still in `out_dir` with its content: a rebuild that
/// writes only changed files relies on the others being there (someone may have deleted dist/).
/// Sizes only, no reads: the stat of a few hundred files is under a millisecond; a file edited by
/// hand to the same size is not noticed.
fn still_there(out_dir: &Path, written: &HashMap<String, (u64, u128)>) -> bool {
    written.iter().all(|(p, (size, _))| std::fs::metadata(out_dir.join(p)).is_ok_and(|m| m.len() == *size))
}

/// Writes the files of `output` whose content differs from `previous` and removes those it no
/// longer has. Returns the new hashes, and how many files were written and removed.
fn write_changed(
    config: &ResolvedConfig,
    output: &BuildOutput,
    previous: &Written,
) -> Result<(Written, usize, usize), ExitCode> {
    // The same refusals as a full write: the inputs are only known now.
    let out_dir = check_out_dir(config, &output.inputs)?;
    let now = hashes(output);
    let mut changed: Vec<&nexxo_bundler::OutputFile> =
        output.files.iter().filter(|f| previous.get(&f.path) != now.get(&f.path)).collect();
    // Pages and the manifest last: until they land, they name only files already in place.
    changed.sort_by_key(|f| matches!(f.kind, OutputKind::Html | OutputKind::Manifest));
    let public = config.public_dir.as_deref();
    // A file public/ also holds was copied from there: it stays.
    let removed: Vec<&str> = previous
        .keys()
        .filter(|p| !now.contains_key(*p) && !public.is_some_and(|d| d.join(p).is_file()))
        .map(String::as_str)
        .collect();
    let files: Vec<(&str, &[u8])> = changed.iter().map(|f| (f.path.as_str(), f.contents.as_slice())).collect();
    tokio::task::block_in_place(|| {
        tracing::info_span!("nexxo.write_changed").in_scope(|| fs_out::replace_files(&out_dir, &files, &removed))
    })
    .map_err(|e| {
        style::error(&format!("cannot update {}: {e}", out_dir.display()));
        ExitCode::FAILURE
    })?;
    Ok((now, files.len(), removed.len()))
}
