//! The `executor` declaration's check: at most one in the experiment and its imports (a
//! second is an error showing both), a name that is an executor (`local`, `slurm`; a typo
//! gets "did you mean"), fields from that executor's table, and SLURM values in the formats
//! `sbatch` accepts, each reported at its value. The name is no declared name: nothing refers
//! to it, so it is neither in the shared namespace nor ever "unused".

use crate::lang::ast::{Block, ExprKind, Item};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::fields::Checker;
use crate::lang::span::{Span, Spanned};
use crate::lang::suggest::did_you_mean;
use crate::spec::executor::{self, EXECUTORS, ExecutorError, ExecutorSpec, KEYWORD};
use crate::spec::slurm_settings::SettingProblem;

/// Checks every `executor` declaration; the first valid one is the experiment's executor.
pub fn executor(c: &mut Checker) -> Option<ExecutorSpec> {
    let loaded = c.loaded;
    let mut first: Option<Span> = None;
    let mut out = None;
    for ast in &loaded.asts {
        for item in &ast.items {
            let Item::Decl {
                keyword,
                name,
                body,
                ..
            } = item
            else {
                continue;
            };
            if keyword.node != KEYWORD {
                continue;
            }
            let head = keyword.span.to(name.span);
            if let Some(first) = first {
                c.error(
                    Diagnostic::error("E033", head, "a second executor declaration")
                        .label("second executor")
                        .note(first, "first executor")
                        .help(
                            "an experiment runs on one executor: keep one declaration; \
                             `mascot run --executor local|slurm` and the SLURM flags \
                             override it for one run",
                        ),
                );
                continue;
            }
            first = Some(head);
            out = declaration(c, name, body);
        }
    }
    out
}

fn declaration(c: &mut Checker, name: &Spanned<String>, body: &Block) -> Option<ExecutorSpec> {
    let Some(table) = executor::fields(&name.node) else {
        let mut d = Diagnostic::error(
            "E034",
            name.span,
            format!("unknown executor `{}`", name.node),
        )
        .label("no such executor");
        d = match did_you_mean(&name.node, &EXECUTORS) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help(
                "the executors are `local` (this machine) and `slurm` (one SLURM job per stage)",
            ),
        };
        c.error(d);
        return None;
    };
    let what = format!("executor `{}`", name.node);
    let fields = c.fields(&body.fields, table, name.span, &what)?;
    match executor::lower(&name.node, &fields) {
        Ok(spec) => Some(spec),
        Err(ExecutorError::Lower(e)) => {
            c.internal(name.span, &what, e);
            None
        }
        Err(ExecutorError::Settings(problems)) => {
            for p in problems {
                let span = value_span(body, &p).unwrap_or(name.span);
                c.error(
                    Diagnostic::error(
                        "E035",
                        span,
                        format!(
                            "invalid SLURM setting `{}` in {what}: {}",
                            p.field, p.message
                        ),
                    )
                    .label("SLURM does not accept this")
                    .help(p.help),
                );
            }
            None
        }
    }
}

/// The span of the value a problem is about: the field's value, or the list element.
fn value_span(body: &Block, p: &SettingProblem) -> Option<Span> {
    let field = body.fields.iter().find(|f| f.key.node == p.field)?;
    match (&field.value.kind, p.item) {
        (ExprKind::List(items), Some(i)) => items.get(i).map(|e| e.span),
        _ => Some(field.value.span),
    }
}
