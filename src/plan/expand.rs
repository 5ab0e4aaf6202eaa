//! Variant expansion: the base pipeline, each `variant` (remove / set operations) and each
//! sweep point become named pipelines. Duplicate names and unrunnable variants are errors.

use std::collections::HashMap;

use crate::lang::diagnostic::{Diagnostic, Diagnostics};
use crate::lang::ir::{Ir, Op, Pipeline};
use crate::lang::span::Span;
use crate::plan::rules::problems;
use crate::spec::wiring::Problem;

/// One named pipeline.
#[derive(Debug, Clone)]
pub struct ExpandedVariant {
    pub name: String,
    pub description: Option<String>,
    pub pipeline: Pipeline,
    /// Where it was declared (the experiment title for the base variant).
    pub span: Span,
    pub is_base: bool,
}

/// Expands every variant; checks names and each pipeline's prerequisites.
pub fn expand(ir: &Ir) -> Result<Vec<ExpandedVariant>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut out = vec![ExpandedVariant {
        name: ir.base.clone(),
        description: None,
        pipeline: ir.pipeline.clone(),
        span: ir.base_span,
        is_base: true,
    }];
    for v in &ir.variants {
        let mut p = ir.pipeline.clone();
        let mut what = Vec::new();
        for op in &v.ops {
            what.push(apply(&mut p, op));
        }
        out.push(ExpandedVariant {
            name: v.name.clone(),
            description: Some(what.join("; ")),
            pipeline: p,
            span: v.span,
            is_base: false,
        });
    }
    for s in &ir.sweeps {
        for (value, span) in &s.values {
            let op = Op::Set {
                stage: s.stage,
                field: s.field,
                value: value.clone(),
            };
            let mut p = ir.pipeline.clone();
            let what = apply(&mut p, &op);
            out.push(ExpandedVariant {
                name: format!("{}-{}", s.name, sanitize(&value.label())),
                description: Some(format!("sweep `{}`: {what}", s.name)),
                pipeline: p,
                span: *span,
                is_base: false,
            });
        }
    }
    let mut seen: HashMap<String, Span> = HashMap::new();
    for v in &out {
        if v.name.is_empty() || sanitize(&v.name) != v.name {
            diags.push(
                Diagnostic::error("E018", v.span, format!("invalid variant name `{}`", v.name))
                    .label("used in stage ids and file names")
                    .help("variant names use letters, digits, `-`, `_`, `.` and `+` only"),
            );
            continue;
        }
        if let Some(first) = seen.get(&v.name) {
            diags.push(
                Diagnostic::error("E018", v.span, format!("duplicate variant name `{}`", v.name))
                    .label("this variant")
                    .note(*first, "same name here")
                    .help("give every variant (and the base, `experiment { base: \"...\" }`) a distinct name"),
            );
        } else {
            seen.insert(v.name.clone(), v.span);
        }
    }
    // A problem the base pipeline already has is reported once, at the base.
    let base_problems: Vec<String> = problems(&ir.pipeline, &ir.decls, ir.seed)
        .into_iter()
        .map(|p| p.message)
        .collect();
    for v in &out {
        for Problem {
            stage: kind,
            message,
            help,
        } in problems(&v.pipeline, &ir.decls, ir.seed)
        {
            if !v.is_base && base_problems.contains(&message) {
                continue;
            }
            let d = if v.is_base {
                let span = v.pipeline.stage(kind).map_or(v.span, |s| s.span);
                Diagnostic::error("E017", span, message)
                    .label("missing prerequisite")
                    .help(help)
            } else {
                Diagnostic::error("E017", v.span, format!("variant `{}`: {message}", v.name))
                    .label("in this variant")
                    .help(help)
            };
            diags.push(d);
        }
    }
    if diags.has_errors() {
        return Err(diags.sorted());
    }
    Ok(out)
}

/// A value label safe in stage ids (`<variant>/<stage>`) and file names.
fn sanitize(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Applies one operation; returns its description.
fn apply(p: &mut Pipeline, op: &Op) -> String {
    match op {
        Op::Remove(kind) => {
            p.stages.retain(|s| s.kind != *kind);
            format!("removes {}", kind.as_str())
        }
        Op::Set {
            stage: Some(kind),
            field,
            value,
        } => {
            if let Some(s) = p.stages.iter_mut().find(|s| s.kind == *kind) {
                s.fields.insert(field, value.clone());
            }
            format!("sets {}.{} = {}", kind.as_str(), field, value.label())
        }
        Op::Set {
            stage: None,
            field,
            value,
        } => {
            p.settings.insert(field, value.clone());
            format!("sets {} = {}", field, value.label())
        }
    }
}
