//! The table-driven part of the checker: a block's fields (or a call's arguments) against a
//! [`FieldSpec`] table, with defaults filled in, and references against the declared names.
//! One value against its type is [`crate::lang::types`]; the wording of messages is
//! [`crate::lang::messages`].

use std::collections::{HashMap, HashSet};

use crate::lang::ast::{Arg, Expr, Field};
use crate::lang::diagnostic::{Diagnostic, Diagnostics};
use crate::lang::load::Loaded;
use crate::lang::messages::{accepted, describe};
use crate::lang::span::{Span, Spanned};
use crate::lang::suggest::did_you_mean;
use crate::spec::field::{FieldSpec, Preset};
use crate::spec::{DeclKind, Decls, Fields, LowerError, Val};

/// State shared by the checking passes.
pub struct Checker<'a> {
    pub loaded: &'a Loaded,
    /// Every declared name: its kind and the span of its name.
    pub names: HashMap<String, (DeclKind, Span)>,
    pub used: HashSet<String>,
    pub decls: Decls,
    pub diags: Diagnostics,
}

impl<'a> Checker<'a> {
    pub fn new(loaded: &'a Loaded) -> Self {
        Checker {
            loaded,
            names: HashMap::new(),
            used: HashSet::new(),
            decls: Decls::default(),
            diags: Diagnostics::default(),
        }
    }

    pub fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// A table and the code reading it disagree (`E099`): reported, never papered over. A
    /// reference to a declaration that failed its own check is not reported again.
    pub fn internal(&mut self, span: Span, what: &str, e: LowerError) {
        if matches!(e, LowerError::Unresolved { .. }) {
            return;
        }
        self.error(
            Diagnostic::error("E099", span, format!("internal error in {what}: {e}"))
                .label("here")
                .help("this is a bug in mascot's field tables; please report it with this file"),
        );
    }

    /// Source text of a span (for messages).
    pub fn text(&self, span: Span) -> String {
        let t = &self.loaded.sources.get(span.file).text;
        let s = t.get(span.start..span.end).unwrap_or("");
        let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.chars().count() > 60 {
            format!("{}...", s.chars().take(57).collect::<String>())
        } else {
            s
        }
    }

    /// Checks a block's fields against a table; fills defaults. `None` when any field
    /// was wrong (every problem is reported).
    pub fn fields(
        &mut self,
        fields: &[Field],
        schema: &'static [FieldSpec],
        whole: Span,
        what: &str,
    ) -> Option<Fields> {
        let items: Vec<(Option<&Spanned<String>>, &Expr, Span)> = fields
            .iter()
            .map(|f| (Some(&f.key), &f.value, f.span))
            .collect();
        self.check_items(&items, schema, whole, what)
    }

    /// Checks call arguments: positional ones fill the fields in table order.
    pub fn args(
        &mut self,
        args: &[Arg],
        schema: &'static [FieldSpec],
        whole: Span,
        what: &str,
    ) -> Option<Fields> {
        let mut items = Vec::new();
        let mut named_seen = false;
        for (i, a) in args.iter().enumerate() {
            match &a.name {
                Some(n) => {
                    named_seen = true;
                    items.push((Some(n), &a.value, n.span.to(a.value.span)));
                }
                None if named_seen => {
                    self.error(
                        Diagnostic::error(
                            "E011",
                            a.value.span,
                            format!("positional argument after named ones in {what}"),
                        )
                        .label("positional argument")
                        .help("write positional arguments first, or name this one (`name: value`)"),
                    );
                    return None;
                }
                None => match schema.get(i) {
                    Some(_) => items.push((None, &a.value, a.value.span)),
                    None => {
                        self.error(
                            Diagnostic::error(
                                "E011",
                                a.value.span,
                                format!("too many arguments for {what}"),
                            )
                            .label("unexpected argument")
                            .help(format!("{what} takes {}", accepted(schema))),
                        );
                        return None;
                    }
                },
            }
        }
        self.check_items(&items, schema, whole, what)
    }

