//! `nexxo`: the native host. It parses the command line, reads the project's files, runs the
//! engine and writes its output; the engine itself never touches the disk.

mod build;
mod build_cache;
mod build_watch;
mod cache;
mod cors;
mod css_plugins;
mod dev;
mod exit;
mod fs_out;
mod http_util;
mod listing;
mod load_config;
mod migrate;
mod net;
mod preview;
mod profile;
mod proxy;
mod server_options;
mod shutdown;
mod style;
mod vite_config;
mod wasm_engine;
mod watch;
mod worker;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// mimalloc instead of glibc's malloc, as rolldown's own npm binding ships: about 7% less wall
/// and 10% less CPU time on a 19k-module build (paired runs), where glibc grows its per-thread
/// arenas page range by page range (14,000 `mprotect` calls at 2.4k modules; 62 with mimalloc). Version 2 and `no_thp`: with transparent huge
/// pages mimalloc touched 2 MiB pages and peak RSS doubled (1.9x at 2.4k modules, 1.4x at 19k);
/// without them it is within 10% of glibc's. Table in benches/README.md ("Allocator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 2.x's `mi_option_t` (mimalloc.h; the sys crate names no
/// constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc hands memory a thread freed back to the kernel 3 ms after it was freed instead of its
/// default 10 ms (the arenas' tenfold: 30 instead of 100). A build frees whole ASTs between its
/// stages (oxc's arenas, the minifier's parts); a 19k-module build held 35-40 MB more at its peak
/// with 10 ms (767-772 MB against 727-739, paired, same wall and CPU time within noise; 0 ms took
/// 8% longer). `MIMALLOC_PURGE_DELAY` in the environment still decides. Table in benches/README.md
/// ("Allocator").
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's option values; called first in `main`, before any
        // thread is started.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 3) }
    }
}

#[derive(Parser)]
#[command(
    name = "nexxo",
    version,
    about = "Nexxo: build, serve and preview web apps",
    long_about = "Nexxo builds web apps from an index.html entry: TypeScript, JSX, CSS and CSS modules, \
assets, code splitting, minification and source maps, on rolldown + oxc.\n\n\
Configuration lives in nexxo.config.json at the project root (see README); flags override it.",
    after_help = "Examples:\n  nexxo build                  build ./index.html into ./dist\n  nexxo build examples/react-ts --sourcemap\n  nexxo preview --port 8080    serve ./dist on http://127.0.0.1:8080/\n  nexxo build --engine wasm    build with the sandboxed WASM engine (same output)\n  nexxo worker --port 8787     build service: POST /build with {\"files\": [...]}\n\nExit codes: 0 success, 1 build or config error, 2 bad command line, 70 internal error (a bug)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the app for production into the output directory (default: dist/)
    Build(BuildArgs),
    /// Start the dev server: one script per page entry, hot module replacement, React Fast Refresh,
    /// error overlay, source maps, persistent cache
    Dev(DevArgs),
    /// Serve the built output directory locally, with SPA fallback to index.html
    Preview(PreviewArgs),
    /// Run an HTTP build service: POST sources as JSON, get the bundle back (engine in wasmtime)
    Worker(WorkerArgs),
    /// Write nexxo.config.json from the project's vite.config.{js,mjs,ts,mts} when it is plain data,
    /// listing what could not be translated (file:line:col)
    Migrate(MigrateArgs),
}

#[derive(Args)]
pub struct MigrateArgs {
    /// Project directory holding vite.config.*, or the config file itself
    #[arg(default_value = ".")]
    pub root: PathBuf,
    /// Print the translated config instead of writing it
    #[arg(long)]
    pub dry_run: bool,
    /// Replace an existing nexxo.config.json
    #[arg(long)]
    pub force: bool,
}

/// Which build of the engine runs a build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EngineKind {
    /// Compiled into this binary, multi-threaded
    Native,
    /// The WASI build in wasmtime, sandboxed: reads only the project, memory and time limits
    Wasm,
}

#[derive(Args, Clone)]
pub struct CommonArgs {
    /// Project root, where index.html and nexxo.config.json live
    #[arg(default_value = ".")]
    pub root: PathBuf,
    /// Config file (default: ROOT/nexxo.config.json when it exists)
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Mode: selects .env.[mode] files and import.meta.env.MODE (default: development for dev,
    /// production otherwise)
    #[arg(long, short = 'm')]
    pub mode: Option<String>,
    /// Output directory, relative to ROOT (default: dist)
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<String>,
}

#[derive(Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Write source maps: .map files next to the JS; `--sourcemap=hidden` writes them without the
    /// comment that points browsers at them (for error trackers), `--sourcemap=inline` puts each
    /// map inside its chunk
    #[arg(long, value_name = "KIND", num_args = 0..=1, require_equals = true, default_missing_value = "true",
          value_parser = ["true", "hidden", "inline"])]
    pub sourcemap: Option<String>,
    /// Skip minification (readable output)
    #[arg(long)]
    pub no_minify: bool,
    /// Public base path the app is served from, e.g. /app/
    #[arg(long)]
    pub base: Option<String>,
    /// Ignore the persistent cache (node_modules/.nexxo/cache) and rebuild it
    #[arg(long)]
    pub force: bool,
    /// Engine to build with; both give the same output
    #[arg(long, value_enum, default_value_t = EngineKind::Native)]
    pub engine: EngineKind,
    /// Print where the build's time goes, stage by stage, to stderr (also NEXXO_PROFILE=1)
    #[arg(long)]
    pub profile: bool,
    /// Build, then rebuild on every change to the project's files (sources, index.html pages,
    /// public/, nexxo.config.json, .env files) until Ctrl-C or SIGTERM, like `vite build --watch`.
    /// A rebuild starts once a save has settled (its file closed); after an edit of script
    /// modules or style sheets only those are parsed and transformed again (the rest of the scan
    /// is kept in memory); only output files whose content changed are rewritten, each by an atomic rename, and files the build no longer
    /// makes are removed; a failed rebuild prints its errors (file:line:col), leaves the output
    /// as it was and keeps watching. Exits 0 on Ctrl-C or SIGTERM, after any write in progress.
    /// The persistent cache is neither read nor written while watching.
    #[arg(long)]
    pub watch: bool,
}

