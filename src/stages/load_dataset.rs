//! `load_dataset`: reads one subset of a dataset split into `records.jsonl`, one record per
//! conversation (Empathetic Dialogues) or meeting (QMSum). Every record has an `id` and a
//! `context` (what a model is asked to respond to: the speaker's opening utterance of an ED
//! conversation; the opening turns of a QMSum meeting), plus the dataset's own fields.
//! Malformed ED rows are logged, counted in the summary and listed in `bad_rows.jsonl`.

use std::collections::BTreeMap;

use crate::data::{read_ed_csv, read_qmsum};
use crate::spec::dataset::{EdSubset, QmsumDomain};
use crate::spec::stages::load_dataset::{BAD_ROWS, LoadDatasetParams, RECORDS, STATS};
use crate::stages::context::StageContext;
use crate::stages::output::StageOutput;
use crate::util::{write_json, write_jsonl};

/// Bump when what this stage writes changes (reruns `load_dataset` stages only).
pub const VERSION: u32 = 1;

/// Transcript turns a QMSum context shows.
pub const QMSUM_CONTEXT_TURNS: usize = 12;

pub fn run(ctx: &StageContext) -> miette::Result<StageOutput> {
    let params: LoadDatasetParams = ctx.params()?;
    match params {
        LoadDatasetParams::EmpatheticDialogues {
            path,
            split,
            subset,
            limit,
        } => load_ed(
            ctx,
            &ctx.resolve(&path).join(format!("{split}.csv")),
            &split,
            subset,
            limit,
        ),
        LoadDatasetParams::Qmsum {
            path,
            split,
            domain,
            limit,
        } => load_qmsum(ctx, &ctx.resolve(&path), &split, domain, limit),
    }
}

fn load_ed(
    ctx: &StageContext,
    file: &std::path::Path,
    split: &str,
    subset: EdSubset,
    limit: Option<usize>,
) -> miette::Result<StageOutput> {
    let data = read_ed_csv(file)?;
    for bad in data.bad_rows.iter().take(20) {
        ctx.progress.log(&format!("bad row {bad}"));
    }
    if data.bad_rows.len() > 20 {
        ctx.progress.log(&format!(
            "{} more bad rows, all listed in bad_rows.jsonl",
            data.bad_rows.len() - 20
        ));
    }
    let wanted = |v: crate::data::Valence| match subset {
        EdSubset::All => true,
        EdSubset::Positive => v == crate::data::Valence::Positive,
        EdSubset::Negative => v == crate::data::Valence::Negative,
        EdSubset::Neutral => v == crate::data::Valence::Neutral,
    };
    let mut by_valence: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &data.conversations {
        *by_valence.entry(c.valence.as_str()).or_default() += 1;
    }
    let chosen: Vec<_> = data
        .conversations
        .iter()
        .filter(|c| wanted(c.valence))
        .take(limit.unwrap_or(usize::MAX))
        .collect();
    ctx.progress.set_total(chosen.len() as u64);
    let mut by_emotion: BTreeMap<&str, usize> = BTreeMap::new();
    let records = chosen.iter().map(|c| {
        *by_emotion.entry(c.emotion.as_str()).or_default() += 1;
        ctx.progress.inc(1);
        let context = c
            .turns
            .first()
            .map(|t| t.utterance.clone())
            .unwrap_or_default();
        serde_json::json!({
            "id": c.conv_id,
            "context": context,
            "emotion": c.emotion,
            "valence": c.valence,
            "situation": c.situation,
            "turns": c.turns,
        })
    });
    let written = write_jsonl(&ctx.out_dir.join(RECORDS), records)?;
    if !data.bad_rows.is_empty() {
        write_jsonl(&ctx.out_dir.join(BAD_ROWS), &data.bad_rows)?;
    }
    let summary = serde_json::json!({
        "dataset": "empathetic_dialogues",
        "split": split,
        "subset": subset,
        "file": file.display().to_string(),
        "rows": data.rows,
        "bad_rows": data.bad_rows.len(),
        "bad_row_examples": data.bad_rows.iter().take(20).map(|b| b.to_string()).collect::<Vec<_>>(),
        "conversations_in_split": data.conversations.len(),
        "conversations_by_valence": by_valence,
        "records": written,
        "records_by_emotion": by_emotion,
    });
    write_json(&ctx.out_dir.join(STATS), &summary)?;
    ctx.progress.log(&format!(
        "{written} {} conversations from {} ({} rows, {} bad)",
        format!("{subset:?}").to_lowercase(),
        file.display(),
        data.rows,
        data.bad_rows.len()
    ));
    Ok(StageOutput { summary })
}

fn load_qmsum(
    ctx: &StageContext,
    root: &std::path::Path,
    split: &str,
    domain: QmsumDomain,
    limit: Option<usize>,
) -> miette::Result<StageOutput> {
    let data = read_qmsum(root, split, domain)?;
    let chosen: Vec<_> = data
        .meetings
        .iter()
        .take(limit.unwrap_or(usize::MAX))
        .collect();
    ctx.progress.set_total(chosen.len() as u64);
    let mut by_domain: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut general, mut specific, mut turns) = (0usize, 0usize, 0usize);
    let records = chosen.iter().map(|m| {
        *by_domain.entry(m.domain.as_str()).or_default() += 1;
        general += m.general_queries.len();
        specific += m.specific_queries.len();
        turns += m.transcript.len();
        ctx.progress.inc(1);
        let context = m
            .transcript
            .iter()
            .take(QMSUM_CONTEXT_TURNS)
            .map(|t| format!("{}: {}", t.speaker, t.content))
            .collect::<Vec<_>>()
            .join("\n");
        serde_json::json!({
            "id": m.id,
            "context": context,
            "domain": m.domain,
            "topics": m.topics,
            "general_queries": m.general_queries,
            "specific_queries": m.specific_queries,
            "transcript": m.transcript,
        })
    });
    let written = write_jsonl(&ctx.out_dir.join(RECORDS), records)?;
    let summary = serde_json::json!({
        "dataset": "qmsum",
        "split": split,
        "domain": domain,
        "path": root.display().to_string(),
        "meetings_in_split": data.meetings.len(),
        "records": written,
        "records_by_domain": by_domain,
        "general_queries": general,
        "specific_queries": specific,
        "transcript_turns": turns,
    });
    write_json(&ctx.out_dir.join(STATS), &summary)?;
    ctx.progress.log(&format!(
        "{written} meetings ({general} general + {specific} specific queries, {turns} turns)"
    ));
    Ok(StageOutput { summary })
}
