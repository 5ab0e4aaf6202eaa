//! Which executor `mascot run` uses, with which settings: the `--executor` flag, else the
//! experiment's `executor` declaration, else local. On SLURM each flag (`--partition`,
//! `--slurm-time`, ...) replaces one field of the declared settings; `--executor local`
//! runs here whatever the file declares. The choice is described field by field with where
//! each value came from (`mascot run --dry-run` prints it).

use crate::exec::Executor;
use crate::exec::slurm::SlurmSettings;
use crate::spec::executor::ExecutorSpec;

/// The executor flags of `mascot run`.
#[derive(Debug, Default, clap::Args)]
pub struct ExecutorFlags {
    /// Where stages execute: `local` (this machine) or `slurm` (one SLURM job per stage;
    /// the store, the experiment's files and this binary must be on a filesystem every node
    /// shares). Default: the experiment's `executor` declaration, else `local`.
    #[arg(long, value_enum)]
    pub executor: Option<ExecutorKind>,
    /// SLURM: the partition of every job (default: the file's `partition`, else the
    /// cluster's default).
    #[arg(long, value_name = "P")]
    pub partition: Option<String>,
    /// SLURM: the account charged (default: the file's `account`, else the user's default
    /// account).
    #[arg(long, value_name = "A")]
    pub account: Option<String>,
    /// SLURM: the time limit of every job (`90`, `4:00:00`, `1-12:00:00`; default: the
    /// file's `time`, else the partition's limit).
    #[arg(long, value_name = "TIME")]
    pub slurm_time: Option<String>,
    /// SLURM: GPUs of a stage whose models run on `cuda`/`wgpu` (default: the file's
    /// `gpus_per_stage`, else one per distinct GPU device its models name).
    #[arg(long, value_name = "N")]
    pub gpus_per_stage: Option<u32>,
    /// SLURM: cores of a model stage (default: the file's `cpus_per_stage`, else 4 on a GPU,
    /// 2 on the CPU).
    #[arg(long, value_name = "N")]
    pub cpus_per_stage: Option<u32>,
    /// SLURM: memory of a model stage (`32G`; default: the file's `mem_per_stage`, else 32G
    /// on a GPU, 8G on the CPU).
    #[arg(long, value_name = "SIZE")]
    pub mem_per_stage: Option<String>,
    /// SLURM: one more `sbatch` argument for every job, whole (`--slurm-arg=--qos=high`);
    /// repeatable. Given at all, they replace the file's `extra_args`.
    #[arg(long = "slurm-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub slurm_args: Vec<String>,
}

/// The executors `mascot run --executor` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExecutorKind {
    Local,
    Slurm,
}

/// Where the executor, or one of its settings, came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag (its name).
    Flag(&'static str),
    /// The experiment's (or the JSON plan's) `executor` declaration.
    Declared,
    /// Neither: mascot's or the cluster's default.
    Default,
}

/// One SLURM setting of the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Its field name in `executor slurm { ... }`.
    pub field: &'static str,
    /// The value, as sbatch gets it (`None`: not set, the default applies).
    pub value: Option<String>,
    pub origin: Origin,
    /// What applies when it is not set.
    pub default: &'static str,
}

/// The executor a run uses and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub executor: Executor,
    /// Where the executor itself came from.
    pub origin: Origin,
    /// The name of a declared executor the `--executor` flag replaced.
    pub overridden: Option<&'static str>,
    /// Each SLURM setting in declaration order (empty for a local run).
    pub settings: Vec<Setting>,
}

/// A flag's value over the declared one.
fn pick<T: Clone>(
    flag: &Option<T>,
    declared: &Option<T>,
    name: &'static str,
) -> (Option<T>, Origin) {
    match (flag, declared) {
        (Some(v), _) => (Some(v.clone()), Origin::Flag(name)),
        (None, Some(v)) => (Some(v.clone()), Origin::Declared),
        (None, None) => (None, Origin::Default),
    }
}

impl ExecutorFlags {
    /// The SLURM flags given, by name.
    fn slurm_flags_given(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (given, name) in [
            (self.partition.is_some(), "--partition"),
            (self.account.is_some(), "--account"),
            (self.slurm_time.is_some(), "--slurm-time"),
            (self.gpus_per_stage.is_some(), "--gpus-per-stage"),
            (self.cpus_per_stage.is_some(), "--cpus-per-stage"),
            (self.mem_per_stage.is_some(), "--mem-per-stage"),
            (!self.slurm_args.is_empty(), "--slurm-arg"),
        ] {
            if given {
                out.push(name);
            }
        }
        out
    }

