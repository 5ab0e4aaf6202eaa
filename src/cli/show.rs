//! `mascot show FILE [STAGE_ID | VARIANT] [--path]`: where a stage's artifact is in the store,
//! its summary and its files. With a variant: its report, then each of its stages. With
//! nothing: every stage, built or not. The store key shown is the executor's (the plan key
//! plus the contents of external files and implementation versions), as `mascot run` and
//! `mascot cache ls` show it.

use std::path::PathBuf;

use crate::exec::hash_cache::HashCache;
use crate::exec::keying::key_stages;
use crate::exec::manifest::Manifest;
use crate::exec::store::Store;
use crate::plan::{Plan, Stage};
use crate::spec::StageKind;

use super::output::{errln, out};

/// Arguments of `mascot show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The experiment file.
    pub file: PathBuf,
    /// A stage id (`main/report`) or a variant name; every stage when absent.
    pub target: Option<String>,
    /// Print only the artifact's directory (for a variant: its report's file); exit 1 when
    /// it is not built.
    #[arg(long)]
    pub path: bool,
    /// Override a field as `mascot run --set` does (repeatable).
    #[arg(long = "set", value_name = "STAGE.FIELD=VALUE")]
    pub sets: Vec<String>,
    /// The artifact store (default: `.mascot/` next to the experiment file).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
}

/// One stage with its store key and artifact (when built).
struct Shown<'p> {
    stage: &'p Stage,
    key: Option<String>,
    dir: Option<PathBuf>,
    manifest: Option<Manifest>,
}

/// Runs `mascot show`; returns the exit code.
pub fn run(args: ShowArgs) -> u8 {
    let (plan, base_dir) = match super::run::load_plan(&args.file, &args.sets) {
        Ok(p) => p,
        Err(e) => return super::report_error(e),
    };
    let store_dir = args
        .store
        .clone()
        .unwrap_or_else(|| super::run::default_store(&args.file));
    let store = Store::open_existing(&store_dir).ok();
    let hashes = HashCache::load(&store_dir.join("hash-cache.json"));
    let all: Vec<&Stage> = plan.stages().iter().collect();
    let keys = key_stages(&all, &base_dir, &hashes);
    let shown: Vec<Shown> = all
        .iter()
        .map(|&s| {
            let key = keys.exec_keys.get(&s.id).cloned();
            let dir = match (&store, &key) {
                (Some(st), Some(k)) => Some(st.artifact_dir(k)),
                _ => None,
            };
            let manifest = dir.as_ref().and_then(|d| Manifest::read(d).ok());
            Shown {
                stage: s,
                key,
                dir,
                manifest,
            }
        })
        .collect();
    let text = match &args.target {
        None if args.path => {
            errln("error: --path needs a stage id or a variant");
            return 2;
        }
        None => overview(&shown, &store_dir),
        Some(t) => {
            if let Some(one) = shown.iter().find(|s| &s.stage.id == t) {
                if args.path {
                    return print_path(one.manifest.is_some(), one.dir.as_ref(), t);
                }
                detail(one)
            } else if let Some(v) = plan.variants().iter().find(|v| &v.name == t) {
                let mine: Vec<&Shown> = shown
                    .iter()
                    .filter(|s| v.stages.contains(&s.stage.id))
                    .collect();
                let report = mine.iter().find(|s| s.stage.kind == StageKind::Report);
                if args.path {
                    let built = report.is_some_and(|r| r.manifest.is_some());
                    let file = report.and_then(|r| {
                        let main = super::run::main_file(StageKind::Report)?;
                        r.dir.as_ref().map(|d| d.join(main))
                    });
                    return print_path(built, file.as_ref(), t);
                }
                variant(&v.name, &mine)
            } else {
                errln(&unknown_target(&plan, t));
                return 1;
            }
        }
    };
    match out(&text) {
        Ok(()) => 0,
        Err(stop) => stop.code(),
    }
}

