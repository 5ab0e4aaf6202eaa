//! One adapter per persona (`per_persona: true`): the prompts are split by persona and each
//! persona's policy is trained on its own prompts by [`train_grpo`], into
//! `<output>/personas/<slug>/` (and `<checkpoints>/<slug>/`). Without it, one shared policy
//! learns every persona, each prompt carrying its persona's system prompt.

use std::path::PathBuf;

use super::config::GrpoConfig;
use super::error::GrpoError;
use super::prompt::PolicyPrompt;
use super::rollout::RolloutSource;
use super::trainer::{GrpoRun, train_grpo};
use crate::model::LoadedModel;
use crate::train::progress::{ProgressEvent, TrainProgress};

/// Folder (inside the output directory) of the per-persona runs.
pub const PERSONAS_DIR: &str = "personas";

/// One persona's finished run.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonaOutcome {
    pub persona: String,
    /// The folder name used for it (see [`persona_slugs`]).
    pub slug: String,
    /// `<output>/personas/<slug>/adapter`.
    pub adapter_dir: PathBuf,
    pub total_steps: usize,
    pub resumed_from: Option<usize>,
}

/// Folder names for persona names: lower-case ASCII letters and digits, other runs of
/// characters as `_`, a numeric suffix when two names give the same folder.
pub fn persona_slugs(personas: &[String]) -> Vec<String> {
    let mut slugs: Vec<String> = Vec::with_capacity(personas.len());
    for name in personas {
        let mut slug = String::new();
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.ends_with('_') {
                slug.push('_');
            }
        }
        let base = match slug.trim_matches('_') {
            "" => "persona".to_string(),
            s => s.to_string(),
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while slugs.contains(&candidate) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        slugs.push(candidate);
    }
    slugs
}

/// Trains one policy per persona of `prompts` (personas in order of first appearance);
/// `load_policy` gives each persona's starting policy (trainable, adapters attached).
pub fn train_per_persona<S>(
    mut load_policy: impl FnMut(&str) -> Result<LoadedModel, GrpoError>,
    source: &mut S,
    prompts: &[PolicyPrompt],
    config: &GrpoConfig,
    run: GrpoRun<'_>,
    progress: &mut dyn TrainProgress,
) -> Result<Vec<PersonaOutcome>, GrpoError>
where
    S: RolloutSource<Prompt = PolicyPrompt>,
{
    let mut personas: Vec<String> = Vec::new();
    for p in prompts {
        if !personas.contains(&p.persona) {
            personas.push(p.persona.clone());
        }
    }
    let slugs = persona_slugs(&personas);
    let mut outcomes = Vec::with_capacity(personas.len());
    for (i, (persona, slug)) in personas.iter().zip(&slugs).enumerate() {
        progress.event(&ProgressEvent::Message(&format!(
            "persona `{persona}` ({}/{})",
            i + 1,
            personas.len()
        )));
        let own: Vec<PolicyPrompt> = prompts
            .iter()
            .filter(|p| &p.persona == persona)
            .cloned()
            .collect();
        let output_dir = run.output_dir.join(PERSONAS_DIR).join(slug);
        let checkpoint_dir = run.checkpoint_dir.map(|d| d.join(slug));
        let outcome = train_grpo(
            load_policy(persona)?,
            source,
            &own,
            config,
            GrpoRun {
                output_dir: &output_dir,
                checkpoint_dir: checkpoint_dir.as_deref(),
            },
            progress,
        )?;
        outcomes.push(PersonaOutcome {
            persona: persona.clone(),
            slug: slug.clone(),
            adapter_dir: outcome.adapter_dir,
            total_steps: outcome.total_steps,
            resumed_from: outcome.resumed_from,
        });
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_folder_safe_and_distinct() {
        let names = ["The Anchor", "the anchor!", "Décision Logger", "???"].map(String::from);
        assert_eq!(
            persona_slugs(&names),
            vec!["the_anchor", "the_anchor_2", "d_cision_logger", "persona"]
        );
    }
}
