//! mascot: an experiment engine for multi-agent socio-collaborative companions.
//!
//! The pipeline has one representation per step, and one public function per step:
//!
//! | step     | module          | in                    | out                       |
//! |----------|-----------------|-----------------------|---------------------------|
//! | parse    | [`lang`]        | `.mascot` source      | AST with spans            |
//! | check    | [`lang`]        | AST (+ imports)       | validated IR              |
//! | plan     | [`plan`]        | IR                    | sealed DAG of stages      |
//! | run      | [`exec`]        | plan + store          | artifacts, run record     |
//!
//! [`model`] is the model runtime (burn) every model stage runs on; [`data`] reads the
//! datasets; [`train`] holds the trainers (reward model, SFT) and their shared pieces;
//! [`stages`] holds the executable stage kinds.

pub mod cli;
pub mod data;
pub mod exec;
pub mod lang;
pub mod model;
pub mod plan;
pub mod stages;
pub mod train;
