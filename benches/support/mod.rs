//! What the model benchmarks share: the SmolLM2 GGUF they run on and the process's peak
//! resident memory (Linux counters; NaN and no-ops elsewhere).

use std::path::PathBuf;

/// The SmolLM2-135M-Instruct GGUF of `scripts/fetch_smollm2.sh`, or `None` (said on stderr)
/// when it is absent.
pub fn model_path() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models/downloaded/SmolLM2-135M-Instruct.Q4_1.gguf");
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; run scripts/fetch_smollm2.sh",
            path.display()
        );
        None
    }
}

/// Restarts the kernel's peak-resident-memory counter (Linux; a no-op elsewhere).
#[allow(dead_code)] // not every bench resets it
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory (VmHWM) since the process started or the last reset, MiB.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}
