//! The model behind `sample_candidates`: the model runtime's chat generation, adapted to
//! [`ResponseSampler`].

use std::path::Path;

use crate::plan::params::SampleCandidatesParams;
use crate::stages::sample_candidates::ResponseSampler;

/// Loads the stage's model.
pub fn load_sampler(
    params: &SampleCandidatesParams,
    _base_dir: &Path,
) -> miette::Result<Box<dyn ResponseSampler>> {
    Err(miette::miette!(
        code = "mascot::stage::model_runtime",
        help = "this build has no model runtime yet; sample_candidates needs one",
        "cannot load model for sample_candidates ({:?})",
        params.model.source
    ))
}
