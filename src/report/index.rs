//! [`ScoreIndex`]: checked score rows, rescaled and accumulated per variant x system x
//! seed x subset x level x user type x speaker, so that any pooled cell (one subset or all,
//! one user type or all...) is a merge of accumulators, computed without rescanning rows.
//!
//! An item's `overall` is the mean of its criteria; an item with a failed criterion has no
//! overall and counts as one failure of the `overall` column. Without failures the overall
//! mean of a cell equals the mean of its criterion means.

use std::collections::{BTreeMap, BTreeSet};

use super::artifact::{Judgement, ScoreRow};
use super::error::ReportError;
use super::rubric::{Level, OVERALL, Rubric, Rubrics, rescale};
use super::stats::{Cell, Moments};

/// Where the items of one accumulator come from, below variant and system.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ItemKey {
    seed: u64,
    subset: String,
    level: LevelKey,
    user_type: Option<String>,
    speaker: Option<String>,
}

/// [`Level`] with an order (agent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LevelKey {
    Agent,
    Group,
}

impl From<Level> for LevelKey {
    fn from(l: Level) -> Self {
        match l {
            Level::Agent => LevelKey::Agent,
            Level::Group => LevelKey::Group,
        }
    }
}

impl From<LevelKey> for Level {
    fn from(l: LevelKey) -> Self {
        match l {
            LevelKey::Agent => Level::Agent,
            LevelKey::Group => Level::Group,
        }
    }
}

/// Successful values and failures of one metric.
#[derive(Debug, Clone, Default)]
struct MetricAcc {
    moments: Moments,
    failed: usize,
}

type Metrics = BTreeMap<String, MetricAcc>;

/// A filter on one dimension: every value pooled, or one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pick<T> {
    #[default]
    All,
    Only(T),
}

impl<T: PartialEq> Pick<T> {
    fn admits(&self, v: &T) -> bool {
        match self {
            Pick::Only(x) => x == v,
            Pick::All => true,
        }
    }
}

/// Which items a cell pools. Variant, system and level are always fixed; seeds are
/// replicates (see [`Cell::of_seeds`]) unless one is picked.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    pub variant: &'a str,
    pub system: &'a str,
    pub level: Level,
    pub seed: Pick<u64>,
    pub subset: Pick<&'a str>,
    pub user_type: Pick<&'a str>,
    pub speaker: Pick<&'a str>,
}

impl<'a> Selection<'a> {
    /// Every item of a variant, system and level.
    pub fn new(variant: &'a str, system: &'a str, level: Level) -> Self {
        Selection {
            variant,
            system,
            level,
            seed: Pick::All,
            subset: Pick::All,
            user_type: Pick::All,
            speaker: Pick::All,
        }
    }
}

/// The variant (and seed) a report files an evaluation's rows under. An `evaluate` artifact
/// needed by several variants (they share the stage) is added once per variant; a seed
/// given here replaces the rows' own (replicates told apart by the plan, not the rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowLabel {
    pub variant: String,
    pub seed: Option<u64>,
}

impl RowLabel {
    /// Files rows under `variant`, keeping their seeds.
    pub fn variant(variant: impl Into<String>) -> Self {
        RowLabel {
            variant: variant.into(),
            seed: None,
        }
    }
}

/// Score rows, checked and accumulated.
#[derive(Debug, Clone)]
pub struct ScoreIndex {
    rubrics: Rubrics,
    buckets: BTreeMap<(String, String), BTreeMap<ItemKey, Metrics>>,
}

impl ScoreIndex {
    /// An empty index for these rubrics.
    pub fn new(rubrics: Rubrics) -> Self {
        ScoreIndex {
            rubrics,
            buckets: BTreeMap::new(),
        }
    }

