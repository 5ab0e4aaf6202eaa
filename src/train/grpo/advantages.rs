//! Group-relative advantages (equation 5's standardised reward, as TRL computes it): the
//! weighted sum of the reward terms per completion, minus its group's mean, divided by the
//! group's (or the batch's) standard deviation plus 1e-4. Missing scores are NaN and are left
//! out of means and deviations; an advantage that comes out NaN is 0.

use super::config::ScaleRewards;
use super::error::GrpoError;

/// Added to the standard deviation before dividing (TRL's value).
pub const STD_EPSILON: f64 = 1e-4;

/// Mean of the non-NaN values; NaN when there is none.
pub fn nan_mean(values: &[f64]) -> f64 {
    let (sum, n) = values
        .iter()
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// Bessel-corrected (n - 1) standard deviation of the non-NaN values; NaN with fewer
/// than two.
pub fn nan_std(values: &[f64]) -> f64 {
    let mean = nan_mean(values);
    let valid: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if valid.len() < 2 {
        return f64::NAN;
    }
    let ss: f64 = valid.iter().map(|v| (v - mean).powi(2)).sum();
    (ss / (valid.len() - 1) as f64).sqrt()
}

/// The total reward of each completion: `sum_f w_f * r_f` over the terms that scored it
/// (NaN skipped), NaN when no term did. `per_term[f][i]` is term `f`'s score of completion `i`.
pub fn total_rewards(per_term: &[Vec<f64>], weights: &[f64]) -> Result<Vec<f64>, GrpoError> {
    if per_term.len() != weights.len() {
        return Err(GrpoError::input(
            format!(
                "{} reward terms but {} weights",
                per_term.len(),
                weights.len()
            ),
            "give one weight per reward term",
        ));
    }
    let n = per_term.first().map_or(0, Vec::len);
    if per_term.iter().any(|t| t.len() != n) {
        return Err(GrpoError::input(
            "reward terms scored different numbers of completions",
            "every reward term must return one score per completion",
        ));
    }
    Ok((0..n)
        .map(|i| {
            let scored: Vec<f64> = per_term
                .iter()
                .zip(weights)
                .filter(|(t, _)| !t[i].is_nan())
                .map(|(t, w)| w * t[i])
                .collect();
            if scored.is_empty() {
                f64::NAN
            } else {
                scored.iter().sum()
            }
        })
        .collect())
}

/// Advantages of one generation batch and what is logged about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Advantages {
    /// One per completion, in input order.
    pub values: Vec<f64>,
    /// Share of completions whose group (or batch, with `batch` scaling) has a standard
    /// deviation of 0: no gradient comes from them (TRL's `frac_reward_zero_std`).
    pub frac_reward_zero_std: f64,
}

/// Advantages of `totals`, laid out as consecutive groups of `group` completions.
pub fn group_advantages(
    totals: &[f64],
    group: usize,
    scale: ScaleRewards,
) -> Result<Advantages, GrpoError> {
    if group == 0 || totals.is_empty() || !totals.len().is_multiple_of(group) {
        return Err(GrpoError::input(
            format!(
                "{} rewards do not split into groups of {group}",
                totals.len()
            ),
            "pass G completions per prompt, prompt by prompt",
        ));
    }
    let batch_std = nan_std(totals);
    let mut values = Vec::with_capacity(totals.len());
    let mut zero_std = 0usize;
    for chunk in totals.chunks(group) {
        let mean = nan_mean(chunk);
        let std = match scale {
            ScaleRewards::Group | ScaleRewards::None => nan_std(chunk),
            ScaleRewards::Batch => batch_std,
        };
        // TRL: torch.isclose(std, 0) with its default tolerances.
        if (std - 0.0).abs() <= 1e-8 {
            zero_std += chunk.len();
        }
        for &r in chunk {
            let centred = r - mean;
            let a = match scale {
                ScaleRewards::None => centred,
                ScaleRewards::Group | ScaleRewards::Batch => centred / (std + STD_EPSILON),
            };
            values.push(if a.is_nan() { 0.0 } else { a });
        }
    }
    Ok(Advantages {
        values,
        frac_reward_zero_std: zero_std as f64 / totals.len() as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    #[test]
    fn group_scaling_by_hand() {
        // Group 1: [1, 2, 3]: mean 2, std sqrt(((1)^2 + 0 + 1^2) / 2) = 1.
        // Group 2: [5, 5, 5]: std 0 -> advantages 0, counted in frac_reward_zero_std.
        let a = group_advantages(&[1.0, 2.0, 3.0, 5.0, 5.0, 5.0], 3, ScaleRewards::Group).unwrap();
        let d = 1.0 + STD_EPSILON;
        let expected = [-1.0 / d, 0.0, 1.0 / d, 0.0, 0.0, 0.0];
        for (x, y) in a.values.iter().zip(expected) {
            close(*x, y);
        }
        close(a.frac_reward_zero_std, 0.5);
    }

    #[test]
    fn batch_and_none_scaling_by_hand() {
        // [0, 2 | 4, 4]: group means 1 and 4; batch mean 2.5, batch std
        // sqrt((6.25 + 0.25 + 2.25 + 2.25) / 3) = sqrt(11/3).
        let totals = [0.0, 2.0, 4.0, 4.0];
        let batch = group_advantages(&totals, 2, ScaleRewards::Batch).unwrap();
        let d = (11.0f64 / 3.0).sqrt() + STD_EPSILON;
        for (x, y) in batch.values.iter().zip([-1.0 / d, 1.0 / d, 0.0, 0.0]) {
            close(*x, y);
        }
        close(batch.frac_reward_zero_std, 0.0);
        let none = group_advantages(&totals, 2, ScaleRewards::None).unwrap();
        assert_eq!(none.values, vec![-1.0, 1.0, 0.0, 0.0]);
        close(none.frac_reward_zero_std, 0.5);
    }

    #[test]
    fn missing_scores_are_skipped_and_give_zero_advantage() {
        // Term a scores [1, NaN, 3, NaN]; term b (weight 2) scores [NaN, NaN, 1, NaN].
        let totals = total_rewards(
            &[
                vec![1.0, f64::NAN, 3.0, f64::NAN],
                vec![f64::NAN, f64::NAN, 1.0, f64::NAN],
            ],
            &[1.0, 2.0],
        )
        .unwrap();
        close(totals[0], 1.0);
        assert!(totals[1].is_nan());
        close(totals[2], 5.0);
        // Group [1, NaN]: one valid value -> std NaN -> advantages 0 (NaN -> 0).
        let a = group_advantages(&totals[..2], 2, ScaleRewards::Group).unwrap();
        assert_eq!(a.values, vec![0.0, 0.0]);
        close(nan_mean(&[1.0, f64::NAN, 3.0]), 2.0);
        assert!(nan_std(&[f64::NAN, 1.0]).is_nan());
    }

    #[test]
    fn batches_that_do_not_split_into_groups_are_refused() {
        assert!(group_advantages(&[1.0, 2.0, 3.0], 2, ScaleRewards::Group).is_err());
        assert!(total_rewards(&[vec![1.0], vec![1.0, 2.0]], &[1.0, 1.0]).is_err());
    }
}
