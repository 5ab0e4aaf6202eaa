//! Content-key properties: formatting, comments, declaration order and binding names never
//! change a key; contents do; variants share the nodes they have in common.

mod lang_support;

use std::path::Path;

use lang_support::mascot_files;

use mascot::plan::{Plan, compile_bytes, compile_file};
use mascot::spec::StageKind;

fn compile_text(name: &str, text: &str) -> Plan {
    // Compiled as if it lived in `experiments/`, so its imports resolve.
    let path = Path::new("experiments").join(name);
    let c = compile_bytes(&path, &path.to_string_lossy(), text.as_bytes());
    c.plan
        .unwrap_or_else(|d| panic!("{}", d.render(&c.sources)))
}

fn keys(plan: &Plan) -> Vec<String> {
    let mut k: Vec<String> = plan.stages().iter().map(|s| s.key.0.clone()).collect();
    k.sort();
    k
}

fn smoke_source() -> String {
    std::fs::read_to_string("experiments/tiny.mascot").unwrap()
}

#[test]
fn comments_whitespace_and_binding_names_do_not_change_keys() {
    let original = smoke_source();
    let base = compile_text("tiny.mascot", &original);
    let noisy = original
        .replace("model tiny {", "// a comment\nmodel   renamed_model {")
        .replace("speaker: tiny", "speaker:   renamed_model // trailing")
        .replace("dataset ed_fixture", "dataset fixture_data")
        .replace("data: ed_fixture", "data: fixture_data");
    assert_ne!(noisy, original);
    let other = compile_text("tiny.mascot", &noisy);
    assert_eq!(keys(&base), keys(&other));
}

#[test]
fn declaration_and_stage_order_do_not_change_keys() {
    let original = smoke_source();
    let base = compile_text("tiny.mascot", &original);
    // Move the users declaration to the end and swap two pipeline stages.
    let users = "users mbti {\n    types: [INFP, ENTJ, ISTJ, ESFP]\n}\n";
    assert!(original.contains(users));
    let moved = original.replace(users, "") + "\n" + users;
    let swapped = moved.replace(
        "    simulated_users {\n        users: mbti\n    }\n    sample_candidates {",
        "    sample_candidates {",
    );
    let swapped = swapped.replace(
        "    report {",
        "    simulated_users {\n        users: mbti\n    }\n    report {",
    );
    assert_ne!(swapped, original);
    assert_eq!(keys(&base), keys(&compile_text("tiny.mascot", &swapped)));
}

#[test]
fn changing_a_parameter_changes_the_key_and_downstream_keys() {
    let original = smoke_source();
    let base = compile_text("tiny.mascot", &original);
    let changed = compile_text("tiny.mascot", &original.replace("k: 3", "k: 4"));
    let kb = |p: &Plan, kind| {
        p.stages()
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.key.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kb(&base, StageKind::LoadDataset),
        kb(&changed, StageKind::LoadDataset)
    );
    assert_ne!(
        kb(&base, StageKind::SampleCandidates),
        kb(&changed, StageKind::SampleCandidates)
    );
    assert_ne!(
        kb(&base, StageKind::Report),
        kb(&changed, StageKind::Report)
    );
}

#[test]
fn an_executor_declaration_changes_no_key() {
    let original = smoke_source();
    let base = compile_text("tiny.mascot", &original);
    assert!(base.executor().is_none());
    let header_end = original.find("model tiny {").unwrap();
    for decl in [
        "executor slurm {\n    partition: \"debug\"\n    account: \"lab\"\n    time: \"02:00:00\"\n    gpus_per_stage: 1\n    cpus_per_stage: 2\n    mem_per_stage: \"8G\"\n    extra_args: [\"--qos=normal\"]\n}\n\n",
        "executor slurm { time: \"10:00\" }\n\n",
        "executor local {}\n\n",
    ] {
        let declared = format!(
            "{}{decl}{}",
            &original[..header_end],
            &original[header_end..]
        );
        let plan = compile_text("tiny.mascot", &declared);
        let name = decl.split_whitespace().nth(1).unwrap();
        assert_eq!(
            plan.executor().map(|e| e.name()),
            Some(name),
            "the declaration did not reach the plan"
        );
        assert_eq!(keys(&base), keys(&plan), "{decl}");
        // Stage by stage, not only as a set: ids, params and keys are the undeclared plan's.
        assert_eq!(base.stages(), plan.stages(), "{decl}");
    }
}

