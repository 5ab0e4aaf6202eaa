//! The ablation and sweep groups of a report, read from the variant names the language gives
//! them: the ablation compares the base variant (the first) with `MASCOT-P` and `MASCOT-C`
//! (any case); a sweep `name` over values makes variants `name-value`, and every prefix
//! shared by two or more variants (ablation variants aside) is a sweep over the rest of their
//! names, in variant order.

use super::input::{GroupKind, GroupPoint, VariantGroup};

/// The ablation variants' names (upper case) and their labels, in the order shown.
const ABLATION: [&str; 2] = ["MASCOT-P", "MASCOT-C"];

/// The groups of `variants` (in experiment order, the base first).
pub fn infer_groups(variants: &[String]) -> Vec<VariantGroup> {
    let mut groups = Vec::new();
    let is_ablation = |v: &str| ABLATION.contains(&v.to_uppercase().as_str());
    if let Some(base) = variants.first() {
        let mut points = vec![GroupPoint {
            variant: base.clone(),
            label: "MASCOT".into(),
        }];
        for name in ABLATION {
            if let Some(v) = variants.iter().skip(1).find(|v| v.to_uppercase() == name) {
                points.push(GroupPoint {
                    variant: v.clone(),
                    label: name.into(),
                });
            }
        }
        if points.len() > 1 {
            groups.push(VariantGroup {
                kind: GroupKind::Ablation,
                title: "Ablation".into(),
                points,
            });
        }
    }
    let mut sweeps: Vec<(String, Vec<GroupPoint>)> = Vec::new();
    for v in variants.iter().skip(1).filter(|v| !is_ablation(v)) {
        let Some((axis, value)) = v.split_once('-') else {
            continue;
        };
        if axis.is_empty() || value.is_empty() {
            continue;
        }
        let point = GroupPoint {
            variant: v.clone(),
            label: value.to_string(),
        };
        match sweeps.iter_mut().find(|(a, _)| a == axis) {
            Some((_, points)) => points.push(point),
            None => sweeps.push((axis.to_string(), vec![point])),
        }
    }
    for (axis, points) in sweeps {
        if points.len() >= 2 {
            groups.push(VariantGroup {
                kind: GroupKind::Sweep,
                title: format!("{} size", capitalise(&axis)),
                points,
            });
        }
    }
    groups
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ablation_and_sweeps_of_the_shipped_ablations_experiment() {
        let groups = infer_groups(&names(&[
            "MASCOT",
            "MASCOT-P",
            "MASCOT-C",
            "director-qwen3_0_6b",
            "director-qwen3_1_7b",
            "speaker-qwen3_0_6b",
            "speaker-qwen3_8b",
            "lonely-one",
        ]));
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].kind, GroupKind::Ablation);
        let labels: Vec<&str> = groups[0].points.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["MASCOT", "MASCOT-P", "MASCOT-C"]);
        assert_eq!(groups[1].title, "Director size");
        let variants: Vec<&str> = groups[1]
            .points
            .iter()
            .map(|p| p.variant.as_str())
            .collect();
        assert_eq!(variants, ["director-qwen3_0_6b", "director-qwen3_1_7b"]);
        assert_eq!(groups[1].points[1].label, "qwen3_1_7b");
        assert_eq!(groups[2].title, "Speaker size");
    }

    #[test]
    fn one_variant_has_no_groups() {
        assert!(infer_groups(&names(&["quickstart"])).is_empty());
        assert!(infer_groups(&[]).is_empty());
        let only_p = infer_groups(&names(&["base", "mascot-p"]));
        assert_eq!(only_p.len(), 1);
        assert_eq!(only_p[0].points[1].variant, "mascot-p");
    }
}