    /// Indexes rows held in memory; a bad row is an error naming it.
    pub fn from_rows<'r>(
        rubrics: Rubrics,
        rows: impl IntoIterator<Item = &'r ScoreRow>,
    ) -> Result<Self, ReportError> {
        let mut index = ScoreIndex::new(rubrics);
        for row in rows {
            index.add(row).map_err(|message| ReportError::ScoreRow {
                location: row.describe(),
                message,
            })?;
        }
        Ok(index)
    }

    /// Checks one row against the rubrics and accumulates it under its own variant (the
    /// unnamed variant `""` when it has none) and seed. The error says what is wrong; the
    /// caller names the row (file and line, or [`ScoreRow::describe`]).
    pub fn add(&mut self, row: &ScoreRow) -> Result<(), String> {
        self.insert(row, row.variant.as_deref().unwrap_or(""), row.seed)
    }

    /// Like [`ScoreIndex::add`], filed under the label's variant (and seed, when it has one).
    pub fn add_labelled(&mut self, row: &ScoreRow, label: &RowLabel) -> Result<(), String> {
        self.insert(row, &label.variant, label.seed.unwrap_or(row.seed))
    }

    fn insert(&mut self, row: &ScoreRow, variant: &str, seed: u64) -> Result<(), String> {
        let rubric = row.check(&self.rubrics)?;
        let key = ItemKey {
            seed,
            subset: row.subset.clone(),
            level: row.level.into(),
            user_type: row.user_type.clone(),
            speaker: row.speaker.clone(),
        };
        let metrics = self
            .buckets
            .entry((variant.to_string(), row.system.clone()))
            .or_default()
            .entry(key)
            .or_default();
        accumulate(metrics, rubric, row);
        Ok(())
    }

    pub fn rubrics(&self) -> &Rubrics {
        &self.rubrics
    }

    /// The cell of one metric (a criterion or [`OVERALL`]) over the selected items.
    pub fn cell(&self, sel: &Selection, metric: &str) -> Cell {
        let mut per_seed: BTreeMap<u64, (Moments, usize)> = BTreeMap::new();
        let bucket = self
            .buckets
            .get(&(sel.variant.to_string(), sel.system.to_string()));
        for (key, metrics) in bucket.into_iter().flatten() {
            if !selects(sel, key) {
                continue;
            }
            let Some(acc) = metrics.get(metric) else {
                continue;
            };
            let slot = per_seed.entry(key.seed).or_default();
            slot.0.merge(&acc.moments);
            slot.1 += acc.failed;
        }
        let per_seed: Vec<(Moments, usize)> = per_seed.into_values().collect();
        Cell::of_seeds(&per_seed)
    }

    /// Variants with scores, sorted by name.
    pub fn variants(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self.buckets.keys().map(|(v, _)| v).collect();
        set.into_iter().cloned().collect()
    }

    /// Systems of a variant, sorted by name.
    pub fn systems(&self, variant: &str) -> Vec<String> {
        self.buckets
            .keys()
            .filter(|(v, _)| v == variant)
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// The distinct values of one key dimension over the items of a variant (every system
    /// when `system` is `None`) at a level.
    fn distinct<T: Ord + Clone>(
        &self,
        variant: &str,
        system: Option<&str>,
        level: Option<Level>,
        get: impl Fn(&ItemKey) -> Option<T>,
    ) -> Vec<T> {
        let mut set = BTreeSet::new();
        for ((v, s), items) in &self.buckets {
            if v != variant || system.is_some_and(|want| want != s) {
                continue;
            }
            for key in items.keys() {
                if level.is_some_and(|l| LevelKey::from(l) != key.level) {
                    continue;
                }
                if let Some(x) = get(key) {
                    set.insert(x);
                }
            }
        }
        set.into_iter().collect()
    }

    /// Subsets of a variant, sorted by name.
    pub fn subsets(
        &self,
        variant: &str,
        system: Option<&str>,
        level: Option<Level>,
    ) -> Vec<String> {
        self.distinct(variant, system, level, |k| Some(k.subset.clone()))
    }

    /// Seeds of a variant, ascending.
    pub fn seeds(&self, variant: &str, system: Option<&str>) -> Vec<u64> {
        self.distinct(variant, system, None, |k| Some(k.seed))
    }

    /// Levels with items in a variant (agent first).
    pub fn levels(&self, variant: &str, system: Option<&str>) -> Vec<Level> {
        self.distinct(variant, system, None, |k| Some(k.level))
            .into_iter()
            .map(Level::from)
            .collect()
    }

    /// Simulated user types of a variant and system, sorted.
    pub fn user_types(&self, variant: &str, system: Option<&str>, level: Level) -> Vec<String> {
        self.distinct(variant, system, Some(level), |k| k.user_type.clone())
    }

    /// Speakers of a variant and system (agent rows), sorted.
    pub fn speakers(&self, variant: &str, system: Option<&str>) -> Vec<String> {
        self.distinct(variant, system, Some(Level::Agent), |k| k.speaker.clone())
    }

    /// Every (seed, subset, level, user type, speaker) key of a variant and system with the
    /// coarser keys a summary reports: the whole level, per user type, per speaker and per
    /// user type x speaker.
    pub(crate) fn summary_keys(&self, variant: &str, system: &str) -> Vec<SummaryKey> {
        let mut out = BTreeSet::new();
        let bucket = self.buckets.get(&(variant.to_string(), system.to_string()));
        for key in bucket.into_iter().flat_map(|b| b.keys()) {
            let base = (key.seed, key.subset.clone(), key.level);
            for (user_type, speaker) in [
                (None, None),
                (key.user_type.clone(), None),
                (None, key.speaker.clone()),
                (key.user_type.clone(), key.speaker.clone()),
            ] {
                out.insert((base.clone(), user_type, speaker));
            }
        }
        out.into_iter()
            .map(|((seed, subset, level), user_type, speaker)| SummaryKey {
                seed,
                subset,
                level: level.into(),
                user_type,
                speaker,
            })
            .collect()
    }
}

/// One cell key of `summary.json` below variant and system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SummaryKey {
    pub seed: u64,
    pub subset: String,
    pub level: Level,
    pub user_type: Option<String>,
    pub speaker: Option<String>,
}

fn selects(sel: &Selection, key: &ItemKey) -> bool {
    LevelKey::from(sel.level) == key.level
        && sel.seed.admits(&key.seed)
        && sel.subset.admits(&key.subset.as_str())
        && admits_opt(&sel.user_type, key.user_type.as_deref())
        && admits_opt(&sel.speaker, key.speaker.as_deref())
}

/// `Only(x)` admits items whose value is `x`; items without a value are admitted by `All`
/// only.
fn admits_opt(pick: &Pick<&str>, v: Option<&str>) -> bool {
    match pick {
        Pick::Only(x) => v == Some(*x),
        Pick::All => true,
    }
}

/// Adds one checked row: every criterion's rescaled score or failure, and the item's overall.
fn accumulate(metrics: &mut Metrics, rubric: &Rubric, row: &ScoreRow) {
    let mut item = Moments::default();
    let mut any_failed = false;
    for c in &rubric.criteria {
        let acc = metrics.entry(c.name.clone()).or_default();
        match row.scores.get(&c.name) {
            Some(Judgement::Score(s)) => match rescale(rubric, *s) {
                Some(v) => {
                    acc.moments.push(v);
                    item.push(v);
                }
                None => {
                    acc.failed += 1;
                    any_failed = true;
                }
            },
            _ => {
                acc.failed += 1;
                any_failed = true;
            }
        }
    }
    let overall = metrics.entry(OVERALL.to_string()).or_default();
    match (any_failed, item.mean()) {
        (false, Some(v)) => overall.moments.push(v),
        _ => overall.failed += 1,
    }
}
