//! Checking what changes the base pipeline: the operations of a `variant` (`remove`, `set`),
//! the axes of a `sweep` (one axis, a grid of several, `seed`, `on [variants]`), and the
//! command line's `--set` overrides, which go through the same checks.

use crate::lang::ast::{Expr, ExprKind, FieldPath, SweepAxis, VariantOp};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::fields::Checker;
use crate::lang::ir::{Op, Pipeline, SweepAxisDef, SweepDef};
use crate::lang::messages::accepted;
use crate::lang::span::{Span, Spanned};
use crate::lang::suggest::did_you_mean;
use crate::spec::experiment::{EXPERIMENT, PIPELINE};
use crate::spec::field::FieldSpec;
use crate::spec::{StageKind, Val};

/// What a field path names.
enum Target {
    /// A stage field (`stage: Some`) or a pipeline setting (`None`).
    Field(Option<StageKind>, &'static FieldSpec),
    /// The experiment seed.
    Seed(&'static FieldSpec),
}

/// The stage kind a name stands for, or an `E015` error.
pub fn stage_kind(c: &mut Checker, name: &Spanned<String>) -> Option<StageKind> {
    if let Some(kind) = StageKind::from_name(&name.node) {
        return Some(kind);
    }
    let names: Vec<&str> = StageKind::ALL.iter().map(|k| k.as_str()).collect();
    let mut d = Diagnostic::error("E015", name.span, format!("unknown stage `{}`", name.node))
        .label("unknown stage");
    d = match did_you_mean(&name.node, &names) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(format!("the stages are: {}", names.join(", "))),
    };
    c.error(d);
    None
}

/// The stage (None: a pipeline setting) or seed a path names.
fn path_target(c: &mut Checker, path: &FieldPath, listed: &[StageKind]) -> Option<Target> {
    let field = &path.field;
    let (kind, table, what) = match &path.stage {
        Some(s) => {
            let kind = stage_kind(c, s)?;
            if !listed.contains(&kind) {
                c.error(
                    Diagnostic::error("E019", s.span, format!("the pipeline has no stage `{}`", s.node))
                        .label("not in the pipeline")
                        .help("variants change the stages of the pipeline; add the stage to the pipeline first"),
                );
                return None;
            }
            (
                Some(kind),
                kind.spec().fields,
                format!("stage `{}`", s.node),
            )
        }
        None if field.node == "seed" => {
            let spec = EXPERIMENT.iter().find(|f| f.name == "seed")?;
            return Some(Target::Seed(spec));
        }
        None => (None, PIPELINE, "the pipeline settings".to_string()),
    };
    match table.iter().find(|f| f.name == field.node) {
        Some(spec) => Some(Target::Field(kind, spec)),
        None => {
            let mut names: Vec<&str> = table.iter().map(|f| f.name).collect();
            if kind.is_none() {
                names.push("seed");
            }
            let mut d = Diagnostic::error(
                "E008",
                field.span,
                format!("unknown field `{}` in {what}", field.node),
            )
            .label("unknown field");
            d = match did_you_mean(&field.node, &names) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None if kind.is_none() => d.help(format!(
                    "{what} accept {}, and `seed` sets the experiment seed",
                    accepted(table)
                )),
                None => d.help(format!("{what} accepts {}", accepted(table))),
            };
            c.error(d);
            None
        }
    }
}

/// The operation that sets `target` to `value`.
fn set_op(c: &mut Checker, target: &Target, value: &Expr, span: Span) -> Option<Op> {
    match target {
        Target::Seed(spec) => match c.value(value, &spec.ty, spec.name)? {
            Val::Int(n) => Some(Op::Seed(u64::try_from(n).ok()?, span)),
            _ => None,
        },
        Target::Field(stage, spec) => Some(Op::Set {
            stage: *stage,
            field: spec.name,
            value: c.value(value, &spec.ty, spec.name)?,
            span,
        }),
    }
}

/// One checked variant operation. `base` is the pipeline the variant changes: a `set` to
/// the value the base already has changes nothing, which is worth a warning.
pub fn variant_op(
    c: &mut Checker,
    op: &VariantOp,
    listed: &[StageKind],
    base: &Pipeline,
) -> Option<Op> {
    match op {
        VariantOp::Remove { stage, span } => {
            let kind = stage_kind(c, stage)?;
            if !listed.contains(&kind) {
                c.error(
                    Diagnostic::error(
                        "E019",
                        stage.span,
                        format!(
                            "cannot remove `{}`: the pipeline has no such stage",
                            stage.node
                        ),
                    )
                    .label("not in the pipeline")
                    .help("remove only stages the pipeline lists"),
                );
                return None;
            }
            Some(Op::Remove(kind, *span))
        }
        VariantOp::Set { path, value, span } => {
            let target = path_target(c, path, listed)?;
            let op = set_op(c, &target, value, *span)?;
            if let Op::Set {
                stage: Some(kind),
                field,
                value: v,
                ..
            } = &op
                && base
                    .stage(*kind)
                    .and_then(|s| s.fields.get(field))
                    .is_some_and(|old| old == v)
            {
                c.error(
                    Diagnostic::warning(
                        "W003",
                        *span,
                        format!(
                            "`set {}.{field}` gives the value the pipeline already has",
                            kind.as_str()
                        ),
                    )
                    .label("changes nothing")
                    .help("this variant shares the base's stage here; set another value or drop the line"),
                );
            }
            Some(op)
        }
    }
}

/// A checked sweep; `None` when one of its axes had an error (reported).
pub fn sweep(
    c: &mut Checker,
    name: &Spanned<String>,
    on: &[Spanned<String>],
    axes: &[SweepAxis],
    span: Span,
    listed: &[StageKind],
) -> Option<SweepDef> {
    let mut out = Vec::new();
    let mut ok = true;
    for axis in axes {
        let Some(target) = path_target(c, &axis.path, listed) else {
            ok = false;
            continue;
        };
        let items = match &axis.values.kind {
            ExprKind::List(items) if !items.is_empty() => items,
            _ => {
                c.error(
                    Diagnostic::error(
                        "E028",
                        axis.values.span,
                        format!("sweep `{}` has no values", name.node),
                    )
                    .label("empty list")
                    .help("list at least one value: `stage.field in [a, b]`"),
                );
                ok = false;
                continue;
            }
        };
        let mut ops = Vec::new();
        for it in items {
            match set_op(c, &target, it, it.span) {
                Some(op) => ops.push(op),
                None => ok = false,
            }
        }
        let field = match target {
            Target::Seed(_) => "seed",
            Target::Field(_, spec) => spec.name,
        };
        let path = path_text(&axis.path);
        if out.iter().any(|a: &SweepAxisDef| a.path == path) {
            c.error(
                Diagnostic::error(
                    "E028",
                    axis.path.span,
                    format!("sweep `{}` sweeps `{path}` twice", name.node),
                )
                .label("second axis over the same field")
                .help("list every value of a field in one axis: `field in [a, b, c]`"),
            );
            ok = false;
            continue;
        }
        out.push(SweepAxisDef { ops, field, path });
    }
    ok.then(|| SweepDef {
        name: name.node.clone(),
        span,
        on: on.iter().map(|n| (n.node.clone(), n.span)).collect(),
        axes: out,
    })
}

/// `stage.field` or `setting`, as written.
fn path_text(p: &FieldPath) -> String {
    match &p.stage {
        Some(s) => format!("{}.{}", s.node, p.field.node),
        None => p.field.node.clone(),
    }
}