    /// The executor for a plan that declares `declared`. SLURM flags on a local run are an
    /// error rather than silently ignored.
    pub fn choose(&self, declared: Option<&ExecutorSpec>) -> miette::Result<Choice> {
        let (slurm, origin) = match (self.executor, declared) {
            (Some(ExecutorKind::Slurm), _) => (true, Origin::Flag("--executor")),
            (Some(ExecutorKind::Local), _) => (false, Origin::Flag("--executor")),
            (None, Some(d)) => (matches!(d, ExecutorSpec::Slurm(_)), Origin::Declared),
            (None, None) => (false, Origin::Default),
        };
        let overridden = match (self.executor, declared) {
            (Some(k), Some(d))
                if (k == ExecutorKind::Slurm) != matches!(d, ExecutorSpec::Slurm(_)) =>
            {
                Some(d.name())
            }
            _ => None,
        };
        if !slurm {
            let given = self.slurm_flags_given();
            if !given.is_empty() {
                let why = match origin {
                    Origin::Flag(_) => "`--executor local` runs the stages here",
                    Origin::Declared => "the experiment declares `executor local`",
                    Origin::Default => {
                        "the run is local (no `--executor slurm`, no `executor slurm` declaration)"
                    }
                };
                return Err(miette::miette!(
                    code = "mascot::run::slurm_flags",
                    help = "add `--executor slurm` (or declare `executor slurm { ... }` in the experiment), or leave out the SLURM flags",
                    "{} only {} to a SLURM run, and {why}",
                    given.join(", "),
                    if given.len() == 1 { "applies" } else { "apply" }
                ));
            }
            return Ok(Choice {
                executor: Executor::Local,
                origin,
                overridden,
                settings: Vec::new(),
            });
        }
        let base = match declared {
            Some(ExecutorSpec::Slurm(s)) => s.clone(),
            _ => SlurmSettings::default(),
        };
        let (partition, o_partition) = pick(&self.partition, &base.partition, "--partition");
        let (account, o_account) = pick(&self.account, &base.account, "--account");
        let (time, o_time) = pick(&self.slurm_time, &base.time, "--slurm-time");
        let (gpus, o_gpus) = pick(
            &self.gpus_per_stage,
            &base.gpus_per_stage,
            "--gpus-per-stage",
        );
        let (cpus, o_cpus) = pick(
            &self.cpus_per_stage,
            &base.cpus_per_stage,
            "--cpus-per-stage",
        );
        let (mem, o_mem) = pick(&self.mem_per_stage, &base.mem_per_stage, "--mem-per-stage");
        let (extra_args, o_args) = match (self.slurm_args.is_empty(), base.extra_args.is_empty()) {
            (false, _) => (self.slurm_args.clone(), Origin::Flag("--slurm-arg")),
            (true, false) => (base.extra_args.clone(), Origin::Declared),
            (true, true) => (Vec::new(), Origin::Default),
        };
        let shown = |v: Option<String>, origin, field, default| Setting {
            field,
            value: v,
            origin,
            default,
        };
        let settings = vec![
            shown(
                partition.clone(),
                o_partition,
                "partition",
                "the cluster's default partition",
            ),
            shown(
                account.clone(),
                o_account,
                "account",
                "the user's default account",
            ),
            shown(time.clone(), o_time, "time", "the partition's time limit"),
            shown(
                gpus.map(|n| n.to_string()),
                o_gpus,
                "gpus_per_stage",
                "one per GPU device a stage's models name",
            ),
            shown(
                cpus.map(|n| n.to_string()),
                o_cpus,
                "cpus_per_stage",
                "4 for a GPU stage, 2 for a CPU model stage, 1 without a model",
            ),
            shown(
                mem.clone(),
                o_mem,
                "mem_per_stage",
                "32G for a GPU stage, 8G for a CPU model stage, 2G without a model",
            ),
            shown(
                (!extra_args.is_empty()).then(|| extra_args.join(" ")),
                o_args,
                "extra_args",
                "none",
            ),
        ];
        Ok(Choice {
            executor: Executor::Slurm(SlurmSettings {
                partition,
                account,
                time,
                gpus_per_stage: gpus,
                cpus_per_stage: cpus,
                mem_per_stage: mem,
                extra_args,
            }),
            origin,
            overridden,
            settings,
        })
    }
}

