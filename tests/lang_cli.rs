//! The `mascot` binary on good and bad input: exit codes 0 / 1, never 101.

mod lang_support;

use std::process::Command;

use lang_support::mascot_files;

fn mascot(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_accepts_every_experiment() {
    let mut args = vec!["check"];
    let files: Vec<String> = mascot_files("experiments")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    args.extend(files.iter().map(String::as_str));
    let (code, _, err) = mascot(&args);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn check_on_garbage_and_invalid_utf8_exits_1_not_101() {
    let dir = tempfile::tempdir().unwrap();
    let deep = [b'['; 100_000];
    let cases: [(&str, &[u8]); 5] = [
        ("utf8.mascot", b"experiment \"x\" {}\n\xff\xfe\x00garbage"),
        ("garbage.mascot", b"}}}{{{ ))) \"\\"),
        ("nul.mascot", b"\x00\x00\x00"),
        ("deep.mascot", &[b'['; 64]),
        // Regression: 100k nested brackets overflowed the parser's stack.
        ("very_deep.mascot", &deep),
    ];
    for (name, bytes) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let (code, _, err) = mascot(&["check", p.to_str().unwrap()]);
        assert_eq!(code, 1, "{name}: {err}");
        assert!(err.contains("mascot::E0"), "{name}: {err}");
    }
    let (code, _, err) = mascot(&["check", "does/not/exist.mascot"]);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn invalid_utf8_reports_the_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.mascot");
    std::fs::write(&p, b"experiment \"x\" {}\n// caf\xe9\n").unwrap();
    let (code, _, err) = mascot(&["check", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("invalid UTF-8 at byte offset 24"), "{err}");
}

#[test]
fn plan_formats_and_variant_filter() {
    for format in ["text", "yaml", "json", "dot"] {
        let (code, out, err) =
            mascot(&["plan", "experiments/ablations.mascot", "--format", format]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("MASCOT-C"), "{format}");
    }
    let (code, out, _) = mascot(&[
        "plan",
        "experiments/ablations.mascot",
        "--variant",
        "MASCOT-P",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let plan: mascot::plan::Plan = serde_json::from_str(&out).unwrap();
    assert_eq!(plan.variants().len(), 1);
    assert!(
        plan.stages()
            .iter()
            .all(|s| s.kind != mascot::spec::StageKind::AlignPersonas)
    );
    let (code, _, err) = mascot(&["plan", "experiments/ablations.mascot", "--variant", "nope"]);
    assert_eq!(code, 1);
    assert!(err.contains("MASCOT-P"), "{err}");
}

#[test]
fn variants_lists_one_a_line() {
    let (code, out, _) = mascot(&["variants", "experiments/ablations.mascot"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "MASCOT",
            "MASCOT-P",
            "MASCOT-C",
            "director-qwen3_0_6b",
            "director-qwen3_1_7b",
            "director-qwen3_8b",
            "speaker-qwen3_0_6b",
            "speaker-qwen3_1_7b",
            "speaker-qwen3_8b"
        ]
    );
}

#[test]
fn fmt_check_and_write() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("messy.mascot");
    std::fs::write(&p, "experiment \"m\"{seed:1}   // keep me\npersona a{name:\"A\",description:\"d\",traits:[\"x\"]}\n").unwrap();
    let path = p.to_str().unwrap();
    assert_eq!(mascot(&["fmt", "--check", path]).0, 1);
    let (code, out, _) = mascot(&["fmt", path]);
    assert_eq!(code, 0);
    assert!(out.contains("// keep me"));
    assert_eq!(mascot(&["fmt", "--write", path]).0, 0);
    assert_eq!(mascot(&["fmt", "--check", path]).0, 0);
    assert_eq!(std::fs::read_to_string(&p).unwrap(), out);
    for f in mascot_files("experiments") {
        let (code, _, err) = mascot(&["fmt", "--check", f.to_str().unwrap()]);
        assert_eq!(code, 0, "{} is not formatted: {err}", f.display());
    }
}
