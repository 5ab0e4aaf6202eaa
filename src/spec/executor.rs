//! The `executor` declaration: where `mascot run` executes the stages when no `--executor`
//! flag says otherwise. `executor local {}` (this machine, the default) or
//! `executor slurm { partition: "gpu", time: "12:00:00", ... }` (one SLURM job per stage,
//! [`SlurmSettings`]). Its name picks the executor; its fields are that executor's table.
//!
//! An executor says where and how a stage runs, never what it computes: it is carried beside
//! the plan's stages and enters no content key.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int};
use crate::spec::slurm_settings::{SettingProblem, SlurmSettings};
use crate::spec::value::{Fields, LowerError};

/// The declaration's keyword.
pub const KEYWORD: &str = "executor";

/// The executors an `executor` declaration may name.
pub const EXECUTORS: [&str; 2] = ["local", "slurm"];

/// `executor local {}`: no settings.
pub const LOCAL: &[FieldSpec] = &[];

/// `executor slurm { ... }`: the fields of [`SlurmSettings`], each optional, each also a
/// `mascot run` flag (`--partition`, `--account`, `--slurm-time`, `--gpus-per-stage`,
/// `--cpus-per-stage`, `--mem-per-stage`, `--slurm-arg`).
pub const SLURM: &[FieldSpec] = &[
    f("partition", Ty::Str, Optional),
    f("account", Ty::Str, Optional),
    f("time", Ty::Str, Optional),
    f("gpus_per_stage", int(1), Optional),
    f("cpus_per_stage", int(1), Optional),
    f("mem_per_stage", Ty::Str, Optional),
    f("extra_args", Ty::StrList, Optional),
];

/// Where stages execute, as an experiment (or a JSON plan) declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutorSpec {
    Local,
    Slurm(SlurmSettings),
}

impl ExecutorSpec {
    /// The executor's name as the declaration and `--executor` write it.
    pub fn name(&self) -> &'static str {
        match self {
            ExecutorSpec::Local => "local",
            ExecutorSpec::Slurm(_) => "slurm",
        }
    }
}

/// The field table of the executor called `name` (`None`: no such executor).
pub fn fields(name: &str) -> Option<&'static [FieldSpec]> {
    match name {
        "local" => Some(LOCAL),
        "slurm" => Some(SLURM),
        _ => None,
    }
}

/// Why checked fields did not make an executor.
#[derive(Debug, Clone, PartialEq)]
pub enum ExecutorError {
    /// A table and this code disagree (a bug).
    Lower(LowerError),
    /// Values SLURM would not accept.
    Settings(Vec<SettingProblem>),
}

impl From<LowerError> for ExecutorError {
    fn from(e: LowerError) -> Self {
        ExecutorError::Lower(e)
    }
}

/// An `executor NAME` declaration's checked fields -> the executor.
pub fn lower(name: &str, f: &Fields) -> Result<ExecutorSpec, ExecutorError> {
    match name {
        "local" => Ok(ExecutorSpec::Local),
        "slurm" => {
            let mut problems = Vec::new();
            let mut count = |field: &'static str| -> Result<Option<u32>, LowerError> {
                let n = f.opt::<u64>(field)?;
                Ok(n.and_then(|n| match u32::try_from(n) {
                    Ok(n) => Some(n),
                    Err(_) => {
                        problems.push(SettingProblem {
                            field,
                            item: None,
                            message: format!("{n} is more than SLURM can request"),
                            help: "give the number a job really needs".into(),
                        });
                        None
                    }
                }))
            };
            let gpus_per_stage = count("gpus_per_stage")?;
            let cpus_per_stage = count("cpus_per_stage")?;
            let settings = SlurmSettings {
                partition: f.opt("partition")?,
                account: f.opt("account")?,
                time: f.opt("time")?,
                gpus_per_stage,
                cpus_per_stage,
                mem_per_stage: f.opt("mem_per_stage")?,
                extra_args: f.opt("extra_args")?.unwrap_or_default(),
            };
            problems.extend(settings.problems());
            if problems.is_empty() {
                Ok(ExecutorSpec::Slurm(settings))
            } else {
                Err(ExecutorError::Settings(problems))
            }
        }
        other => Err(LowerError::Other(format!("no executor `{other}`")).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::value::Val;

    #[test]
    fn slurm_fields_lower_to_settings_and_bad_values_are_named() {
        let mut f = Fields::new();
        f.insert("partition", Val::Str("debug".into()));
        f.insert("gpus_per_stage", Val::Int(2));
        f.insert(
            "extra_args",
            Val::List(vec![Val::Str("--qos=normal".into())]),
        );
        let spec = lower("slurm", &f).unwrap();
        assert_eq!(
            spec,
            ExecutorSpec::Slurm(SlurmSettings {
                partition: Some("debug".into()),
                gpus_per_stage: Some(2),
                extra_args: vec!["--qos=normal".into()],
                ..SlurmSettings::default()
            })
        );
        assert_eq!(lower("local", &Fields::new()).unwrap(), ExecutorSpec::Local);

        f.insert("time", Val::Str("2 hours".into()));
        f.insert("cpus_per_stage", Val::Int(1 << 40));
        let Err(ExecutorError::Settings(p)) = lower("slurm", &f) else {
            panic!("bad values were accepted");
        };
        let fields: Vec<&str> = p.iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["cpus_per_stage", "time"]);
    }

    #[test]
    fn the_json_names_the_executor() {
        let s = ExecutorSpec::Slurm(SlurmSettings {
            time: Some("10:00".into()),
            ..SlurmSettings::default()
        });
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"slurm":{"time":"10:00"}}"#
        );
        assert_eq!(
            serde_json::to_string(&ExecutorSpec::Local).unwrap(),
            r#""local""#
        );
    }
}
