//! A mutation fuzzer that runs on the stable toolchain without cargo-fuzz: it mutates the
//! experiments and fixtures (byte flips, deletions, token insertions, splices) and checks
//! that compiling, rendering and formatting never panic and that `fmt` is idempotent.
//! A short run is part of the test suite; `MASCOT_FUZZ_SECS=600 cargo test --test
//! lang_fuzz_smoke -- --nocapture` runs it longer. The coverage-guided target is
//! `tests/fuzz` (cargo-fuzz).

use std::path::Path;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

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
    let secs: u64 = std::env::var("MASCOT_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("MASCOT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let corpus = corpus();
    let mut rng = StdRng::seed_from_u64(seed);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut runs = 0u64;
    while Instant::now() < deadline {
        let mut input = corpus[rng.random_range(0..corpus.len())].clone();
        mutate(&mut rng, &corpus, &mut input);
        let result = std::panic::catch_unwind(|| exercise(&input));
        if result.is_err() {
            let out = std::env::temp_dir().join(format!("mascot-fuzz-crash-{seed}-{runs}.mascot"));
            std::fs::write(&out, &input).unwrap();
            panic!("input {} panicked (saved to {})", runs, out.display());
        }
        runs += 1;
    }
    eprintln!("fuzz smoke: {runs} inputs in {secs} s (seed {seed})");
    assert!(runs > 0);
}
