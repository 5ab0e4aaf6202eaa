//! The table-driven part of the checker: a block's fields against a [`FieldSpec`] table,
//! an expression against a [`Ty`], references against the declared names.

use std::collections::{HashMap, HashSet};

use crate::lang::ast::{Arg, Expr, ExprKind, Field};
use crate::lang::diagnostic::{Diagnostic, Diagnostics};
use crate::lang::ir::Decls;
use crate::lang::load::Loaded;
use crate::lang::schema::{FieldSpec, Preset, Ty};
use crate::lang::source::normalize;
use crate::lang::span::{Span, Spanned};
use crate::lang::suggest::did_you_mean;
use crate::lang::value::{DeclKind, Fields, Val};
use crate::plan::params::Level;

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
                let v = self.reference(n, crate::lang::value::DeclKind::Reward, e.span)?;
                if let Some(actual) = self.decls.rewards.get(n).map(|r| r.level)
                    && actual != *level
                {
                    self.error(
                        Diagnostic::error(
                            "E013",
                            e.span,
                            format!(
                                "`{field}` needs a {}-level reward, but `{n}` is {}-level",
                                level.as_str(),
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

/// "name, description and traits"
pub fn accepted(schema: &[FieldSpec]) -> String {
    if schema.is_empty() {
        return "no fields".into();
    }
    let names: Vec<String> = schema.iter().map(|s| format!("`{}`", s.name)).collect();
    names.join(", ")
}

fn forms_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}(...)`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A type in words.
pub fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Int { .. } => "an integer".into(),
        Ty::Float { .. } => "a number".into(),
        Ty::Str => "a string".into(),
        Ty::EnvName => "the name of an environment variable, as a string".into(),
        Ty::Path => "a relative path string".into(),
        Ty::Bool => "`true` or `false`".into(),
        Ty::Sym(o) => format!("one of {}", o.join(", ")),
        Ty::SymList(o) => format!("a list of {}", o.join(", ")),
        Ty::StrList => "a list of strings".into(),
        Ty::Range => "a range like `1..5`".into(),
        Ty::Ref(k) => format!("the name of a {}", k.keyword()),
        Ty::RefList(k) => format!("a list of {} names", k.keyword()),
        Ty::Reward(l) => format!("a {}-level reward expression or reward name", l.as_str()),
        Ty::Object(_) => "an object `{ field: value }`".into(),
        Ty::ObjList(_) => "a list of objects".into(),
        Ty::StrMap => "an object of `name: \"description\"` entries".into(),
        Ty::Variant(forms) => {
            let names: Vec<&str> = forms.iter().map(|(n, _)| *n).collect();
            format!("one of {}", forms_list(&names))
        }
    }
}

fn example(ty: &Ty, field: &str) -> String {
    match ty {
        Ty::Int { min } => format!("write a whole number, e.g. `{field}: {}`", (*min).max(1)),
        Ty::Float { .. } => format!("write a number, e.g. `{field}: 0.5`"),
        Ty::Str | Ty::Path => format!("quote it: `{field}: \"...\"`"),
        Ty::Ref(k) => format!(
            "write the bare name of a {} declaration (no quotes)",
            k.keyword()
        ),
        Ty::RefList(k) => format!("write `[a, b]` with names of {} declarations", k.keyword()),
        Ty::Sym(o) | Ty::SymList(o) => format!("write one of: {}", o.join(", ")),
        Ty::StrList => format!("write a list of strings: `{field}: [\"...\", \"...\"]`"),
        _ => format!("`{field}` expects {}", describe(ty)),
    }
}

pub fn level_help(level: Level) -> String {
    match level {
        Level::Agent => "agent-level rewards score one response: they sum rm(<model>) and format(...) terms".into(),
        Level::Group => "group-level rewards score a whole conversation: they sum coherence(<judge>) and diverse() terms".into(),
    }
}

fn range_help(field: &str) -> String {
    match field {
        "k" => "K is the number of candidates per context; preference pairs need at least 2".into(),
        "vocab" => "the built-in byte-level tokenizer has 256 bytes plus 3 special tokens: vocab must be at least 259".into(),
        "delta" => "delta is the score margin a preference pair must reach (0 <= delta; the paper uses 0.5)".into(),
        "lr" => "the learning rate must be positive (0 < lr), e.g. 1e-5".into(),
        "group" => "GRPO compares a group of samples: the group size must be at least 2".into(),
        "top_p" => "nucleus sampling keeps probability mass in (0, 1]".into(),
        "dropout" => "LoRA dropout is a probability in [0, 1)".into(),
        _ => format!("choose a value of `{field}` inside the allowed range"),
    }
}
