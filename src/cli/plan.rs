//! `mascot plan`: print the compiled DAG as a text tree, YAML, JSON or Graphviz dot.

use std::path::PathBuf;

use std::path::Path;

use crate::plan::{Plan, RestrictError, render};

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
    /// Only the stages these variants need (repeatable); the plan stays closed: every
    /// input of a stage listed is listed.
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Override a field as editing the file would (repeatable): `--set sample_candidates.k=2`.
    #[arg(long = "set", value_name = "STAGE.FIELD=VALUE")]
    pub sets: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
}

/// Runs `mascot plan`; returns the exit code.
pub fn run(args: PlanArgs) -> u8 {
    let compiled = crate::plan::compile_file_with(&args.file, &args.sets);
    err(&compiled.render());
    let Ok(mut plan) = compiled.plan else {
        return 1;
    };
    if !args.variants.is_empty() {
        match plan.restrict(&args.variants) {
            Ok(p) => plan = p,
            Err(RestrictError::UnknownVariant(name)) => {
                errln(&unknown_variant(&plan, &name, &args.file));
                return 1;
            }
            Err(e) => {
                errln(&format!("error: {e}"));
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

/// "no variant X" with the closest name and the list of variants.
pub fn unknown_variant(plan: &Plan, name: &str, file: &Path) -> String {
    let names: Vec<&str> = plan.variants().iter().map(|v| v.name.as_str()).collect();
    let closest = crate::lang::suggest::did_you_mean(name, &names)
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    format!(
        "error: no variant `{name}` in {}\n  help: {closest}variants: {}",
        file.display(),
        names.join(", ")
    )
}
