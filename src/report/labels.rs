//! Display names and orders of systems, subsets, criteria and MBTI types, following the
//! paper: baselines first in Table 1's order and MASCOT last, subsets in Table 4's order,
//! short criterion headers as in Tables 1-2. Unknown names keep their own spelling and come
//! after the known ones, sorted.

use super::rubric::{Level, OVERALL};

const SYSTEMS: [(&str, &str); 8] = [
    ("zero_shot", "Zero-Shot"),
    ("zero_shot_cot", "Zero-Shot CoT"),
    ("few_shot", "Few-Shot"),
    ("few_shot_cot", "Few-Shot + CoT"),
    ("sft", "SFT"),
    ("self_consistency", "Self-Consistency"),
    ("multi_agent_esc", "MultiAgentESC"),
    ("mascot", "MASCOT"),
];

const SUBSETS: [(&str, &str); 7] = [
    ("positive", "Positive"),
    ("negative", "Negative"),
    ("neutral", "Neutral"),
    ("academic", "Academic"),
    ("committee", "Committee"),
    ("product", "Product"),
    ("all", "All"),
];

const CRITERIA: [(&str, &str); 9] = [
    ("emotional_expressiveness", "Emotion"),
    ("empathetic_support_quality", "Empathy"),
    ("consistency", "Consistency"),
    ("response_relevance", "Relevance"),
    ("social_contribution", "Contribution"),
    ("engagement_and_contribution", "Engagement"),
    ("originality_and_specificity", "Originality"),
    ("fidelity", "Fidelity"),
    ("relevance_and_coherence", "Relevance"),
];

