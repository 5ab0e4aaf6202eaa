//! The experiment header (`experiment "title" { seed, base }`) and the settings of the
//! pipeline block itself (`speaker`, `director`, `personas`).

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int};

pub const EXPERIMENT: &[FieldSpec] = &[f("seed", int(0), Int(0)), f("base", Ty::Str, Str("main"))];

/// Settings of the pipeline block itself.
pub const PIPELINE: &[FieldSpec] = &[
    f("speaker", Ty::Ref(DeclKind::Model), Optional),
    f("director", Ty::Ref(DeclKind::Model), Optional),
    f("personas", Ty::RefList(DeclKind::Persona), EmptyList),
];
