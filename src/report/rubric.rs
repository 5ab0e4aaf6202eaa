//! The judge rubrics the scores refer to, and the linear rescale of a Likert score to the
//! reported range (Appendix B.3: 1-5 rescaled to 0-100).
//!
//! The rubric and level types are the experiment vocabulary's; this file is the only place
//! the report library names where they live.

pub use crate::spec::level::Level;
pub use crate::spec::rubric::{Criterion, RubricSpec as Rubric};

use super::error::ReportError;

/// The name of the column that averages the criteria of a rubric.
pub const OVERALL: &str = "overall";

/// Largest magnitude of a scale or rescale bound (plots need a finite axis span).
pub const RANGE_LIMIT: f64 = 1e9;

/// The union of the rescale ranges of the rubrics: the value axis of the plots. `[0, 100]`
/// when there is no rubric.
pub fn value_bounds(rubrics: &Rubrics) -> (f64, f64) {
    let lo = rubrics
        .as_slice()
        .iter()
        .map(|r| r.rescale[0])
        .fold(f64::INFINITY, f64::min);
    let hi = rubrics
        .as_slice()
        .iter()
        .map(|r| r.rescale[1])
        .fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 100.0)
    }
}

/// Maps a Likert score on `rubric.scale = [lo, hi]` to `rubric.rescale = [a, b]`:
/// `(s - lo) / (hi - lo) * (b - a) + a`, i.e. `(s - 1) / 4 * 100` for the paper's rubrics.
/// `None` when `s` is not a finite number inside the scale.
pub fn rescale(rubric: &Rubric, s: f64) -> Option<f64> {
    let [lo, hi] = rubric.scale;
    let [a, b] = rubric.rescale;
    if !s.is_finite() || s < lo || s > hi {
        return None;
    }
    Some((s - lo) / (hi - lo) * (b - a) + a)
}

/// Checks that a rubric can be aggregated: criteria present and uniquely named (none called
/// `overall`), `lo < hi` on both ranges.
pub fn validate(rubric: &Rubric) -> Result<(), ReportError> {
    let fail = |message: String| ReportError::Rubric {
        level: rubric.level.as_str().to_string(),
        message,
    };
    if rubric.criteria.is_empty() {
        return Err(fail("it has no criteria".into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for c in &rubric.criteria {
        if c.name.is_empty() {
            return Err(fail("a criterion has an empty name".into()));
        }
        if c.name == OVERALL {
            return Err(fail(format!(
                "`{OVERALL}` is reserved for the mean of the criteria"
            )));
        }
        if !seen.insert(c.name.as_str()) {
            return Err(fail(format!("criterion `{}` appears twice", c.name)));
        }
    }
    for (what, [lo, hi]) in [("scale", rubric.scale), ("rescale", rubric.rescale)] {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(fail(format!(
                "{what} {lo}..{hi} is not an increasing range"
            )));
        }
        if lo.abs() > RANGE_LIMIT || hi.abs() > RANGE_LIMIT {
            return Err(fail(format!(
                "{what} {lo}..{hi} goes beyond +-{RANGE_LIMIT:e}"
            )));
        }
    }
    Ok(())
}

/// The rubrics of one evaluation, at most one per level.
#[derive(Debug, Clone, PartialEq)]
pub struct Rubrics {
    list: Vec<Rubric>,
}

impl Rubrics {
    /// Validates every rubric and that no two share a level.
    pub fn new(list: Vec<Rubric>) -> Result<Self, ReportError> {
        for (i, r) in list.iter().enumerate() {
            validate(r)?;
            if list[..i].iter().any(|o| o.level == r.level) {
                return Err(ReportError::Rubric {
                    level: r.level.as_str().to_string(),
                    message: "two rubrics have this level; an evaluation has one rubric per level"
                        .into(),
                });
            }
        }
        Ok(Rubrics { list })
    }

    /// The rubric of a level.
    pub fn get(&self, level: Level) -> Option<&Rubric> {
        self.list.iter().find(|r| r.level == level)
    }

    /// Agent level first, then group level.
    pub fn levels(&self) -> Vec<Level> {
        [Level::Agent, Level::Group]
            .into_iter()
            .filter(|l| self.get(*l).is_some())
            .collect()
    }

    pub fn as_slice(&self) -> &[Rubric] {
        &self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn rubric(level: Level, names: &[&str]) -> Rubric {
        Rubric {
            level,
            criteria: names
                .iter()
                .map(|n| Criterion {
                    name: n.to_string(),
                    description: String::new(),
                })
                .collect(),
            scale: [1.0, 5.0],
            rescale: [0.0, 100.0],
        }
    }

    #[test]
    fn likert_1_to_5_maps_to_0_to_100() {
        let r = rubric(Level::Agent, &["a"]);
        let got: Vec<_> = [1.0, 2.0, 3.0, 4.0, 5.0, 3.5]
            .iter()
            .map(|s| rescale(&r, *s))
            .collect();
        assert_eq!(
            got,
            [
                Some(0.0),
                Some(25.0),
                Some(50.0),
                Some(75.0),
                Some(100.0),
                Some(62.5)
            ]
        );
        assert_eq!(rescale(&r, 0.0), None);
        assert_eq!(rescale(&r, 5.5), None);
        assert_eq!(rescale(&r, f64::NAN), None);
    }

    #[test]
    fn rescale_uses_the_rubric_ranges() {
        let mut r = rubric(Level::Agent, &["a"]);
        r.scale = [0.0, 10.0];
        r.rescale = [-1.0, 1.0];
        assert_eq!(rescale(&r, 7.5), Some(0.5));
    }

    #[test]
    fn bad_rubrics_are_rejected() {
        assert!(validate(&rubric(Level::Agent, &[])).is_err());
        assert!(validate(&rubric(Level::Agent, &["a", "a"])).is_err());
        assert!(validate(&rubric(Level::Agent, &["overall"])).is_err());
        let mut r = rubric(Level::Agent, &["a"]);
        r.scale = [5.0, 1.0];
        assert!(validate(&r).is_err());
        let mut r = rubric(Level::Agent, &["a"]);
        r.rescale = [-1e308, 1e308];
        assert!(validate(&r).is_err());
        let two = vec![rubric(Level::Agent, &["a"]), rubric(Level::Agent, &["b"])];
        assert!(Rubrics::new(two).is_err());
    }
}
