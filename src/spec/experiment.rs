//! The experiment header (`experiment "title" { seed, base }`) and the settings of the
//! pipeline block itself (`speaker`, `director`, `user`, `personas`).

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f, int};

pub const EXPERIMENT: &[FieldSpec] = &[f("seed", int(0), Int(0)), f("base", Ty::Str, Str("main"))];

/// Settings of the pipeline block itself: `speaker` (the persona speakers' model),
/// `director` (default: the speaker's model), `user` (the model that plays the simulated
/// users of `generate_conversations`; default: the speaker's base model, without adapters)
/// and `personas`.
pub const PIPELINE: &[FieldSpec] = &[
    f("speaker", Ty::Ref(DeclKind::Model), Optional),
    f("director", Ty::Ref(DeclKind::Model), Optional),
    f("user", Ty::Ref(DeclKind::Model), Optional),
    f("personas", Ty::RefList(DeclKind::Persona), EmptyList),
];