#[test]
fn formatting_every_experiment_and_fixture_keeps_its_keys() {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["experiments", "tests/fixtures/ok"] {
        files.extend(mascot_files(dir));
    }
    files.sort();
    assert!(files.len() >= 6);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let formatted = mascot::lang::format_source(&text).unwrap();
        assert_eq!(
            mascot::lang::format_source(&formatted).unwrap(),
            formatted,
            "fmt is not idempotent on {}",
            f.display()
        );
        let display = f.to_string_lossy().into_owned();
        let a = compile_bytes(&f, &display, text.as_bytes()).plan.unwrap();
        let b = compile_bytes(&f, &display, formatted.as_bytes())
            .plan
            .unwrap();
        assert_eq!(a, b, "formatting changed the plan of {}", f.display());
        let comments = |s: &str| s.lines().filter(|l| l.contains("//")).count();
        assert_eq!(
            comments(&text),
            comments(&formatted),
            "fmt lost a comment in {}",
            f.display()
        );
    }
}

#[test]
fn ablation_variants_share_nodes() {
    let plan = compile_file(Path::new("experiments/ablations.mascot"))
        .plan
        .unwrap();
    let naive: usize = plan.variants().iter().map(|v| v.stages.len()).sum();
    assert!(
        plan.stages().len() < naive / 2,
        "{} nodes vs {naive} naive",
        plan.stages().len()
    );
    let one = |kind: StageKind| plan.stages().iter().filter(|s| s.kind == kind).count();
    // One reward model and one preference set (per training subset) for the whole suite.
    assert_eq!(one(StageKind::TrainRewardModel), 1);
    assert_eq!(one(StageKind::BuildPreferences), 1);
    let rm = plan
        .stages()
        .iter()
        .find(|s| s.kind == StageKind::TrainRewardModel)
        .unwrap();
    assert_eq!(rm.variants.len(), plan.variants().len());
    // MASCOT-C reuses MASCOT's persona alignment.
    let align = plan
        .stages()
        .iter()
        .find(|s| s.id == "MASCOT/align_personas")
        .unwrap();
    assert!(align.variants.iter().any(|v| v == "MASCOT-C"));
    // MASCOT-P has no alignment at all.
    let p = plan
        .variants()
        .iter()
        .find(|v| v.name == "MASCOT-P")
        .unwrap();
    assert!(
        p.stages
            .iter()
            .all(|id| plan.stage(id).unwrap().kind != StageKind::AlignPersonas)
    );
}

#[test]
fn plan_is_topologically_ordered_and_ids_are_unique() {
    for f in [
        "experiments/ed.mascot",
        "experiments/qmsum.mascot",
        "experiments/ablations.mascot",
    ] {
        let plan = compile_file(Path::new(f)).plan.unwrap();
        let mut seen = std::collections::HashSet::new();
        for s in plan.stages() {
            for i in &s.inputs {
                assert!(seen.contains(i), "{} comes before its input {i}", s.id);
            }
            assert!(seen.insert(s.id.clone()), "duplicate id {}", s.id);
        }
    }
}

#[test]
fn executable_kinds_emit_the_executor_param_structs() {
    use mascot::spec::stages::load_dataset::LoadDatasetParams;
    use mascot::spec::stages::report::ReportParams;
    use mascot::spec::stages::sample_candidates::SampleCandidatesParams;
    use mascot::spec::stages::simulated_users::SimulatedUsersParams;
    let plan = compile_file(Path::new("experiments/tiny.mascot"))
        .plan
        .unwrap();
    for s in plan.stages() {
        match s.kind {
            StageKind::LoadDataset => {
                let p: LoadDatasetParams = serde_json::from_value(s.params.clone()).unwrap();
                assert!(matches!(
                    p,
                    LoadDatasetParams::EmpatheticDialogues { limit: Some(4), .. }
                ));
                // Keyed by the split's file, not the dataset's folder.
                assert_eq!(
                    s.external[0].path,
                    Path::new("../tests/fixtures/data/empathetic_dialogues/test.csv")
                );
            }
            StageKind::SimulatedUsers => {
                let p: SimulatedUsersParams = serde_json::from_value(s.params.clone()).unwrap();
                assert_eq!(p.types.len(), 4);
            }
            StageKind::SampleCandidates => {
                let p: SampleCandidatesParams = serde_json::from_value(s.params.clone()).unwrap();
                assert_eq!(
                    (p.k, p.decoding.max_tokens, p.limit, p.personas.len()),
                    (3, 24, Some(2), 3)
                );
            }
            StageKind::Report => {
                let p: ReportParams = serde_json::from_value(s.params.clone()).unwrap();
                assert_eq!(p.variants, vec!["tiny".to_string()]);
                assert_eq!(
                    s.inputs.len(),
                    4,
                    "report reads the 3 candidate sets and the users"
                );
            }
            other => panic!("the smoke experiment must only use executable kinds, found {other:?}"),
        }
    }
}

