//! The resolved declarations of an experiment, by name, through which the stages' lowering
//! turns references into contents.

use std::collections::BTreeMap;

use crate::spec::dataset::DatasetSpec;
use crate::spec::decl_kind::DeclKind;
use crate::spec::judge::JudgeSpec;
use crate::spec::model::ModelSpec;
use crate::spec::persona::Persona;
use crate::spec::reward::RewardSpec;
use crate::spec::rubric::RubricSpec;
use crate::spec::value::{LowerError, Ref, Val};

/// Resolved declarations by name.
#[derive(Debug, Clone, Default)]
pub struct Decls {
    pub personas: BTreeMap<String, Persona>,
    pub rubrics: BTreeMap<String, RubricSpec>,
    pub models: BTreeMap<String, ModelSpec>,
    /// MBTI codes of each `users` declaration.
    pub users: BTreeMap<String, Vec<String>>,
    pub datasets: BTreeMap<String, DatasetSpec>,
    pub judges: BTreeMap<String, JudgeSpec>,
    pub rewards: BTreeMap<String, RewardSpec>,
}

fn lookup<'a, T>(
    map: &'a BTreeMap<String, T>,
    r: &Ref,
    kind: DeclKind,
) -> Result<&'a T, LowerError> {
    if r.kind != kind {
        return Err(LowerError::Other(format!(
            "`{}` is a {}, not a {}",
            r.name,
            r.kind.keyword(),
            kind.keyword()
        )));
    }
    map.get(&r.name).ok_or_else(|| LowerError::Unresolved {
        kind: kind.keyword(),
        name: r.name.clone(),
    })
}

impl Decls {
    pub fn persona(&self, r: &Ref) -> Result<&Persona, LowerError> {
        lookup(&self.personas, r, DeclKind::Persona)
    }

    pub fn rubric(&self, r: &Ref) -> Result<&RubricSpec, LowerError> {
        lookup(&self.rubrics, r, DeclKind::Rubric)
    }

    pub fn model(&self, r: &Ref) -> Result<&ModelSpec, LowerError> {
        lookup(&self.models, r, DeclKind::Model)
    }

    pub fn users(&self, r: &Ref) -> Result<&Vec<String>, LowerError> {
        lookup(&self.users, r, DeclKind::Users)
    }

    pub fn dataset(&self, r: &Ref) -> Result<&DatasetSpec, LowerError> {
        lookup(&self.datasets, r, DeclKind::Dataset)
    }

    pub fn judge(&self, r: &Ref) -> Result<&JudgeSpec, LowerError> {
        lookup(&self.judges, r, DeclKind::Judge)
    }

    /// The reward a field holds: an inline expression or the name of a `reward`.
    pub fn reward<'a>(&'a self, v: &'a Val) -> Result<&'a RewardSpec, LowerError> {
        match v {
            Val::Reward(r) => Ok(r),
            Val::Ref(DeclKind::Reward, name) => {
                self.rewards
                    .get(name)
                    .ok_or_else(|| LowerError::Unresolved {
                        kind: "reward",
                        name: name.clone(),
                    })
            }
            other => Err(LowerError::WrongType {
                field: "reward".into(),
                expected: "a reward",
                found: other.describe().into(),
            }),
        }
    }
}
