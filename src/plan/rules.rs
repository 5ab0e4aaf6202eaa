//! What a pipeline needs to be runnable: the prerequisite stages of each stage and the
//! settings they read. Checked for the base pipeline and for every variant.

use crate::lang::ir::{Decls, Pipeline};
use crate::lang::value::Val;
use crate::plan::StageKind;
use crate::plan::params::RewardSignal;

/// A problem: the stage it concerns, the message, the help line.
pub type Problem = (StageKind, String, String);

/// Every problem of one (expanded) pipeline.
pub fn problems(p: &Pipeline, decls: &Decls) -> Vec<Problem> {
    use StageKind::*;
    let mut out: Vec<Problem> = Vec::new();
    let needs = |out: &mut Vec<Problem>, stage: StageKind, pre: StageKind, why: &str| {
        if p.has(stage) && !p.has(pre) {
            out.push((
                stage,
                format!(
                    "stage `{}` needs stage `{}`, which the pipeline lacks",
                    stage.as_str(),
                    pre.as_str()
                ),
                format!("add `{} {{ ... }}` to the pipeline ({why})", pre.as_str()),
            ));
        }
    };
    for s in [
        TrainSft,
        SampleCandidates,
        AlignPersonas,
        OptimizeDirector,
        GenerateConversations,
    ] {
        needs(&mut out, s, LoadDataset, "it reads the contexts");
    }
    needs(
        &mut out,
        JudgeCandidates,
        SampleCandidates,
        "the judge scores sampled candidates",
    );
    needs(
        &mut out,
        BuildPreferences,
        JudgeCandidates,
        "pairs are built from judge scores",
    );
    needs(
        &mut out,
        TrainRewardModel,
        BuildPreferences,
        "the reward model trains on preference pairs",
    );
    needs(
        &mut out,
        Evaluate,
        GenerateConversations,
        "evaluation scores generated conversations",
    );

    let loaded: Vec<String> = p
        .stage(LoadDataset)
        .map(|s| {
            s.fields["data"]
                .as_list()
                .iter()
                .map(|v| v.as_str().to_string())
                .collect()
        })
        .unwrap_or_default();
    for s in &p.stages {
        if matches!(
            s.kind,
            TrainSft | SampleCandidates | AlignPersonas | OptimizeDirector | GenerateConversations
        ) {
            let own_model = s.kind == SampleCandidates && s.fields.contains_key("model");
            if !p.settings.contains_key("speaker") && !own_model {
                out.push((
                    s.kind,
                    format!(
                        "stage `{}` needs the pipeline setting `speaker`",
                        s.kind.as_str()
                    ),
                    "add `speaker: <model>` at the top of the pipeline block".into(),
                ));
            }
            if p.settings
                .get("personas")
                .is_none_or(|v| v.as_list().is_empty())
            {
                out.push((
                    s.kind,
                    format!("stage `{}` needs the pipeline setting `personas`", s.kind.as_str()),
                    "add `personas: [anchor, catalyst, beacon]` (persona names) to the pipeline block".into(),
                ));
            }
            match s.fields.get("data") {
                Some(d) if !loaded.is_empty() && !loaded.iter().any(|l| l == d.as_str()) => out
                    .push((
                        s.kind,
                        format!(
                            "stage `{}` reads dataset `{}`, which `load_dataset` does not load",
                            s.kind.as_str(),
                            d.as_str()
                        ),
                        format!("add `{}` to `load_dataset {{ data: [...] }}`", d.as_str()),
                    )),
                None if loaded.len() > 1 => out.push((
                    s.kind,
                    format!(
                        "stage `{}` does not say which dataset it reads; the pipeline loads {}",
                        s.kind.as_str(),
                        loaded.join(", ")
                    ),
                    "add `data: <dataset>` to the stage".into(),
                )),
                _ => {}
            }
        }
    }
    if let Some(a) = p.stage(AlignPersonas) {
        let reward = reward_of(&a.fields["reward"], decls);
        let rm = reward
            .iter()
            .flat_map(|r| r.terms.iter())
            .find_map(|t| match &t.signal {
                RewardSignal::Rm { base } => Some(base.clone()),
                _ => None,
            });
        if let Some(base) = rm {
            match p.stage(TrainRewardModel) {
                None => out.push((
                    AlignPersonas,
                    "the reward of `align_personas` uses rm(...), but the pipeline has no `train_reward_model` stage".into(),
                    "add `train_reward_model { base: <model> }`, or drop the rm(...) term".into(),
                )),
                Some(t) => {
                    if decls.models.get(t.fields["base"].as_str()) != Some(&base) {
                        out.push((
                            AlignPersonas,
                            "rm(...) in the reward of `align_personas` names another model than `train_reward_model.base`".into(),
                            "use the reward model's base model in rm(...)".into(),
                        ));
                    }
                }
            }
        }
    }
    if let Some(j) = p.stage(JudgeCandidates)
        && decls
            .rubrics
            .get(j.fields["rubric"].as_str())
            .is_some_and(|r| r.level != crate::plan::params::Level::Agent)
    {
        out.push((
            JudgeCandidates,
            "`judge_candidates` scores single responses but its rubric is group-level".into(),
            "use an agent-level rubric (Table 5) to judge candidates".into(),
        ));
    }
    if let Some(g) = p.stage(GenerateConversations) {
        if g.fields["order"].as_str() == "director"
            && g.fields["systems"]
                .as_list()
                .iter()
                .any(|s| s.as_str() == "mascot")
            && !p.has(OptimizeDirector)
        {
            out.push((
                GenerateConversations,
                "`generate_conversations` uses `order: director`, but the pipeline has no `optimize_director` stage".into(),
                "add `optimize_director { ... }`, or set `order: random` (as MASCOT-C does)".into(),
            ));
        }
        if g.fields["systems"]
            .as_list()
            .iter()
            .any(|s| s.as_str() == "sft")
            && !p.has(TrainSft)
        {
            out.push((
                GenerateConversations,
                "the `sft` baseline needs the `train_sft` stage".into(),
                "add `train_sft { ... }`, or remove `sft` from `systems`".into(),
            ));
        }
        if g.fields.contains_key("users") && !p.has(SimulatedUsers) {
            out.push((
                GenerateConversations,
                "`generate_conversations` talks to simulated users, but the pipeline has no `simulated_users` stage".into(),
                "add `simulated_users { users: <users> }`".into(),
            ));
        }
    }
    if p.has(Report) && p.stages.len() == 1 {
        out.push((
            Report,
            "`report` has nothing to summarise".into(),
            "add the stages whose results it reports".into(),
        ));
    }
    out
}

/// The reward a field holds (inline or by name).
pub fn reward_of<'a>(v: &'a Val, decls: &'a Decls) -> Option<&'a crate::plan::params::RewardSpec> {
    match v {
        Val::Reward(r) => Some(r),
        Val::Ref(_, n) => decls.rewards.get(n),
        _ => None,
    }
}
