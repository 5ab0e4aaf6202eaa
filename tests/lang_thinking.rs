//! The thinking switch and the per-role budgets in the language: `thinking: on | off | auto` on
//! a model, `speaker_*` / `director_*` / `user_*` `max_tokens`, `temperature` and `thinking`
//! in `generate_conversations`; which keys they enter (none when left out) and the `W006`
//! warning for a thinking role whose budget cannot hold its reasoning.

use std::collections::BTreeSet;
use std::path::Path;

use mascot::plan::{Compiled, Plan, compile_bytes};
use mascot::spec::StageKind;

fn compile(text: &str) -> Compiled {
    let path = Path::new("experiments").join("quickstart.mascot");
    compile_bytes(&path, &path.to_string_lossy(), text.as_bytes())
}

fn plan(text: &str) -> Plan {
    let c = compile(text);
    match c.plan {
        Ok(p) => p,
        Err(d) => panic!("{}", d.render(&c.sources)),
    }
}

fn quickstart() -> String {
    std::fs::read_to_string("experiments/quickstart.mascot").unwrap()
}

/// The quickstart with `extra` added to the `smollm2` model and `stage_extra` to its
/// `generate_conversations` block.
fn edited(model_extra: &str, stage_extra: &str) -> String {
    let text = quickstart();
    let model = "    lora: { r: 16, alpha: 32, dropout: 0.1, targets: [q_proj, k_proj, v_proj, o_proj] }\n}";
    assert!(text.contains(model));
    let stage = "        turns: 3\n        max_tokens: 32\n    }";
    assert!(text.contains(stage));
    text.replace(
        model,
        &format!("{}\n    {model_extra}\n}}", &model[..model.len() - 2]),
    )
    .replace(
        stage,
        &format!("        turns: 3\n        max_tokens: 32\n        {stage_extra}\n    }}"),
    )
}

/// `(id, kind)` of the stages whose key differs between the plans.
fn changed(a: &Plan, b: &Plan) -> Vec<(String, StageKind)> {
    let keys = |p: &Plan| -> std::collections::BTreeMap<String, (StageKind, String)> {
        p.stages()
            .iter()
            .map(|s| (s.id.clone(), (s.kind, s.key.0.clone())))
            .collect()
    };
    let (ka, kb) = (keys(a), keys(b));
    ka.iter()
        .filter(|(id, (_, key))| kb.get(*id).is_none_or(|(_, k)| k != key))
        .map(|(id, (kind, _))| (id.clone(), *kind))
        .collect()
}

