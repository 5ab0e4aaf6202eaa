//! Check-time warnings (`W006`) for a thinking model whose token budget cannot hold its
//! reasoning, so a run does not spend hours producing replies cut inside `<think>`:
//!
//! - `align_personas`: the speaker thinks (`thinking: on`) and the stage's `max_tokens` is
//!   below the format reward's `think_min + answer_max` (the reward could never be earned);
//! - `generate_conversations`: a role that thinks (its `<role>_thinking`, else its model's
//!   `thinking`, is `on`) has a budget (`<role>_max_tokens`, else `max_tokens`) below what a
//!   reply needs: for the speakers, `think_min + answer_max` of the format reward they were
//!   aligned with, else [`THINK_FLOOR`]; for the director and the users, [`THINK_FLOOR`].
//!
//! `auto` is not checked: whether the template thinks by default is known only when the
//! model is loaded (the run counts the truncated replies instead).

use crate::lang::ir::Pipeline;
use crate::spec::Decls;
use crate::spec::model::{ModelSpec, Thinking};
use crate::spec::reward::RewardSignal;
use crate::spec::stages::StageKind;
use crate::spec::stages::generate_conversations::{Order, System};
use crate::spec::value::Fields;
use crate::spec::wiring::PipelineView;

/// The smallest budget a thinking reply gets without a format reward to size it: shorter
/// ones end inside a typical reasoning trace (Qwen3 thinks for hundreds of tokens).
pub const THINK_FLOOR: usize = 256;

/// One warning: the stage, what is wrong (with the numbers) and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetWarning {
    pub stage: StageKind,
    pub message: String,
    pub help: String,
}

/// Every budget warning of one (expanded) pipeline.
pub fn thinking_budget_warnings(
    p: &Pipeline,
    decls: &Decls,
    experiment: &str,
    seed: u64,
) -> Vec<BudgetWarning> {
    let stages = p.stage_fields();
    let view = PipelineView {
        experiment,
        seed,
        settings: &p.settings,
        stages: &stages,
        decls,
    };
    let mut out = Vec::new();
    let speaker = view.speaker().ok().flatten();
    let format = format_need(&view);
    if let (Some(f), Some(model), Some((think_min, answer_max))) =
        (view.fields(StageKind::AlignPersonas), &speaker, format)
        && model.thinking == Thinking::On
        && let Ok(budget) = f.req::<usize>("max_tokens")
        && budget < think_min + answer_max
    {
        out.push(BudgetWarning {
            stage: StageKind::AlignPersonas,
            message: format!(
                "the speaker thinks, but align_personas' max_tokens ({budget}) is below the format reward's think_min + answer_max ({think_min} + {answer_max} = {})",
                think_min + answer_max
            ),
            help: format!(
                "set align_personas' max_tokens to at least {}, or lower think_min / answer_max",
                think_min + answer_max
            ),
        });
    }
    if let Some(f) = view.fields(StageKind::GenerateConversations) {
        let speaker_need = format.map_or(THINK_FLOOR, |(t, a)| t + a);
        let director = view.director().ok().flatten().or_else(|| speaker.clone());
        let user = view.user().ok().flatten().or_else(|| speaker.clone());
        let directed = f
            .req::<Vec<System>>("systems")
            .is_ok_and(|s| s.contains(&System::Mascot))
            && f.req::<Order>("order").is_ok_and(|o| o == Order::Director);
        let roles = [
            ("speaker", speaker.as_ref(), true, speaker_need),
            ("director", director.as_ref(), directed, THINK_FLOOR),
            ("user", user.as_ref(), f.contains("users"), THINK_FLOOR),
        ];
        for (role, model, present, need) in roles {
            if let (true, Some(model)) = (present, model)
                && let Some(w) = conversation_warning(f, role, model, need)
            {
                out.push(w);
            }
        }
    }
    out
}

/// The largest `think_min + answer_max` of the positive format terms of align_personas'
/// reward, as `(think_min, answer_max)`.
fn format_need(view: &PipelineView<'_>) -> Option<(usize, usize)> {
    let f = view.fields(StageKind::AlignPersonas)?;
    let reward = view.decls.reward(f.get("reward")?).ok()?;
    reward
        .terms
        .iter()
        .filter(|t| t.weight > 0.0)
        .filter_map(|t| match t.signal {
            RewardSignal::Format {
                think_min,
                answer_max,
            } => Some((think_min, answer_max)),
            _ => None,
        })
        .max_by_key(|(t, a)| t + a)
}

fn conversation_warning(
    f: &Fields,
    role: &str,
    model: &ModelSpec,
    need: usize,
) -> Option<BudgetWarning> {
    let thinking = f
        .opt::<Thinking>(&format!("{role}_thinking"))
        .ok()
        .flatten()
        .unwrap_or(model.thinking);
    if thinking != Thinking::On {
        return None;
    }
    let own = f.opt::<usize>(&format!("{role}_max_tokens")).ok().flatten();
    let budget = own.or_else(|| f.req::<usize>("max_tokens").ok())?;
    if budget >= need {
        return None;
    }
    let field = if own.is_some() {
        format!("{role}_max_tokens")
    } else {
        "max_tokens".to_string()
    };
    Some(BudgetWarning {
        stage: StageKind::GenerateConversations,
        message: format!(
            "the {role} thinks, but its budget ({field}: {budget}) is below the {need} tokens a thinking reply needs: its replies will be cut inside their think block"
        ),
        help: format!(
            "set `{role}_max_tokens: {need}` (or more), or `{role}_thinking: off` for this stage"
        ),
    })
}

/// The warnings of the base pipeline, at its stage, and those a variant adds, at the variant
/// (a warning the base already has is given once).
pub fn budget_diagnostics(
    ir: &crate::lang::ir::Ir,
    variants: &[crate::plan::expand::ExpandedVariant],
) -> Vec<crate::lang::Diagnostic> {
    use crate::lang::Diagnostic;
    let base = thinking_budget_warnings(&ir.pipeline, &ir.decls, &ir.experiment, ir.seed);
    let mut out: Vec<Diagnostic> = base
        .iter()
        .map(|w| {
            let span = ir.pipeline.stage(w.stage).map_or(ir.base_span, |s| s.span);
            Diagnostic::warning("W006", span, w.message.clone())
                .label("replies will be cut inside <think>")
                .help(w.help.clone())
        })
        .collect();
    for v in variants.iter().filter(|v| !v.is_base) {
        for w in thinking_budget_warnings(&v.pipeline, &ir.decls, &ir.experiment, v.seed) {
            if base.contains(&w) {
                continue;
            }
            out.push(
                Diagnostic::warning(
                    "W006",
                    v.span,
                    format!("variant `{}`: {}", v.name, w.message),
                )
                .label("in this variant")
                .help(w.help),
            );
        }
    }
    out
}
