//! The whole front half in one call: load -> check -> expand -> build.

use std::path::Path;

use crate::lang::overrides::add_overrides;
use crate::lang::{Diagnostics, Loaded, SourceMap, check, load_bytes, load_file};
use crate::plan::build::build;
use crate::plan::expand::expand;
use crate::plan::sealed::Plan;
use crate::plan::thinking_budget::budget_diagnostics;

/// The outcome of compiling one experiment file.
pub struct Compiled {
    pub sources: SourceMap,
    /// The plan, or every error (sorted).
    pub plan: Result<Plan, Diagnostics>,
    /// Warnings (also when the plan was built).
    pub warnings: Diagnostics,
}

impl Compiled {
    /// Every diagnostic rendered without colour.
    pub fn render(&self) -> String {
        let mut all = self.warnings.clone();
        if let Err(e) = &self.plan {
            all.extend(e.clone());
        }
        all.sorted().render(&self.sources)
    }
}

/// Reads and compiles a file.
pub fn compile_file(path: &Path) -> Compiled {
    compile(load_file(path))
}

/// Reads and compiles a file with command-line overrides (`--set stage.field=value`,
/// `crate::lang::overrides`).
pub fn compile_file_with(path: &Path, sets: &[String]) -> Compiled {
    let mut loaded = load_file(path);
    add_overrides(&mut loaded, sets);
    compile(loaded)
}

/// Compiles a root file whose bytes are given; imports are read from disk.
pub fn compile_bytes(path: &Path, display: &str, bytes: &[u8]) -> Compiled {
    compile(load_bytes(path, display, bytes))
}

/// Checks, expands and builds a loaded experiment.
pub fn compile(loaded: Loaded) -> Compiled {
    let result = check(&loaded);
    let sources = loaded.sources;
    let ir = match result {
        Ok(ir) => ir,
        Err(d) => {
            let (warnings, errors): (Vec<_>, Vec<_>) = d.0.into_iter().partition(|x| !x.is_error());
            return Compiled {
                sources,
                plan: Err(Diagnostics(errors)),
                warnings: Diagnostics(warnings),
            };
        }
    };
    let mut warnings = Diagnostics(ir.warnings.clone());
    let plan = expand(&ir).and_then(|variants| {
        warnings.extend(Diagnostics(budget_diagnostics(&ir, &variants)));
        build(&ir, &variants).map_err(|e| {
            Diagnostics(vec![
                crate::lang::Diagnostic::error("E099", ir.base_span, e.to_string())
                    .help("this is a planner bug"),
            ])
        })
    });
    Compiled {
        sources,
        plan,
        warnings,
    }
}
