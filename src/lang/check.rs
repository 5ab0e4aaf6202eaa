//! Check pass: loaded files -> [`Ir`]. Name resolution across imports, duplicate and unused
//! names, field types and ranges, reward levels, the pipeline's stages and the variants'
//! operations. Every problem is collected; the result is sorted by (file, offset).

use std::collections::HashMap;

use crate::lang::ast::{Field, Item, PipelineEntry};
use crate::lang::decls::DeclBody;
use crate::lang::diagnostic::{Diagnostic, Diagnostics};
use crate::lang::executor::executor;
use crate::lang::fields::Checker;
use crate::lang::fit::max_tokens_fit;
use crate::lang::ir::{Ir, Op, Pipeline, StageDef, VariantDef};
use crate::lang::judge_fit::heuristic_rubrics_fit;
use crate::lang::load::Loaded;
use crate::lang::span::{FileId, Span};
use crate::lang::variants::{stage_kind, sweep, variant_op};
use crate::spec::experiment::{EXPERIMENT, PIPELINE};
use crate::spec::{DeclKind, StageKind};

/// Checks a loaded experiment. Loader diagnostics (syntax, imports) are included.
pub fn check(loaded: &Loaded) -> Result<Ir, Diagnostics> {
    let mut c = Checker::new(loaded);
    c.diags.extend(loaded.diagnostics.clone());
    collect_names(&mut c);
    for kind in DeclKind::ORDER {
        for ast in &loaded.asts {
            for item in &ast.items {
                match item {
                    Item::Decl {
                        keyword,
                        name,
                        body,
                        ..
                    } if DeclKind::from_keyword(&keyword.node) == Some(kind)
                        && c.names
                            .get(&name.node)
                            .is_some_and(|(_, s)| *s == name.span) =>
                    {
                        c.declaration(kind, name, DeclBody::Block(body));
                    }
                    Item::Reward { name, expr, .. }
                        if kind == DeclKind::Reward
                            && c.names
                                .get(&name.node)
                                .is_some_and(|(_, s)| *s == name.span) =>
                    {
                        c.declaration(kind, name, DeclBody::Reward(expr));
                    }
                    _ => {}
                }
            }
        }
    }
    let executor = executor(&mut c);
    let root = FileId(0);
    let root_items: &[Item] = loaded.asts.first().map_or(&[], |a| &a.items);
    // A root that could not be read or parsed has no items: say nothing more about it.
    let root_failed = loaded.diagnostics.0.iter().any(|d| {
        d.span.file == root
            && (matches!(d.code, "E001" | "E002") || (d.code == "E003" && root_items.is_empty()))
    });
    let (title, seed, base, base_span) = if root_failed {
        (String::new(), 0, "main".into(), Span::new(root, 0, 0))
    } else {
        header(&mut c, root_items, root)
    };
    // `listed` also holds the stages whose fields had errors, so that a variant naming one
    // is not told the pipeline lacks it.
    let (mut pipeline, listed) = if root_failed {
        (Pipeline::default(), Vec::new())
    } else {
        pipeline(&mut c, root_items, root)
    };
    let mut seed = seed;
    if !root_failed {
        apply_overrides(&mut c, &mut pipeline, &mut seed, &listed);
    }
    let mut variants = Vec::new();
    let mut sweeps = Vec::new();
    for item in root_items {
        match item {
            Item::Variant { name, ops, .. } => {
                let ops = ops
                    .iter()
                    .filter_map(|op| variant_op(&mut c, op, &listed, &pipeline))
                    .collect();
                variants.push(VariantDef {
                    name: name.node.clone(),
                    span: name.span,
                    ops,
                });
            }
            Item::Sweep {
                name,
                on,
                axes,
                span,
            } => {
                if let Some(s) = sweep(&mut c, name, on, axes, *span, &listed) {
                    sweeps.push(s);
                }
            }
            _ => {}
        }
    }
    if !root_failed {
        max_tokens_fit(&mut c, root_items, &pipeline, &variants);
        heuristic_rubrics_fit(&mut c, root_items, &pipeline);
    }
    let has_pipeline = root_items
        .iter()
        .any(|i| matches!(i, Item::Pipeline { .. }));
    if has_pipeline && !root_failed {
        unused(&mut c, root);
    }
    let mut diags = std::mem::take(&mut c.diags).sorted();
    if diags.has_errors() {
        // An empty pipeline is worth a warning only in a file that is otherwise valid.
        diags.0.retain(|d| d.code != "W002");
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Ir {
        experiment: title,
        source: loaded
            .sources
            .files
            .first()
            .map(|f| f.display.clone().into())
            .unwrap_or_default(),
        seed,
        base,
        base_span,
        decls: c.decls,
        pipeline,
        variants,
        sweeps,
        executor,
        warnings: diags.0,
    })
}

