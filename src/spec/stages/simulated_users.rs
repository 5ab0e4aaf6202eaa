//! `simulated_users`: the MBTI profiles the evaluation simulates as users. Its artifact holds
//! `users.json`: a list of [`MbtiType`] profiles.

use serde::{Deserialize, Serialize};

use crate::spec::decl_kind::DeclKind;
use crate::spec::field::{FieldSpec, Preset::*, Ty, f};
use crate::spec::stages::common::light;
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError, Ref};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub use crate::spec::users::MbtiType;

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: light,
};

pub const FIELDS: &[FieldSpec] = &[f("users", Ty::Ref(DeclKind::Users), Required)];

/// The profiles, as a JSON list.
pub const USERS: &str = "users.json";

/// The MBTI profiles to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatedUsersParams {
    /// Four-letter MBTI codes, e.g. `INFP`.
    pub types: Vec<String>,
}

fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let types = p.decls.users(&f.req::<Ref>("users")?)?.clone();
    g.add(NewNode::new(
        StageKind::SimulatedUsers,
        &SimulatedUsersParams { types },
    )?);
    Ok(())
}

fn problems(_f: &Fields, _p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    Ok(Vec::new())
}
