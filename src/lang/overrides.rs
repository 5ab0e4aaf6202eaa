//! Command-line overrides (`mascot run/plan FILE --set stage.field=value`): each is read as
//! the line `set stage.field = value` of a source file of its own (shown as `--set` in
//! diagnostics), checked like a variant's `set`, and applied to the base pipeline before the
//! variants are expanded, with exactly the effect of editing the pipeline in the file (the
//! same keys).

use std::path::PathBuf;

use crate::lang::ast::Ast;
use crate::lang::load::Loaded;
use crate::lang::parse::parse_override;
use crate::lang::source::SourceFile;

/// How an override's source file is shown.
pub const DISPLAY: &str = "--set";

/// Adds each `--set` text (`stage.field=value`) to a loaded experiment; syntax errors join
/// its diagnostics.
pub fn add_overrides(loaded: &mut Loaded, sets: &[String]) {
    for text in sets {
        let id = loaded.sources.add(SourceFile {
            display: DISPLAY.into(),
            path: PathBuf::from(DISPLAY),
            rel_dir: PathBuf::new(),
            text: format!("set {text}"),
        });
        loaded.asts.push(Ast {
            file: id,
            items: vec![],
        });
        loaded.imports.push(vec![]);
        match parse_override(&loaded.sources.get(id).text, id) {
            Ok(op) => loaded.overrides.push(op),
            Err(d) => loaded.diagnostics.push(*d),
        }
    }
}
