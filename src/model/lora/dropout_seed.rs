//! Seeded LoRA dropout masks: a per-thread stream of mask keys that a trainer sets from its
//! seed and step, so that CPU training with dropout is reproducible and a resumed run draws
//! the masks an uninterrupted one draws. Without a stream (nothing seeded on this thread)
//! the keys come from the device's generator, as burn's own dropout does.

use std::cell::Cell;

thread_local! {
    /// The next mask key of this thread, when a trainer seeded the stream.
    static NEXT_KEY: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Starts this thread's stream of dropout mask keys for optimizer step `step` of a run seeded
/// with `seed`: the masks of the step's forward passes depend on (`seed`, `step`) and on the
/// order of the adapters' calls only.
pub fn seed_lora_dropout(seed: u64, step: u64) {
    let key = splitmix64(splitmix64(seed) ^ step);
    NEXT_KEY.with(|k| k.set(Some(key)));
}

/// The next key of this thread's stream (advancing it), when one was seeded.
pub(crate) fn next_dropout_key() -> Option<u64> {
    NEXT_KEY.with(|k| {
        let key = k.get()?;
        // Consecutive keys are decorrelated by the mask generator's own mixing.
        k.set(Some(key.wrapping_add(1)));
        Some(key)
    })
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_stream_repeats_and_steps_differ() {
        let draw = |seed, step| {
            seed_lora_dropout(seed, step);
            [next_dropout_key(), next_dropout_key()]
        };
        let a = draw(3, 1);
        assert_eq!(a, draw(3, 1));
        assert_ne!(a[0], a[1]);
        assert_ne!(a, draw(3, 2));
        assert_ne!(a, draw(4, 1));
        // Another thread has no stream of its own.
        assert_eq!(std::thread::spawn(next_dropout_key).join().unwrap(), None);
    }
}
