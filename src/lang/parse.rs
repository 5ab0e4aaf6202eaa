//! Parse pass: source text -> [`Ast`]. Syntax errors become diagnostics (`E002`) whose
//! message uses the human names of grammar rules.

use pest::Parser;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use crate::lang::ast::*;
use crate::lang::diagnostic::{Diagnostic, Diagnostics};
use crate::lang::grammar::{MascotParser, Rule, rule_name};
use crate::lang::scan::{content_len, nested_beyond, open_brackets};
use crate::lang::span::{FileId, Span, Spanned};

/// Parses one file. A file with a syntax error yields that error only (pest stops at the
/// first one).
pub fn parse(source: &str, file: FileId) -> Result<Ast, Diagnostics> {
    if let Some(d) = too_deep(source, file) {
        return Err(Diagnostics(vec![d]));
    }
    match MascotParser::parse(Rule::file, source) {
        Ok(mut pairs) => {
            let file_pair = pairs.next().expect("the file rule always yields one pair");
            let items = file_pair
                .into_inner()
                .filter(|p| p.as_rule() != Rule::EOI)
                .map(|p| item(p, file))
                .collect();
            Ok(Ast { file, items })
        }
        Err(e) => Err(Diagnostics(vec![syntax_error(e, source, file)])),
    }
}

/// Parses a command-line override, `set stage.field = value` (the file holds exactly that
/// text): the same syntax as a variant's `set`. The error is boxed (a `Diagnostic` is large).
pub fn parse_override(source: &str, file: FileId) -> Result<VariantOp, Box<Diagnostic>> {
    if let Some(d) = too_deep(source, file) {
        return Err(Box::new(d));
    }
    let whole = MascotParser::parse(Rule::set_op, source)
        .map_err(|e| Box::new(syntax_error(e, source, file)))
        .and_then(|mut pairs| {
            let op = pairs.next().expect("the set rule always yields one pair");
            let end = op.as_span().end();
            if source[end..].trim().is_empty() {
                Ok(op)
            } else {
                Err(Box::new(
                    Diagnostic::error(
                        "E002",
                        Span::new(file, end, source.len()),
                        "unexpected text after the value",
                    )
                    .label("not part of the value")
                    .help("give one `stage.field=value` per --set; quote strings: --set 'report.title=\"X\"'"),
                ))
            }
        })?;
    let span = span_of(&whole, file);
    let mut s = whole.into_inner();
    let path = field_path(s.next().expect("path"), file);
    let value = expr(s.next().expect("value"), file);
    Ok(VariantOp::Set { path, value, span })
}

fn syntax_error(e: pest::error::Error<Rule>, source: &str, file: FileId) -> Diagnostic {
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let found = found_at(source, start);
    let (message, label) = match &e.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            // An operator could always continue the previous value; mention it only when
            // nothing else fits.
            let structural: Vec<Rule> = positives
                .iter()
                .copied()
                .filter(|r| !matches!(r, Rule::add_op | Rule::mul_op))
                .collect();
            let value_complete = structural.is_empty() && !positives.is_empty();
            if value_complete && let Some(close) = unclosed_bracket(source, start) {
                // Only an operator could continue here, so the value before is complete: what
                // is missing is the separator or the bracket that closes the enclosing item
                // (pest does not report punctuation among its expectations).
                let message = format!(
                    "syntax error: expected `,` or `{close}` after this value, found {found}"
                );
                let label = format!("expected `,` or `{close}` here");
                let d = Diagnostic::error("E002", Span::new(file, start, end.max(start)), message)
                    .label(label)
                    .help(format!(
                        "close the list, call or block with `{close}`, or separate items with `,`"
                    ));
                return d;
            }
            let positives = if structural.is_empty() {
                positives.clone()
            } else {
                structural
            };
            let top_level = positives
                .iter()
                .any(|r| matches!(r, Rule::decl_keyword | Rule::import | Rule::experiment));
            let expected = if top_level {
                "a top-level item (import, experiment, persona, rubric, model, judge, dataset, users, reward, executor, pipeline, variant or sweep)".to_string()
            } else {
                phrase_list(&positives)
            };
            let unexpected = phrase_list(negatives);
            let mut m = String::from("syntax error");
            if !expected.is_empty() {
                m = format!("syntax error: expected {expected}, found {found}");
            } else if !unexpected.is_empty() {
                m = format!("syntax error: unexpected {unexpected}");
            }
            let label = if expected.is_empty() {
                "unexpected here".into()
            } else {
                format!("expected {expected}")
            };
            (m, label)
        }
        ErrorVariant::CustomError { message } => {
            (format!("syntax error: {message}"), message.clone())
        }
    };
    let mut d =
        Diagnostic::error("E002", Span::new(file, start, end.max(start)), message).label(label);
    d = d.help(syntax_help(source, start));
    d
}

