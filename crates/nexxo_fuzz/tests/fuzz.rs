//! Runs the fuzzer binary as CI does: every seed and saved regression input replays clean, and
//! every target runs briefly. In their own processes, so an input that aborts (a stack
//! overflow) fails its test with a message instead of killing the test harness.

use std::process::Command;

fn fuzz(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nexxo_fuzz")).args(args).output().expect("run nexxo_fuzz");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn seeds_and_regressions_replay_clean() {
    let (ok, out) = fuzz(&["replay", "all"]);
    assert!(ok, "{out}");
    for t in nexxo_fuzz::TARGETS {
        let seeds = nexxo_fuzz::run::input_files(t.name).len();
        assert!(seeds >= 3, "target {} has {seeds} seed input(s)", t.name);
        assert!(out.contains(&format!("{:<7} replayed {seeds} input(s)", t.name)), "{}: {out}", t.name);
    }
}

#[test]
fn every_target_runs_briefly() {
    // A fixed seed: this is a smoke test of the runner; scripts/test.sh runs the longer, seeded
    // by the clock, exploring run.
    let (ok, out) = fuzz(&["all", "--seconds", "2", "--seed", "1", "--jobs", "2"]);
    assert!(ok, "{out}");
    for t in nexxo_fuzz::TARGETS {
        let line = out.lines().find(|l| l.starts_with(&format!("{:<7} ", t.name))).unwrap_or_default();
        let execs: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
        assert!(execs > 0, "target {} ran no input: {out}", t.name);
    }
}

#[test]
fn panics_violations_hangs_and_aborts_are_saved_and_replayed() {
    let dir = std::env::temp_dir().join(format!("nexxo-fuzz-selftest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("corpus/selftest")).unwrap();
    std::fs::write(dir.join("corpus/selftest/seed.txt"), "fine").unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_nexxo_fuzz"))
            .args(args)
            .env("NEXXO_FUZZ_DIR", &dir)
            .output()
            .expect("run nexxo_fuzz");
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (ok, out) = run(&["selftest", "--seconds", "6", "--seed", "3", "--timeout-ms", "300"]);
    assert!(!ok, "{out}");
    for kind in ["PANIC", "VIOLATION", "HANG", "CRASH"] {
        assert!(out.contains(&format!("  {kind} [")), "{kind} not reported: {out}");
    }
    let saved: Vec<_> = std::fs::read_dir(dir.join("regressions/selftest")).unwrap().flatten().collect();
    assert_eq!(saved.len(), 4, "{out}");
    let panic = saved.iter().find(|e| e.file_name().to_string_lossy().starts_with("panic-")).unwrap();
    assert!(std::fs::read_to_string(panic.path()).unwrap().contains("PANIC"));
    // Replay runs each saved input once, past the abort and the hang, and fails.
    let (ok, out) = run(&["replay", "selftest", "--timeout-ms", "300"]);
    assert!(!ok, "{out}");
    assert!(out.contains("replayed 5 input(s)"), "{out}");
    for kind in ["PANIC", "VIOLATION", "HANG", "CRASH"] {
        assert!(out.contains(&format!("  {kind} [")), "{kind} not replayed: {out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
