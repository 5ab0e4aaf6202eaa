//! `build_preferences` (equation 2): from a `judge_candidates` artifact, pairs of candidates
//! of the same (context, persona) whose mean-score margin reaches delta, in TRL's
//! conversational preference format (the persona's system prompt and the context as the
//! prompt, the two responses as assistant messages, plus both scores). The contexts are
//! split (seeded) into training and held-out files, a context's pairs all in one.

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::StageKind;
use crate::spec::stages::build_preferences::{
    BuildPreferencesParams, ChatTurn, HELDOUT, PairRule, PreferenceRow, TRAIN,
};
use crate::spec::stages::judge_candidates::{SCORES, ScoreRow};
use crate::spec::stages::sample_candidates::{PERSONAS, PersonaPrompt};
use crate::stages::context::StageContext;
use crate::stages::output::StageOutput;
use crate::util::{read_json, read_jsonl, write_jsonl};

/// Bump when what this stage writes changes (reruns `build_preferences` stages only).
pub const VERSION: u32 = 1;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: BuildPreferencesParams = ctx.params()?;
    let judged = ctx.input(StageKind::JudgeCandidates)?;
    let rows: Vec<ScoreRow> = read_jsonl(&judged.dir.join(SCORES))?;
    let prompts_file = judged.dir.join(PERSONAS);
    let prompts: Vec<PersonaPrompt> = read_json(&prompts_file)?;
    let system: BTreeMap<&str, &str> = prompts
        .iter()
        .map(|p| (p.persona.as_str(), p.system_prompt.as_str()))
        .collect();

    // (context, persona) -> its scored candidates, in k order.
    let mut groups: BTreeMap<(&str, &str), Vec<&ScoreRow>> = BTreeMap::new();
    for r in &rows {
        groups
            .entry((r.context_id.as_str(), r.persona.as_str()))
            .or_default();
        if r.mean.is_some() {
            groups
                .entry((r.context_id.as_str(), r.persona.as_str()))
                .or_default()
                .push(r);
        }
    }
    let mut pairs: BTreeMap<&str, Vec<PreferenceRow>> = BTreeMap::new();
    let mut groups_without_pair = 0usize;
    for ((context_id, persona), mut group) in groups {
        group.sort_by_key(|r| r.k);
        let found = pairs_of(&group, params.pairs, params.delta);
        if found.is_empty() {
            groups_without_pair += 1;
        }
        let system_prompt = system.get(persona).copied().ok_or_else(|| {
            miette::miette!(
                code = "mascot::stage::inputs",
                help = "the judging artifact is inconsistent; run `mascot cache verify`",
                "stage `{}`: persona `{persona}` has no system prompt in {}",
                ctx.stage.id,
                prompts_file.display()
            )
        })?;
        let entry = pairs.entry(context_id).or_default();
        for (w, l) in found {
            entry.push(preference(system_prompt, w, l));
        }
    }
    let contexts: BTreeSet<&str> = rows.iter().map(|r| r.context_id.as_str()).collect();
    let contexts_without_pair = pairs.values().filter(|p| p.is_empty()).count();
    let held = heldout_contexts(
        pairs.iter().filter(|(_, p)| !p.is_empty()).map(|(c, _)| *c),
        params.holdout,
        params.seed,
    );
    let (mut train, mut heldout) = (Vec::new(), Vec::new());
    for (context_id, rows) in pairs {
        if held.contains(context_id) {
            heldout.extend(rows);
        } else {
            train.extend(rows);
        }
    }
    write_jsonl(&ctx.out_dir.join(TRAIN), &train)?;
    write_jsonl(&ctx.out_dir.join(HELDOUT), &heldout)?;
    let scored = rows.iter().filter(|r| r.mean.is_some()).count();
    ctx.progress.log(&format!(
        "{} pairs ({} training, {} held out) from {} scored candidates of {} contexts; \
         {contexts_without_pair} contexts gave no pair with margin >= {}",
        train.len() + heldout.len(),
        train.len(),
        heldout.len(),
        scored,
        contexts.len(),
        params.delta
    ));
    Ok(StageOutput {
        summary: serde_json::json!({
            "contexts": contexts.len(),
            "candidates": rows.len(),
            "scored_candidates": scored,
            "pairs": train.len() + heldout.len(),
            "train_pairs": train.len(),
            "heldout_pairs": heldout.len(),
            "heldout_contexts": held.len(),
            "contexts_without_pair": contexts_without_pair,
            "context_personas_without_pair": groups_without_pair,
            "delta": params.delta,
            "rule": params.pairs.as_str(),
        }),
    })
}

