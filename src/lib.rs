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
//! [`spec`] is the vocabulary every step shares (stage kinds, field tables, checked values,
//! model and dataset specs); [`util`] the helpers with no project knowledge. [`model`] is
//! the model runtime (burn) every model stage runs on; [`data`] reads the datasets; the
//! method libraries [`judge`], [`train`], [`dialogue`] and [`report`] implement the paper's
//! steps; [`stages`] holds the executable stage kinds. A module imports only the ones listed before
//! it in the layering of docs/contributing.md, "Layout" (`tests/layering.rs` checks it).

pub mod cli;
pub mod data;
pub mod dialogue;
pub mod exec;
pub mod judge;
pub mod lang;
pub mod model;
pub mod plan;
pub mod report;
pub mod spec;
pub mod stages;
pub mod train;
pub mod util;