/// The bracket that closes the innermost `(`, `[` or `{` still open before `pos`.
fn unclosed_bracket(source: &str, pos: usize) -> Option<char> {
    let (open, _) = *open_brackets(&source[..pos.min(source.len())]).last()?;
    Some(match open {
        b'(' => ')',
        b'[' => ']',
        _ => '}',
    })
}

fn phrase_list(rules: &[Rule]) -> String {
    let mut names: Vec<&str> = rules.iter().map(rule_name).collect();
    names.dedup();
    let mut uniq: Vec<&str> = Vec::new();
    for n in names {
        if !uniq.contains(&n) {
            uniq.push(n);
        }
    }
    match uniq.len() {
        0 => String::new(),
        1 => uniq[0].to_string(),
        _ => {
            let last = uniq.pop().unwrap_or_default();
            format!("{} or {}", uniq.join(", "), last)
        }
    }
}

fn found_at(source: &str, pos: usize) -> String {
    match source.get(pos..).and_then(|s| s.chars().next()) {
        None => "end of file".into(),
        Some(c) if c.is_whitespace() => "whitespace".into(),
        Some(c) => format!("`{c}`"),
    }
}

const TOP_LEVEL: &[&str] = &[
    "import",
    "experiment",
    "persona",
    "rubric",
    "model",
    "judge",
    "dataset",
    "users",
    "reward",
    "executor",
    "pipeline",
    "variant",
    "sweep",
];

/// Deepest bracket nesting accepted; parsing, checking and formatting recurse on it.
pub const MAX_NESTING: usize = 64;

/// Rejects absurd nesting before the recursive-descent parser sees it.
fn too_deep(source: &str, file: FileId) -> Option<Diagnostic> {
    let at = nested_beyond(source, MAX_NESTING)?;
    Some(
        Diagnostic::error(
            "E002",
            Span::new(file, at, at + 1),
            format!("brackets nest deeper than {MAX_NESTING} levels"),
        )
        .label("too deep")
        .help("flatten the value; no construct of the language needs this much nesting"),
    )
}

/// A help line for the most common syntax mistakes.
fn syntax_help(source: &str, pos: usize) -> String {
    let pos = pos.min(source.len());
    let rest = &source[pos..];
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let after_word = rest[word.len()..].trim_start();
    if rest.starts_with('"') {
        return "this string is not closed: end it with `\"` on the same line (write `\\n` for a line break)".into();
    }
    if !word.is_empty() && after_word.starts_with('=') {
        return format!("fields are written with a colon: `{word}: ...`");
    }
    // `reward r: ...` fails at `reward` itself (no item starts `reward NAME :`).
    let declared: String = after_word
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let after_declared = after_word[declared.len()..].trim_start();
    let reward_name = match reward_before(&source[..pos]) {
        _ if word == "reward"
            && !declared.is_empty()
            && (after_declared.starts_with(':') || after_declared.starts_with('{')) =>
        {
            Some(declared.as_str())
        }
        Some(name) if rest.starts_with(':') || rest.starts_with('{') => Some(name),
        _ if source[..pos].trim_end().ends_with("reward")
            && !word.is_empty()
            && (after_word.starts_with(':') || after_word.starts_with('{')) =>
        {
            Some(word.as_str())
        }
        _ => None,
    };
    if let Some(name) = reward_name {
        return format!(
            "a reward is declared with `=` and an expression: `reward {name} = rm(<model>) + 0.5 * format(...)`"
        );
    }
    if let Some(line) = unclosed_brace(&source[..pos])
        && (TOP_LEVEL.contains(&word.as_str()) || pos == source.len())
    {
        return format!(
            "the `{{` opened on line {line} is not closed: add the missing `}}` before this point"
        );
    }
    if !word.is_empty()
        && !TOP_LEVEL.contains(&word.as_str())
        && let Some(k) = crate::lang::suggest::did_you_mean(&word, TOP_LEVEL)
    {
        return format!("did you mean `{k}`?");
    }
    "see the language tour in grammar/TOUR.md for the shape of each item".into()
}