fn collect_names(c: &mut Checker) {
    let loaded = c.loaded;
    for ast in &loaded.asts {
        for item in &ast.items {
            let (kind, name) = match item {
                Item::Decl { keyword, name, .. } => match DeclKind::from_keyword(&keyword.node) {
                    Some(k) => (k, name),
                    None => continue,
                },
                Item::Reward { name, .. } => (DeclKind::Reward, name),
                Item::Experiment { span, .. }
                | Item::Pipeline { span, .. }
                | Item::Variant { span, .. }
                | Item::Sweep { span, .. }
                    if ast.file != FileId(0) =>
                {
                    c.error(
                        Diagnostic::error("E023", Span::new(span.file, span.start, span.start + keyword_len(item)), "only the experiment file may contain an experiment header, a pipeline, variants or sweeps")
                            .label("in an imported file")
                            .help("imported files are libraries: keep only declarations (persona, rubric, model, judge, dataset, users, reward, executor) in them"),
                    );
                    continue;
                }
                _ => continue,
            };
            if let Some((_, first)) = c.names.get(&name.node).copied() {
                let d = if first.file == name.span.file {
                    Diagnostic::error(
                        "E005",
                        name.span,
                        format!("`{}` is declared twice", name.node),
                    )
                    .label("declared again")
                    .note(first, "first declared here")
                    .help("rename one of them; names are shared by every kind of declaration")
                } else {
                    // The experiment file is read first: its declaration is the one the
                    // user wrote against the library, so the error goes there (and sorts
                    // with the file's own errors, not after them).
                    let (here, there) = if first.file == FileId(0) {
                        (first, name.span)
                    } else {
                        (name.span, first)
                    };
                    let other = c.loaded.sources.get(there.file).display.clone();
                    Diagnostic::error(
                        "E005",
                        here,
                        format!("`{}` is declared twice", name.node),
                    )
                    .label("also declared in an imported file")
                    .note(there, "declared here")
                    .help(format!(
                        "`{}` is already declared in `{other}`; rename yours, or drop it and use the imported one",
                        name.node
                    ))
                };
                c.error(d);
                continue;
            }
            c.names.insert(name.node.clone(), (kind, name.span));
        }
    }
}

fn keyword_len(item: &Item) -> usize {
    match item {
        Item::Experiment { .. } => "experiment".len(),
        Item::Pipeline { .. } => "pipeline".len(),
        Item::Variant { .. } => "variant".len(),
        _ => "sweep".len(),
    }
}

fn header(c: &mut Checker, items: &[Item], root: FileId) -> (String, u64, String, Span) {
    let mut found: Option<(String, u64, String, Span)> = None;
    for item in items {
        if let Item::Experiment { title, body, .. } = item {
            if let Some((_, _, _, first)) = &found {
                let first = *first;
                c.error(
                    Diagnostic::error("E020", title.span, "a second experiment header")
                        .label("second header")
                        .note(first, "first header")
                        .help("an experiment file has one `experiment \"title\" { ... }`; use variants for alternatives"),
                );
                continue;
            }
            let what = "the experiment header";
            let f = c
                .fields(&body.fields, EXPERIMENT, body.span, what)
                .unwrap_or_default();
            let header = f
                .opt::<String>("base")
                .and_then(|base| Ok((base, f.opt::<u64>("seed")?)));
            let (base, seed) = match header {
                Ok(h) => h,
                Err(e) => {
                    c.internal(title.span, what, e);
                    (None, None)
                }
            };
            found = Some((
                title.node.clone(),
                seed.unwrap_or(0),
                base.unwrap_or_else(|| "main".into()),
                title.span,
            ));
        }
    }
    found.unwrap_or_else(|| {
        let lib = items.iter().all(|i| {
            matches!(
                i,
                Item::Decl { .. } | Item::Reward { .. } | Item::Import { .. }
            )
        });
        if !lib || items.is_empty() {
            c.error(
                Diagnostic::error("E020", Span::new(root, 0, 0), "no experiment header")
                    .label("the file starts here")
                    .help("start the file with `experiment \"title\" { seed: 0 }`"),
            );
        }
        (String::new(), 0, "main".into(), Span::new(root, 0, 0))
    })
}

