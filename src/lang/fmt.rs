//! Canonical formatter (`mascot fmt`): prints a parsed file in one layout (four-space
//! indent, one field per line, a blank line between items, short values inline up to 100
//! columns) and keeps every comment. Formatting only moves whitespace and comments, so a
//! formatted file compiles to the same plan (same keys).

use crate::lang::ast::*;
use crate::lang::diagnostic::Diagnostics;
use crate::lang::parse::parse;
use crate::lang::scan::comments;
use crate::lang::span::FileId;

const WIDTH: usize = 100;
const INDENT: &str = "    ";

/// Formats a source file; a file with a syntax error is returned as its diagnostics.
pub fn format_source(source: &str) -> Result<String, Diagnostics> {
    let ast = parse(source, FileId(0))?;
    let mut f = Formatter {
        src: source,
        comments: comments(source)
            .into_iter()
            .map(|(start, end)| Comment { start, end })
            .collect(),
        next: 0,
        out: String::new(),
        last_end: 0,
        limit: usize::MAX,
    };
    f.file(&ast);
    Ok(f.out)
}

struct Comment {
    start: usize,
    end: usize,
}

struct Formatter<'a> {
    src: &'a str,
    comments: Vec<Comment>,
    next: usize,
    out: String,
    /// End of the last thing printed from the source (for blank-line detection).
    last_end: usize,
    /// A trailing comment is taken only when it starts before this (the end of the block
    /// being printed).
    limit: usize,
}

