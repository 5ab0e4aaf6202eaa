//! `mascot run`: compile an experiment and execute the stages that are not cached.

use std::path::{Path, PathBuf};

use crate::exec::record::Outcome;
use crate::exec::{Executor, ProgressMode, RunOptions, Store, run_plan};
use crate::plan::{Plan, PlanParts};
use crate::spec::StageKind;

use super::executor_choice::ExecutorFlags;
use super::output::{err, errln, out, outln};

/// Arguments of `mascot run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The experiment file (`.mascot`), or a compiled plan as JSON (`.json`).
    pub file: PathBuf,
    /// Run only the stages these variants need (repeatable); all variants when absent.
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Print each stage with `cached` or `run` and why, without running anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Print, last on stdout, one JSON object {"executed", "cached", "failed", "skipped"}.
    #[arg(long)]
    pub json: bool,
    /// After a failure, still run the stages that do not depend on it.
    #[arg(long)]
    pub keep_going: bool,
    /// The artifact store (default: `.mascot/` next to the experiment file).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Override a field as editing the file would (repeatable): `--set sample_candidates.k=2`,
    /// `--set speaker=big`, `--set seed=3`.
    #[arg(long = "set", value_name = "STAGE.FIELD=VALUE")]
    pub sets: Vec<String>,
    /// Stages executing at once (heavy model stages share a device only while their memory
    /// estimates fit in the memory available).
    #[arg(long, short = 'j', value_name = "N", default_value_t = default_jobs())]
    pub jobs: usize,
    /// The most memory one model stage on the CPU may be expected to hold (`24G`, `512M`):
    /// a stage whose estimate is larger fails before it starts, instead of being killed by
    /// the kernel mid-run. The estimate is the f32 size of the weights it loads (8x a GGUF
    /// file, 2x bf16 safetensors) times 5 for training stages and 2 for the others. Default:
    /// the memory the machine has available when the run starts.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// `--executor` and the SLURM settings (they override the experiment's `executor`
    /// declaration).
    #[command(flatten)]
    pub executor: ExecutorFlags,
}

/// A size in bytes from `24G`, `512M`, `64K`, `1.5G` (powers of 1024) or a plain number.
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], t[i..].to_ascii_uppercase()),
        None => (t, String::new()),
    };
    let scale: u64 = match unit.trim_end_matches("IB").trim_end_matches('B') {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("`{text}`: the unit must be K, M, G or T (`24G`)")),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a size (`24G`, `512M`)"))?;
    if !(value.is_finite() && value > 0.0) {
        return Err(format!("`{text}`: the size must be positive"));
    }
    Ok((value * scale as f64) as u64)
}

fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Runs `mascot run`; returns the exit code.
pub fn run(args: RunArgs) -> u8 {
    let (plan, base_dir) = match load_plan(&args.file, &args.sets) {
        Ok(p) => p,
        Err(e) => return super::report_error(e),
    };
    let choice = match args.executor.choose(plan.executor()) {
        Ok(c) => c,
        Err(e) => return super::report_error(e),
    };
    let declared_in = args.file.display().to_string();
    let store_dir = args
        .store
        .clone()
        .unwrap_or_else(|| default_store(&args.file));
    // A dry run only reads: it leaves no store folder behind, not even an empty one.
    let store = if args.dry_run {
        Store::at(&store_dir)
    } else {
        match Store::open(&store_dir) {
            Ok(s) => s,
            Err(e) => return super::report_error(e.into()),
        }
    };
    let opts = RunOptions {
        jobs: args.jobs.max(1),
        keep_going: args.keep_going,
        dry_run: args.dry_run,
        variants: args.variants.clone(),
        progress: ProgressMode::Auto,
        executor: choice.executor.clone(),
        max_memory: args.max_memory,
    };
    if !args.dry_run && choice.executor != Executor::Local {
        errln(&choice.headline(&declared_in));
    }
    let report = match run_plan(&plan, &base_dir, &store, &opts) {
        Ok(r) => r,
        Err(e) => return super::report_error(e.into()),
    };

    let mut lines = String::new();
    if args.dry_run {
        lines.push_str(&choice.describe(&declared_in));
    }
    for s in &report.stages {
        let word = match s.outcome {
            Outcome::Executed => "ran",
            Outcome::Cached => "cached",
            Outcome::Failed => "FAILED",
            Outcome::Skipped => "skipped",
            Outcome::WouldRun => "run",
        };
        let why = match (s.outcome, &s.error) {
            (Outcome::Failed, Some(e)) => e.clone(),
            (Outcome::Cached, _) if s.reasons.is_empty() => String::new(),
            _ => s.reasons.join("; "),
        };
        let key = s
            .key
            .as_deref()
            .map(|k| &k[..k.len().min(12)])
            .unwrap_or("-");
        if why.is_empty() {
            lines.push_str(&format!("{word:<8} {:<40} {key}\n", s.id));
        } else {
            lines.push_str(&format!("{word:<8} {:<40} {key}  ({why})\n", s.id));
        }
    }
    // A reader that goes away early (`| head`) does not change the outcome of the run.
    if args.json {
        err(&lines);
    } else {
        let _ = out(&lines);
    }
    for s in report
        .stages
        .iter()
        .filter(|s| s.outcome == Outcome::Failed)
    {
        errln(&format!(
            "error: stage `{}` failed: {}",
            s.id,
            s.error.as_deref().unwrap_or("unknown error")
        ));
    }
    if !report.missing.is_empty() {
        errln(&format!(
            "{} external file{} the run needs {} missing: {}",
            report.missing.len(),
            if report.missing.len() == 1 { "" } else { "s" },
            if report.missing.len() == 1 {
                "is"
            } else {
                "are"
            },
            report.missing.join(", ")
        ));
    }
    if args.dry_run {
        let needs = crate::exec::api_keys::api_key_needs(plan.stages());
        let unset = crate::exec::api_keys::unset_api_keys(needs, |v| std::env::var(v).ok());
        err(&crate::exec::api_keys::describe_unset(&unset));
    }
    if let Some(script) = &report.submit_script {
        if args.json {
            err(script);
        } else {
            let _ = out(script);
        }
    }
    if !args.dry_run {
        err(&resource_lines(&report));
    }
    if let Some(dir) = &report.record_dir {
        errln(&format!("run record: {}", dir.display()));
    }
    if !args.dry_run {
        for line in health_warnings(&report, &store) {
            errln(&format!("warning: {line}"));
        }
        let shown = report_paths(&report, &store);
        if args.json {
            err(&shown);
        } else {
            let _ = out(&shown);
        }
    }
    if args.json {
        let _ = outln(&report.json(args.dry_run).to_string());
    }
    if let Some(signal) = report.interrupted
        && !matches!(choice.executor, Executor::Slurm(_))
    {
        errln(&format!(
            "interrupted ({signal}): finished stages are in the store and training stages saved a checkpoint; run the same command again to resume"
        ));
    }
    // After the summary, so that a script reading the last line still gets it.
    if let Some(why) = &report.record_error {
        errln(&format!(
            "error: the run record could not be written ({why}); the stages above ran and their artifacts are in the store"
        ));
    }
    match report.interrupted {
        // The shell's convention for a process ended by a signal: 128 + its number.
        Some("SIGINT") => 130,
        Some("SIGHUP") => 129,
        Some(_) => 143,
        None if report.success() => 0,
        None => 1,
    }
}

/// Wall time and peak memory of each stage the run executed, then the run's largest peak
/// (on stderr: stdout keeps one line per stage).
fn resource_lines(report: &crate::exec::RunReport) -> String {
    use crate::exec::memory::human_bytes;
    let ran: Vec<_> = report
        .stages
        .iter()
        .filter(|s| s.outcome == Outcome::Executed)
        .collect();
    if ran.is_empty() {
        return String::new();
    }
    let mut lines = String::from("time and peak memory of the stages run:\n");
    for s in &ran {
        let peak = s
            .peak_rss_bytes
            .map(human_bytes)
            .unwrap_or_else(|| "-".into());
        lines.push_str(&format!("{:>9.1}s {peak:>9}  {}\n", s.seconds, s.id));
    }
    let total: f64 = ran.iter().map(|s| s.seconds).sum();
    let peak = ran.iter().filter_map(|s| s.peak_rss_bytes).max();
    lines.push_str(&format!(
        "{total:>9.1}s {:>9}  (stage time summed; largest peak)\n",
        peak.map(human_bytes).unwrap_or_else(|| "-".into())
    ));
    lines
}

