//! `report`: the paper's report for one variant. It reads the variant's results (its nodes
//! that no other node of the variant reads: the `evaluate` nodes, and whatever else ends a
//! pipeline) and its training and `generate_conversations` nodes (curves, example
//! transcripts). Its artifact holds `report.html`, `report.md`, `tables.csv`, `tables/*.csv`
//! and `plots/*.png|svg`. When several variants list `report`, the planner also adds one
//! `compare` node over every variant's report inputs (`crate::spec::stages::compare`), which
//! renders the same report across the variants plus the seed-aggregated comparison table.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::spec::field::{FieldSpec, Preset::*, Ty, f};
use crate::spec::stages::common::light;
use crate::spec::stages::kind::StageKind;
use crate::spec::stages::kind_spec::{KindSpec, Planner};
use crate::spec::value::{Fields, LowerError};
use crate::spec::wiring::{Graph, NewNode, PipelineView, Problem};

pub const SPEC: KindSpec = KindSpec {
    fields: FIELDS,
    plan: Planner::PerVariant(plan),
    problems,
    device: light,
};

pub const FIELDS: &[FieldSpec] = &[f("title", Ty::Str, Optional)];

/// The kinds whose nodes a report reads besides the final ones: the training stages (their
/// `metrics.jsonl`) and the conversations (example transcripts).
pub const READS: &[StageKind] = &[
    StageKind::TrainSft,
    StageKind::TrainRewardModel,
    StageKind::AlignPersonas,
    StageKind::OptimizeDirector,
    StageKind::GenerateConversations,
    StageKind::Evaluate,
];

/// The Markdown report.
pub const REPORT: &str = "report.md";
/// The self-contained HTML report.
pub const REPORT_HTML: &str = "report.html";

/// What the report is titled, which variants it covers, and which of them each input belongs
/// to. A `report` node covers one variant (a list of one) and leaves `inputs` empty: every
/// input is that variant's. A `compare` node renders the same report over every variant and
/// fills `inputs` (an input shared by several variants is shown under each).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportParams {
    pub title: String,
    /// The variants covered, in experiment order (the base variant first).
    pub variants: Vec<String>,
    /// Input stage id -> the variants among `variants` that contain it; an input missing
    /// here belongs to every variant.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, Vec<String>>,
}

/// One report node for the variant being built: its title is the variant's own `title`
/// (a variant may `set report.title`), else the experiment's.
fn plan(f: &Fields, p: &PipelineView, g: &mut dyn Graph) -> Result<(), LowerError> {
    let params = ReportParams {
        title: f
            .opt::<String>("title")?
            .unwrap_or_else(|| p.experiment.to_string()),
        variants: vec![g.variant().to_string()],
        inputs: BTreeMap::new(),
    };
    let read = READS.iter().flat_map(|kind| g.nodes(*kind)).map(|p| p.node);
    let mut inputs = Vec::new();
    for n in read.chain(g.results()) {
        if !inputs.contains(&n) {
            inputs.push(n);
        }
    }
    g.add(NewNode::new(StageKind::Report, &params)?.inputs(inputs));
    Ok(())
}

fn problems(_f: &Fields, p: &PipelineView) -> Result<Vec<Problem>, LowerError> {
    let alone = p.stages.len() == 1;
    Ok(alone
        .then(|| Problem {
            stage: StageKind::Report,
            message: "`report` has nothing to summarise".into(),
            help: "add the stages whose results it reports".into(),
        })
        .into_iter()
        .collect())
}
