//! Variant expansion: the base pipeline, each `variant` (remove / set operations) and each
//! sweep point become named pipelines. Duplicate names and unrunnable variants are errors.

use std::collections::HashMap;

use crate::lang::diagnostic::{Diagnostic, Diagnostics};
use crate::lang::ir::{Ir, Op, Pipeline, SweepAxisDef};
use crate::lang::span::Span;
use crate::lang::suggest::did_you_mean;
use crate::plan::rules::problems;
use crate::spec::StageKind;
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
    /// The stages it removes from the base pipeline, with the `remove` lines.
    pub removes: Vec<(StageKind, Span)>,
    /// Its experiment seed (a seed sweep or `set seed = N` changes it).
    pub seed: u64,
    /// The configuration it replicates: its own name, or, for a point of a sweep over
    /// `seed`, the name it has without the seed (the variant the sweep applies to when the
    /// seed is its only axis). Variants of one group differ by their seed only.
    pub group: String,
}

/// The most variants one sweep may make (a grid grows fast).
pub const MAX_SWEEP_POINTS: usize = 100_000;

/// Expands every variant; checks names and each pipeline's prerequisites.
pub fn expand(ir: &Ir) -> Result<Vec<ExpandedVariant>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut out = vec![ExpandedVariant {
        name: ir.base.clone(),
        description: None,
        pipeline: ir.pipeline.clone(),
        span: ir.base_span,
        is_base: true,
        removes: Vec::new(),
        seed: ir.seed,
        group: ir.base.clone(),
    }];
    for v in &ir.variants {
        let mut p = ir.pipeline.clone();
        let mut seed = ir.seed;
        let mut what = Vec::new();
        for op in &v.ops {
            match apply(&mut p, &mut seed, op, &v.name) {
                Ok(w) => what.push(w),
                Err(d) => diags.push(*d),
            }
        }
        out.push(ExpandedVariant {
            name: v.name.clone(),
            description: Some(what.join("; ")),
            pipeline: p,
            span: v.span,
            is_base: false,
            removes: v
                .ops
                .iter()
                .filter_map(|op| match op {
                    Op::Remove(kind, span) => Some((*kind, *span)),
                    _ => None,
                })
                .collect(),
            seed,
            group: v.name.clone(),
        });
    }
    let declared = out.len();
    for s in &ir.sweeps {
        let sources: Vec<(usize, Span)> = if s.on.is_empty() {
            vec![(0, s.span)]
        } else {
            let mut found = Vec::new();
            for (name, span) in &s.on {
                match out[..declared].iter().position(|v| &v.name == name) {
                    Some(i) => found.push((i, *span)),
                    None => diags.push(unknown_source(&out[..declared], name, *span, &s.name)),
                }
            }
            found
        };
        let points: usize = s.axes.iter().map(|a| a.ops.len()).product();
        if points > MAX_SWEEP_POINTS {
            diags.push(
                Diagnostic::error(
                    "E028",
                    Span::new(s.span.file, s.span.start, s.span.start + 5),
                    format!("sweep `{}` makes {points} variants", s.name),
                )
                .label("too many combinations")
                .help(format!(
                    "a sweep makes at most {MAX_SWEEP_POINTS} variants; split the grid into smaller sweeps"
                )),
            );
            continue;
        }
        for (source, _) in sources {
            let src = out[source].clone();
            for combo in combinations(&s.axes) {
                let mut p = src.pipeline.clone();
                let mut seed = src.seed;
                let mut what = Vec::new();
                let mut labels = Vec::new();
                let mut group_labels = Vec::new();
                let mut at = s.span;
                for (axis, op) in s.axes.iter().zip(&combo) {
                    at = op_span(op);
                    match apply(&mut p, &mut seed, op, &s.name) {
                        Ok(w) => what.push(w),
                        Err(d) => diags.push(*d),
                    }
                    let label = sanitize(&op_label(op));
                    let named = if s.axes.len() == 1 {
                        label
                    } else {
                        let field = if s.axes.iter().filter(|a| a.field == axis.field).count() > 1 {
                            sanitize(&axis.path)
                        } else {
                            axis.field.to_string()
                        };
                        format!("{field}_{label}")
                    };
                    if axis.field != "seed" {
                        group_labels.push(named.clone());
                    }
                    labels.push(named);
                }
                let prefix = if src.is_base {
                    String::new()
                } else {
                    format!("{}.", src.name)
                };
                let name = format!("{prefix}{}-{}", s.name, labels.join("-"));
                let group = if group_labels.len() == labels.len() {
                    name.clone()
                } else if group_labels.is_empty() {
                    src.group.clone()
                } else {
                    format!("{prefix}{}-{}", s.name, group_labels.join("-"))
                };
                let on = if src.is_base {
                    String::new()
                } else {
                    format!(" on `{}`", src.name)
                };
                let description = format!("sweep `{}`{on}: {}", s.name, what.join("; "));
                let description = match &src.description {
                    Some(d) if !src.is_base => format!("{description} (`{}`: {d})", src.name),
                    _ => description,
                };
                out.push(ExpandedVariant {
                    name,
                    description: Some(description),
                    pipeline: p,
                    span: at,
                    is_base: false,
                    removes: src.removes.clone(),
                    seed,
                    group,
                });
            }
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
    let base_problems: Vec<String> = problems(&ir.pipeline, &ir.decls, &ir.experiment, ir.seed)
        .into_iter()
        .map(|p| p.message)
        .collect();
    for v in &out {
        for Problem {
            stage: kind,
            message,
            help,
        } in problems(&v.pipeline, &ir.decls, &ir.experiment, v.seed)
        {
            if !v.is_base && base_problems.contains(&message) {
                continue;
            }
            let d = if v.is_base {
                let span = v.pipeline.stage(kind).map_or(v.span, |s| s.span);
                let label = if [" needs ", "lacks", "has no "]
                    .iter()
                    .any(|w| message.contains(w))
                {
                    "missing prerequisite"
                } else {
                    "cannot run as written"
                };
                Diagnostic::error("E017", span, message)
                    .label(label)
                    .help(help)
            } else if let Some((removed, at)) = v
                .removes
                .iter()
                .find(|(r, _)| mentions(&message, r.as_str()))
            {
                let needs = kind.as_str();
                let removed = removed.as_str();
                Diagnostic::error("E017", *at, format!("variant `{}`: {message}", v.name))
                    .label(format!("`{needs}` needs the stage removed here"))
                    .help(format!(
                        "also `remove {needs}` in this variant, or keep `{removed}`"
                    ))
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

/// Whether `message` names the stage `name` as a word (`load_dataset`, not `load_dataset2`).
fn mentions(message: &str, name: &str) -> bool {
    message.match_indices(name).any(|(i, _)| {
        let before = message[..i].chars().next_back();
        let after = message[i + name.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
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

/// Every combination of the axes' operations, the first axis varying slowest.
fn combinations(axes: &[SweepAxisDef]) -> Vec<Vec<&Op>> {
    let mut out: Vec<Vec<&Op>> = vec![Vec::new()];
    for axis in axes {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                axis.ops.iter().map(move |op| {
                    let mut next = prefix.clone();
                    next.push(op);
                    next
                })
            })
            .collect();
    }
    out
}

/// The value an operation sets, for variant names.
fn op_label(op: &Op) -> String {
    match op {
        Op::Remove(kind, _) => kind.as_str().to_string(),
        Op::Set { value, .. } => value.label(),
        Op::Seed(seed, _) => seed.to_string(),
    }
}

fn op_span(op: &Op) -> Span {
    match op {
        Op::Remove(_, span) | Op::Set { span, .. } | Op::Seed(_, span) => *span,
    }
}

/// A sweep's `on` names no declared variant.
fn unknown_source(declared: &[ExpandedVariant], name: &str, span: Span, sweep: &str) -> Diagnostic {
    let names: Vec<&str> = declared.iter().map(|v| v.name.as_str()).collect();
    let d = Diagnostic::error(
        "E031",
        span,
        format!("sweep `{sweep}` applies to `{name}`, which is not a variant"),
    )
    .label("no such variant");
    match did_you_mean(name, &names) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(format!(
            "a sweep applies to the base pipeline or to `variant`s: {}",
            names.join(", ")
        )),
    }
}

/// Applies one operation of `variant`; returns its description, or an error when it cannot
/// take effect (a `set` on a stage the variant removed).
/// The error is boxed: a `Diagnostic` is large and this is on no hot path.
fn apply(
    p: &mut Pipeline,
    seed: &mut u64,
    op: &Op,
    variant: &str,
) -> Result<String, Box<Diagnostic>> {
    match op {
        Op::Remove(kind, _) => {
            p.stages.retain(|s| s.kind != *kind);
            Ok(format!("removes {}", kind.as_str()))
        }
        Op::Set {
            stage: Some(kind),
            field,
            value,
            span,
        } => match p.stages.iter_mut().find(|s| s.kind == *kind) {
            Some(s) => {
                s.fields.insert(field, value.clone());
                Ok(format!(
                    "sets {}.{} = {}",
                    kind.as_str(),
                    field,
                    value.label()
                ))
            }
            None => Err(Box::new(
                Diagnostic::error(
                    "E019",
                    *span,
                    format!(
                        "`set {}.{field}` has nothing to change: `{variant}` has no `{}` stage",
                        kind.as_str(),
                        kind.as_str()
                    ),
                )
                .label("this stage is removed")
                .help(
                    "a `set` must name a stage the variant keeps; drop the `set` or the `remove`",
                ),
            )),
        },
        Op::Set {
            stage: None,
            field,
            value,
            ..
        } => {
            p.settings.insert(field, value.clone());
            Ok(format!("sets {} = {}", field, value.label()))
        }
        Op::Seed(n, _) => {
            *seed = *n;
            Ok(format!("sets seed = {n}"))
        }
    }
}