/// Where the reports and the comparison of a run are, one line each (those that exist).
fn report_paths(report: &crate::exec::RunReport, store: &Store) -> String {
    let mut lines = String::new();
    for s in &report.stages {
        let Some(key) = &s.key else {
            continue;
        };
        if !matches!(s.outcome, Outcome::Executed | Outcome::Cached) {
            continue;
        }
        for file in main_files(s.kind) {
            let path = store.artifact_dir(key).join(file);
            if path.exists() {
                lines.push_str(&format!(
                    "{:<8} {:<40} {}\n",
                    s.kind.as_str(),
                    s.id,
                    path.display()
                ));
            }
        }
    }
    lines
}

/// The reports' run health lines (`health.json`): the comparison's when the run has one (it
/// covers every variant), else each report's, each line once.
fn health_warnings(report: &crate::exec::RunReport, store: &Store) -> Vec<String> {
    use crate::stages::report::HEALTH;
    let read = |kind: StageKind| -> Vec<String> {
        let mut lines = Vec::new();
        for s in report.stages.iter().filter(|s| s.kind == kind) {
            let Some(key) = &s.key else { continue };
            let path = store.artifact_dir(key).join(HEALTH);
            if let Ok(found) = crate::util::read_json::<Vec<String>>(&path) {
                for l in found {
                    if !lines.contains(&l) {
                        lines.push(l);
                    }
                }
            }
        }
        lines
    };
    let compared = read(StageKind::Compare);
    if compared.is_empty() {
        read(StageKind::Report)
    } else {
        compared
    }
}

/// The files a user opens first in an artifact of `kind` (none for most kinds): a report's
/// HTML page; a comparison's HTML page across the variants and its seed table.
pub fn main_files(kind: StageKind) -> &'static [&'static str] {
    use crate::spec::stages::{compare::COMPARISON, report::REPORT_HTML};
    match kind {
        StageKind::Report => &[REPORT_HTML],
        StageKind::Compare => &[REPORT_HTML, COMPARISON],
        _ => &[],
    }
}

/// The first of `main_files`.
pub fn main_file(kind: StageKind) -> Option<&'static str> {
    main_files(kind).first().copied()
}

/// `.mascot/` next to the experiment file.
pub fn default_store(file: &Path) -> PathBuf {
    parent_dir(file).join(".mascot")
}

pub fn parent_dir(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Compiles an experiment file (or reads a JSON plan); returns the plan and the directory
/// its paths are relative to.
pub fn load_plan(file: &Path, sets: &[String]) -> miette::Result<(Plan, PathBuf)> {
    let base_dir = parent_dir(file);
    if file.extension().is_some_and(|e| e == "json") {
        if !sets.is_empty() {
            return Err(miette::miette!(
                code = "mascot::run::compile",
                help =
                    "give --set to the experiment file: `mascot plan FILE --set ... --format json`",
                "--set changes an experiment file; `{}` is a compiled plan",
                file.display()
            ));
        }
        let bytes = std::fs::read(file).map_err(|e| {
            miette::miette!(
                code = "mascot::run::io",
                "cannot read `{}`: {e}",
                file.display()
            )
        })?;
        let parts: PlanParts = serde_json::from_slice(&bytes).map_err(|e| {
            miette::miette!(
                code = "mascot::run::plan_json",
                help = "a JSON plan is what `mascot plan FILE --format json` prints",
                "{}:{}:{}: invalid plan: {e}",
                file.display(),
                e.line(),
                e.column()
            )
        })?;
        let plan = Plan::try_from(parts).map_err(|e| {
            miette::miette!(
                code = "mascot::run::plan_invalid",
                help = "recompile the plan with `mascot plan FILE --format json` instead of editing it by hand",
                "{}: invalid plan: {e}",
                file.display()
            )
        })?;
        return Ok((plan, base_dir));
    }
    let compiled = crate::plan::compile_file_with(file, sets);
    let rendered = compiled.render();
    if !rendered.is_empty() {
        err(&rendered);
    }
    match compiled.plan {
        Ok(plan) => Ok((plan, base_dir)),
        Err(_) => Err(miette::miette!(
            code = "mascot::run::compile",
            help = "fix the errors above (`mascot check FILE` shows them too)",
            "cannot compile `{}`",
            file.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("24G"), Ok(24 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("G").is_err());
        assert!(parse_size("0G").is_err());
    }
}
