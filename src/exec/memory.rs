//! Per-stage peak resident memory. The stages of a run share one process, so what a stage
//! "uses" is the process's resident memory while it runs: [`watch`] starts a measurement
//! and [`StageWatch::finish`] returns the largest resident size seen since, by a sampler
//! thread (every 50 ms) and at the start and end. The kernel's high-water mark is not reset
//! for this (`/proc/self/clear_refs` would also erase the whole run's peak that
//! `/usr/bin/time` and `getrusage` report). The figure is the whole process's, so light
//! stages running beside a heavy one show its memory too. Outside Linux nothing is measured.

use std::collections::BTreeMap;
use std::sync::{Mutex, Once};
use std::time::Duration;

/// How often the sampler reads the resident size.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);

#[derive(Default)]
struct State {
    next: u64,
    /// Running measurements: the largest resident size seen so far.
    running: BTreeMap<u64, u64>,
}

static STATE: Mutex<State> = Mutex::new(State {
    next: 0,
    running: BTreeMap::new(),
});
static SAMPLER: Once = Once::new();

/// A measurement in progress; [`StageWatch::finish`] ends it.
#[derive(Debug)]
pub struct StageWatch {
    id: u64,
}

/// Starts measuring the process's peak resident memory for one stage.
pub fn watch() -> StageWatch {
    SAMPLER.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("mascot-memory".into())
            .spawn(sample_forever);
    });
    let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let id = state.next;
    state.next += 1;
    state.running.insert(id, resident_bytes().unwrap_or(0));
    StageWatch { id }
}

impl StageWatch {
    /// The peak resident memory of the process since [`watch`], in bytes (`None` where the
    /// platform does not tell).
    pub fn peak(&self) -> Option<u64> {
        let state = STATE.lock().unwrap_or_else(|e| e.into_inner());
        let sampled = *state.running.get(&self.id)?;
        [Some(sampled), resident_bytes()]
            .into_iter()
            .flatten()
            .max()
            .filter(|&b| b > 0)
    }

    /// [`Self::peak`], and the end of the measurement.
    pub fn finish(self) -> Option<u64> {
        let peak = self.peak();
        let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
        state.running.remove(&self.id);
        peak
    }
}

fn sample_forever() {
    loop {
        std::thread::sleep(SAMPLE_EVERY);
        let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
        if state.running.is_empty() {
            continue;
        }
        if let Some(now) = resident_bytes() {
            for peak in state.running.values_mut() {
                *peak = (*peak).max(now);
            }
        }
    }
}

/// The process's resident memory now (`VmRSS`), in bytes.
pub fn resident_bytes() -> Option<u64> {
    status_kib("VmRSS:").map(|k| k * 1024)
}

/// The process's peak resident memory (`VmHWM`) since it started, bytes.
pub fn peak_bytes() -> Option<u64> {
    status_kib("VmHWM:").map(|k| k * 1024)
}

/// Memory the machine can still give (`MemAvailable`), in bytes.
pub fn available_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    kib_field(&text, "MemAvailable:").map(|k| k * 1024)
}

/// Returns the memory the allocator holds free to the system. glibc keeps what a thread
/// freed in that thread's arena; the stages of a run execute on different threads, so
/// without this the process's resident size grows with every large stage (measured on the
/// quickstart: 4.2 GiB for the first reward model, 8.9 GiB for the same work 40 stages
/// later).
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only gives free pages of the heaps back to the system.
        unsafe {
            malloc_trim(0);
        }
    }
}

fn status_kib(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    kib_field(&text, field)
}

fn kib_field(text: &str, field: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Bytes as MiB or GiB for people (`812 MiB`, `2.4 GiB`).
pub fn human_bytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else {
        format!("{mib:.0} MiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_sees_memory_it_allocated_and_freed() {
        let w = watch();
        let before = resident_bytes();
        let big = vec![1u8; 64 << 20];
        std::hint::black_box(&big);
        // Long enough for the sampler to see it.
        std::thread::sleep(SAMPLE_EVERY * 4);
        drop(big);
        let peak = w.finish();
        release_freed();
        if let Some(before) = before {
            // Linux: the 64 MiB touched and freed count in the peak.
            assert!(peak.unwrap() >= before + (60 << 20), "{peak:?} vs {before}");
        }
    }

    #[test]
    fn fields_are_read_in_kib() {
        let text = "MemTotal:  100 kB\nMemAvailable:   2048 kB\n";
        assert_eq!(kib_field(text, "MemAvailable:"), Some(2048));
        assert_eq!(kib_field(text, "Missing:"), None);
        assert_eq!(human_bytes(3 << 20), "3 MiB");
        assert_eq!(human_bytes(5 << 29), "2.5 GiB");
    }
}