fn lookup(table: &[(&str, &'static str)], id: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == id).map(|(_, v)| *v)
}

fn position(table: &[(&str, &str)], id: &str) -> usize {
    table
        .iter()
        .position(|(k, _)| *k == id)
        .unwrap_or(table.len())
}

/// The id suffix of a prompting baseline spoken by the personas (`few_shot_cot_personas`).
const PERSONAS: &str = "_personas";

/// The prompting baselines, which run as a single assistant or spoken by the personas.
const PROMPTING: [&str; 5] = [
    "zero_shot",
    "zero_shot_cot",
    "few_shot",
    "few_shot_cot",
    "self_consistency",
];

/// `Zero-Shot CoT` for `zero_shot_cot`, and for its persona-driven form
/// `zero_shot_cot_personas` (the paper's Table 3 names a persona-driven baseline plainly);
/// unknown systems as they are.
pub fn system_label(id: &str) -> String {
    let base = id.strip_suffix(PERSONAS).unwrap_or(id);
    match lookup(&SYSTEMS, base) {
        Some(label) if base == id || PROMPTING.contains(&base) => label.to_string(),
        _ => id.to_string(),
    }
}

/// [`system_label`] among the systems shown together: when any of them is a persona-driven
/// prompting baseline, the single-assistant prompting baselines read `Zero-Shot (w/o
/// Personas)`, as in the paper's Table 3; otherwise as [`system_label`] (Tables 1-2).
pub fn system_label_among(id: &str, shown: &[String]) -> String {
    let personas_shown = shown.iter().any(|s| {
        s.strip_suffix(PERSONAS)
            .is_some_and(|b| PROMPTING.contains(&b))
    });
    if personas_shown && PROMPTING.contains(&id) {
        format!("{} (w/o Personas)", system_label(id))
    } else {
        system_label(id)
    }
}

/// A variant's name as shown; rows filed without a variant show as `(no variant)`.
pub fn variant_label(name: &str) -> String {
    if name.is_empty() {
        "(no variant)".into()
    } else {
        name.to_string()
    }
}

/// `Positive` for `positive`; unknown subsets capitalised.
pub fn subset_label(id: &str) -> String {
    lookup(&SUBSETS, id).map_or_else(|| humanise(id), str::to_string)
}

/// The short column header of a criterion (`Empathy`), `Overall` for `overall`; unknown
/// criteria humanised (`my_metric` -> `My metric`).
pub fn criterion_label(name: &str) -> String {
    if name == OVERALL {
        return "Overall".into();
    }
    lookup(&CRITERIA, name).map_or_else(|| humanise(name), str::to_string)
}

/// `Agent-specific` / `Collective interaction`, the paper's names of the two levels.
pub fn level_label(level: Level) -> &'static str {
    match level {
        Level::Agent => "Agent-specific",
        Level::Group => "Collective interaction",
    }
}

/// Sorts system ids in the paper's order (MASCOT last), a persona-driven baseline right
/// after its single-assistant form, unknown ones after, by name.
pub fn sort_systems(ids: &mut [String]) {
    let pos = |id: &str| {
        let base = id.strip_suffix(PERSONAS).filter(|b| PROMPTING.contains(b));
        position(&SYSTEMS, base.unwrap_or(id))
    };
    ids.sort_by(|a, b| (pos(a), a).cmp(&(pos(b), b)));
}

/// Sorts subset ids in Table 4's order, unknown ones after, by name.
pub fn sort_subsets(ids: &mut [String]) {
    ids.sort_by(|a, b| (position(&SUBSETS, a), a).cmp(&(position(&SUBSETS, b), b)));
}

/// Sorts MBTI codes in the order of [`crate::data::mbti_codes`] (the usual 4 x 4 grid),
/// unknown codes after, by name.
pub fn sort_user_types(codes: &mut [String]) {
    let known: Vec<&str> = crate::data::mbti_codes().collect();
    let pos = |c: &str| known.iter().position(|k| *k == c).unwrap_or(known.len());
    codes.sort_by(|a, b| (pos(a), a).cmp(&(pos(b), b)));
}

/// `empathetic_support_quality` -> `Empathetic support quality`.
pub fn humanise(id: &str) -> String {
    let spaced = id.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A file-name-safe form of a label: lowercase ASCII letters, digits and `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "x".into()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_order_with_unknown_last() {
        let mut s: Vec<String> = ["mascot", "my_system", "few_shot", "zero_shot"]
            .map(String::from)
            .to_vec();
        sort_systems(&mut s);
        assert_eq!(s, ["zero_shot", "few_shot", "mascot", "my_system"]);
        assert_eq!(system_label("few_shot_cot"), "Few-Shot + CoT");
        assert_eq!(system_label("my_system"), "my_system");
    }

    #[test]
    fn persona_baselines_are_labelled_as_in_table_3() {
        let mut s: Vec<String> = [
            "mascot",
            "few_shot_cot_personas",
            "zero_shot",
            "few_shot_cot",
            "mascot_personas",
        ]
        .map(String::from)
        .to_vec();
        sort_systems(&mut s);
        assert_eq!(
            s,
            [
                "zero_shot",
                "few_shot_cot",
                "few_shot_cot_personas",
                "mascot",
                "mascot_personas"
            ]
        );
        assert_eq!(system_label("few_shot_cot_personas"), "Few-Shot + CoT");
        assert_eq!(system_label("mascot_personas"), "mascot_personas");
        assert_eq!(
            system_label_among("zero_shot", &s),
            "Zero-Shot (w/o Personas)"
        );
        assert_eq!(
            system_label_among("few_shot_cot_personas", &s),
            "Few-Shot + CoT"
        );
        assert_eq!(system_label_among("mascot", &s), "MASCOT");
        // Without a persona-driven baseline, Table 1's names.
        let plain: Vec<String> = vec!["zero_shot".into(), "mascot".into()];
        assert_eq!(system_label_among("zero_shot", &plain), "Zero-Shot");
    }

    #[test]
    fn labels_and_slugs() {
        assert_eq!(criterion_label("empathetic_support_quality"), "Empathy");
        assert_eq!(criterion_label("my_metric"), "My metric");
        assert_eq!(criterion_label(OVERALL), "Overall");
        assert_eq!(slug("MASCOT-P / agent"), "mascot-p-agent");
        assert_eq!(slug("***"), "x");
    }
}
