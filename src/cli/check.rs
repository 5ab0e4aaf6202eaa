//! `mascot check`: compile each file (parse, check, expand variants, build the plan) and
//! report every problem; exit 0 when all files are valid, 1 otherwise.

use std::path::PathBuf;

use super::output::{err, errln};

/// Arguments of `mascot check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// `.mascot` files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs `mascot check`; returns the exit code.
pub fn run(args: CheckArgs) -> u8 {
    let mut code = 0;
    for file in &args.files {
        let compiled = crate::plan::compile_file(file);
        err(&compiled.render());
        match &compiled.plan {
            Ok(plan) => errln(&format!(
                "ok: {} ({} variant{}, {} stages)",
                file.display(),
                plan.variants().len(),
                if plan.variants().len() == 1 { "" } else { "s" },
                plan.stages().len()
            )),
            Err(e) => {
                let n = e.0.iter().filter(|d| d.is_error()).count();
                errln(&format!(
                    "error: {} has {n} error{}",
                    file.display(),
                    if n == 1 { "" } else { "s" }
                ));
                code = 1;
            }
        }
    }
    code
}
