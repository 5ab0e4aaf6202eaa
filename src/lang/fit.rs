//! Whether the token budgets fit the speaker's context: a `max_tokens` (in the pipeline, a
//! variant's `set` or a `--set`) that is not below the context of the speaker model is an
//! error (`E032`) when the context is known (`crate::spec::context`): the prompt and the reply
//! share the context, so such a reply is always cut.

use crate::lang::ast::{Item, PipelineEntry, VariantOp};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::fields::Checker;
use crate::lang::ir::{Op, Pipeline, VariantDef};
use crate::lang::span::{FileId, Span};
use crate::spec::context::context_tokens;
use crate::spec::{StageKind, Val};

/// Checks every `max_tokens` of the base pipeline and of the variants' `set`s.
pub fn max_tokens_fit(c: &mut Checker, items: &[Item], p: &Pipeline, variants: &[VariantDef]) {
    let Some(Val::Ref(_, speaker)) = p.settings.get("speaker") else {
        return;
    };
    let Some(model) = c.decls.models.get(speaker).cloned() else {
        return;
    };
    let root = &c.loaded.sources.get(FileId(0)).path;
    let base = match root.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let Some(context) = context_tokens(&model, &base) else {
        return;
    };
    let mut found: Vec<(StageKind, i64, Span)> = Vec::new();
    // Only values someone wrote (in the file or a `--set`): a default that does not fit a
    // default context is the defaults' business, not a mistake in the file.
    for s in &p.stages {
        if let Some(Val::Int(n)) = s.fields.get("max_tokens")
            && let Some(span) = overridden_at(c, s.kind).or_else(|| written_at(items, s.kind))
        {
            found.push((s.kind, *n, span));
        }
    }
    for v in variants {
        for op in &v.ops {
            if let Op::Set {
                stage: Some(kind),
                field: "max_tokens",
                value: Val::Int(n),
                span,
            } = op
            {
                found.push((*kind, *n, *span));
            }
        }
    }
    for (kind, n, span) in found {
        if usize::try_from(n).is_ok_and(|n| n >= context) {
            c.error(
                Diagnostic::error(
                    "E032",
                    span,
                    format!(
                        "`{}.max_tokens: {n}` does not fit the context of the speaker `{speaker}` ({context} tokens)",
                        kind.as_str()
                    ),
                )
                .label("longer than the whole context")
                .help(format!(
                    "the prompt and the reply share the {context}-token context: use a `max_tokens` well below {context}"
                )),
            );
        }
    }
}

/// The span of the last `--set kind.max_tokens=...`, when there is one.
fn overridden_at(c: &Checker, kind: StageKind) -> Option<Span> {
    c.loaded.overrides.iter().rev().find_map(|op| match op {
        VariantOp::Set { path, value, .. }
            if path.field.node == "max_tokens"
                && path.stage.as_ref().is_some_and(|s| s.node == kind.as_str()) =>
        {
            Some(value.span)
        }
        _ => None,
    })
}

/// The span of the `max_tokens` value written in the pipeline's `kind` stage.
fn written_at(items: &[Item], kind: StageKind) -> Option<Span> {
    items.iter().find_map(|item| {
        let Item::Pipeline { entries, .. } = item else {
            return None;
        };
        entries.iter().find_map(|e| match e {
            PipelineEntry::Stage { name, body, .. } if name.node == kind.as_str() => body
                .fields
                .iter()
                .find(|f| f.key.node == "max_tokens")
                .map(|f| f.value.span),
            _ => None,
        })
    })
}
