//! Whether the heuristic judge can score the rubrics it is given: a stage whose `judge` is
//! the offline heuristic judge and whose `rubric` / `rubrics` has a criterion the judge has
//! no proxy for (or a scale other than 1..5) is an error (`E037`) at check time; the judge
//! would otherwise fail when the stage runs, after every stage before it (training
//! included) has run.

use crate::lang::ast::{Item, PipelineEntry};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::fields::Checker;
use crate::lang::ir::Pipeline;
use crate::lang::span::Span;
use crate::spec::judge::JudgeSpec;
use crate::spec::rubric::{heuristic_gaps, heuristic_names};
use crate::spec::{StageKind, Val};

/// Checks every stage of the base pipeline that names a judge and rubrics.
pub fn heuristic_rubrics_fit(c: &mut Checker, items: &[Item], p: &Pipeline) {
    for s in &p.stages {
        let Some(Val::Ref(_, judge)) = s.fields.get("judge") else {
            continue;
        };
        if !matches!(c.decls.judges.get(judge), Some(JudgeSpec::Heuristic)) {
            continue;
        }
        let rubrics: Vec<String> = match (s.fields.get("rubric"), s.fields.get("rubrics")) {
            (Some(Val::Ref(_, r)), _) => vec![r.clone()],
            (_, Some(Val::List(rs))) => rs
                .iter()
                .filter_map(|v| match v {
                    Val::Ref(_, r) => Some(r.clone()),
                    _ => None,
                })
                .collect(),
            _ => continue,
        };
        let at = field_at(items, s.kind, &["rubric", "rubrics"]).unwrap_or(s.span);
        for name in rubrics {
            let Some(rubric) = c.decls.rubrics.get(&name).cloned() else {
                continue;
            };
            let (missing, bad_scale) = heuristic_gaps(&rubric);
            let level = rubric.level.as_str();
            if !missing.is_empty() {
                let quoted: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
                c.error(
                    Diagnostic::error(
                        "E037",
                        at,
                        format!(
                            "`{}`: the heuristic judge `{judge}` has no {level}-level proxy for {} of rubric `{name}`",
                            s.kind.as_str(),
                            quoted.join(", ")
                        ),
                    )
                    .label("the judge cannot score this rubric")
                    .help(format!(
                        "the heuristic judge scores {level}-level criteria named {}; rename the criterion, drop it, or judge with a model (`backend: openai(...)` or `local(...)`)",
                        heuristic_names(rubric.level)
                    )),
                );
            }
            if bad_scale {
                c.error(
                    Diagnostic::error(
                        "E037",
                        at,
                        format!(
                            "`{}`: the heuristic judge `{judge}` scores on 1..5, rubric `{name}` is on {}..{}",
                            s.kind.as_str(),
                            rubric.scale[0],
                            rubric.scale[1]
                        ),
                    )
                    .label("the judge cannot score this rubric")
                    .help("use `scale: 1..5` (the paper's Likert scale) with the heuristic judge, or judge with a model"),
                );
            }
        }
    }
}

/// The span of the first of `fields` written in the pipeline's `kind` stage.
fn field_at(items: &[Item], kind: StageKind, fields: &[&str]) -> Option<Span> {
    items.iter().find_map(|item| {
        let Item::Pipeline { entries, .. } = item else {
            return None;
        };
        entries.iter().find_map(|e| match e {
            PipelineEntry::Stage { name, body, .. } if name.node == kind.as_str() => body
                .fields
                .iter()
                .find(|f| fields.contains(&f.key.node.as_str()))
                .map(|f| f.value.span),
            _ => None,
        })
    })
}