impl Formatter<'_> {
    fn pad(&mut self, indent: usize) {
        for _ in 0..indent {
            self.out.push_str(INDENT);
        }
    }

    fn blank_before(&self, pos: usize) -> bool {
        let gap = self.src.get(self.last_end.min(pos)..pos).unwrap_or("");
        gap.split('\n').skip(1).collect::<Vec<_>>().len() >= 2 && {
            let lines: Vec<&str> = gap.split('\n').collect();
            lines[1..lines.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty())
        }
    }

    /// Prints the comments that start before `pos` on their own lines.
    fn leading(&mut self, pos: usize, indent: usize, first_in_block: bool) {
        let mut first = first_in_block;
        while let Some(c) = self.comments.get(self.next) {
            if c.start >= pos {
                break;
            }
            let (s, e) = (c.start, c.end);
            if !first && self.blank_before(s) {
                self.out.push('\n');
            }
            first = false;
            self.pad(indent);
            self.out.push_str(self.src[s..e].trim_end());
            self.out.push('\n');
            self.last_end = e;
            self.next += 1;
        }
        if !first && self.blank_before(pos) {
            self.out.push('\n');
        }
    }

    /// Appends a comment that follows `end` on the same source line.
    fn trailing(&mut self, end: usize) {
        if let Some(c) = self.comments.get(self.next)
            && c.start >= end
            && c.start < self.limit
            && !self.src[end..c.start].contains('\n')
        {
            let text = self.src[c.start..c.end].trim_end().to_string();
            self.out.push(' ');
            self.out.push_str(&text);
            self.last_end = c.end;
            self.next += 1;
        }
        self.last_end = self.last_end.max(end);
    }

    /// Appends a comment that follows an opening bracket at `end` on its line, when it is
    /// inside the bracket (before `close`): `{ seed: 1 } // note` keeps its comment after
    /// the closing bracket.
    fn trailing_inside(&mut self, end: usize, close: usize) {
        if self
            .comments
            .get(self.next)
            .is_some_and(|c| c.start < close)
        {
            self.trailing(end);
        }
    }

    fn file(&mut self, ast: &Ast) {
        let mut prev: Option<&Item> = None;
        for item in &ast.items {
            let start = item.span().start;
            if let Some(p) = prev {
                // Runs of one-line items (imports, rewards) stay together unless the source
                // separated them.
                let same_short = matches!(
                    (p, item),
                    (Item::Import { .. }, Item::Import { .. })
                        | (Item::Reward { .. }, Item::Reward { .. })
                );
                if !same_short || self.blank_before(self.first_comment_or(start)) {
                    self.out.push('\n');
                }
            }
            self.last_end = self.last_end.max(self.first_comment_or(start));
            self.leading(start, 0, true);
            self.item(item);
            prev = Some(item);
        }
        let n = self.comments.len();
        if self.next < n {
            if !self.out.is_empty() {
                self.out.push('\n');
            }
            self.leading(self.src.len() + 1, 0, true);
        }
    }

    fn first_comment_or(&self, pos: usize) -> usize {
        self.comments
            .get(self.next)
            .map_or(pos, |c| c.start.min(pos))
    }

    fn item(&mut self, item: &Item) {
        let end = item.span().end;
        match item {
            Item::Import { path, .. } => {
                self.out.push_str(&format!("import {}", quote(&path.node)))
            }
            Item::Experiment { title, body, .. } => {
                self.out
                    .push_str(&format!("experiment {} ", quote(&title.node)));
                self.block(body, 0);
            }
            Item::Decl {
                keyword,
                name,
                body,
                ..
            } => {
                self.out
                    .push_str(&format!("{} {} ", keyword.node, name.node));
                self.block(body, 0);
            }
            Item::Reward { name, expr, .. } => {
                let head = format!("reward {} = ", name.node);
                self.out.push_str(&head);
                self.value(expr, 0, head.len());
            }
            Item::Pipeline { entries, span } => {
                self.out.push_str("pipeline {");
                self.trailing_inside(
                    span.start + "pipeline {".len().min(span.end - span.start),
                    span.end,
                );
                self.out.push('\n');
                let mut first = true;
                for e in entries {
                    match e {
                        PipelineEntry::Setting(f) => self.field(f, 1, first),
                        PipelineEntry::Stage { name, body, span } => {
                            self.leading(span.start, 1, first);
                            self.pad(1);
                            self.out.push_str(&format!("{} ", name.node));
                            self.block(body, 1);
                            self.trailing(span.end);
                            self.out.push('\n');
                        }
                    }
                    first = false;
                }
                self.leading(span.end.saturating_sub(1), 1, first);
                self.out.push('}');
            }
            Item::Variant { name, ops, span } => {
                self.out
                    .push_str(&format!("variant {} {{\n", quote(&name.node)));
                let mut first = true;
                for op in ops {
                    self.leading(op.span().start, 1, first);
                    first = false;
                    self.pad(1);
                    match op {
                        VariantOp::Remove { stage, .. } => {
                            self.out.push_str(&format!("remove {}", stage.node))
                        }
                        VariantOp::Set { path, value, .. } => {
                            let head = format!("set {} = ", path_text(path));
                            self.out.push_str(&head);
                            self.value(value, 1, INDENT.len() + head.len());
                        }
                    }
                    self.trailing(op.span().end);
                    self.out.push('\n');
                }
                self.leading(span.end.saturating_sub(1), 1, first);
                self.out.push('}');
            }
            Item::Sweep {
                name,
                on,
                axes,
                span,
            } => {
                self.out.push_str(&format!("sweep {}", quote(&name.node)));
                if !on.is_empty() {
                    let names: Vec<String> = on.iter().map(|n| quote(&n.node)).collect();
                    self.out.push_str(&format!(" on [{}]", names.join(", ")));
                }
                self.out.push_str(" {\n");
                let mut first = true;
                for axis in axes {
                    self.leading(axis.span.start, 1, first);
                    first = false;
                    self.pad(1);
                    let head = format!("{} in ", path_text(&axis.path));
                    self.out.push_str(&head);
                    self.value(&axis.values, 1, INDENT.len() + head.len());
                    self.trailing(axis.values.span.end);
                    self.out.push('\n');
                }
                self.leading(span.end.saturating_sub(1), 1, false);
                self.out.push('}');
            }
        }
        self.trailing(end);
        self.out.push('\n');
    }

    fn block(&mut self, b: &Block, indent: usize) {
        let has_comments = self
            .comments
            .get(self.next)
            .is_some_and(|c| c.start < b.span.end);
        if b.fields.is_empty() && !has_comments {
            self.out.push_str("{}");
            self.last_end = b.span.end;
            return;
        }
        self.out.push('{');
        // Inside the block, a comment after its closing bracket is not a field's.
        let outer = self.limit;
        self.limit = b.span.end.min(outer);
        self.trailing_inside(b.span.start + 1, b.span.end);
        self.out.push('\n');
        let mut first = true;
        for f in &b.fields {
            self.field(f, indent + 1, first);
            first = false;
        }
        self.leading(b.span.end.saturating_sub(1), indent + 1, first);
        self.limit = outer;
        self.pad(indent);
        self.out.push('}');
        self.last_end = b.span.end;
    }

    fn field(&mut self, f: &Field, indent: usize, first: bool) {
        self.leading(f.span.start, indent, first);
        self.pad(indent);
        let head = format!("{}: ", f.key.node);
        self.out.push_str(&head);
        self.value(&f.value, indent, indent * INDENT.len() + head.len());
        self.trailing(f.span.end);
        self.out.push('\n');
    }

    /// Prints a value starting at column `col`; inline when it fits.
    fn value(&mut self, e: &Expr, indent: usize, col: usize) {
        let inline = inline(e);
        if !force_multiline(e) && col + inline.len() <= WIDTH {
            // Comments inside an inline value move above the line.
            self.hoist(e.span.end, indent);
            self.out.push_str(&inline);
            self.last_end = e.span.end;
            return;
        }
        match &e.kind {
            ExprKind::List(items) => {
                self.out.push('[');
                self.out.push('\n');
                let mut first = true;
                for it in items {
                    self.leading(it.span.start, indent + 1, first);
                    first = false;
                    self.pad(indent + 1);
                    self.value(it, indent + 1, (indent + 1) * INDENT.len());
                    self.out.push(',');
                    self.trailing(it.span.end);
                    self.out.push('\n');
                }
                self.leading(e.span.end.saturating_sub(1), indent + 1, first);
                self.pad(indent);
                self.out.push(']');
            }
            ExprKind::Object(fields) => {
                self.block(
                    &Block {
                        fields: fields.clone(),
                        span: e.span,
                    },
                    indent,
                );
            }
            ExprKind::Call { name, args } if !args.is_empty() => {
                self.out.push_str(&name.node);
                self.out.push('(');
                self.out.push('\n');
                let mut first = true;
                for a in args {
                    let start = a.name.as_ref().map_or(a.value.span.start, |n| n.span.start);
                    self.leading(start, indent + 1, first);
                    first = false;
                    self.pad(indent + 1);
                    let head = a
                        .name
                        .as_ref()
                        .map(|n| format!("{}: ", n.node))
                        .unwrap_or_default();
                    self.out.push_str(&head);
                    self.value(
                        &a.value,
                        indent + 1,
                        (indent + 1) * INDENT.len() + head.len(),
                    );
                    self.out.push(',');
                    self.trailing(a.value.span.end);
                    self.out.push('\n');
                }
                self.leading(e.span.end.saturating_sub(1), indent + 1, first);
                self.pad(indent);
                self.out.push(')');
            }
            _ => {
                self.hoist(e.span.end, indent);
                self.out.push_str(&inline);
            }
        }
        self.last_end = e.span.end;
    }

    /// Moves comments that start before `pos` onto lines above the current one.
    fn hoist(&mut self, pos: usize, indent: usize) {
        if self.comments.get(self.next).is_none_or(|c| c.start >= pos) {
            return;
        }
        let line_start = self.out.rfind('\n').map_or(0, |i| i + 1);
        let current = self.out.split_off(line_start);
        while let Some(c) = self.comments.get(self.next) {
            if c.start >= pos {
                break;
            }
            let text = self.src[c.start..c.end].trim_end().to_string();
            self.pad(indent);
            self.out.push_str(&text);
            self.out.push('\n');
            self.next += 1;
        }
        self.out.push_str(&current);
    }
}

fn force_multiline(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::List(items) => items.iter().any(|i| matches!(i.kind, ExprKind::Object(_))),
        ExprKind::Object(fields) => fields
            .iter()
            .any(|f| matches!(f.value.kind, ExprKind::Object(_))),
        _ => false,
    }
}

fn path_text(p: &FieldPath) -> String {
    match &p.stage {
        Some(s) => format!("{}.{}", s.node, p.field.node),
        None => p.field.node.clone(),
    }
}

/// A value on one line.
fn inline(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Str(s) => quote(s),
        ExprKind::Num { text, .. } => text.clone(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Range { text, .. } => text.clone(),
        ExprKind::List(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Object(fields) if fields.is_empty() => "{}".into(),
        ExprKind::Object(fields) => format!(
            "{{ {} }}",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.key.node, inline(&f.value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Call { name, args } => format!(
            "{}({})",
            name.node,
            args.iter()
                .map(|a| match &a.name {
                    Some(n) => format!("{}: {}", n.node, inline(&a.value)),
                    None => inline(&a.value),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Binary { op, lhs, rhs } => {
            format!("{} {} {}", inline(lhs), op.symbol(), inline(rhs))
        }
        ExprKind::Paren(inner) => format!("({})", inline(inner)),
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
