//! Each stage kind's description: [`StageKind::spec`], from the list of kinds.

use crate::spec::stages::kind::{StageKind, with_stage_kinds};
use crate::spec::stages::kind_spec::KindSpec;

/// Maps each kind to its module's `SPEC`.
macro_rules! map_specs {
    ($( $(#[doc = $doc:expr])* $(#[cfg($cfg:meta)])? $Variant:ident => $module:ident, )*) => {
        impl StageKind {
            /// The kind's description.
            pub fn spec(self) -> &'static KindSpec {
                match self {
                    $( $(#[cfg($cfg)])? StageKind::$Variant => &super::$module::SPEC, )*
                }
            }
        }
    };
}

with_stage_kinds!(map_specs);