/// `id -> (kind, key)` of every stage.
fn keys_by_id(plan: &Plan) -> std::collections::BTreeMap<String, (StageKind, String)> {
    plan.stages()
        .iter()
        .map(|s| (s.id.clone(), (s.kind, s.key.0.clone())))
        .collect()
}

/// The stages whose key differs between two plans with the same ids.
fn changed(a: &Plan, b: &Plan) -> Vec<(String, StageKind)> {
    let (a, b) = (keys_by_id(a), keys_by_id(b));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the stage ids changed"
    );
    a.iter()
        .filter(|(id, (_, key))| b[*id].1 != *key)
        .map(|(id, (kind, _))| (id.clone(), *kind))
        .collect()
}

#[test]
fn the_user_model_enters_only_the_keys_of_conversations_with_simulated_users() {
    let original = std::fs::read_to_string("experiments/quickstart.mascot").unwrap();
    let base = compile_text("quickstart.mascot", &original);
    let with_user = |user: &str, text: &str| {
        let out = text.replace(
            "    director: smollm2\n",
            &format!("    director: smollm2\n    user: {user}\n"),
        );
        assert_ne!(out, text);
        out + "\nmodel other_user {\n    source: tiny(layers: 2, hidden: 64, intermediate: 128, \
               heads: 4, kv_heads: 2, vocab: 320, seed: 3)\n}\n"
    };

    // Not declaring `user:` writes no `user` parameter (nor `transcript_tokens`), so the
    // keys are those of the plans made before the settings existed.
    for s in base.stages() {
        assert!(s.params.get("user").is_none(), "{}", s.id);
        assert!(s.params.get("transcript_tokens").is_none(), "{}", s.id);
    }
    // Naming the speaker's model (its `lora:` dropped) or a declaration of the same weights
    // is the default too: the same keys.
    for same in ["smollm2", "smollm2_rm"] {
        let plan = compile_text("quickstart.mascot", &with_user(same, &original));
        assert!(changed(&base, &plan).is_empty(), "user: {same}");
    }

    // Another user model changes the conversations with users, `optimize_director` (whose
    // rollouts are episodes with the simulated users) and what reads them, nothing upstream.
    let other = compile_text("quickstart.mascot", &with_user("other_user", &original));
    let moved = changed(&base, &other);
    let kinds: std::collections::BTreeSet<StageKind> = moved.iter().map(|(_, k)| *k).collect();
    assert_eq!(
        kinds,
        [
            StageKind::OptimizeDirector,
            StageKind::GenerateConversations,
            StageKind::Evaluate,
            StageKind::Report,
            StageKind::Compare,
        ]
        .into_iter()
        .filter(|k| base.stages().iter().any(|s| s.kind == *k))
        .collect(),
        "{moved:?}"
    );
    let conversations = |p: &Plan| {
        p.stages()
            .iter()
            .filter(|s| s.kind == StageKind::GenerateConversations)
            .count()
    };
    let moved_conversations = moved
        .iter()
        .filter(|(_, k)| *k == StageKind::GenerateConversations)
        .count();
    assert_eq!(moved_conversations, conversations(&base), "{moved:?}");
    // The user model is in the parameters, adapters dropped, and its weights are not an
    // external file (the built-in model has none).
    let stage = other
        .stages()
        .iter()
        .find(|s| s.kind == StageKind::GenerateConversations)
        .unwrap();
    assert_eq!(stage.params["user"]["source"], "tiny", "{}", stage.params);
    assert!(stage.params["user"]["lora"].is_null());

    // A conversation stage without `users:` does not depend on the user model.
    let no_users = original.replace(
        "        systems: [mascot, zero_shot, multi_agent_esc]\n        users: mbti\n",
        "        systems: [mascot, zero_shot, multi_agent_esc]\n",
    );
    assert_ne!(no_users, original);
    let a = compile_text("quickstart.mascot", &no_users);
    let b = compile_text("quickstart.mascot", &with_user("other_user", &no_users));
    // ... only through `optimize_director`, whose rollouts still meet the users of the
    // `simulated_users` stage: the baselines' conversations keep their keys.
    let moved = changed(&a, &b);
    assert!(
        moved.iter().any(|(_, k)| *k == StageKind::OptimizeDirector),
        "{moved:?}"
    );
    assert!(
        moved
            .iter()
            .all(|(id, _)| !id.contains("zero_shot") && !id.contains("multi_agent_esc")),
        "{moved:?}"
    );
}

