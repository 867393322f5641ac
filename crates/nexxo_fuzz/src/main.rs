//! `nexxo_fuzz <target|all> [--seconds N] [--seed S] [--jobs J] [--timeout-ms T]`,
//! `nexxo_fuzz replay <target|all>`, `nexxo_fuzz list`. See the crate docs (src/lib.rs).

use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use nexxo_fuzz::run::{self, Options, Report};
use nexxo_fuzz::{TARGETS, Target};

const USAGE: &str = "usage: nexxo_fuzz <target|all> [--seconds N] [--seed S] [--jobs J] [--timeout-ms T]
       nexxo_fuzz replay <target|all> [--timeout-ms T]
       nexxo_fuzz list";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        // The process exits here: the input thread may still be stuck in a hang.
        std::process::exit(run::child(&args[1..]));
    }
    match cli(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("nexxo_fuzz: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn cli(args: &[String]) -> Result<ExitCode, String> {
    let mut positional = Vec::new();
    let (mut seconds, mut seed, mut jobs, mut timeout_ms) = (10.0f64, None::<u64>, 1usize, 5000u64);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--seconds" => seconds = value(a)?.parse().map_err(|_| "--seconds takes a number")?,
            "--seed" => seed = Some(value(a)?.parse().map_err(|_| "--seed takes an integer")?),
            "--jobs" => jobs = value(a)?.parse().map_err(|_| "--jobs takes an integer")?,
            "--timeout-ms" => timeout_ms = value(a)?.parse().map_err(|_| "--timeout-ms takes an integer")?,
            "-h" | "--help" => {
                println!("{USAGE}\n\ntargets:");
                for t in TARGETS {
                    println!("  {:<8} {}", t.name, t.about);
                }
                return Ok(ExitCode::SUCCESS);
            }
            _ if a.starts_with('-') => return Err(format!("unknown flag {a}")),
            _ => positional.push(a.as_str()),
        }
    }
    let timeout = Duration::from_millis(timeout_ms);
    let (replay, which) = match positional.as_slice() {
        ["list"] => {
            for t in TARGETS {
                println!("{:<8} {}", t.name, t.about);
            }
            return Ok(ExitCode::SUCCESS);
        }
        ["replay", which] => (true, *which),
        [which] => (false, *which),
        _ => return Err("name one target, `all`, `replay <target|all>` or `list`".into()),
    };
    let targets: Vec<&'static Target> = if which == "all" {
        TARGETS.iter().collect()
    } else {
        vec![nexxo_fuzz::target(which).ok_or_else(|| format!("unknown target `{which}` (see `nexxo_fuzz list`)"))?]
    };
    // A seed from the clock unless given: CI explores a little more each run; the seed is
    // printed so a run can be repeated.
    let seed = seed.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    });
    if !replay {
        println!("nexxo_fuzz: seed {seed}, {seconds} s per target, {} job(s)", jobs.max(1));
    }
    let queue = Mutex::new(targets.into_iter().enumerate().collect::<Vec<_>>());
    let failed = Mutex::new(false);
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                loop {
                    // Taken out of the lock first: a `while let` would hold it for the whole run.
                    let next = queue.lock().expect("queue").pop();
                    let Some((i, t)) = next else { break };
                    let report = if replay {
                        run::replay(t, timeout)
                    } else {
                        run::fuzz(t, &Options { seconds, seed: seed.wrapping_add(i as u64 * 7919), timeout })
                    };
                    if report.findings.iter().any(|f| !f.known) {
                        *failed.lock().expect("flag") = true;
                    }
                    print_report(t, &report, replay);
                }
            });
        }
    });
    Ok(if *failed.lock().expect("flag") { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn print_report(t: &Target, r: &Report, replay: bool) {
    let secs = r.elapsed.as_secs_f64();
    let mut out = if replay {
        format!(
            "{:<7} replayed {} input(s) in {secs:.1} s: {} finding(s), {} known open\n",
            t.name,
            r.execs,
            r.findings.iter().filter(|f| !f.known).count(),
            r.findings.iter().filter(|f| f.known).count()
        )
    } else {
        format!(
            "{:<7} {} execs in {secs:.1} s ({:.0}/s), corpus {} -> {}, {} restart(s), {} finding(s), {} known open\n",
            t.name,
            r.execs,
            r.execs as f64 / secs.max(0.001),
            r.seeds,
            r.corpus,
            r.restarts,
            r.findings.iter().filter(|f| !f.known).count(),
            r.findings.iter().filter(|f| f.known).count()
        )
    };
    for f in &r.findings {
        let kind = if f.known { format!("KNOWN {}", f.kind.to_uppercase()) } else { f.kind.to_uppercase() };
        let message: String = f.message.trim_end().chars().take(400).collect();
        out.push_str(&format!("  {kind} [{}]: {message}\n", f.signature));
        if let Some(p) = &f.path {
            out.push_str(&format!("    input: {}\n", p.display()));
            if let Ok(bytes) = std::fs::read(p) {
                let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
                out.push_str(&format!("    ({} bytes) {shown:?}\n", bytes.len()));
            }
        }
    }
    print!("{out}");
}
