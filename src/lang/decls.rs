//! Declarations -> resolved specs: each declaration's fields are checked against its table,
//! then lowered by the spec layer into a persona, rubric, model (with the shared tiny-shape
//! rule), users, dataset, judge or reward, stored by name in the checker's declarations.

use crate::lang::ast::{Block, Expr};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::fields::Checker;
use crate::lang::span::{Span, Spanned};
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

fn field_span(block: &Block, name: &str) -> Option<Span> {
    block
        .fields
        .iter()
        .find(|f| f.key.node == name)
        .map(|f| f.value.span)
}