/// A file with only declarations is a library: it checks without a pipeline.
fn is_library(items: &[Item]) -> bool {
    !items.is_empty()
        && items.iter().all(|i| {
            matches!(
                i,
                Item::Decl { .. } | Item::Reward { .. } | Item::Import { .. }
            )
        })
}

/// The pipeline (stages whose fields checked) and every stage kind it lists.
fn pipeline(c: &mut Checker, items: &[Item], root: FileId) -> (Pipeline, Vec<StageKind>) {
    let mut out = Pipeline::default();
    let mut listed = Vec::new();
    let mut seen_pipeline: Option<Span> = None;
    for item in items {
        let Item::Pipeline { entries, span } = item else {
            continue;
        };
        if let Some(first) = seen_pipeline {
            c.error(
                Diagnostic::error(
                    "E024",
                    Span::new(span.file, span.start, span.start + 8),
                    "a second pipeline block",
                )
                .label("second pipeline")
                .note(
                    Span::new(first.file, first.start, first.start + 8),
                    "first pipeline",
                )
                .help("merge the stages into one pipeline; describe alternatives as variants"),
            );
            continue;
        }
        seen_pipeline = Some(*span);
        let settings: Vec<Field> = entries
            .iter()
            .filter_map(|e| match e {
                PipelineEntry::Setting(f) => Some(f.clone()),
                _ => None,
            })
            .collect();
        let head = Span::new(span.file, span.start, span.start + 8);
        out.settings_span = Some(head);
        out.settings = c
            .fields(&settings, PIPELINE, head, "the pipeline")
            .unwrap_or_default();
        let mut seen: HashMap<StageKind, Span> = HashMap::new();
        for e in entries {
            let PipelineEntry::Stage { name, body, span } = e else {
                continue;
            };
            let Some(kind) = stage_kind(c, name) else {
                continue;
            };
            let fields = kind.spec().fields;
            if let Some(first) = seen.get(&kind) {
                let first = *first;
                c.error(
                    Diagnostic::error(
                        "E016",
                        name.span,
                        format!("stage `{}` appears twice in the pipeline", name.node),
                    )
                    .label("second occurrence")
                    .note(first, "first occurrence")
                    .help(
                        "a pipeline runs each stage kind once; it fans out over subsets by itself",
                    ),
                );
                continue;
            }
            seen.insert(kind, name.span);
            listed.push(kind);
            let what = format!("stage `{}`", name.node);
            if let Some(f) = c.fields(&body.fields, fields, name.span, &what) {
                let _ = span;
                out.stages.push(StageDef {
                    kind,
                    fields: f,
                    span: name.span,
                });
            }
        }
    }
    if seen_pipeline.is_none() && !is_library(items) && !items.is_empty() {
        c.error(
            Diagnostic::warning(
                "W002",
                Span::new(root, 0, 0),
                "the experiment has no pipeline: its plan is empty",
            )
            .label("the file starts here")
            .help(
                "add `pipeline { load_dataset { data: <dataset> } ... }` listing the stages to run",
            ),
        );
    }
    out.stages.sort_by_key(|s| s.kind);
    (out, listed)
}

/// Checks the command line's `--set` overrides and applies them to the base pipeline, as if
/// the file said so.
fn apply_overrides(c: &mut Checker, p: &mut Pipeline, seed: &mut u64, listed: &[StageKind]) {
    let loaded = c.loaded;
    for op in &loaded.overrides {
        let before = p.clone();
        match variant_op(c, op, listed, &before) {
            Some(Op::Set {
                stage: Some(kind),
                field,
                value,
                ..
            }) => {
                if let Some(s) = p.stages.iter_mut().find(|s| s.kind == kind) {
                    s.fields.insert(field, value);
                }
            }
            Some(Op::Set {
                stage: None,
                field,
                value,
                ..
            }) => p.settings.insert(field, value),
            Some(Op::Seed(n, _)) => *seed = n,
            Some(Op::Remove(..)) | None => {}
        }
    }
}

fn unused(c: &mut Checker, root: FileId) {
    let mut found: Vec<(String, DeclKind, Span)> = c
        .names
        .iter()
        .filter(|(n, (_, s))| s.file == root && !c.used.contains(*n))
        .map(|(n, (k, s))| (n.clone(), *k, *s))
        .collect();
    found.sort_by_key(|x| x.2);
    for (n, k, s) in found {
        c.error(
            Diagnostic::warning(
                "W001",
                s,
                format!("{} `{n}` is declared but never used", k.keyword()),
            )
            .label("unused")
            .help("use it in the pipeline or a variant, or remove it"),
        );
    }
}