#[test]
fn mascot_p_without_sft_and_grpo_batches_that_split_groups() {
    let original = std::fs::read_to_string("experiments/quickstart.mascot").unwrap();
    // MASCOT-P dropping pi_SFT as well: the variant also removes `train_sft`, so its
    // conversations speak with the base model.
    let no_sft = original.replace(
        "variant \"MASCOT-P\" {\n    remove align_personas\n}",
        "variant \"MASCOT-P\" {\n    remove align_personas\n}\n\nvariant \"MASCOT-P-base\" {\n    \
         remove align_personas\n    remove train_sft\n}",
    );
    assert_ne!(no_sft, original);
    let plan = compile_text("quickstart.mascot", &no_sft);
    let mascot = |variant: &str| {
        plan.stages()
            .iter()
            .find(|s| {
                s.kind == StageKind::GenerateConversations
                    && s.params["system"] == "mascot"
                    && s.variants.iter().any(|v| v == variant)
            })
            .unwrap_or_else(|| panic!("no mascot conversations in {variant}"))
    };
    let inputs = |s: &mascot::plan::Stage| -> Vec<String> {
        s.inputs.iter().map(|i| i.to_string()).collect()
    };
    assert!(
        inputs(mascot("MASCOT-P"))
            .iter()
            .any(|i| i.contains("train_sft")),
        "MASCOT-P keeps pi_SFT"
    );
    let base = inputs(mascot("MASCOT-P-base"));
    assert!(
        base.iter()
            .all(|i| !i.contains("train_sft") && !i.contains("align_personas")),
        "{base:?}"
    );

    // `batch` counts completions: one that is not a multiple of `group` is a check error.
    let split = original.replace(
        "        group: 4\n        batch: 8\n",
        "        group: 4\n        batch: 6\n",
    );
    assert_ne!(split, original);
    let path = Path::new("experiments").join("quickstart.mascot");
    let c = compile_bytes(&path, &path.to_string_lossy(), split.as_bytes());
    let err = match c.plan {
        Ok(_) => panic!("batch 6 with group 4 compiled"),
        Err(d) => d.render(&c.sources),
    };
    assert!(
        err.contains("`batch: 6` is not a multiple of `group: 4`"),
        "{err}"
    );
}

/// Regression: `checkpoint_every` was part of the key, so making a long run safer
/// (checkpointing every step) reran its training from step 1.
#[test]
fn checkpoint_every_changes_no_key() {
    let original = std::fs::read_to_string("experiments/quickstart.mascot").unwrap();
    let base = compile_text("quickstart.mascot", &original);
    let every_step = original
        .replace(
            "        max_steps: 2\n    }\n    optimize_director {",
            "        max_steps: 2\n        checkpoint_every: 1\n    }\n    optimize_director {",
        )
        .replace(
            "        max_steps: 1\n    }\n    generate_conversations {",
            "        max_steps: 1\n        checkpoint_every: 1\n    }\n    generate_conversations {",
        );
    assert_eq!(every_step.matches("checkpoint_every: 1").count(), 2);
    let plan = compile_text("quickstart.mascot", &every_step);
    // The value is still in the parameters the stage runs with.
    assert!(
        plan.stages()
            .iter()
            .any(|s| s.kind == StageKind::AlignPersonas
                && s.params.to_string().contains("\"checkpoint_every\":1"))
    );
    assert!(changed(&base, &plan).is_empty());
    // A parameter that changes results next to it still changes the key.
    let other = compile_text(
        "quickstart.mascot",
        &every_step.replacen("        max_steps: 2\n", "        max_steps: 3\n", 1),
    );
    assert!(!changed(&base, &other).is_empty());
}
