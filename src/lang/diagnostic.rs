//! Diagnostics: every problem found in a compilation, with a code (`mascot::E0xx`), a
//! labelled span, a help line, rendered by miette.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity};

use crate::lang::source::SourceMap;
use crate::lang::span::Span;

/// One problem in the sources.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// `E001`..; rendered as `mascot::E001`.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
    /// Further labels in the same file.
    pub notes: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(code, span, message)
        }
    }

    /// A note that is neither an error nor a warning: something the run needs that the
    /// researcher provides (shown by `mascot check`, never failing it).
    pub fn advice(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Advice,
            ..Self::error(code, span, message)
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, span: Span, label: impl Into<String>) -> Self {
        if span.file == self.span.file {
            self.notes.push((span, label.into()));
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }
}

/// All diagnostics of a compilation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Sorted by (file, offset, code) and without exact duplicates.
    pub fn sorted(mut self) -> Self {
        self.0.sort_by(|a, b| {
            (a.span.file, a.span.start, a.span.end, a.code, &a.message).cmp(&(
                b.span.file,
                b.span.start,
                b.span.end,
                b.code,
                &b.message,
            ))
        });
        self.0.dedup();
        self
    }

    /// Renders every diagnostic, without colour, in order.
    pub fn render(&self, sources: &SourceMap) -> String {
        let handler =
            GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(110);
        let mut out = String::new();
        for d in &self.0 {
            let report = Rendered::new(d, sources);
            if handler.render_report(&mut out, &report).is_err() {
                out.push_str(&format!("{}: {}\n", d.code, d.message));
            }
        }
        out
    }
}

/// A diagnostic paired with its source, in the shape miette renders.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Rendered {
    message: String,
    code: String,
    severity: Severity,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    src: NamedSource<String>,
}

impl Rendered {
    fn new(d: &Diagnostic, sources: &SourceMap) -> Self {
        let file = sources.get(d.span.file);
        let clamp = |s: Span| {
            let len = file.text.len();
            let start = s.start.min(len);
            let end = s.end.clamp(start, len);
            (start, end - start)
        };
        let (start, len) = clamp(d.span);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(if d.label.is_empty() {
                "here".into()
            } else {
                d.label.clone()
            }),
            (start, len),
        )];
        for (span, label) in &d.notes {
            labels.push(LabeledSpan::new_with_span(
                Some(label.clone()),
                clamp(*span),
            ));
        }
        Rendered {
            message: d.message.clone(),
            code: format!("mascot::{}", d.code),
            severity: d.severity,
            help: d.help.clone(),
            labels,
            src: NamedSource::new(file.display.clone(), file.text.clone()),
        }
    }
}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.clone().into_iter()))
    }
}