/// The name in `reward NAME` when `text` ends with it (a reward declared like a field).
fn reward_before(text: &str) -> Option<&str> {
    let mut words = text.split_whitespace().rev();
    let name = words.next()?;
    let valid = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (valid && words.next() == Some("reward")).then_some(name)
}

/// Line of the innermost `{` still open at the end of `text`.
fn unclosed_brace(text: &str) -> Option<usize> {
    open_brackets(text)
        .iter()
        .rev()
        .find(|(open, _)| *open == b'{')
        .map(|(_, line)| *line)
}

/// The pair's span without the whitespace and comments pest's implicit skipping leaves at
/// its end (a rule ending in a repetition swallows them).
fn span_of(p: &Pair<Rule>, file: FileId) -> Span {
    let s = p.as_span();
    Span::new(file, s.start(), s.start() + content_len(p.as_str()))
}

fn spanned_str(p: &Pair<Rule>, file: FileId) -> Spanned<String> {
    Spanned::new(p.as_str().to_string(), span_of(p, file))
}

fn string_lit(p: Pair<Rule>, file: FileId) -> Spanned<String> {
    let span = span_of(&p, file);
    let inner = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
    Spanned::new(unescape(inner), span)
}

/// Unescapes `\"`, `\\`, `\n`, `\t` (the grammar admits no other escape).
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn item(p: Pair<Rule>, file: FileId) -> Item {
    let span = span_of(&p, file);
    let rule = p.as_rule();
    let mut inner = p.into_inner();
    let mut next = || inner.next().expect("grammar guarantees the child");
    match rule {
        Rule::import => Item::Import {
            path: string_lit(next(), file),
            span,
        },
        Rule::experiment => {
            let title = string_lit(next(), file);
            Item::Experiment {
                title,
                body: block(next(), file),
                span,
            }
        }
        Rule::decl => {
            let keyword = spanned_str(&next(), file);
            let name = spanned_str(&next(), file);
            Item::Decl {
                keyword,
                name,
                body: block(next(), file),
                span,
            }
        }
        Rule::reward_decl => {
            let name = spanned_str(&next(), file);
            Item::Reward {
                name,
                expr: expr(next(), file),
                span,
            }
        }
        Rule::pipeline => {
            let entries = inner
                .map(|e| match e.as_rule() {
                    Rule::field => PipelineEntry::Setting(field(e, file)),
                    _ => {
                        let span = span_of(&e, file);
                        let mut s = e.into_inner();
                        let name = spanned_str(&s.next().expect("stage name"), file);
                        let body = block(s.next().expect("stage block"), file);
                        PipelineEntry::Stage { name, body, span }
                    }
                })
                .collect();
            Item::Pipeline { entries, span }
        }
        Rule::variant => {
            let name = string_lit(next(), file);
            let ops = inner
                .map(|op| {
                    let span = span_of(&op, file);
                    match op.as_rule() {
                        Rule::remove_op => VariantOp::Remove {
                            stage: spanned_str(&op.into_inner().next().expect("stage"), file),
                            span,
                        },
                        _ => {
                            let mut s = op.into_inner();
                            let path = field_path(s.next().expect("path"), file);
                            VariantOp::Set {
                                path,
                                value: expr(s.next().expect("value"), file),
                                span,
                            }
                        }
                    }
                })
                .collect();
            Item::Variant { name, ops, span }
        }
        Rule::sweep => {
            let name = string_lit(next(), file);
            let mut on = Vec::new();
            let mut axes = Vec::new();
            for p in inner {
                match p.as_rule() {
                    Rule::sweep_on => on.extend(p.into_inner().map(|s| string_lit(s, file))),
                    _ => {
                        let span = span_of(&p, file);
                        let mut a = p.into_inner();
                        let path = field_path(a.next().expect("path"), file);
                        let values = atom(a.next().expect("values"), file);
                        axes.push(SweepAxis { path, values, span });
                    }
                }
            }
            Item::Sweep {
                name,
                on,
                axes,
                span,
            }
        }
        other => unreachable!("not an item rule: {other:?}"),
    }
}

