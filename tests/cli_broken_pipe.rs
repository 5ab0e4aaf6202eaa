//! Every printing subcommand exits quietly when its reader goes away, as Unix tools do:
//! `mascot plan FILE --format json | head` must not panic with "failed printing to stdout:
//! Broken pipe". The reader here is `true`, which exits without reading, so the first write
//! of mascot (after it has compiled or loaded something) meets a closed pipe.

use std::process::Command;

/// Runs `mascot ARGS | true` (and, with `stderr_too`, `2>&1`); returns mascot's exit code and
/// its stderr.
fn into_closed_pipe(args: &str, stderr_too: bool) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let err_file = dir.path().join("stderr.txt");
    let redirect = if stderr_too {
        "2>&1".to_string()
    } else {
        format!("2>'{}'", err_file.display())
    };
    let script = format!(
        "'{}' {args} {redirect} | true; exit ${{PIPESTATUS[0]}}",
        env!("CARGO_BIN_EXE_mascot")
    );
    let status = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    let stderr = std::fs::read_to_string(&err_file).unwrap_or_default();
    (status.code().unwrap_or(-1), stderr)
}

#[test]
fn printing_subcommands_stop_quietly_when_stdout_closes() {
    let store = tempfile::tempdir().unwrap();
    // A dry run creates no store, so the `cache` commands get an empty one.
    std::fs::create_dir_all(store.path().join("objects")).unwrap();
    let store = store.path().display().to_string();
    let model = "tests/fixtures/models/tiny-llama";
    let commands = [
        "plan experiments/ablations.mascot --format json".to_string(),
        "plan experiments/ablations.mascot --format yaml".to_string(),
        "plan experiments/ablations.mascot --format dot".to_string(),
        "plan experiments/ablations.mascot".to_string(),
        "variants experiments/ablations.mascot".to_string(),
        "fmt experiments/ablations.mascot".to_string(),
        format!("run experiments/tiny.mascot --dry-run --store '{store}'"),
        format!("run experiments/tiny.mascot --dry-run --json --store '{store}'"),
        format!("cache ls --store '{store}'"),
        format!("cache verify --store '{store}'"),
        format!("generate --model {model} --prompt hello --max-tokens 4"),
        format!("logits --model {model} --prompt hello --json"),
    ];
    for args in &commands {
        let (code, stderr) = into_closed_pipe(args, false);
        assert_eq!(code, 0, "`mascot {args}` exited {code}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "`mascot {args}`: {stderr}"
        );
    }
}

#[test]
fn a_closed_stderr_does_not_panic_either() {
    // `check` reports on stderr; with stderr sent into the closed pipe it must still exit
    // with its verdict (0: the file is valid) instead of a panic (101).
    let (code, _) = into_closed_pipe("check experiments/ablations.mascot", true);
    assert_eq!(code, 0);
    let (code, _) = into_closed_pipe("check tests/fixtures/err/k_below_two.mascot", true);
    assert_eq!(code, 1);
}
