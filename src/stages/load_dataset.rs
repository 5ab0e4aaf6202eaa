//! `load_dataset`: reads one subset of a dataset split into `records.jsonl`, one record per
//! conversation (Empathetic Dialogues) or query of a meeting (QMSum, `queries: all | first |
//! N`). Every record has an `id` and a `context` (what a model is asked to respond to: the
//! speaker's opening utterance of an ED conversation; a QMSum query with its relevant
//! transcript span), plus the dataset's own fields.
//! Malformed ED rows are logged, counted in the summary and listed in `bad_rows.jsonl`.

use std::collections::BTreeMap;

use crate::data::qmsum::Query;
use crate::data::{Meeting, read_ed_csv, read_qmsum};
use crate::spec::dataset::{EdSubset, QmsumDomain, QmsumQueries};
use crate::spec::stages::load_dataset::{BAD_ROWS, LoadDatasetParams, RECORDS, STATS};
use crate::stages::context::StageContext;
use crate::stages::output::StageOutput;
use crate::util::{write_json, write_jsonl};

/// Bump when what this stage writes changes (reruns `load_dataset` stages only).
/// 2: QMSum records are queries (`queries: all` by default), their context the query and
/// its relevant transcript span.
pub const VERSION: u32 = 2;

/// Transcript turns a QMSum context shows for a general query (which has no span): the
/// meeting's opening turns.
pub const QMSUM_CONTEXT_TURNS: usize = 12;

/// Most transcript turns of a specific query's relevant span a QMSum context shows (spans
/// run to hundreds of turns; phase-1 prompts must fit the models' context).
pub const QMSUM_SPAN_TURNS: usize = 24;

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
            queries,
        } => load_qmsum(ctx, &ctx.resolve(&path), &split, domain, limit, queries),
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
    queries: QmsumQueries,
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
    let mut without_query: Vec<&str> = Vec::new();
    let mut records = Vec::new();
    for m in &chosen {
        general += m.general_queries.len();
        specific += m.specific_queries.len();
        turns += m.transcript.len();
        ctx.progress.inc(1);
        let all = meeting_queries(m);
        if all.is_empty() {
            without_query.push(&m.id);
            continue;
        }
        let kept = queries.take(all.len());
        for (k, (kind, query)) in all.into_iter().take(kept).enumerate() {
            *by_domain.entry(m.domain.as_str()).or_default() += 1;
            records.push(query_record(m, kind, k, query, queries));
        }
    }
    let written = write_jsonl(&ctx.out_dir.join(RECORDS), &records)?;
    let summary = serde_json::json!({
        "dataset": "qmsum",
        "split": split,
        "domain": domain,
        "queries": match queries {
            QmsumQueries::All => "all".to_string(),
            QmsumQueries::First => "first".to_string(),
            QmsumQueries::Count(n) => n.to_string(),
        },
        "path": root.display().to_string(),
        "meetings_in_split": data.meetings.len(),
        "meetings": chosen.len(),
        "meetings_without_query": without_query,
        "records": written,
        "records_by_domain": by_domain,
        "general_queries": general,
        "specific_queries": specific,
        "transcript_turns": turns,
    });
    write_json(&ctx.out_dir.join(STATS), &summary)?;
    ctx.progress.log(&format!(
        "{written} queries of {} meetings ({general} general + {specific} specific in them, {turns} turns)",
        chosen.len()
    ));
    Ok(StageOutput { summary })
}

/// A meeting's queries in record order: general ones first, then specific ones.
fn meeting_queries(m: &Meeting) -> Vec<(&'static str, &Query)> {
    m.general_queries
        .iter()
        .map(|q| ("general", q))
        .chain(m.specific_queries.iter().map(|q| ("specific", q)))
        .collect()
}

/// One query of a meeting as a record: the meeting's fields (the episode's transcript), the
/// query, and the phase-1 context (the query and its relevant transcript span). The id is
/// the meeting's with `queries: first` (one record per meeting), else `<meeting>/q<k>`
/// (1-based, in [`meeting_queries`] order).
fn query_record(
    m: &Meeting,
    kind: &str,
    k: usize,
    query: &Query,
    queries: QmsumQueries,
) -> serde_json::Value {
    let id = if queries == QmsumQueries::First {
        m.id.clone()
    } else {
        format!("{}/q{}", m.id, k + 1)
    };
    let (general, specific): (Vec<&Query>, Vec<&Query>) = if kind == "general" {
        (vec![query], vec![])
    } else {
        (vec![], vec![query])
    };
    serde_json::json!({
        "id": id,
        "context": query_context(m, query),
        "meeting": m.id,
        "query_kind": kind,
        "query": query,
        "domain": m.domain,
        "topics": m.topics,
        "general_queries": general,
        "specific_queries": specific,
        "transcript": m.transcript,
    })
}

/// The phase-1 context of a query: the query, then the transcript turns of its relevant
/// spans (at most [`QMSUM_SPAN_TURNS`]; `...` between spans), or the meeting's first
/// [`QMSUM_CONTEXT_TURNS`] turns for a general query (it has no span).
pub fn query_context(m: &Meeting, query: &Query) -> String {
    let line = |i: usize| {
        m.transcript
            .get(i)
            .map(|t| format!("{}: {}", t.speaker.trim(), t.content.trim()))
    };
    let mut lines: Vec<String> = Vec::new();
    let spans = span_ranges(query.relevant_text_span.as_deref().unwrap_or_default());
    let mut shown = 0usize;
    let total: usize = spans.iter().map(|(a, b)| b + 1 - a).sum();
    for (a, b) in &spans {
        if shown >= QMSUM_SPAN_TURNS {
            break;
        }
        if !lines.is_empty() {
            lines.push("...".into());
        }
        for i in *a..=*b {
            if shown >= QMSUM_SPAN_TURNS {
                break;
            }
            if let Some(l) = line(i) {
                lines.push(l);
                shown += 1;
            }
        }
    }
    let heading = if spans.is_empty() {
        lines = (0..QMSUM_CONTEXT_TURNS).filter_map(line).collect();
        "Meeting transcript (opening turns):".to_string()
    } else if shown < total {
        format!("Relevant part of the meeting transcript (first {shown} of {total} turns):")
    } else {
        "Relevant part of the meeting transcript:".to_string()
    };
    format!(
        "Query: {}\n\n{heading}\n{}",
        query.query.trim(),
        lines.join("\n")
    )
}

/// `[["3", "9"], ["20", "21"]]` -> `[(3, 9), (20, 21)]`; malformed entries are skipped.
fn span_ranges(spans: &[Vec<String>]) -> Vec<(usize, usize)> {
    spans
        .iter()
        .filter_map(|s| {
            let a = s.first()?.trim().parse::<usize>().ok()?;
            let b = s
                .get(1)
                .and_then(|b| b.trim().parse::<usize>().ok())
                .unwrap_or(a);
            (a <= b).then_some((a, b))
        })
        .collect()
}
