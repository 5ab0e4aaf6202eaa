//! The shape of a stage kind's description ([`KindSpec`]) and the `stage_kinds!` list that
//! declares every kind file and its [`StageKind`](super::StageKind) variant in one line.

use crate::spec::field::FieldSpec;
use crate::spec::value::{Fields, LowerError};
use crate::spec::wiring::{Graph, PipelineView, Problem};

/// Everything the language, the planner and the executor need to know about a stage kind.
pub struct KindSpec {
    /// One line: what the stage computes.
    pub summary: &'static str,
    /// The fields the stage block accepts.
    pub fields: &'static [FieldSpec],
    /// How its nodes are made.
    pub plan: Planner,
    /// What the pipeline must also hold for this stage to run (other stages, settings).
    pub problems: fn(&Fields, &PipelineView) -> Result<Vec<Problem>, LowerError>,
    /// The device a node occupies while it runs, from its parameters (`None`: a light stage
    /// that needs no device token).
    pub device: fn(&serde_json::Value) -> Option<String>,
}

/// How a kind's nodes are made.
pub enum Planner {
    /// Nodes of one variant, wired to the nodes earlier stages of that variant made.
    PerVariant(fn(&Fields, &PipelineView, &mut dyn Graph) -> Result<(), LowerError>),
    /// One node for the whole plan that reads the final nodes of every variant listing the
    /// stage; the function gives its parameters.
    Summary(fn(&SummaryInput) -> Result<serde_json::Value, LowerError>),
}

/// What a summary stage is lowered from.
pub struct SummaryInput<'a> {
    /// The stage's fields in each variant that lists it, in variant order.
    pub fields: &'a [&'a Fields],
    /// The experiment's title.
    pub experiment: &'a str,
    /// The variants that list the stage, in order.
    pub variants: &'a [String],
}

/// Declares each stage kind: its module (`src/spec/stages/<module>.rs`, which defines
/// `SPEC: KindSpec`) and its `StageKind` variant, whose name (`as_str`) is the module's.
/// The order is the pipeline order (a kind only reads kinds listed before it).
macro_rules! stage_kinds {
    ($( $(#[doc = $doc:expr])* $(#[cfg($cfg:meta)])? $Variant:ident => $module:ident, )*) => {
        $( $(#[cfg($cfg)])? pub mod $module; )*

        /// What a stage does. Which kinds this build executes is the stage registry's
        /// business (`crate::stages`); running another kind fails with a clear error.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum StageKind {
            $( $(#[doc = $doc])* $(#[cfg($cfg)])? $Variant, )*
        }

        impl StageKind {
            /// Every kind, in pipeline order.
            pub const ALL: &'static [StageKind] = &[ $( $(#[cfg($cfg)])? StageKind::$Variant, )* ];

            /// The snake_case name used in `.mascot` files, ids, keys and the CLI.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $(#[cfg($cfg)])? StageKind::$Variant => stringify!($module), )*
                }
            }

            /// The kind a stage block name stands for.
            pub fn from_name(name: &str) -> Option<StageKind> {
                StageKind::ALL.iter().copied().find(|k| k.as_str() == name)
            }

            /// The kind's description.
            pub fn spec(self) -> &'static $crate::spec::stages::KindSpec {
                match self {
                    $( $(#[cfg($cfg)])? StageKind::$Variant => &$module::SPEC, )*
                }
            }
        }

        impl serde::Serialize for StageKind {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for StageKind {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = String::deserialize(d)?;
                StageKind::from_name(&name).ok_or_else(|| {
                    let known: Vec<&str> = StageKind::ALL.iter().map(|k| k.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "unknown stage kind `{name}` (known: {})",
                        known.join(", ")
                    ))
                })
            }
        }
    };
}
pub(crate) use stage_kinds;
