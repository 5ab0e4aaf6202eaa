//! `mascot variants`: the expanded variants, one a line.

use std::path::PathBuf;

use super::output::{err, outln};

/// Arguments of `mascot variants`.
#[derive(Debug, clap::Args)]
pub struct VariantsArgs {
    /// The experiment file.
    pub file: PathBuf,
}

/// Runs `mascot variants`; returns the exit code.
pub fn run(args: VariantsArgs) -> u8 {
    let compiled = crate::plan::compile_file(&args.file);
    err(&compiled.render());
    let Ok(plan) = compiled.plan else { return 1 };
    for v in plan.variants() {
        let how = v.description.as_deref().unwrap_or("base pipeline");
        if let Err(stop) = outln(&format!("{}\t{} stages\t{how}", v.name, v.stages.len())) {
            return stop.code();
        }
    }
    0
}
