//! The usual ranges of numeric fields, by field name: a value far outside them is legal but
//! almost always a slip (`temperature: 80` for `0.8`), so the checker warns (`W004`) with the
//! range and why. One table for every declaration and stage kind.

/// One field's usual range.
#[derive(Debug, Clone, Copy)]
pub struct Usual {
    pub field: &'static str,
    pub lo: f64,
    pub hi: f64,
    /// Why values beyond the range are suspect.
    pub why: &'static str,
}

const fn u(field: &'static str, lo: f64, hi: f64, why: &'static str) -> Usual {
    Usual { field, lo, hi, why }
}

/// Every field with a usual range.
pub const USUAL: &[Usual] = &[
    u(
        "temperature",
        0.0,
        2.0,
        "sampling temperatures above 2 give near-uniform noise (the paper samples at 0.7-1.0)",
    ),
    u(
        "lr",
        0.0,
        1e-2,
        "learning rates above 1e-2 make fine-tuning diverge (the paper uses 1e-6 to 1e-4)",
    ),
    u("epochs", 0.0, 100.0, "the paper trains for 1-3 epochs"),
    u(
        "k",
        0.0,
        64.0,
        "K is the number of candidates per context and persona (the paper uses 4)",
    ),
    u(
        "max_tokens",
        0.0,
        32768.0,
        "no supported model has a context longer than 32768 tokens",
    ),
    u(
        "beta",
        0.0,
        10.0,
        "the KL coefficient of GRPO is usually 0.001-0.1",
    ),
];

/// Why `value` is unusual for `field`, when it is.
pub fn unusual(field: &str, value: f64) -> Option<(Usual, String)> {
    let u = USUAL.iter().find(|u| u.field == field)?;
    (value < u.lo || value > u.hi).then(|| {
        (
            *u,
            format!(
                "`{field}: {value}` is far outside the usual range {}..={}",
                u.lo, u.hi
            ),
        )
    })
}