fn w006(c: &Compiled) -> Vec<String> {
    c.warnings
        .0
        .iter()
        .filter(|d| d.code == "W006")
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn thinking_auto_or_absent_keeps_every_key_and_on_changes_the_stages_of_that_model() {
    let base = plan(&quickstart());
    assert!(changed(&base, &plan(&edited("thinking: auto", ""))).is_empty());
    let on = plan(&edited("thinking: on", ""));
    let moved: BTreeSet<StageKind> = changed(&base, &on).into_iter().map(|(_, k)| k).collect();
    // The speaker model is in every model stage's parameters (and what reads them moves
    // with them); the stages without a model keep their keys.
    for kind in [
        StageKind::SampleCandidates,
        StageKind::AlignPersonas,
        StageKind::GenerateConversations,
    ] {
        assert!(moved.contains(&kind), "{kind:?} should move: {moved:?}");
    }
    assert!(!moved.contains(&StageKind::LoadDataset), "{moved:?}");
    assert!(!moved.contains(&StageKind::SimulatedUsers), "{moved:?}");
    let stage = on
        .stages()
        .iter()
        .find(|s| s.kind == StageKind::GenerateConversations)
        .unwrap();
    assert_eq!(stage.params["speaker"]["thinking"], "on");
}

#[test]
fn per_role_fields_enter_only_the_nodes_that_have_the_role() {
    let base = plan(&quickstart());
    let conversations = |p: &Plan| -> BTreeSet<String> {
        p.stages()
            .iter()
            .filter(|s| s.kind == StageKind::GenerateConversations)
            .map(|s| s.id.clone())
            .collect()
    };
    let moved_conversations = |p: &Plan| -> BTreeSet<String> {
        changed(&base, p)
            .into_iter()
            .filter(|(_, k)| *k == StageKind::GenerateConversations)
            .map(|(id, _)| id)
            .collect()
    };
    // The speakers' fields enter every conversation node.
    let speaker = plan(&edited(
        "",
        "speaker_max_tokens: 600\n        speaker_thinking: off",
    ));
    assert_eq!(moved_conversations(&speaker), conversations(&base));
    let node = speaker
        .stages()
        .iter()
        .find(|s| s.kind == StageKind::GenerateConversations)
        .unwrap();
    assert_eq!(node.params["speakers"]["max_tokens"], 600);
    assert_eq!(node.params["speakers"]["thinking"], "off");
    assert!(node.params.get("directing").is_none() || node.id.contains("mascot"));

    // The director's only the nodes with a director (MASCOT with `order: director`).
    let director = plan(&edited(
        "",
        "director_max_tokens: 300\n        director_temperature: 0.3\n        director_thinking: on",
    ));
    let moved = moved_conversations(&director);
    assert!(!moved.is_empty());
    for id in &moved {
        assert!(id.contains("mascot/"), "{id} has no director");
        assert!(!id.starts_with("MASCOT-C"), "{id} has no director");
    }
    assert!(moved.len() < conversations(&base).len());

    // The users' every node of a stage with `users:`; nothing when the stage has none.
    let user = plan(&edited(
        "",
        "user_temperature: 1.0\n        user_thinking: off",
    ));
    assert_eq!(moved_conversations(&user), conversations(&base));
    let without_users =
        quickstart().replace("        users: mbti\n        turns: 3", "        turns: 3");
    let no_users = plan(&without_users);
    let no_users_with_fields = plan(&without_users.replace(
        "        turns: 3\n        max_tokens: 32\n    }",
        "        turns: 3\n        max_tokens: 32\n        user_thinking: off\n    }",
    ));
    assert!(changed(&no_users, &no_users_with_fields).is_empty());
}

#[test]
fn a_bad_thinking_value_is_an_error_naming_the_choices() {
    let c = compile(&edited("thinking: maybe", ""));
    let rendered = c.render();
    assert!(c.plan.is_err(), "{rendered}");
    assert!(rendered.contains("maybe"), "{rendered}");
    assert!(rendered.contains("auto"), "{rendered}");
    let c = compile(&edited("", "director_thinking: yes"));
    assert!(c.plan.is_err(), "{}", c.render());
}

#[test]
fn thinking_roles_with_budgets_too_small_warn_with_the_numbers() {
    // As shipped (auto): no warning.
    assert!(w006(&compile(&quickstart())).is_empty());
    let c = compile(&edited("thinking: on", ""));
    let warnings = w006(&c);
    let text = warnings.join("\n");
    // align_personas: max_tokens 32 < format's 16 + 32.
    assert!(
        text.contains("align_personas' max_tokens (32) is below the format reward's think_min + answer_max (16 + 32 = 48)"),
        "{text}"
    );
    // Conversations: the speaker needs the format reward's 48, the director and the users
    // the floor of 256; each names its field and budget.
    assert!(
        text.contains("the speaker thinks, but its budget (max_tokens: 32) is below the 48 tokens"),
        "{text}"
    );
    assert!(
        text.contains(
            "the director thinks, but its budget (max_tokens: 32) is below the 256 tokens"
        ),
        "{text}"
    );
    assert!(
        text.contains("the user thinks, but its budget (max_tokens: 32) is below the 256 tokens"),
        "{text}"
    );
    // MASCOT-P removes align_personas: its speakers have no format reward to size them.
    assert!(
        text.contains("variant `MASCOT-P`: the speaker thinks, but its budget (max_tokens: 32) is below the 256 tokens"),
        "{text}"
    );
    assert_eq!(warnings.len(), 5, "{text}");
    assert!(c.render().contains("W006"));

    // Budgets that fit, or a role that does not think: no warning.
    let fits = compile(
        &edited(
            "thinking: on",
            "speaker_max_tokens: 256\n        director_max_tokens: 256\n        user_thinking: off",
        )
        .replace(
            "        max_tokens: 32\n        max_steps: 2",
            "        max_tokens: 48\n        max_steps: 2",
        ),
    );
    assert!(w006(&fits).is_empty(), "{:?}", w006(&fits));
    // A role set to think on a model that does not: warned by the role's own field.
    let role = compile(&edited(
        "",
        "director_thinking: on\n        director_max_tokens: 100",
    ));
    let text = w006(&role).join("\n");
    assert!(
        text.contains(
            "the director thinks, but its budget (director_max_tokens: 100) is below the 256 tokens"
        ),
        "{text}"
    );
    assert_eq!(w006(&role).len(), 1, "{text}");
}
