//! Reward expressions: `rm(m) + 0.5 * format(think_min: 448)` is a sum of weighted signals,
//! each signal typed agent-level or group-level. Mixing levels is a type error (`E013`).

use crate::lang::ast::{BinOp, Expr, ExprKind};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::fields::Checker;
use crate::lang::messages::level_help;
use crate::lang::span::Span;
use crate::lang::suggest::did_you_mean;
use crate::spec::level::Level;
use crate::spec::lower::reward_signal;
use crate::spec::reward::{REWARD_SIGNALS, RewardSpec, RewardTerm};

impl Checker<'_> {
    /// Checks a reward expression; `expected` is the level the use site needs (`None` for
    /// a `reward` declaration, whose level is that of its first term).
    pub fn reward(&mut self, e: &Expr, expected: Option<Level>) -> Option<RewardSpec> {
        let mut summands = Vec::new();
        flatten_sum(e, 1.0, &mut summands);
        let mut terms: Vec<(RewardTerm, Level, Span)> = Vec::new();
        let mut ok = true;
        for (sign, t) in summands {
            match self.reward_term(t, sign) {
                Some(term) => terms.push(term),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let level = expected.or(terms.first().map(|t| t.1))?;
        for (_, l, span) in &terms {
            if *l != level {
                let first = terms.iter().find(|t| t.1 == level).map(|t| t.2);
                let mut d = Diagnostic::error(
                    "E013",
                    *span,
                    format!(
                        "{}-level term `{}` in {} {}-level reward",
                        l.as_str(),
                        self.text(*span),
                        match level {
                            Level::Agent => "an",
                            Level::Group => "a",
                        },
                        level.as_str()
                    ),
                )
                .label(format!("{}-level term", l.as_str()))
                .help(level_help(level));
                if let Some(f) = first {
                    d = d.note(
                        f,
                        format!("this term makes the reward {}-level", level.as_str()),
                    );
                }
                self.error(d);
                ok = false;
            }
        }
        ok.then(|| RewardSpec {
            level,
            terms: terms.into_iter().map(|t| t.0).collect(),
        })
    }

    fn reward_term(&mut self, e: &Expr, sign: f64) -> Option<(RewardTerm, Level, Span)> {
        let mut factors = Vec::new();
        flatten_product(e, &mut factors);
        let mut weight = sign;
        let mut signal: Option<&Expr> = None;
        for f in factors {
            match &f.kind {
                ExprKind::Num { value, .. } if value.is_finite() => weight *= value,
                ExprKind::Call { .. } if signal.is_none() => signal = Some(f),
                ExprKind::Call { .. } => {
                    self.error(
                        Diagnostic::error("E014", f.span, "a reward term multiplies two signals")
                            .label("second signal")
                            .help("weight each signal by a number and add them: `rm(m) + 0.5 * format()`"),
                    );
                    return None;
                }
                ExprKind::Name(n) => {
                    let names: Vec<&str> = REWARD_SIGNALS.iter().map(|s| s.0).collect();
                    let help = match did_you_mean(n, &names) {
                        Some(s) => format!("did you mean `{s}(...)`? signals are called like functions"),
                        None => "reward terms are signals: rm(<model>), format(...), coherence(<judge>), diverse()".into(),
                    };
                    self.error(
                        Diagnostic::error("E014", f.span, format!("`{n}` is not a reward signal"))
                            .label("not a signal")
                            .help(help),
                    );
                    return None;
                }
                _ => {
                    self.error(
                        Diagnostic::error(
                            "E014",
                            f.span,
                            format!("{} cannot appear in a reward", f.kind.describe()),
                        )
                        .label("not a number or a signal")
                        .help("a reward is a sum of `weight * signal(...)` terms"),
                    );
                    return None;
                }
            }
        }
        let Some(call) = signal else {
            self.error(
                Diagnostic::error("E014", e.span, "a reward term has no signal")
                    .label("only numbers")
                    .help("every term needs a signal: rm(<model>), format(...), coherence(<judge>) or diverse()"),
            );
            return None;
        };
        let ExprKind::Call { name, args } = &call.kind else {
            return None;
        };
        let Some((sig, schema, level)) = REWARD_SIGNALS.iter().find(|s| s.0 == name.node) else {
            let names: Vec<&str> = REWARD_SIGNALS.iter().map(|s| s.0).collect();
            let help = match did_you_mean(&name.node, &names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "the signals are rm(<model>), format(think_min:, answer_max:) (agent level), coherence(<judge>), diverse() (group level)".into(),
            };
            self.error(
                Diagnostic::error(
                    "E014",
                    name.span,
                    format!("unknown reward signal `{}`", name.node),
                )
                .label("unknown signal")
                .help(help),
            );
            return None;
        };
        let what = format!("`{sig}(...)`");
        let fields = self.args(args, schema, call.span, &what)?;
        let signal = match reward_signal(sig, &fields, &self.decls) {
            Ok(s) => s,
            Err(e) => {
                self.internal(call.span, &what, e);
                return None;
            }
        };
        Some((RewardTerm { weight, signal }, *level, call.span))
    }
}

fn flatten_sum<'e>(e: &'e Expr, sign: f64, out: &mut Vec<(f64, &'e Expr)>) {
    match &e.kind {
        ExprKind::Binary {
            op: BinOp::Add,
            lhs,
            rhs,
        } => {
            flatten_sum(lhs, sign, out);
            flatten_sum(rhs, sign, out);
        }
        ExprKind::Binary {
            op: BinOp::Sub,
            lhs,
            rhs,
        } => {
            flatten_sum(lhs, sign, out);
            flatten_sum(rhs, -sign, out);
        }
        ExprKind::Paren(inner) => flatten_sum(inner, sign, out),
        _ => out.push((sign, e)),
    }
}

fn flatten_product<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary {
            op: BinOp::Mul,
            lhs,
            rhs,
        } => {
            flatten_product(lhs, out);
            flatten_product(rhs, out);
        }
        ExprKind::Paren(inner)
            if !matches!(
                inner.kind,
                ExprKind::Binary {
                    op: BinOp::Add | BinOp::Sub,
                    ..
                }
            ) =>
        {
            flatten_product(inner, out)
        }
        _ => out.push(e),
    }
}
