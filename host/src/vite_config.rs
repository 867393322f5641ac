//! Runs a project's Vite config with Node.js, as Vite does, when it is code (`loadEnv`, a
//! function that looks at `command` or `mode`, `process.env`): the config module is written
//! beside the original with its TypeScript stripped and `__dirname`/`__filename` defined (as
//! Vite's bundling of the config does; Vite names its temporary file the same way), imported by
//! `vite-config.mjs`, and what it returns comes back as config source for `nexxo migrate`'s
//! translation ([`nexxo_migrate::RunConfig`]).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The Node.js side (see its header).
const RUNNER: &str = include_str!("vite-config.mjs");

/// How long a config may take: one that waits on the network or never settles must not hang
/// the build.
const TIMEOUT: Duration = Duration::from_secs(30);

/// What `vite` command the config is run for: `build`, `serve` (dev) or `preview` (serve, with
/// `isPreview`).
pub struct NodeRunner {
    pub command: &'static str,
}

/// Removes the temporary config module however the run ends.
struct Remove<'a>(&'a Path);

impl Drop for Remove<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.0);
    }
}

impl nexxo_migrate::RunConfig for NodeRunner {
    fn run(&self, root: &Path, file: &str, text: &str, mode: &str) -> Result<String, String> {
        let original = root.join(file);
        let quoted = |p: &Path| serde_json::to_string(&p.to_string_lossy()).unwrap_or_default();
        let options = nexxo_transform::Options {
            defines: vec![("__dirname".into(), quoted(root)), ("__filename".into(), quoted(&original))],
            ..Default::default()
        };
        let module = nexxo_transform::transform(file, text, &options).map_err(|d| d.message)?;
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        let ext = if file.ends_with(".cjs") || file.ends_with(".cts") { "cjs" } else { "mjs" };
        let temp = root.join(format!("{file}.timestamp-{stamp}-{}.{ext}", std::process::id()));
        std::fs::write(&temp, module.code).map_err(|e| format!("cannot write {}: {e}", temp.display()))?;
        let _remove = Remove(&temp);
        let mut child = Command::new(std::env::var_os("NEXXO_NODE").unwrap_or_else(|| "node".into()))
            .args(["--input-type=module", "--eval", RUNNER])
            .current_dir(root)
            .env("NEXXO_VITE_CONFIG", &temp)
            .env("NEXXO_VITE_ROOT", root)
            .env("NEXXO_VITE_COMMAND", self.command)
            .env("NEXXO_VITE_MODE", mode)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start Node.js ({e}); install it, or set NEXXO_NODE to its path"))?;
        // Read both pipes on threads, so a config that prints a lot cannot block on a full pipe.
        let pipe = |r: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut s = String::new();
                if let Some(mut r) = r {
                    let _ = r.read_to_string(&mut s);
                }
                s
            })
        };
        let out = pipe(child.stdout.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
        let err = pipe(child.stderr.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() > TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("it did not finish in {} s", TIMEOUT.as_secs()));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => return Err(e.to_string()),
            }
        };
        let (out, err) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
        if status.success() {
            Ok(out)
        } else {
            Err(if err.trim().is_empty() { format!("Node.js exited with {status}") } else { err.trim().to_string() })
        }
    }
}