    fn check_items(
        &mut self,
        items: &[(Option<&Spanned<String>>, &Expr, Span)],
        schema: &'static [FieldSpec],
        whole: Span,
        what: &str,
    ) -> Option<Fields> {
        let mut out = Fields::new();
        let mut present: HashMap<&'static str, Span> = HashMap::new();
        let mut suggested: HashSet<&'static str> = HashSet::new();
        let mut ok = true;
        for (i, (key, value, span)) in items.iter().enumerate() {
            let spec = match key {
                Some(k) => match schema.iter().find(|s| s.name == k.node) {
                    Some(s) => s,
                    None => {
                        ok = false;
                        let names: Vec<&str> = schema.iter().map(|s| s.name).collect();
                        let mut d = Diagnostic::error(
                            "E008",
                            k.span,
                            format!("unknown field `{}` in {what}", k.node),
                        )
                        .label("unknown field");
                        d = match did_you_mean(&k.node, &names) {
                            Some(s) => {
                                // The likely intended field is not also reported missing.
                                if let Some(spec) = schema.iter().find(|x| x.name == s) {
                                    suggested.insert(spec.name);
                                }
                                d.help(format!("did you mean `{s}`?"))
                            }
                            None => d.help(format!("{what} accepts {}", accepted(schema))),
                        };
                        self.error(d);
                        continue;
                    }
                },
                None => &schema[i],
            };
            if let Some(first) = present.get(spec.name) {
                ok = false;
                let first = *first;
                self.error(
                    Diagnostic::error(
                        "E009",
                        *span,
                        format!("field `{}` is given twice in {what}", spec.name),
                    )
                    .label("second value")
                    .note(first, "first value")
                    .help("keep one of them"),
                );
                continue;
            }
            present.insert(spec.name, *span);
            match self.value(value, &spec.ty, spec.name) {
                Some(v) => {
                    out.insert(spec.name, v);
                }
                None => ok = false,
            }
        }
        for spec in schema {
            if present.contains_key(spec.name) || suggested.contains(spec.name) {
                continue;
            }
            let v = match spec.default {
                Preset::Required => {
                    ok = false;
                    self.error(
                        Diagnostic::error(
                            "E010",
                            whole,
                            format!("missing field `{}` in {what}", spec.name),
                        )
                        .label(format!("needs `{}`", spec.name))
                        .help(format!(
                            "add `{}: <{}>`",
                            spec.name,
                            describe(&spec.ty)
                        )),
                    );
                    continue;
                }
                Preset::Optional => continue,
                Preset::Int(i) => Val::Int(i),
                Preset::Float(x) => Val::Float(x),
                Preset::Str(s) => Val::Str(s.into()),
                Preset::Bool(b) => Val::Bool(b),
                Preset::Sym(s) => Val::Sym(s.into()),
                Preset::Syms(s) => Val::List(s.iter().map(|x| Val::Sym((*x).into())).collect()),
                Preset::Range(a, b) => Val::Range(a, b),
                Preset::EmptyList => Val::List(vec![]),
            };
            out.insert(spec.name, v);
        }
        ok.then_some(out)
    }

    /// Resolves a name to a declaration of `kind`; marks it used.
    pub fn reference(&mut self, n: &str, kind: DeclKind, span: Span) -> Option<Val> {
        match self.names.get(n).copied() {
            Some((k, _)) if k == kind => {
                self.used.insert(n.to_string());
                Some(Val::Ref(kind, n.to_string()))
            }
            Some((k, decl_span)) => {
                self.used.insert(n.to_string());
                self.error(
                    Diagnostic::error(
                        "E007",
                        span,
                        format!(
                            "`{n}` is a {}, but a {} is expected here",
                            k.keyword(),
                            kind.keyword()
                        ),
                    )
                    .label(format!("a {}", k.keyword()))
                    .note(decl_span, format!("declared as a {} here", k.keyword()))
                    .help(format!("name a `{}` declaration here", kind.keyword())),
                );
                None
            }
            None => {
                let same_kind: Vec<&str> = self
                    .names
                    .iter()
                    .filter(|(_, (k, _))| *k == kind)
                    .map(|(n, _)| n.as_str())
                    .collect();
                let mut d =
                    Diagnostic::error("E006", span, format!("unknown {} `{n}`", kind.keyword()))
                        .label(format!("no {} has this name", kind.keyword()));
                d = match did_you_mean(n, &same_kind) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!(
                        "declare it (`{} {n} {{ ... }}`) or import the file that does",
                        kind.keyword()
                    )),
                };
                self.error(d);
                None
            }
        }
    }
}
