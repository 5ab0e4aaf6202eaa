//! Human and machine renderings of a plan: a readable text tree, YAML, JSON, Graphviz dot.

use std::fmt::Write;

use crate::plan::sealed::Plan;
use crate::spec::executor::{ExecutorSpec, SLURM};

/// A readable tree: each variant, then each stage with its short key, kind and inputs.
pub fn text(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "experiment \"{}\" ({})",
        plan.experiment(),
        plan.source().to_string_lossy()
    );
    if let Some(e) = plan.executor() {
        let _ = writeln!(
            out,
            "{} (where `mascot run` executes the stages; in no key)",
            executor(e)
        );
    }
    let _ = writeln!(out, "variants ({}):", plan.variants().len());
    for v in plan.variants() {
        let desc = v
            .description
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let _ = writeln!(out, "  {}{desc}: {} stages", v.name, v.stages.len());
    }
    let _ = writeln!(
        out,
        "stages ({}), each with its plan key (`mascot show FILE STAGE` gives the store key, which adds the contents of the files it reads):",
        plan.stages().len()
    );
    for s in plan.stages() {
        let _ = writeln!(out, "  {} {} [{}]", s.key.short(), s.id, s.kind.as_str());
        for (i, input) in s.inputs.iter().enumerate() {
            let branch = if i + 1 == s.inputs.len() {
                "└─"
            } else {
                "├─"
            };
            let key = plan
                .stage(input)
                .map(|x| x.key.short().to_string())
                .unwrap_or_default();
            let _ = writeln!(out, "  {:12} {branch} {input} ({key})", "");
        }
        if s.variants.len() > 1 {
            let _ = writeln!(out, "  {:12} shared by: {}", "", s.variants.join(", "));
        }
    }
    out
}

/// `executor slurm { partition: "gpu", gpus_per_stage: 1 }`, the settings set, in the
/// declaration's syntax.
fn executor(e: &ExecutorSpec) -> String {
    let ExecutorSpec::Slurm(s) = e else {
        return format!("executor {} {{}}", e.name());
    };
    // In the declaration's field order.
    let fields: Vec<String> = match serde_json::to_value(s) {
        Ok(serde_json::Value::Object(m)) => SLURM
            .iter()
            .filter_map(|f| m.get(f.name).map(|v| format!("{}: {v}", f.name)))
            .collect(),
        _ => Vec::new(),
    };
    if fields.is_empty() {
        return "executor slurm {}".into();
    }
    format!("executor slurm {{ {} }}", fields.join(", "))
}

pub fn json(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).unwrap_or_default() + "\n"
}

/// The compact YAML made for snapshots (`crate::plan::snapshot`).
pub fn yaml(plan: &Plan) -> String {
    crate::plan::snapshot::yaml(plan)
}

/// Graphviz: one box per stage (id, kind, short key), an edge per input.
pub fn dot(plan: &Plan) -> String {
    let mut out = String::from(
        "digraph plan {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for s in plan.stages() {
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\\n{}\\n{}\"];",
            s.id,
            s.id,
            s.kind.as_str(),
            s.key.short()
        );
    }
    for s in plan.stages() {
        for i in &s.inputs {
            let _ = writeln!(out, "  \"{i}\" -> \"{}\";", s.id);
        }
    }
    out.push_str("}\n");
    out
}