impl Choice {
    /// One line naming the executor and where it came from (`declared_in`: the file given
    /// to `mascot run`).
    pub fn headline(&self, declared_in: &str) -> String {
        let name = match self.executor {
            Executor::Local => "local",
            Executor::Slurm(_) => "slurm",
        };
        let from = match self.origin {
            Origin::Flag(_) => format!("from --executor {name}"),
            Origin::Declared => format!("from `executor {name}` in {declared_in}"),
            Origin::Default => format!(
                "the default: no --executor flag and no `executor` declaration in {declared_in}"
            ),
        };
        let over = match self.overridden {
            Some(d) => format!(", over `executor {d}` in {declared_in}"),
            None => String::new(),
        };
        format!("executor: {name} ({from}{over})")
    }

    /// The headline and, for SLURM, each setting with its value and origin.
    pub fn describe(&self, declared_in: &str) -> String {
        let mut out = self.headline(declared_in) + "\n";
        for s in &self.settings {
            let origin = match s.origin {
                Origin::Flag(f) => format!("from {f}"),
                Origin::Declared => format!("from {declared_in}"),
                Origin::Default => format!("default: {}", s.default),
            };
            let value = s.value.as_deref().unwrap_or("-");
            out.push_str(&format!("  {:<15} {value:<16} ({origin})\n", s.field));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared() -> ExecutorSpec {
        ExecutorSpec::Slurm(SlurmSettings {
            partition: Some("debug".into()),
            time: Some("02:00:00".into()),
            extra_args: vec!["--qos=normal".into()],
            ..SlurmSettings::default()
        })
    }

    #[test]
    fn the_declaration_applies_and_a_flag_replaces_one_field() {
        let flags = ExecutorFlags {
            slurm_time: Some("10:00".into()),
            ..ExecutorFlags::default()
        };
        let c = flags.choose(Some(&declared())).unwrap();
        assert_eq!(c.origin, Origin::Declared);
        let Executor::Slurm(s) = &c.executor else {
            panic!("{c:?}");
        };
        assert_eq!(s.partition.as_deref(), Some("debug"));
        assert_eq!(s.time.as_deref(), Some("10:00"));
        assert_eq!(s.extra_args, vec!["--qos=normal".to_string()]);
        let time = c.settings.iter().find(|s| s.field == "time").unwrap();
        assert_eq!(time.origin, Origin::Flag("--slurm-time"));
        let text = c.describe("x.mascot");
        assert!(
            text.starts_with("executor: slurm (from `executor slurm` in x.mascot)"),
            "{text}"
        );
        assert!(
            text.contains("(from --slurm-time)") && text.contains("(from x.mascot)"),
            "{text}"
        );
    }

    #[test]
    fn executor_local_forces_local_and_refuses_slurm_flags() {
        let local = ExecutorFlags {
            executor: Some(ExecutorKind::Local),
            ..ExecutorFlags::default()
        };
        let c = local.choose(Some(&declared())).unwrap();
        assert_eq!(c.executor, Executor::Local);
        assert_eq!(c.overridden, Some("slurm"));
        assert!(c.headline("x.mascot").contains("over `executor slurm`"));
        let with_flag = ExecutorFlags {
            executor: Some(ExecutorKind::Local),
            partition: Some("gpu".into()),
            ..ExecutorFlags::default()
        };
        let err = with_flag.choose(Some(&declared())).unwrap_err();
        assert!(
            err.to_string().contains("--partition only applies"),
            "{err}"
        );
        // No declaration, no flag: local, and SLURM flags are refused as before.
        assert_eq!(
            ExecutorFlags::default().choose(None).unwrap().executor,
            Executor::Local
        );
        let flags_only = ExecutorFlags {
            slurm_args: vec!["--qos=high".into()],
            ..ExecutorFlags::default()
        };
        assert!(flags_only.choose(None).is_err());
        // Flags on a declared slurm run, without --executor, are overrides.
        let c = flags_only.choose(Some(&declared())).unwrap();
        let Executor::Slurm(s) = c.executor else {
            panic!();
        };
        assert_eq!(s.extra_args, vec!["--qos=high".to_string()]);
    }

    #[test]
    fn executor_slurm_over_a_local_declaration_starts_from_the_defaults() {
        let flags = ExecutorFlags {
            executor: Some(ExecutorKind::Slurm),
            ..ExecutorFlags::default()
        };
        let c = flags.choose(Some(&ExecutorSpec::Local)).unwrap();
        assert_eq!(c.executor, Executor::Slurm(SlurmSettings::default()));
        assert_eq!(c.overridden, Some("local"));
        assert!(c.settings.iter().all(|s| s.origin == Origin::Default));
    }
}
