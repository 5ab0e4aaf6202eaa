//! Shared helpers of the report tests: the paper's rubrics and a synthetic evaluation (a
//! few variants, seeds, systems, subsets, simulated users and failed judgements) built
//! deterministically in code.

#![allow(dead_code)]

use std::collections::BTreeMap;

use mascot::report::rubric::Criterion;
use mascot::report::{GroupKind, GroupPoint, TrainingRun, VariantGroup};
use mascot::report::{
    JudgeInfo, Judgement, Level, MetricsLog, ReportInput, Rubric, Rubrics, ScoreIndex, ScoreRow,
    Transcript, TranscriptTurn,
};

pub const AGENT: [&str; 5] = [
    "emotional_expressiveness",
    "empathetic_support_quality",
    "consistency",
    "response_relevance",
    "social_contribution",
];
pub const GROUP: [&str; 4] = [
    "engagement_and_contribution",
    "originality_and_specificity",
    "fidelity",
    "relevance_and_coherence",
];

pub fn rubric(level: Level, names: &[&str]) -> Rubric {
    Rubric {
        level,
        criteria: names
            .iter()
            .map(|n| Criterion {
                name: n.to_string(),
                description: format!("{n} description"),
            })
            .collect(),
        scale: [1.0, 5.0],
        rescale: [0.0, 100.0],
    }
}

pub fn paper_rubrics() -> Rubrics {
    Rubrics::new(vec![
        rubric(Level::Agent, &AGENT),
        rubric(Level::Group, &GROUP),
    ])
    .unwrap()
}

pub fn heuristic() -> JudgeInfo {
    JudgeInfo {
        backend: "heuristic".into(),
        model: None,
    }
}

pub fn openai() -> JudgeInfo {
    JudgeInfo {
        backend: "openai".into(),
        model: Some("gpt-4o".into()),
    }
}

