//! Settings of the SLURM executor (`executor slurm { ... }` in an experiment file, or the
//! `mascot run --executor slurm` flags) and the checks of their values against the formats
//! `sbatch` accepts. The checker reports a bad value at its span; the executor checks the
//! merged settings again before it submits anything.

use serde::{Deserialize, Serialize};

/// How stages are submitted. Every field is optional; the defaults are the cluster's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlurmSettings {
    /// `--partition` of every job (a comma list lets SLURM pick). Default: the cluster's
    /// default partition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// `--account` charged. Default: the user's default account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `--time` limit of every job (`30`, `4:00:00`, `1-12:00:00`). Default: the
    /// partition's limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// GPUs of a stage whose models run on `cuda`/`wgpu`. Default: one per distinct GPU
    /// device the stage's models name (`cuda:0` and `cuda:1` -> 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpus_per_stage: Option<u32>,
    /// Cores of a model stage. Default: 4 for GPU stages, 2 for CPU stages. Stages
    /// without a model always get 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus_per_stage: Option<u32>,
    /// Memory of a model stage (`--mem`: `32G`, `8000M`). Default: 32G for GPU stages,
    /// 8G for CPU stages. Stages without a model always get 2G.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mem_per_stage: Option<String>,
    /// More `sbatch` arguments for every job (`--qos=high`, `--constraint=a100`),
    /// appended after mascot's own, so they win over the resources above. Default: none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_args: Vec<String>,
}

/// One setting SLURM would not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingProblem {
    /// The setting, by its field name (`time`, `extra_args`).
    pub field: &'static str,
    /// For a list setting, the position of the bad element.
    pub item: Option<usize>,
    pub message: String,
    pub help: String,
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
    /// Every setting SLURM would not accept, in field order (empty when all are valid).
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut out = Vec::new();
        let mut bad = |field, item, message: String, help: &str| {
            out.push(SettingProblem {
                field,
                item,
                message,
                help: help.to_string(),
            })
        };
        for (field, value) in [("partition", &self.partition), ("account", &self.account)] {
            if let Some(v) = value
                && (v.is_empty() || v.chars().any(char::is_whitespace))
            {
                bad(
                    field,
                    None,
                    format!("`{v}` is empty or holds spaces"),
                    "give a name as `sinfo` / `sacctmgr show assoc` print it",
                );
            }
        }
        if let Some(t) = &self.time
            && !valid_time(t)
        {
            bad(
                "time",
                None,
                format!("`{t}` is not a SLURM time"),
                "use minutes (`90`), `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`",
            );
        }
        for (field, v) in [
            ("gpus_per_stage", self.gpus_per_stage),
            ("cpus_per_stage", self.cpus_per_stage),
        ] {
            if v == Some(0) {
                bad(field, None, "0".into(), "give at least 1");
            }
        }
        if let Some(m) = &self.mem_per_stage
            && !valid_mem(m)
        {
            bad(
                "mem_per_stage",
                None,
                format!("`{m}` is not a SLURM memory size"),
                "use a whole number with an optional K, M, G or T suffix (`32G`)",
            );
        }
        for (i, arg) in self.extra_args.iter().enumerate() {
            if !arg.starts_with('-') {
                bad(
                    "extra_args",
                    Some(i),
                    format!("`{arg}` is not an option"),
                    "pass each sbatch option whole, with its value: `--qos=high`",
                );
                continue;
            }
            let name = arg.split('=').next().unwrap_or_default();
            let owned = OWNED.iter().any(|o| {
                name == *o || (o.len() == 2 && name.starts_with(o) && !o.starts_with("--"))
            });
            if owned {
                bad(
                    "extra_args",
                    Some(i),
                    format!("`{arg}` sets an option mascot sets itself"),
                    "mascot names each job after its stage, writes its log into the run record \
                     and chains jobs with --dependency; leave these out",
                );
            }
        }
        out
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
    fn every_bad_setting_is_named_with_its_list_position() {
        assert!(SlurmSettings::default().problems().is_empty());
        let s = SlurmSettings {
            partition: Some("gpu a100".into()),
            time: Some("2 hours".into()),
            gpus_per_stage: Some(0),
            mem_per_stage: Some("lots".into()),
            extra_args: vec![
                "--qos=high".into(),
                "qos=high".into(),
                "--dependency=afterany:1".into(),
                "-Jname".into(),
                "--exclusive".into(),
            ],
            ..SlurmSettings::default()
        };
        let found: Vec<(&str, Option<usize>)> =
            s.problems().iter().map(|p| (p.field, p.item)).collect();
        assert_eq!(
            found,
            vec![
                ("partition", None),
                ("time", None),
                ("gpus_per_stage", None),
                ("mem_per_stage", None),
                ("extra_args", Some(1)),
                ("extra_args", Some(2)),
                ("extra_args", Some(3)),
            ]
        );
        let owned = &s.problems()[5];
        assert!(owned.message.contains("mascot sets itself"), "{owned:?}");
        let fine = SlurmSettings {
            partition: Some("gpu,gpu2".into()),
            ..SlurmSettings::default()
        };
        assert!(fine.problems().is_empty());
    }

    #[test]
    fn unset_settings_are_left_out_of_the_json() {
        let s = SlurmSettings {
            partition: Some("debug".into()),
            ..SlurmSettings::default()
        };
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"partition":"debug"}"#
        );
        let back: SlurmSettings = serde_json::from_str(r#"{"partition":"debug"}"#).unwrap();
        assert_eq!(back, s);
        assert!(serde_json::from_str::<SlurmSettings>(r#"{"partion":"x"}"#).is_err());
    }
}
