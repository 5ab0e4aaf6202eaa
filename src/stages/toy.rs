//! `toy` (test builds only): counts the records of each input dataset subset, times the
//! stage's `factor`, and writes them to `counts.json`.

use std::collections::BTreeMap;

use crate::spec::stages::load_dataset::{ContextRecord, RECORDS};
use crate::spec::stages::toy::{COUNTS, ToyParams};
use crate::stages::context::StageContext;
use crate::stages::output::StageOutput;
use crate::util::{read_jsonl, write_json};

/// Bump when what this stage writes changes.
pub const VERSION: u32 = 1;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: ToyParams = ctx.params()?;
    let mut counts = BTreeMap::new();
    for input in &ctx.inputs {
        let records: Vec<ContextRecord> = read_jsonl(&input.dir.join(RECORDS))?;
        counts.insert(input.id.clone(), records.len() * params.factor);
    }
    write_json(&ctx.out_dir.join(COUNTS), &counts)?;
    Ok(StageOutput {
        summary: serde_json::json!({ "inputs": counts.len() }),
    })
}
