//! The kinds of named declarations (`persona`, `rubric`, `model`, `users`, `dataset`,
//! `judge`, `reward`).

/// A kind of named declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeclKind {
    Persona,
    Rubric,
    Model,
    Users,
    Dataset,
    Judge,
    Reward,
}

impl DeclKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Persona => "persona",
            DeclKind::Rubric => "rubric",
            DeclKind::Model => "model",
            DeclKind::Users => "users",
            DeclKind::Dataset => "dataset",
            DeclKind::Judge => "judge",
            DeclKind::Reward => "reward",
        }
    }

    pub fn from_keyword(k: &str) -> Option<Self> {
        DeclKind::ORDER.into_iter().find(|d| d.keyword() == k)
    }

    /// The order declarations are resolved in: a kind only refers to earlier kinds.
    pub const ORDER: [DeclKind; 7] = [
        DeclKind::Persona,
        DeclKind::Rubric,
        DeclKind::Model,
        DeclKind::Users,
        DeclKind::Dataset,
        DeclKind::Judge,
        DeclKind::Reward,
    ];
}
