//! Example transcripts: for a few contexts, every system's conversation side by side (the
//! paper's Table 3). Contexts that most systems answered come first, one per subset before
//! a second from the same subset.

use std::collections::BTreeMap;

use serde::Serialize;

use super::input::{Transcript, TranscriptTurn};
use super::labels::{sort_subsets, sort_systems, subset_label, system_label_among};

/// One context and each system's conversation on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    pub subset: String,
    pub subset_label: String,
    pub context_id: String,
    pub context: String,
    pub user_type: Option<String>,
    pub systems: Vec<SystemConversation>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemConversation {
    pub system: String,
    pub label: String,
    pub turns: Vec<TranscriptTurn>,
}

/// Picks up to `n` contexts of `variant` (its lowest seed; the first user type per system)
/// and clips every turn to `max_chars` characters.
pub fn pick_examples(
    transcripts: &[Transcript],
    variant: &str,
    n: usize,
    max_chars: usize,
) -> Vec<Example> {
    let Some(seed) = transcripts
        .iter()
        .filter(|t| t.variant == variant)
        .map(|t| t.seed)
        .min()
    else {
        return Vec::new();
    };
    // (subset, context) -> system -> the transcript with the smallest user type.
    let mut by_context: BTreeMap<(String, String), BTreeMap<String, &Transcript>> = BTreeMap::new();
    for t in transcripts
        .iter()
        .filter(|t| t.variant == variant && t.seed == seed)
    {
        let slot = by_context
            .entry((t.subset.clone(), t.context_id.clone()))
            .or_default()
            .entry(t.system.clone())
            .or_insert(t);
        if t.user_type < slot.user_type {
            *slot = t;
        }
    }
    let mut subsets: Vec<String> = by_context.keys().map(|(s, _)| s.clone()).collect();
    subsets.dedup();
    sort_subsets(&mut subsets);
    let subset_pos = |s: &str| subsets.iter().position(|x| x == s).unwrap_or(usize::MAX);
    let mut ranked: Vec<_> = by_context.into_iter().collect();
    ranked.sort_by(|((sa, ca), a), ((sb, cb), b)| {
        (b.len(), subset_pos(sa), ca).cmp(&(a.len(), subset_pos(sb), cb))
    });
    // First pass: the best context of each subset; second pass: the rest, in rank order.
    let mut chosen: Vec<usize> = Vec::new();
    for subset in &subsets {
        if chosen.len() >= n {
            break;
        }
        if let Some(i) = ranked.iter().position(|((s, _), _)| s == subset) {
            chosen.push(i);
        }
    }
    for i in 0..ranked.len() {
        if chosen.len() >= n {
            break;
        }
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    chosen
        .into_iter()
        .filter_map(|i| ranked.get(i))
        .map(|((subset, context_id), systems)| {
            let mut ids: Vec<String> = systems.keys().cloned().collect();
            sort_systems(&mut ids);
            let first = ids.first().and_then(|id| systems.get(id));
            Example {
                subset: subset.clone(),
                subset_label: subset_label(subset),
                context_id: context_id.clone(),
                context: first
                    .map(|t| clip(&t.context, max_chars))
                    .unwrap_or_default(),
                user_type: first.and_then(|t| t.user_type.clone()),
                systems: ids
                    .iter()
                    .filter_map(|id| systems.get(id))
                    .map(|t| SystemConversation {
                        system: t.system.clone(),
                        label: system_label_among(&t.system, &ids),
                        turns: t
                            .turns
                            .iter()
                            .map(|turn| TranscriptTurn {
                                speaker: turn.speaker.clone(),
                                text: clip(&turn.text, max_chars),
                                truncated: turn.truncated,
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The first `max` characters of `s`, with `...` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{}...", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(system: &str, subset: &str, ctx: &str, user: Option<&str>, seed: u64) -> Transcript {
        Transcript {
            variant: "MASCOT".into(),
            seed,
            system: system.into(),
            subset: subset.into(),
            context_id: ctx.into(),
            context: format!("context {ctx}"),
            user_type: user.map(String::from),
            turns: vec![TranscriptTurn {
                speaker: "Anchor".into(),
                text: format!("{system} on {ctx} for {user:?}"),
                truncated: false,
            }],
        }
    }

    #[test]
    fn contexts_with_most_systems_one_per_subset_first() {
        let all = vec![
            t("mascot", "negative", "n1", None, 1),
            t("zero_shot", "negative", "n1", None, 1),
            t("mascot", "positive", "p1", Some("INFP"), 1),
            t("mascot", "positive", "p1", Some("ENTJ"), 1),
            t("zero_shot", "positive", "p1", None, 1),
            t("mascot", "positive", "p2", None, 1),
            t("zero_shot", "positive", "p2", None, 1),
            t("mascot", "positive", "p3", None, 1),
            t("mascot", "positive", "p9", None, 0),
        ];
        let ex = pick_examples(&all, "MASCOT", 2, 100);
        let ids: Vec<&str> = ex.iter().map(|e| e.context_id.as_str()).collect();
        assert_eq!(ids, ["p9"], "the lowest seed only");
        let without_seed0: Vec<Transcript> = all.into_iter().filter(|t| t.seed == 1).collect();
        let ex = pick_examples(&without_seed0, "MASCOT", 2, 100);
        let ids: Vec<&str> = ex.iter().map(|e| e.context_id.as_str()).collect();
        assert_eq!(ids, ["p1", "n1"]);
        let systems: Vec<&str> = ex[0].systems.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(systems, ["Zero-Shot", "MASCOT"]);
        assert!(
            ex[0].systems[1].turns[0].text.contains("ENTJ"),
            "smallest user type"
        );
        assert!(pick_examples(&without_seed0, "other", 2, 100).is_empty());
    }

    #[test]
    fn clip_cuts_long_text() {
        assert_eq!(clip("abcdef", 3), "abc...");
        assert_eq!(clip("abc", 3), "abc");
    }
}
