//! Settings of the SLURM executor ([`SlurmSettings`], defined with the `executor slurm`
//! declaration in [`crate::spec::slurm_settings`]) and their check before anything is
//! submitted.

use crate::exec::slurm::error::SlurmError;

pub use crate::spec::slurm_settings::SlurmSettings;

/// Checks every field of the merged settings (file and flags); the first bad one is the
/// error.
pub fn validate(settings: &SlurmSettings) -> Result<(), SlurmError> {
    match settings.problems().into_iter().next() {
        None => Ok(()),
        Some(p) => Err(SlurmError::Setting {
            field: p.field,
            message: p.message,
            help: p.help,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bad_setting_is_the_error() {
        assert!(validate(&SlurmSettings::default()).is_ok());
        let s = SlurmSettings {
            partition: Some("gpu a100".into()),
            time: Some("2 hours".into()),
            ..SlurmSettings::default()
        };
        let err = validate(&s).unwrap_err();
        assert!(err.to_string().contains("`partition`"), "{err}");
        let s = SlurmSettings {
            extra_args: vec!["--dependency=afterany:1".into()],
            ..SlurmSettings::default()
        };
        let err = validate(&s).unwrap_err();
        assert!(err.to_string().contains("mascot sets itself"), "{err}");
    }
}
