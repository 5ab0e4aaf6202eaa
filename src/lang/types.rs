//! One checked expression against the [`Ty`] of its field: numbers and their ranges, strings,
//! paths (rebased onto the experiment's directory), symbols, lists, references, rewards,
//! objects, maps and call forms.

use std::collections::HashMap;

use crate::lang::ast::{Expr, ExprKind};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::fields::Checker;
use crate::lang::messages::{describe, example, forms_list, level_help, range_help};
use crate::lang::span::Span;
use crate::lang::suggest::did_you_mean;
use crate::spec::field::{FieldSpec, Ty};
use crate::spec::{DeclKind, Val};
use crate::util::normalize;

impl Checker<'_> {
    fn mismatch(&mut self, e: &Expr, ty: &Ty, field: &str) -> Option<Val> {
        self.error(
            Diagnostic::error(
                "E011",
                e.span,
                format!(
                    "`{field}` expects {}, found {}",
                    describe(ty),
                    e.kind.describe()
                ),
            )
            .label(format!("expected {}", describe(ty)))
            .help(example(ty, field)),
        );
        None
    }

    /// Checks one expression against a type.
    pub fn value(&mut self, e: &Expr, ty: &Ty, field: &str) -> Option<Val> {
        let v = self.typed_value(e, ty, field)?;
        let number = match v {
            Val::Int(i) => Some(i as f64),
            Val::Float(x) => Some(x),
            _ => None,
        };
        if let Some((usual, message)) = number.and_then(|x| crate::spec::usual::unusual(field, x)) {
            self.error(
                Diagnostic::warning("W004", e.span, message)
                    .label("unusual value")
                    .help(format!("{}; check the value", usual.why)),
            );
        }
        Some(v)
    }

    fn typed_value(&mut self, e: &Expr, ty: &Ty, field: &str) -> Option<Val> {
        if let ExprKind::Paren(inner) = &e.kind
            && !matches!(ty, Ty::Reward(_))
        {
            return self.value(inner, ty, field);
        }
        match (ty, &e.kind) {
            (
                Ty::Int { min },
                ExprKind::Num {
                    value,
                    integer: true,
                    ..
                },
            ) => {
                if !value.is_finite() || value.abs() > 9.0e15 {
                    return self.out_of_range(e, field, "is too large".into());
                }
                let v = *value as i64;
                if v < *min {
                    return self.out_of_range(
                        e,
                        field,
                        format!("must be at least {min}, found {v}"),
                    );
                }
                Some(Val::Int(v))
            }
            (
                Ty::Float {
                    min,
                    open_min,
                    max,
                    open_max,
                },
                ExprKind::Num { value, .. },
            ) => {
                let v = *value;
                if !v.is_finite() {
                    return self.out_of_range(e, field, "is not a finite number".into());
                }
                let low_bad = if *open_min { v <= *min } else { v < *min };
                let high_bad = max.is_some_and(|m| if *open_max { v >= m } else { v > m });
                if low_bad || high_bad {
                    let lo = if *open_min {
                        format!("{min} < {field}")
                    } else {
                        format!("{min} <= {field}")
                    };
                    let bound = match max {
                        Some(m) if *open_max => format!("{lo} < {m}"),
                        Some(m) => format!("{lo} <= {m}"),
                        None => lo,
                    };
                    return self.out_of_range(e, field, format!("must satisfy {bound}, found {v}"));
                }
                Some(Val::Float(v))
            }
            (Ty::Str, ExprKind::Str(s)) => Some(Val::Str(s.clone())),
            (Ty::EnvName, ExprKind::Str(s)) => {
                let valid = !s.is_empty()
                    && s.chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    let looks_like_key = s.starts_with("sk-") || s.len() > 40;
                    self.error(
                        Diagnostic::error("E030", e.span, format!("`{field}` must be the NAME of an environment variable"))
                            .label(if looks_like_key { "this looks like a key itself" } else { "not a variable name" })
                            .help("write the variable's name, e.g. `api_key_env: \"OPENAI_API_KEY\"`, and export the key in your shell; never put a key in a file"),
                    );
                    return None;
                }
                Some(Val::Str(s.clone()))
            }
            (Ty::Path, ExprKind::Str(s)) => {
                if s.is_empty() || std::path::Path::new(s).is_absolute() {
                    self.error(
                        Diagnostic::error("E029", e.span, format!("`{field}` must be a relative path, found `{s}`"))
                            .label("not a relative path")
                            .help("write the path relative to this file, so plans do not depend on where the checkout is"),
                    );
                    return None;
                }
                let rel_dir = &self.loaded.sources.get(e.span.file).rel_dir;
                Some(Val::Path(normalize(&rel_dir.join(s))))
            }
            (Ty::Bool, ExprKind::Bool(b)) => Some(Val::Bool(*b)),
            (Ty::Sym(opts), ExprKind::Name(n) | ExprKind::Str(n)) => {
                self.symbol(n, opts, e.span, field)
            }
            (Ty::SymOrInt { syms, .. }, ExprKind::Name(n) | ExprKind::Str(n)) => {
                self.symbol(n, syms, e.span, field)
            }
            (Ty::SymOrInt { min, .. }, ExprKind::Num { .. }) => {
                self.typed_value(e, &Ty::Int { min: *min }, field)
            }
            (Ty::SymList(opts), ExprKind::List(items)) => {
                let mut out = Vec::new();
                let mut ok = true;
                for it in items {
                    match &it.kind {
                        ExprKind::Name(n) | ExprKind::Str(n) => {
                            match self.symbol(n, opts, it.span, field) {
                                Some(v) => out.push(v),
                                None => ok = false,
                            }
                        }
                        _ => {
                            ok = false;
                            self.mismatch(it, &Ty::Sym(opts), field);
                        }
                    }
                }
                if ok && out.is_empty() {
                    return self.out_of_range(e, field, "must not be empty".into());
                }
                ok.then_some(Val::List(out))
            }
            (Ty::SymList(opts), ExprKind::Name(n)) => self
                .symbol(n, opts, e.span, field)
                .map(|v| Val::List(vec![v])),
            (Ty::StrList, ExprKind::List(items)) => {
                let mut out = Vec::new();
                let mut ok = true;
                for it in items {
                    match &it.kind {
                        ExprKind::Str(s) => out.push(Val::Str(s.clone())),
                        _ => {
                            ok = false;
                            self.mismatch(it, &Ty::Str, field);
                        }
                    }
                }
                ok.then_some(Val::List(out))
            }
            (Ty::IntList { min }, ExprKind::List(items)) => {
                let mut out = Vec::new();
                let mut ok = true;
                for it in items {
                    match self.typed_value(it, &Ty::Int { min: *min }, field) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                if ok && out.is_empty() {
                    return self.out_of_range(e, field, "must not be empty".into());
                }
                ok.then_some(Val::List(out))
            }
            (Ty::Range, ExprKind::Range { lo, hi, .. }) => {
                if lo >= hi || !lo.is_finite() || !hi.is_finite() {
                    return self.out_of_range(
                        e,
                        field,
                        format!("must go from low to high, found {lo}..{hi}"),
                    );
                }
                Some(Val::Range(*lo, *hi))
            }
            (Ty::Ref(kind), ExprKind::Name(n)) => self.reference(n, *kind, e.span),
            (Ty::RefList(kind), ExprKind::Name(n)) => {
                self.reference(n, *kind, e.span).map(|v| Val::List(vec![v]))
            }
            (Ty::RefList(kind), ExprKind::List(items)) => {
                let mut out = Vec::new();
                let mut ok = true;
                let mut seen: HashMap<&str, Span> = HashMap::new();
                for it in items {
                    match &it.kind {
                        ExprKind::Name(n) => {
                            if let Some(first) = seen.get(n.as_str()) {
                                let first = *first;
                                self.error(
                                    Diagnostic::error(
                                        "E005",
                                        it.span,
                                        format!("`{n}` is listed twice in `{field}`"),
                                    )
                                    .label("listed again")
                                    .note(first, "first listed here")
                                    .help("list each name once"),
                                );
                                ok = false;
                                continue;
                            }
                            seen.insert(n, it.span);
                            match self.reference(n, *kind, it.span) {
                                Some(v) => out.push(v),
                                None => ok = false,
                            }
                        }
                        _ => {
                            ok = false;
                            self.mismatch(it, &Ty::Ref(*kind), field);
                        }
                    }
                }
                ok.then_some(Val::List(out))
            }
            (Ty::Reward(level), ExprKind::Name(n)) => {
                let v = self.reference(n, DeclKind::Reward, e.span)?;
                if let Some(actual) = self.decls.rewards.get(n).map(|r| r.level)
                    && actual != *level
                {
                    self.error(
                        Diagnostic::error(
                            "E013",
                            e.span,
                            format!(
                                "`{field}` needs {} reward, but `{n}` is {}-level",
                                crate::lang::messages::with_article(&format!(
                                    "{}-level",
                                    level.as_str()
                                )),
                                actual.as_str()
                            ),
                        )
                        .label(format!("{}-level reward", actual.as_str()))
                        .help(level_help(*level)),
                    );
                    return None;
                }
                Some(v)
            }
            (Ty::Reward(level), _) => self.reward(e, Some(*level)).map(Val::Reward),
            (Ty::Object(schema), ExprKind::Object(fields)) => self
                .fields(fields, schema, e.span, &format!("`{field}`"))
                .map(Val::Obj),
            (Ty::ObjList(schema), ExprKind::List(items)) => {
                let mut out = Vec::new();
                let mut ok = true;
                for it in items {
                    match self.value(it, &Ty::Object(schema), field) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(Val::List(out))
            }
            (Ty::StrMap, ExprKind::Object(fields)) => {
                let mut out: Vec<(String, String)> = Vec::new();
                let mut ok = true;
                for f in fields {
                    if out.iter().any(|(k, _)| *k == f.key.node) {
                        ok = false;
                        self.error(
                            Diagnostic::error(
                                "E009",
                                f.key.span,
                                format!("`{}` is given twice in `{field}`", f.key.node),
                            )
                            .label("given again")
                            .help("keep one of them"),
                        );
                        continue;
                    }
                    match &f.value.kind {
                        ExprKind::Str(s) => out.push((f.key.node.clone(), s.clone())),
                        _ => {
                            ok = false;
                            self.mismatch(&f.value, &Ty::Str, &f.key.node);
                        }
                    }
                }
                if ok && out.is_empty() {
                    return self.out_of_range(e, field, "needs at least one entry".into());
                }
                ok.then_some(Val::StrMap(out))
            }
            (Ty::Variant(forms), ExprKind::Call { name, args }) => {
                match forms.iter().find(|(n, _)| *n == name.node) {
                    Some((form, schema)) => self
                        .args(args, schema, e.span, &format!("`{form}(...)`"))
                        .map(|f| Val::Call(form, f)),
                    None => self.unknown_form(&name.node, forms, name.span, field),
                }
            }
            (Ty::Variant(forms), ExprKind::Name(n)) => {
                match forms.iter().find(|(f, _)| *f == n.as_str()) {
                    Some((form, schema)) => self
                        .args(&[], schema, e.span, &format!("`{form}(...)`"))
                        .map(|f| Val::Call(form, f)),
                    None => self.unknown_form(n, forms, e.span, field),
                }
            }
            _ => self.mismatch(e, ty, field),
        }
    }

    fn unknown_form(
        &mut self,
        n: &str,
        forms: &[(&'static str, &'static [FieldSpec])],
        span: Span,
        field: &str,
    ) -> Option<Val> {
        let names: Vec<&str> = forms.iter().map(|(n, _)| *n).collect();
        let mut d = Diagnostic::error("E022", span, format!("unknown `{field}` kind `{n}`"))
            .label("unknown kind");
        d = match did_you_mean(n, &names) {
            Some(s) => d.help(format!(
                "did you mean `{s}(...)`? `{field}` is one of {}",
                forms_list(&names)
            )),
            None => d.help(format!("`{field}` is one of {}", forms_list(&names))),
        };
        self.error(d);
        None
    }

    fn symbol(&mut self, n: &str, opts: &[&str], span: Span, field: &str) -> Option<Val> {
        if opts.contains(&n) {
            return Some(Val::Sym(n.to_string()));
        }
        let mut d = Diagnostic::error(
            "E022",
            span,
            format!("`{n}` is not a valid value for `{field}`"),
        )
        .label("unknown value");
        d = match did_you_mean(n, opts) {
            Some(s) => d.help(format!(
                "did you mean `{s}`? `{field}` takes one of: {}",
                opts.join(", ")
            )),
            None => d.help(format!("`{field}` takes one of: {}", opts.join(", "))),
        };
        self.error(d);
        None
    }

    fn out_of_range(&mut self, e: &Expr, field: &str, what: String) -> Option<Val> {
        self.error(
            Diagnostic::error("E012", e.span, format!("`{field}` {what}"))
                .label("out of range")
                .help(range_help(field)),
        );
        None
    }
}
