//! The self-consistency choice (Wang et al., 2023, adapted to open-ended replies): of `n`
//! sampled answers, keep the one that agrees most with the others.
//!
//! The rule, exactly: each answer is the set of its lower-cased alphanumeric words; the
//! overlap of two answers is their Jaccard index `|A ∩ B| / |A ∪ B|` (0 when both are
//! empty); an answer's consistency is its mean overlap with the `n - 1` others; the answer
//! with the highest consistency is chosen, the lowest index on ties. With one answer, it is
//! chosen.

use std::collections::BTreeSet;

use crate::dialogue::text::words;

/// The Jaccard index of two word sets (0 when both are empty).
pub fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

/// Each answer's mean overlap with the others.
pub fn consistency_scores(answers: &[String]) -> Vec<f64> {
    let sets: Vec<BTreeSet<String>> = answers
        .iter()
        .map(|a| words(a).into_iter().collect())
        .collect();
    let n = sets.len();
    (0..n)
        .map(|i| {
            if n < 2 {
                return 0.0;
            }
            let sum: f64 = (0..n)
                .filter(|&j| j != i)
                .map(|j| jaccard(&sets[i], &sets[j]))
                .sum();
            sum / (n - 1) as f64
        })
        .collect()
}

/// The index of the most consistent answer (see the module docs); `None` for no answers.
pub fn most_consistent(answers: &[String]) -> Option<usize> {
    let scores = consistency_scores(answers);
    let mut best: Option<usize> = None;
    for (i, s) in scores.iter().enumerate() {
        if best.is_none_or(|b| *s > scores[b]) {
            best = Some(i);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn hand_computed_scores() {
        // Sets: {a,b,c}, {a,b,d}, {x,y}.
        // J(0,1) = 2/4 = 0.5, J(0,2) = 0, J(1,2) = 0.
        let answers = s(&["a b c", "A, b d!", "x y"]);
        let scores = consistency_scores(&answers);
        assert_eq!(scores, vec![0.25, 0.25, 0.0]);
        assert_eq!(most_consistent(&answers), Some(0));
        // {a,b}, {a,b,c}, {a,c}: J01 = 2/3, J02 = 1/3, J12 = 2/3.
        let answers = s(&["a b", "a b c", "a c"]);
        let scores = consistency_scores(&answers);
        assert!((scores[0] - 0.5).abs() < 1e-12);
        assert!((scores[1] - 2.0 / 3.0).abs() < 1e-12);
        assert!((scores[2] - 0.5).abs() < 1e-12);
        assert_eq!(most_consistent(&answers), Some(1));
    }

    #[test]
    fn edge_cases() {
        assert_eq!(most_consistent(&[]), None);
        assert_eq!(most_consistent(&s(&["only"])), Some(0));
        assert_eq!(most_consistent(&s(&["", ""])), Some(0));
        assert_eq!(consistency_scores(&s(&["", ""])), vec![0.0, 0.0]);
    }
}