#[derive(Args)]
pub struct WorkerArgs {
    /// Port to listen on
    #[arg(long, short = 'p', default_value_t = 8787)]
    pub port: u16,
    /// Address to listen on (default: 127.0.0.1; a build service should sit behind a proxy)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Builds running at once, each in its own WASM instance (default: one per core)
    #[arg(long)]
    pub slots: Option<usize>,
    /// Largest request body accepted, in MiB
    #[arg(long, default_value_t = 32)]
    pub max_body_mb: usize,
    /// Most files accepted in one request
    #[arg(long, default_value_t = 10_000)]
    pub max_files: usize,
    /// Time limit of one build, in milliseconds
    #[arg(long, default_value_t = 30_000)]
    pub timeout_ms: u64,
    /// Time a client has to send a whole request body, in milliseconds (a stalled upload is cut)
    #[arg(long, default_value_t = 30_000)]
    pub body_timeout_ms: u64,
    /// Memory limit of one build's WASM instance, in MiB
    #[arg(long, default_value_t = 1024)]
    pub memory_mb: usize,
}

#[derive(Args)]
pub struct ServerArgs {
    /// Port to listen on (default: 5173 for dev, 4173 for preview; the next free one is used if
    /// taken, unless --strict-port)
    #[arg(long, short = 'p')]
    pub port: Option<u16>,
    /// Address to listen on (default: 127.0.0.1; use 0.0.0.0 to expose on the network)
    #[arg(long)]
    pub host: Option<String>,
    /// Fail instead of trying the next port when the port is taken
    #[arg(long)]
    pub strict_port: bool,
    /// Open the app in the browser once the server is ready, or PATH under it (config:
    /// server.open / preview.open; the BROWSER variable names the browser, BROWSER=none none)
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "")]
    pub open: Option<String>,
}

#[derive(Args)]
pub struct DevArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub server: ServerArgs,
    /// Discard the persistent cache (node_modules/.nexxo/cache) and rebuild it
    #[arg(long)]
    pub force: bool,
    /// Serve one request per module instead of one script per entry (config: server.bundle)
    #[arg(long)]
    pub no_bundle: bool,
    /// Where the dev engine runs: natively, or sandboxed in the WASM engine under wasmtime (same
    /// modules and updates; reads only the root and node_modules above it; no persistent cache)
    #[arg(long, value_enum, default_value_t = EngineKind::Native)]
    pub engine: EngineKind,
    /// With --engine wasm: engine instances that transform modules in parallel (default: one per
    /// core); a backend serving many projects caps each one's share here
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub instances: Option<u16>,
}

#[derive(Args)]
pub struct PreviewArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub server: ServerArgs,
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    // First, so the profile's wall time covers the whole command and every span is seen.
    // Long-running servers contain a panic to the request or update that hit it (it becomes an
    // error for that client, see dev::http and dev::watch); one-shot commands exit with 70.
    if let Command::Build(args) = &cli.command {
        profile::init(args.profile);
    }
    // Before any thread starts: `build --watch` finishes the output it is writing before it exits.
    let watching = matches!(&cli.command, Command::Build(a) if a.watch);
    let signals = if watching { shutdown::Signals::block() } else { shutdown::Signals::default_actions() };
    let exits = matches!(cli.command, Command::Build(_) | Command::Migrate(_)) && !watching;
    net::init_rayon();
    if !exits {
        net::raise_fd_limit();
    }
    // A bug in Nexxo or a dependency must still read as a message, not a backtrace.
    std::panic::set_hook(Box::new(move |info| {
        let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        if exits {
            style::error(&format!(
                "internal error: {msg}{location}\nThis is a bug in Nexxo. Please report it with the command you ran; \
                 the output directory was left untouched."
            ));
            std::process::exit(70);
        }
        style::error(&format!(
            "internal error: {msg}{location}\nThis is a bug in Nexxo (please report it with the file that caused \
             it); the server keeps running."
        ));
    }));
    // The command runs on a thread with a parser-sized stack: a runtime's `block_on` polls its
    // future on this thread (`build --watch`'s rebuilds, the servers), and rolldown may parse
    // there too (see net::PARSER_STACK).
    let command =
        std::thread::Builder::new().name("nexxo".into()).stack_size(net::PARSER_STACK).spawn(move || {
            match cli.command {
                Command::Build(args) => build::run(args, signals),
                Command::Dev(args) => dev::run(args),
                Command::Preview(args) => preview::run(args),
                Command::Worker(args) => worker::run(args),
                Command::Migrate(args) => migrate::run(args),
            }
        });
    match command.map(|t| t.join()) {
        Ok(Ok(Ok(()))) if exits => exit::success(),
        Ok(Ok(Ok(()))) => ExitCode::SUCCESS,
        Ok(Ok(Err(code))) => code,
        // A panic already printed its message (and a one-shot command exited with 70).
        Ok(Err(_)) => ExitCode::from(70),
        Err(e) => {
            style::error(&format!("cannot start: {e}"));
            ExitCode::FAILURE
        }
    }
}
