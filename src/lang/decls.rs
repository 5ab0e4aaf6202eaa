//! Declarations -> resolved specs: each declaration's fields are checked against its table,
//! then lowered by the spec layer into a persona, rubric, model (with the shared tiny-shape
//! rule), users, dataset, judge or reward, stored by name in the checker's declarations.

use crate::lang::ast::{Block, Expr, ExprKind};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::fields::Checker;
use crate::lang::span::{FileId, Span, Spanned};
use crate::spec::dataset::{DatasetSpec, disk_problem};
use crate::spec::lower::{self, decl_fields};
use crate::spec::model::ModelSource;
use crate::spec::{DeclKind, LowerError};

/// The body of a declaration.
pub enum DeclBody<'a> {
    Block(&'a Block),
    Reward(&'a Expr),
}

impl Checker<'_> {
    /// Checks one declaration and stores its resolved value in `self.decls`.
    pub fn declaration(&mut self, kind: DeclKind, name: &Spanned<String>, body: DeclBody<'_>) {
        let n = name.node.clone();
        let block = match body {
            DeclBody::Reward(expr) => {
                if let Some(r) = self.reward(expr, None) {
                    self.decls.rewards.insert(n, r);
                }
                return;
            }
            DeclBody::Block(b) => b,
        };
        let what = format!("{} `{}`", kind.keyword(), n);
        let Some(f) = self.fields(&block.fields, decl_fields(kind), name.span, &what) else {
            return;
        };
        let stored: Result<(), LowerError> = match kind {
            DeclKind::Persona => lower::persona(&f).map(|p| {
                self.decls.personas.insert(n, p);
            }),
            DeclKind::Rubric => lower::rubric(&f).map(|r| {
                self.decls.rubrics.insert(n, r);
            }),
            DeclKind::Model => lower::model(&f).map(|m| {
                let span = field_span(block, "source").unwrap_or(block.span);
                let shape = match &m.source {
                    ModelSource::Tiny(t) => t.shape_problem(),
                    _ => None,
                };
                if m.dtype != "f32" {
                    let at = field_span(block, "dtype").unwrap_or(block.span);
                    self.error(
                        Diagnostic::error(
                            "E036",
                            at,
                            format!(
                                "{what}: `dtype: {}` cannot run on `{}`: the runtime computes in f32",
                                m.dtype, m.device
                            ),
                        )
                        .label("not supported by the runtime")
                        .help(
                            "write `dtype: f32` (or leave it out): weights stored in bf16 or f16 are \
                             cast to f32 when they load, so an f32 model reads the same checkpoint",
                        ),
                    );
                }
                match shape {
                    Some(problem) => self.error(
                        Diagnostic::error(
                            "E021",
                            span,
                            format!("invalid tiny model in {what}: {}", problem.message),
                        )
                        .label("inconsistent sizes")
                        .help(problem.help),
                    ),
                    None => {
                        self.decls.models.insert(n, m);
                    }
                }
            }),
            DeclKind::Users => lower::users(&f).map(|u| {
                self.decls.users.insert(n, u);
            }),
            DeclKind::Dataset => lower::dataset(&f).map(|d| {
                self.dataset_on_disk(&d, block, &what);
                self.decls.datasets.insert(n, d);
            }),
            DeclKind::Judge => lower::judge(&f, &self.decls).map(|j| {
                self.decls.judges.insert(n, j);
            }),
            DeclKind::Reward => Ok(()),
        };
        if let Err(e) = stored {
            self.internal(name.span, &what, e);
        }
    }
}

impl Checker<'_> {
    /// Warns (`W005`) when a dataset's folder or split is not on disk, at the argument; a
    /// split of the original release that the researcher provides (the ED train split) is
    /// a note (advice), not a warning: the file is right, the data is not there yet.
    fn dataset_on_disk(&mut self, d: &DatasetSpec, block: &Block, what: &str) {
        let root = &self.loaded.sources.get(FileId(0)).path;
        let base = match root.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let Some(problem) = disk_problem(d, &base) else {
            return;
        };
        let span = call_arg_span(block, "source", problem.field)
            .or_else(|| field_span(block, "source"))
            .unwrap_or(block.span);
        let diagnostic = if problem.user_provided {
            Diagnostic::advice("W005", span, format!("{what}: {}", problem.message))
        } else {
            Diagnostic::warning("W005", span, format!("{what}: {}", problem.message))
        };
        self.error(
            diagnostic
                .label(if problem.user_provided {
                    "not there yet".to_string()
                } else {
                    format!(
                        "no such {}",
                        if problem.field == "path" {
                            "folder"
                        } else {
                            "split"
                        }
                    )
                })
                .help(problem.help),
        );
    }
}

/// The span of argument `arg` (named, or by its position in the dataset forms: `path`
/// first, `split` second) of the call in field `field`.
fn call_arg_span(block: &Block, field: &str, arg: &str) -> Option<Span> {
    let f = block.fields.iter().find(|f| f.key.node == field)?;
    let ExprKind::Call { args, .. } = &f.value.kind else {
        return None;
    };
    let position = if arg == "path" { 0 } else { 1 };
    args.iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.node == arg))
        .or_else(|| args.get(position).filter(|a| a.name.is_none()))
        .map(|a| a.value.span)
}

fn field_span(block: &Block, name: &str) -> Option<Span> {
    block
        .fields
        .iter()
        .find(|f| f.key.node == name)
        .map(|f| f.value.span)
}
