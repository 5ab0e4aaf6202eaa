//! Speaker personas (paper Table 7): the `persona` declaration's fields and the [`Persona`]
//! the stages condition a speaker on.

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f};

/// A speaker persona as the stages see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    pub name: String,
    pub description: String,
    pub traits: Vec<String>,
    pub style: Option<String>,
    pub examples: Vec<FewShotExample>,
}

/// One few-shot example of a persona.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FewShotExample {
    pub context: String,
    pub response: String,
}

pub const EXAMPLE: &[FieldSpec] = &[
    f("context", Ty::Str, Required),
    f("response", Ty::Str, Required),
];

pub const PERSONA: &[FieldSpec] = &[
    f("name", Ty::Str, Required),
    f("description", Ty::Str, Required),
    f("traits", Ty::StrList, Required),
    f("style", Ty::Str, Optional),
    f("examples", Ty::ObjList(EXAMPLE), EmptyList),
];
