//! Trainers: GRPO (persona alignment, director optimisation).

pub mod grpo;
