//! Loading: reads the experiment file and, recursively, the files it imports (paths relative
//! to the importing file), parses each once, and reports unreadable files, invalid UTF-8 and
//! import cycles (naming the cycle).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::lang::ast::{Ast, Item};
use crate::lang::diagnostic::{Diagnostic, Diagnostics};
use crate::lang::parse::parse;
use crate::lang::source::{SourceFile, SourceMap};
use crate::lang::span::{FileId, Span};
use crate::util::{normalize, slash};

/// Every file of a compilation and its syntax tree (`asts[i]` is file `i`; a file that failed
/// to parse has an empty tree). File 0 is the root.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    pub asts: Vec<Ast>,
    /// For each file, the files its imports resolved to, with the import's span.
    pub imports: Vec<Vec<(FileId, Span)>>,
    pub diagnostics: Diagnostics,
    /// Command-line `--set` overrides (`crate::lang::overrides`), in order.
    pub overrides: Vec<crate::lang::ast::VariantOp>,
}

/// Largest source file read (imports included): 8 MiB.
pub const MAX_SOURCE_BYTES: u64 = 8 << 20;

/// Reads a source file, refusing anything larger than [`MAX_SOURCE_BYTES`] (a device or a
/// huge file named by mistake).
fn read_source(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 > MAX_SOURCE_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB",
            MAX_SOURCE_BYTES >> 20
        )));
    }
    Ok(out)
}

/// Reads `path` from disk and loads it with its imports.
pub fn load_file(path: &Path) -> Loaded {
    let display = slash(path);
    match read_source(path) {
        Ok(bytes) => load_bytes(path, &display, &bytes),
        Err(e) => {
            let mut loaded = Loaded::default();
            let id = loaded.sources.add(SourceFile {
                display: display.clone(),
                path: path.to_path_buf(),
                rel_dir: PathBuf::new(),
                text: String::new(),
            });
            loaded.asts.push(Ast {
                file: id,
                items: vec![],
            });
            loaded.imports.push(vec![]);
            loaded.diagnostics.push(
                Diagnostic::error(
                    "E003",
                    Span::new(id, 0, 0),
                    format!("cannot read `{display}`: {e}"),
                )
                .label("this file")
                .help("check the path; it is relative to the current directory"),
            );
            loaded
        }
    }
}

/// Loads a root file whose bytes are given (imports are read from disk relative to `path`).
pub fn load_bytes(path: &Path, display: &str, bytes: &[u8]) -> Loaded {
    let mut loader = Loader {
        loaded: Loaded::default(),
        by_path: HashMap::new(),
        stack: Vec::new(),
    };
    loader.visit(
        path.to_path_buf(),
        display.to_string(),
        PathBuf::new(),
        Ok(bytes.to_vec()),
        None,
    );
    loader.loaded
}

struct Loader {
    loaded: Loaded,
    by_path: HashMap<PathBuf, FileId>,
    /// Files being loaded, outermost first (for cycle detection).
    stack: Vec<FileId>,
}

impl Loader {
    fn visit(
        &mut self,
        path: PathBuf,
        display: String,
        rel_dir: PathBuf,
        bytes: std::io::Result<Vec<u8>>,
        from: Option<Span>,
    ) -> Option<FileId> {
        let (text, utf8_error) = match &bytes {
            Ok(b) => match std::str::from_utf8(b) {
                Ok(s) => (s.to_string(), None),
                Err(e) => (
                    String::from_utf8_lossy(b).into_owned(),
                    Some(e.valid_up_to()),
                ),
            },
            Err(_) => (String::new(), None),
        };
        let id = self.loaded.sources.add(SourceFile {
            display: display.clone(),
            path: path.clone(),
            rel_dir: rel_dir.clone(),
            text,
        });
        self.loaded.asts.push(Ast {
            file: id,
            items: vec![],
        });
        self.loaded.imports.push(vec![]);
        self.by_path.insert(key_of(&path), id);
        if let Err(e) = &bytes {
            let span = from.unwrap_or(Span::new(id, 0, 0));
            self.loaded.diagnostics.push(
                Diagnostic::error(
                    "E003",
                    span,
                    format!("cannot read imported file `{display}`: {e}"),
                )
                .label("imported here")
                .help("import paths are relative to the importing file"),
            );
            return Some(id);
        }
        if let Some(offset) = utf8_error {
            self.loaded.diagnostics.push(
                Diagnostic::error(
                    "E001",
                    // The lossy text holds U+FFFD here: label the whole character.
                    Span::new(id, offset, offset + char::REPLACEMENT_CHARACTER.len_utf8()),
                    format!("invalid UTF-8 at byte offset {offset}"),
                )
                .label("this byte is not valid UTF-8")
                .help("save the file as UTF-8"),
            );
            return Some(id);
        }
        let ast = match parse(&self.loaded.sources.get(id).text, id) {
            Ok(ast) => ast,
            Err(d) => {
                self.loaded.diagnostics.extend(d);
                return Some(id);
            }
        };
        self.stack.push(id);
        for item in &ast.items {
            if let Item::Import { path: rel, span } = item {
                self.import(id, &path, &display, &rel_dir, &rel.node, *span);
            }
        }
        self.stack.pop();
        self.loaded.asts[id.0 as usize] = ast;
        Some(id)
    }

    fn import(
        &mut self,
        from: FileId,
        from_path: &Path,
        from_display: &str,
        from_rel: &Path,
        rel: &str,
        span: Span,
    ) {
        let base = from_path.parent().unwrap_or(Path::new(""));
        let target = normalize(&base.join(rel));
        let display_base = Path::new(from_display).parent().unwrap_or(Path::new(""));
        let display = slash(&normalize(&display_base.join(rel)));
        let rel_dir = normalize(&from_rel.join(rel))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        if Path::new(rel).is_absolute() {
            self.loaded.diagnostics.push(
                Diagnostic::error("E029", span, format!("import path `{rel}` is absolute"))
                    .label("absolute path")
                    .help("write the path relative to this file, so the experiment works in any checkout"),
            );
            return;
        }
        if let Some(&existing) = self.by_path.get(&key_of(&target)) {
            if let Some(pos) = self.stack.iter().position(|f| *f == existing) {
                let mut names: Vec<String> = self.stack[pos..]
                    .iter()
                    .map(|f| self.loaded.sources.get(*f).display.clone())
                    .collect();
                names.push(self.loaded.sources.get(existing).display.clone());
                self.loaded.diagnostics.push(
                    Diagnostic::error(
                        "E004",
                        span,
                        format!("import cycle: {}", names.join(" -> ")),
                    )
                    .label("this import closes the cycle")
                    .help("move the shared declarations into a file that imports neither"),
                );
                return;
            }
            self.loaded.imports[from.0 as usize].push((existing, span));
            return;
        }
        let bytes = read_source(&target);
        if let Some(id) = self.visit(target, display, rel_dir, bytes, Some(span)) {
            self.loaded.imports[from.0 as usize].push((id, span));
        }
    }
}

fn key_of(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| normalize(p))
}