fn field_path(p: Pair<Rule>, file: FileId) -> FieldPath {
    let span = span_of(&p, file);
    let parts: Vec<Spanned<String>> = p.into_inner().map(|i| spanned_str(&i, file)).collect();
    match parts.len() {
        1 => FieldPath {
            stage: None,
            field: parts[0].clone(),
            span,
        },
        _ => FieldPath {
            stage: Some(parts[0].clone()),
            field: parts[1].clone(),
            span,
        },
    }
}

fn block(p: Pair<Rule>, file: FileId) -> Block {
    let span = span_of(&p, file);
    Block {
        fields: p.into_inner().map(|f| field(f, file)).collect(),
        span,
    }
}

fn field(p: Pair<Rule>, file: FileId) -> Field {
    let span = span_of(&p, file);
    let mut inner = p.into_inner();
    let key = spanned_str(&inner.next().expect("key"), file);
    let value = expr(inner.next().expect("value"), file);
    Field { key, value, span }
}

fn expr(p: Pair<Rule>, file: FileId) -> Expr {
    // expr = term (add_op term)* ; term = atom (mul_op atom)*
    let mut inner = p.into_inner();
    let first = inner.next().expect("term");
    let mut lhs = if first.as_rule() == Rule::term {
        term(first, file)
    } else {
        atom(first, file)
    };
    while let Some(op) = inner.next() {
        let op = if op.as_str() == "+" {
            BinOp::Add
        } else {
            BinOp::Sub
        };
        let rhs = term(inner.next().expect("rhs"), file);
        let span = lhs.span.to(rhs.span);
        lhs = Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        };
    }
    lhs
}

fn term(p: Pair<Rule>, file: FileId) -> Expr {
    let mut inner = p.into_inner();
    let mut lhs = atom(inner.next().expect("atom"), file);
    while inner.next().is_some() {
        let rhs = atom(inner.next().expect("rhs"), file);
        let span = lhs.span.to(rhs.span);
        lhs = Expr {
            kind: ExprKind::Binary {
                op: BinOp::Mul,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
        };
    }
    lhs
}

fn atom(p: Pair<Rule>, file: FileId) -> Expr {
    let span = span_of(&p, file);
    let kind = match p.as_rule() {
        Rule::string => ExprKind::Str(string_lit(p, file).node),
        Rule::number => number(p.as_str()),
        Rule::boolean => ExprKind::Bool(p.as_str() == "true"),
        Rule::name => ExprKind::Name(p.as_str().to_string()),
        Rule::range => {
            let text = p.as_str().to_string();
            let mut n = p.into_inner();
            let lo = n.next().map_or(0.0, |x| x.as_str().parse().unwrap_or(0.0));
            let hi = n.next().map_or(0.0, |x| x.as_str().parse().unwrap_or(0.0));
            ExprKind::Range { lo, hi, text }
        }
        Rule::list => ExprKind::List(p.into_inner().map(|e| expr(e, file)).collect()),
        Rule::object => ExprKind::Object(p.into_inner().map(|f| field(f, file)).collect()),
        Rule::paren => ExprKind::Paren(Box::new(expr(p.into_inner().next().expect("inner"), file))),
        Rule::call => {
            let mut inner = p.into_inner();
            let name = spanned_str(&inner.next().expect("callee"), file);
            let args = inner
                .map(|a| {
                    let parts: Vec<Pair<Rule>> = a.into_inner().collect();
                    match parts.len() {
                        2 => Arg {
                            name: Some(spanned_str(&parts[0], file)),
                            value: expr(parts[1].clone(), file),
                        },
                        _ => Arg {
                            name: None,
                            value: expr(parts[0].clone(), file),
                        },
                    }
                })
                .collect();
            ExprKind::Call { name, args }
        }
        Rule::expr => return expr(p, file),
        Rule::term => return term(p, file),
        other => unreachable!("not an atom rule: {other:?}"),
    };
    Expr { kind, span }
}

fn number(text: &str) -> ExprKind {
    let integer = !text.contains(['.', 'e', 'E']);
    ExprKind::Num {
        value: text.parse().unwrap_or(f64::NAN),
        integer,
        text: text.to_string(),
    }
}
