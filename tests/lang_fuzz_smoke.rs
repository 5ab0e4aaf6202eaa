//! A mutation fuzzer that runs on the stable toolchain without cargo-fuzz: it mutates the
//! experiments and fixtures (byte flips, deletions, token insertions, splices) and checks
//! that compiling, rendering and formatting never panic and that `fmt` is idempotent.
//! A fixed number of inputs from a fixed seed is part of the test suite (the same inputs on
//! every machine, however loaded); `MASCOT_FUZZ_RUNS=1000000 MASCOT_FUZZ_SEED=2 cargo test
//! --test lang_fuzz_smoke -- --nocapture` runs it longer. The coverage-guided target is
//! `tests/fuzz` (cargo-fuzz).

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Inputs the suite runs (about 2 s on the 2-core development machine under load).
const DEFAULT_RUNS: u64 = 5_000;

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ",",
    ":",
    "=",
    "+",
    "-",
    "*",
    "..",
    "\"",
    "//",
    "\n",
    "import",
    "experiment",
    "persona",
    "model",
    "judge",
    "dataset",
    "users",
    "reward",
    "executor",
    "slurm",
    "pipeline",
    "variant",
    "sweep",
    "remove",
    "set",
    "in",
    "rm(",
    "format(",
    "coherence(",
    "diverse()",
    "tiny(",
    "k",
    "0",
    "-1",
    "1e999",
    "\u{e9}",
    "\u{1F600}",
    "\\",
    "load_dataset",
    "report {}",
    "a.b",
    "\t",
];

fn corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir in [
        "experiments",
        "tests/fixtures/ok",
        "tests/fixtures/err",
        "personas",
    ] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "mascot") {
                out.push(std::fs::read(p).unwrap());
            }
        }
    }
    out
}

fn mutate(rng: &mut StdRng, corpus: &[Vec<u8>], input: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..6) {
        let len = input.len();
        match rng.random_range(0..5) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                input[i] ^= 1 << rng.random_range(0..8);
            }
            1 if len > 0 => {
                let a = rng.random_range(0..len);
                let b = (a + rng.random_range(0..32)).min(len);
                input.drain(a..b);
            }
            2 => {
                let t = TOKENS[rng.random_range(0..TOKENS.len())].as_bytes();
                let i = rng.random_range(0..=len);
                input.splice(i..i, t.iter().copied());
            }
            3 => {
                let other = &corpus[rng.random_range(0..corpus.len())];
                if !other.is_empty() {
                    let a = rng.random_range(0..other.len());
                    let b = (a + rng.random_range(0..200)).min(other.len());
                    let i = rng.random_range(0..=len);
                    input.splice(i..i, other[a..b].iter().copied());
                }
            }
            _ if len > 1 => {
                let a = rng.random_range(0..len);
                let b = (a + rng.random_range(0..64)).min(len);
                let chunk = input[a..b].to_vec();
                let i = rng.random_range(0..=len);
                input.splice(i..i, chunk);
            }
            _ => {}
        }
    }
}

fn exercise(bytes: &[u8]) {
    // Imports resolve against the experiments folder, as a real experiment's would.
    let path = Path::new("experiments/fuzz.mascot");
    let compiled = mascot::plan::compile_bytes(path, "fuzz.mascot", bytes);
    let _ = compiled.render();
    if let Ok(plan) = &compiled.plan {
        let _ = mascot::plan::render::text(plan);
        let _ = mascot::plan::render::yaml(plan);
    }
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Ok(formatted) = mascot::lang::format_source(text)
    {
        let again = mascot::lang::format_source(&formatted).expect("formatted output parses");
        assert_eq!(again, formatted, "fmt is not idempotent");
        let before = mascot::plan::compile_bytes(path, "fuzz.mascot", bytes)
            .plan
            .ok();
        let after = mascot::plan::compile_bytes(path, "fuzz.mascot", formatted.as_bytes())
            .plan
            .ok();
        assert_eq!(before, after, "formatting changed the plan");
    }
}

#[test]
fn mutated_sources_never_panic() {
    let runs: u64 = std::env::var("MASCOT_FUZZ_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_RUNS);
    let seed: u64 = std::env::var("MASCOT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let corpus = corpus();
    assert!(!corpus.is_empty());
    let mut rng = StdRng::seed_from_u64(seed);
    for run in 0..runs {
        let mut input = corpus[rng.random_range(0..corpus.len())].clone();
        mutate(&mut rng, &corpus, &mut input);
        let result = std::panic::catch_unwind(|| exercise(&input));
        if result.is_err() {
            let out = std::env::temp_dir().join(format!("mascot-fuzz-crash-{seed}-{run}.mascot"));
            std::fs::write(&out, &input).unwrap();
            panic!("input {run} panicked (saved to {})", out.display());
        }
    }
    eprintln!("fuzz smoke: {runs} inputs (seed {seed})");
}
