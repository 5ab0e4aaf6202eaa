//! Settings of the SLURM executor, from `mascot run --executor slurm` flags (and the
//! experiment's executor block), with their checks.

use serde::{Deserialize, Serialize};

use crate::exec::slurm::error::SlurmError;

/// How stages are submitted. Every field is optional; the defaults are the cluster's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlurmSettings {
    /// `--partition` of every job (a comma list lets SLURM pick). Default: the cluster's
    /// default partition.
    pub partition: Option<String>,
    /// `--account` charged. Default: the user's default account.
    pub account: Option<String>,
    /// `--time` limit of every job (`30`, `4:00:00`, `1-12:00:00`). Default: the
    /// partition's limit.
    pub time: Option<String>,
    /// GPUs of a stage whose models run on `cuda`/`wgpu`. Default: one per distinct GPU
    /// device the stage's models name (`cuda:0` and `cuda:1` -> 2).
    pub gpus_per_stage: Option<u32>,
    /// Cores of a model stage. Default: 4 for GPU stages, 2 for CPU stages. Stages
    /// without a model always get 1.
    pub cpus_per_stage: Option<u32>,
    /// Memory of a model stage (`--mem`: `32G`, `8000M`). Default: 32G for GPU stages,
    /// 8G for CPU stages. Stages without a model always get 2G.
    pub mem_per_stage: Option<String>,
    /// More `sbatch` arguments for every job (`--qos=high`, `--constraint=a100`),
    /// appended after mascot's own, so they win over the resources above.
    pub extra_args: Vec<String>,
}

/// `sbatch` options mascot sets itself and a setting may not override.
const OWNED: [&str; 9] = [
    "--job-name",
    "-J",
    "--output",
    "-o",
    "--error",
    "-e",
    "--parsable",
    "--dependency",
    "--wrap",
];

impl SlurmSettings {
    /// Checks every field; the first bad one is the error.
    pub fn validate(&self) -> Result<(), SlurmError> {
        for (field, value) in [("partition", &self.partition), ("account", &self.account)] {
            if let Some(v) = value
                && (v.is_empty() || v.chars().any(char::is_whitespace))
            {
                return Err(setting(
                    field,
                    format!("`{v}` is empty or holds spaces"),
                    "give a name as `sinfo` / `sacctmgr show assoc` print it",
                ));
            }
        }
        if let Some(t) = &self.time
            && !valid_time(t)
        {
            return Err(setting(
                "time",
                format!("`{t}` is not a SLURM time"),
                "use minutes (`90`), `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`",
            ));
        }
        if let Some(m) = &self.mem_per_stage
            && !valid_mem(m)
        {
            return Err(setting(
                "mem_per_stage",
                format!("`{m}` is not a SLURM memory size"),
                "use a whole number with an optional K, M, G or T suffix (`32G`)",
            ));
        }
        for (field, v) in [
            ("gpus_per_stage", self.gpus_per_stage),
            ("cpus_per_stage", self.cpus_per_stage),
        ] {
            if v == Some(0) {
                return Err(setting(field, "0".into(), "give at least 1"));
            }
        }
        for arg in &self.extra_args {
            if !arg.starts_with('-') {
                return Err(setting(
                    "extra_args",
                    format!("`{arg}` is not an option"),
                    "pass each sbatch option whole, with its value: `--slurm-arg=--qos=high`",
                ));
            }
            let name = arg.split('=').next().unwrap_or_default();
            let owned = OWNED.iter().any(|o| {
                name == *o || (o.len() == 2 && name.starts_with(o) && !o.starts_with("--"))
            });
            if owned {
                return Err(setting(
                    "extra_args",
                    format!("`{arg}` sets an option mascot sets itself"),
                    "mascot names each job after its stage, writes its log into the run record \
                     and chains jobs with --dependency; leave these out",
                ));
            }
        }
        Ok(())
    }
}

fn setting(field: &'static str, message: String, help: &str) -> SlurmError {
    SlurmError::Setting {
        field,
        message,
        help: help.to_string(),
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// `sbatch --time` formats: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`, `UNLIMITED`.
pub fn valid_time(t: &str) -> bool {
    if matches!(t, "UNLIMITED" | "INFINITE" | "unlimited" | "infinite") {
        return true;
    }
    let (days, rest) = match t.split_once('-') {
        Some((d, r)) => (Some(d), r),
        None => (None, t),
    };
    if days.is_some_and(|d| !digits(d)) {
        return false;
    }
    let parts: Vec<&str> = rest.split(':').collect();
    if !parts.iter().all(|p| digits(p)) {
        return false;
    }
    (1..=3).contains(&parts.len())
}

/// `sbatch --mem` sizes: digits with an optional K/M/G/T suffix.
pub fn valid_mem(m: &str) -> bool {
    let body = m.strip_suffix(['K', 'M', 'G', 'T']).unwrap_or(m);
    digits(body) && body != "0"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_sizes() {
        for ok in [
            "30",
            "4:00:00",
            "1-12",
            "1-12:30",
            "1-12:30:00",
            "10:00",
            "UNLIMITED",
        ] {
            assert!(valid_time(ok), "{ok}");
        }
        for bad in ["", "4h", "1-", "-3", "1:2:3:4", "a:00", "1-1:2:3:4"] {
            assert!(!valid_time(bad), "{bad}");
        }
        for ok in ["32G", "8000", "512M", "1T"] {
            assert!(valid_mem(ok), "{ok}");
        }
        for bad in ["", "G", "32GB", "-1G", "0", "1.5G"] {
            assert!(!valid_mem(bad), "{bad}");
        }
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        assert!(SlurmSettings::default().validate().is_ok());
        let with = |f: fn(&mut SlurmSettings)| {
            let mut s = SlurmSettings::default();
            f(&mut s);
            s.validate()
        };
        let err = with(|s| s.partition = Some("gpu a100".into())).unwrap_err();
        assert!(err.to_string().contains("`partition`"), "{err}");
        assert!(with(|s| s.partition = Some("gpu,gpu2".into())).is_ok());
        assert!(with(|s| s.time = Some("2 hours".into())).is_err());
        assert!(with(|s| s.mem_per_stage = Some("lots".into())).is_err());
        assert!(with(|s| s.gpus_per_stage = Some(0)).is_err());
        assert!(with(|s| s.extra_args = vec!["--qos=high".into()]).is_ok());
        assert!(with(|s| s.extra_args = vec!["qos=high".into()]).is_err());
        let err = with(|s| s.extra_args = vec!["--dependency=afterany:1".into()]).unwrap_err();
        assert!(err.to_string().contains("mascot sets itself"), "{err}");
        assert!(with(|s| s.extra_args = vec!["-Jname".into()]).is_err());
        assert!(with(|s| s.extra_args = vec!["--exclusive".into()]).is_ok());
    }
}
