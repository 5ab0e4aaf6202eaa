//! `mascot plan`: print the compiled DAG as a text tree, YAML, JSON or Graphviz dot.

use std::path::PathBuf;

use crate::plan::render;

use super::output::{self, err, errln};

/// Output format of `mascot plan`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PlanFormat {
    Text,
    Yaml,
    Json,
    Dot,
}

/// Arguments of `mascot plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The experiment file.
    pub file: PathBuf,
    /// Only the stages of this variant.
    #[arg(long)]
    pub variant: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
}

/// Runs `mascot plan`; returns the exit code.
pub fn run(args: PlanArgs) -> u8 {
    let compiled = crate::plan::compile_file(&args.file);
    err(&compiled.render());
    let Ok(mut plan) = compiled.plan else {
        return 1;
    };
    if let Some(name) = &args.variant {
        match plan.restrict(name) {
            Some(Ok((p, left_out))) => {
                plan = p;
                for id in left_out {
                    errln(&format!(
                        "note: `{id}` is left out: it also reads stages of other variants"
                    ));
                }
            }
            Some(Err(e)) => {
                errln(&format!(
                    "error: the plan of variant `{name}` is not valid: {e}"
                ));
                return 1;
            }
            None => {
                let names: Vec<&str> = plan.variants().iter().map(|v| v.name.as_str()).collect();
                errln(&format!(
                    "error: no variant `{name}` in {}; variants: {}",
                    args.file.display(),
                    names.join(", ")
                ));
                return 1;
            }
        }
    }
    let out = match args.format {
        PlanFormat::Text => render::text(&plan),
        PlanFormat::Yaml => render::yaml(&plan),
        PlanFormat::Json => render::json(&plan),
        PlanFormat::Dot => render::dot(&plan),
    };
    match output::out(&out) {
        Ok(()) => 0,
        Err(stop) => stop.code(),
    }
}