/// The (winner, loser) pairs of one (context, persona)'s scored candidates (in k order).
pub fn pairs_of<'a>(
    group: &[&'a ScoreRow],
    rule: PairRule,
    delta: f64,
) -> Vec<(&'a ScoreRow, &'a ScoreRow)> {
    let score = |r: &ScoreRow| r.mean.unwrap_or(f64::NAN);
    let keep = |w: &ScoreRow, l: &ScoreRow| score(w) > score(l) && score(w) - score(l) >= delta;
    match rule {
        PairRule::All => {
            let mut out = Vec::new();
            for (i, a) in group.iter().enumerate() {
                for b in group.iter().skip(i + 1) {
                    if keep(a, b) {
                        out.push((*a, *b));
                    } else if keep(b, a) {
                        out.push((*b, *a));
                    }
                }
            }
            out
        }
        PairRule::BestWorst => {
            // The first best and the first worst in k order.
            let mut best: Option<&ScoreRow> = None;
            let mut worst: Option<&ScoreRow> = None;
            for r in group {
                if best.is_none_or(|b| score(r) > score(b)) {
                    best = Some(r);
                }
                if worst.is_none_or(|w| score(r) < score(w)) {
                    worst = Some(r);
                }
            }
            match (best, worst) {
                (Some(w), Some(l)) if keep(w, l) => vec![(w, l)],
                _ => Vec::new(),
            }
        }
    }
}

fn preference(system_prompt: &str, w: &ScoreRow, l: &ScoreRow) -> PreferenceRow {
    let turn = |role: &str, content: &str| ChatTurn {
        role: role.into(),
        content: content.into(),
    };
    PreferenceRow {
        prompt: vec![turn("system", system_prompt), turn("user", &w.context)],
        chosen: vec![turn("assistant", &w.response)],
        rejected: vec![turn("assistant", &l.response)],
        score_chosen: w.mean.unwrap_or(f64::NAN),
        score_rejected: l.mean.unwrap_or(f64::NAN),
        context_id: w.context_id.clone(),
        persona: w.persona.clone(),
        k_chosen: w.k,
        k_rejected: l.k,
    }
}

/// The held-out contexts: `round(holdout * n)` of them (at least one when `holdout > 0` and
/// there are two or more), the first in an order drawn from `seed`.
pub fn heldout_contexts<'a>(
    contexts: impl Iterator<Item = &'a str>,
    holdout: f64,
    seed: u64,
) -> BTreeSet<&'a str> {
    let mut order: Vec<(blake3::Hash, &str)> = contexts
        .map(|c| (blake3::hash(format!("{seed}/{c}").as_bytes()), c))
        .collect();
    order.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then(a.1.cmp(b.1)));
    let n = order.len();
    let mut take = (holdout.clamp(0.0, 1.0) * n as f64).round() as usize;
    if holdout > 0.0 && take == 0 && n >= 2 {
        take = 1;
    }
    take = take.min(n.saturating_sub(1));
    order.into_iter().take(take).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(k: usize, mean: Option<f64>) -> ScoreRow {
        ScoreRow {
            context_id: "c".into(),
            persona: "P".into(),
            k,
            context: "ctx".into(),
            response: format!("r{k}"),
            status: if mean.is_some() { "scored" } else { "failed" }.into(),
            scores: None,
            mean,
            failure: None,
            reason: None,
        }
    }

    fn ks(pairs: &[(&ScoreRow, &ScoreRow)]) -> Vec<(usize, usize)> {
        pairs.iter().map(|(w, l)| (w.k, l.k)).collect()
    }

    #[test]
    fn all_pairs_keep_margins_of_at_least_delta_and_never_ties() {
        let rows = [
            scored(0, Some(3.0)),
            scored(1, Some(4.0)),
            scored(2, Some(3.4)),
            scored(3, Some(3.0)),
        ];
        let group: Vec<&ScoreRow> = rows.iter().collect();
        assert_eq!(
            ks(&pairs_of(&group, PairRule::All, 0.5)),
            vec![(1, 0), (1, 2), (1, 3)]
        );
        // delta 0: every strict order, ties (k0 = k3) left out.
        assert_eq!(
            ks(&pairs_of(&group, PairRule::All, 0.0)),
            vec![(1, 0), (2, 0), (1, 2), (1, 3), (2, 3)]
        );
        assert_eq!(ks(&pairs_of(&group, PairRule::All, 1.5)), vec![]);
    }

    #[test]
    fn best_worst_is_one_pair_of_the_first_extremes() {
        let rows = [
            scored(0, Some(3.0)),
            scored(1, Some(4.0)),
            scored(2, Some(4.0)),
            scored(3, Some(3.0)),
        ];
        let group: Vec<&ScoreRow> = rows.iter().collect();
        assert_eq!(
            ks(&pairs_of(&group, PairRule::BestWorst, 0.5)),
            vec![(1, 0)]
        );
        assert_eq!(ks(&pairs_of(&group, PairRule::BestWorst, 1.01)), vec![]);
    }

    #[test]
    fn heldout_takes_a_seeded_share_of_contexts_and_leaves_training_data() {
        let names: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
        let held = heldout_contexts(names.iter().map(String::as_str), 0.2, 7);
        assert_eq!(held.len(), 2);
        assert_eq!(
            held,
            heldout_contexts(names.iter().map(String::as_str), 0.2, 7)
        );
        assert_ne!(
            held,
            heldout_contexts(names.iter().map(String::as_str), 0.2, 8)
        );
        assert_eq!(
            heldout_contexts(names.iter().map(String::as_str), 0.0, 7).len(),
            0
        );
        // At least one held out when asked, never all.
        assert_eq!(heldout_contexts(["a", "b"].into_iter(), 0.01, 7).len(), 1);
        assert_eq!(heldout_contexts(["a"].into_iter(), 0.5, 7).len(), 0);
    }
}
