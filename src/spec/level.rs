//! The level a rubric or a reward scores at.

use crate::spec::symbol::symbols;

symbols! {
    /// Agent-level (Table 5: one response) or group-level (Table 6: a whole conversation).
    pub enum Level {
        Agent = "agent",
        Group = "group",
    }
}