/// An agent row: `(speaker, turn)` with the given scores (criterion, Likert or failure).
pub fn agent_row(
    variant: &str,
    seed: u64,
    system: &str,
    subset: &str,
    context: &str,
    (speaker, turn): (&str, usize),
    scores: &[(&str, Judgement)],
) -> ScoreRow {
    ScoreRow {
        system: system.into(),
        variant: Some(variant.into()),
        seed,
        subset: subset.into(),
        context_id: context.into(),
        user_type: None,
        level: Level::Agent,
        speaker: Some(speaker.into()),
        turn: Some(turn),
        scores: scores
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

pub fn s(x: f64) -> Judgement {
    Judgement::Score(x)
}

pub fn failed(reason: &str) -> Judgement {
    Judgement::Failed(reason.into())
}

/// A deterministic pseudo-random Likert score 1..=5 from a key, shifted up for better
/// systems and variants so tables have a clear best.
fn likert(key: &str, bonus: u64) -> f64 {
    let first = blake3::hash(key.as_bytes()).as_bytes()[0] as u64;
    ((first % 4) + 1 + bonus).min(5) as f64
}

pub const SYSTEMS: [&str; 3] = ["mascot", "zero_shot", "few_shot_cot"];
pub const SUBSETS: [&str; 2] = ["positive", "negative"];
pub const SPEAKERS: [&str; 3] = ["Anchor", "Catalyst", "Beacon"];
pub const USERS: [&str; 2] = ["INFP", "ENTJ"];
pub const VARIANTS: [&str; 5] = [
    "MASCOT",
    "MASCOT-P",
    "MASCOT-C",
    "director-0.6b",
    "director-1.7b",
];

/// Rows of a synthetic evaluation: MASCOT with seeds 1 and 2 and three systems; the other
/// variants with seed 1 and the mascot system only. Every 17th judgement fails.
pub fn synthetic_rows() -> Vec<ScoreRow> {
    let mut rows = Vec::new();
    let mut counter = 0usize;
    for variant in VARIANTS {
        let seeds: &[u64] = if variant == "MASCOT" { &[1, 2] } else { &[1] };
        let systems: &[&str] = if variant == "MASCOT" {
            &SYSTEMS
        } else {
            &SYSTEMS[..1]
        };
        for &seed in seeds {
            for system in systems {
                let bonus = u64::from(*system == "mascot") + u64::from(variant == "MASCOT");
                for subset in SUBSETS {
                    for c in 0..3 {
                        let context = format!("{subset}-{c}");
                        let user = USERS[c % 2];
                        let mut judge = |level_names: &[&str], key: String| {
                            let mut scores = BTreeMap::new();
                            for name in level_names {
                                counter += 1;
                                let j = if counter.is_multiple_of(17) {
                                    Judgement::Failed("judge answered without a score".into())
                                } else {
                                    Judgement::Score(likert(&format!("{key}/{name}"), bonus))
                                };
                                scores.insert(name.to_string(), j);
                            }
                            scores
                        };
                        for (turn, speaker) in SPEAKERS.iter().enumerate() {
                            let key = format!("{variant}/{seed}/{system}/{context}/{turn}");
                            rows.push(ScoreRow {
                                system: system.to_string(),
                                variant: Some(variant.into()),
                                seed,
                                subset: subset.into(),
                                context_id: context.clone(),
                                user_type: Some(user.into()),
                                level: Level::Agent,
                                speaker: Some(speaker.to_string()),
                                turn: Some(turn),
                                scores: judge(&AGENT, key),
                            });
                        }
                        let key = format!("{variant}/{seed}/{system}/{context}");
                        rows.push(ScoreRow {
                            system: system.to_string(),
                            variant: Some(variant.into()),
                            seed,
                            subset: subset.into(),
                            context_id: context.clone(),
                            user_type: Some(user.into()),
                            level: Level::Group,
                            speaker: None,
                            turn: None,
                            scores: judge(&GROUP, key),
                        });
                    }
                }
            }
        }
    }
    rows
}

pub fn synthetic_transcripts() -> Vec<Transcript> {
    let mut out = Vec::new();
    for system in SYSTEMS {
        for subset in SUBSETS {
            for c in 0..2 {
                out.push(Transcript {
                    variant: "MASCOT".into(),
                    seed: 1,
                    system: system.into(),
                    subset: subset.into(),
                    context_id: format!("{subset}-{c}"),
                    context: format!("My {subset} story number {c} <with markup & more>."),
                    user_type: Some(USERS[c % 2].into()),
                    turns: SPEAKERS
                        .iter()
                        .map(|sp| TranscriptTurn {
                            speaker: sp.to_string(),
                            text: format!("{sp} of {system} answers context {subset}-{c}."),
                            truncated: false,
                        })
                        .collect(),
                });
            }
        }
    }
    out
}

pub fn synthetic_training() -> Vec<TrainingRun> {
    let mut grpo = String::new();
    let mut rm = String::new();
    for step in 1..=30u64 {
        let x = step as f64;
        grpo.push_str(&format!(
            "{{\"step\": {step}, \"loss\": {}, \"reward\": {}, \"reward_std\": 0.3, \"kl\": {}}}\n",
            0.5 / x,
            1.0 - 1.0 / x,
            0.001 * x
        ));
        rm.push_str(&format!(
            "{{\"step\": {step}, \"loss\": {}, \"accuracy\": {}, \"margin\": {}}}\n",
            0.69 / x.sqrt(),
            0.5 + 0.015 * x,
            0.1 * x
        ));
    }
    vec![
        TrainingRun {
            id: "MASCOT/align_personas".into(),
            label: "align_personas: speakers (GRPO)".into(),
            log: MetricsLog::parse(&grpo, "grpo/metrics.jsonl").unwrap(),
        },
        TrainingRun {
            id: "MASCOT/train_reward_model".into(),
            label: "train_reward_model: Bradley-Terry".into(),
            log: MetricsLog::parse(&rm, "rm/metrics.jsonl").unwrap(),
        },
    ]
}

/// The whole synthetic report input.
pub fn synthetic_input(judge: JudgeInfo) -> ReportInput {
    let rows = synthetic_rows();
    let index = ScoreIndex::from_rows(paper_rubrics(), &rows).unwrap();
    let mut input = ReportInput::new("Synthetic MASCOT report", judge, index);
    input.variants = VARIANTS.iter().map(|v| v.to_string()).collect();
    let point = |v: &str, label: &str| GroupPoint {
        variant: v.into(),
        label: label.into(),
    };
    input.groups = vec![
        VariantGroup {
            kind: GroupKind::Ablation,
            title: "Ablation".into(),
            points: vec![
                point("MASCOT", "MASCOT"),
                point("MASCOT-P", "MASCOT-P"),
                point("MASCOT-C", "MASCOT-C"),
            ],
        },
        VariantGroup {
            kind: GroupKind::Sweep,
            title: "Director size".into(),
            points: vec![
                point("director-0.6b", "0.6B"),
                point("director-1.7b", "1.7B"),
                point("MASCOT", "8B"),
            ],
        },
    ];
    input.training = synthetic_training();
    input.transcripts = synthetic_transcripts();
    input
}
