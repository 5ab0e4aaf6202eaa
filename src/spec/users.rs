//! Simulated users: the 16 MBTI types (paper Section 3.3), the `users` declaration's fields and
//! the profile row the `simulated_users` artifact holds.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f};

/// The 16 four-letter MBTI codes.
pub const MBTI: &[&str] = &[
    "INTJ", "INTP", "ENTJ", "ENTP", "INFJ", "INFP", "ENFJ", "ENFP", "ISTJ", "ISFJ", "ESTJ", "ESFJ",
    "ISTP", "ISFP", "ESTP", "ESFP",
];

pub const USERS: &[FieldSpec] = &[f("types", Ty::SymList(MBTI), Syms(MBTI))];

/// One simulated user profile: an MBTI type as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MbtiType {
    /// Four-letter code, e.g. `INFP`.
    pub code: String,
    /// `E` (extraversion) or `I` (introversion).
    pub energy: char,
    /// `S` (sensing) or `N` (intuition).
    pub perception: char,
    /// `T` (thinking) or `F` (feeling).
    pub judgment: char,
    /// `J` (judging) or `P` (perceiving).
    pub lifestyle: char,
    /// Common nickname.
    pub name: String,
    pub description: String,
}
