//! `mascot variants`: the expanded variants, one a line.

use std::path::PathBuf;

/// Arguments of `mascot variants`.
#[derive(Debug, clap::Args)]
pub struct VariantsArgs {
    /// The experiment file.
    pub file: PathBuf,
}

/// Runs `mascot variants`; returns the exit code.
pub fn run(args: VariantsArgs) -> u8 {
    let compiled = crate::plan::compile_file(&args.file);
    eprint!("{}", compiled.render());
    let Ok(plan) = compiled.plan else { return 1 };
    for v in plan.variants() {
        match &v.description {
            Some(d) => println!("{}\t{} stages\t{d}", v.name, v.stages.len()),
            None => println!("{}\t{} stages\tbase pipeline", v.name, v.stages.len()),
        }
    }
    0
}
