//! Mapping a measured quantity onto the 1-5 Likert scale by four ascending thresholds.

/// `1` below `t[0]`, `2` below `t[1]`, `3` below `t[2]`, `4` below `t[3]`, else `5`.
pub fn band(value: f64, thresholds: [f64; 4]) -> i64 {
    1 + thresholds.iter().filter(|&&t| value >= t).count() as i64
}

/// Thresholds for a count: 0 -> 1, 1 -> 2, 2 -> 3, 3 -> 4, 4 or more -> 5.
pub const COUNT: [f64; 4] = [1.0, 2.0, 3.0, 4.0];

/// Thresholds for a share in `[0, 1]`: `< 0.2` -> 1, `< 0.4` -> 2, `< 0.6` -> 3,
/// `< 0.8` -> 4, else 5.
pub const SHARE: [f64; 4] = [0.2, 0.4, 0.6, 0.8];

/// Thresholds for persona adherence in `[0, 1]`: `< 0.15` -> 1, `< 0.35` -> 2, `< 0.55` -> 3,
/// `< 0.75` -> 4, else 5.
pub const ADHERENCE: [f64; 4] = [0.15, 0.35, 0.55, 0.75];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_closed_below() {
        assert_eq!(band(0.0, COUNT), 1);
        assert_eq!(band(1.0, COUNT), 2);
        assert_eq!(band(3.5, COUNT), 4);
        assert_eq!(band(9.0, COUNT), 5);
        assert_eq!(band(0.19, SHARE), 1);
        assert_eq!(band(0.2, SHARE), 2);
        assert_eq!(band(0.8, SHARE), 5);
        assert_eq!(band(-1.0, ADHERENCE), 1);
    }
}