fn print_path(built: bool, path: Option<&PathBuf>, target: &str) -> u8 {
    match (built, path) {
        (true, Some(p)) => match out(&format!("{}\n", p.display())) {
            Ok(()) => 0,
            Err(stop) => stop.code(),
        },
        _ => {
            errln(&format!(
                "error: `{target}` is not built yet\n  help: `mascot run FILE` builds it (`--variant NAME` for one variant)"
            ));
            1
        }
    }
}

fn state(s: &Shown) -> &'static str {
    match (&s.key, &s.manifest) {
        (_, Some(_)) => "built",
        (Some(_), None) => "not built",
        (None, None) => "cannot key (a file it reads is missing)",
    }
}

fn short(key: &Option<String>) -> String {
    key.as_deref()
        .map(|k| k.chars().take(12).collect())
        .unwrap_or_else(|| "-".into())
}

fn overview(shown: &[Shown], store: &std::path::Path) -> String {
    let mut t = format!("store: {}\n", store.display());
    for s in shown {
        let place = match (&s.manifest, &s.dir) {
            (Some(_), Some(d)) => d.display().to_string(),
            _ => state(s).to_string(),
        };
        t.push_str(&format!(
            "{:<40} {:<18} {:<12}  {place}\n",
            s.stage.id,
            s.stage.kind.as_str(),
            short(&s.key)
        ));
    }
    t
}

fn detail(s: &Shown) -> String {
    let mut t = format!(
        "stage:     {}\nkind:      {}\n",
        s.stage.id,
        s.stage.kind.as_str()
    );
    t.push_str(&format!("plan key:  {}\n", s.stage.key.0));
    t.push_str(&format!(
        "store key: {}\n",
        s.key.as_deref().unwrap_or("- (a file it reads is missing)")
    ));
    t.push_str(&format!("state:     {}\n", state(s)));
    if !s.stage.variants.is_empty() {
        t.push_str(&format!("variants:  {}\n", s.stage.variants.join(", ")));
    }
    let (Some(m), Some(dir)) = (&s.manifest, &s.dir) else {
        return t;
    };
    t.push_str(&format!("path:      {}\n", dir.display()));
    t.push_str(&format!("made:      {}\n", m.finished));
    t.push_str("summary:\n");
    if let Some(map) = m.summary.as_object() {
        for (k, v) in map {
            t.push_str(&format!("  {k}: {v}\n"));
        }
    }
    t.push_str("files:\n");
    for f in &m.files {
        t.push_str(&format!("  {:<32} {:>10} bytes\n", f.path, f.size));
    }
    t
}

fn variant(name: &str, mine: &[&Shown]) -> String {
    let mut t = format!("variant: {name}\n");
    if let Some(r) = mine.iter().find(|s| s.stage.kind == StageKind::Report) {
        let report = match (
            &r.manifest,
            &r.dir,
            super::run::main_file(StageKind::Report),
        ) {
            (Some(_), Some(d), Some(f)) => d.join(f).display().to_string(),
            _ => state(r).to_string(),
        };
        t.push_str(&format!("report:  {report}\n"));
    }
    t.push_str("stages:\n");
    for s in mine {
        let place = match (&s.manifest, &s.dir) {
            (Some(_), Some(d)) => d.display().to_string(),
            _ => state(s).to_string(),
        };
        t.push_str(&format!(
            "  {:<40} {:<18} {:<12}  {place}\n",
            s.stage.id,
            s.stage.kind.as_str(),
            short(&s.key)
        ));
    }
    t
}

fn unknown_target(plan: &Plan, target: &str) -> String {
    let mut names: Vec<&str> = plan.variants().iter().map(|v| v.name.as_str()).collect();
    names.extend(plan.stages().iter().map(|s| s.id.as_str()));
    let closest = crate::lang::suggest::did_you_mean(target, &names)
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    let variants: Vec<&str> = plan.variants().iter().map(|v| v.name.as_str()).collect();
    format!(
        "error: `{target}` is neither a stage id nor a variant of `{}`\n  help: {closest}variants: {}; `mascot show FILE` lists the stage ids",
        plan.experiment(),
        variants.join(", ")
    )
}
