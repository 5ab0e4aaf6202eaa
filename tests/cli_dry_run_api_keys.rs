//! `mascot run --dry-run` names every `api_key_env` that is not set (a real run would fail
//! only when the first stage calling the endpoint starts), and says nothing once it is set.

mod exec_support;

use exec_support::*;

const VAR: &str = "MASCOT_TEST_DRY_RUN_KEY";

#[test]
fn dry_run_names_unset_api_key_env() {
    let ws = Workspace::new();
    let file = ws.path().join("keys.mascot");
    std::fs::write(
        &file,
        format!(
            r#"
experiment "api keys" {{ seed: 1 }}
model tiny {{
    source: tiny(layers: 2, hidden: 64, intermediate: 128, heads: 4, kv_heads: 2, vocab: 320)
}}
persona a {{ name: "A" description: "Helps." traits: ["kind"] }}
dataset ed {{ source: empathetic_dialogues(path: "data/empathetic_dialogues", split: "test") }}
judge remote {{
    backend: openai(base_url: "http://127.0.0.1:9/v1", model: "judge-model", temperature: 0.0, api_key_env: "{VAR}")
}}
rubric r {{ level: agent criteria: {{ consistency: "Keeps the persona." }} }}
pipeline {{
    speaker: tiny
    personas: [a]
    load_dataset {{ data: ed }}
    generate_conversations {{ systems: [zero_shot], turns: 1, max_tokens: 2 }}
    evaluate {{ judge: remote, rubrics: [r] }}
}}
"#
        ),
    )
    .unwrap();
    let store = ws.store();
    let args = [
        "run",
        file.to_str().unwrap(),
        "--dry-run",
        "--store",
        store.to_str().unwrap(),
    ];
    // The test environment does not set the variable (a user's shell might: then this
    // check is meaningless, so it is skipped).
    if std::env::var_os(VAR).is_some() {
        return;
    }
    let (code, _out, err) = mascot(&args, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "api key: environment variable `{VAR}` (the `api_key_env` of the judge-model endpoint) is not set: main/evaluate/zero_shot/all will fail until it is exported"
        )),
        "{err}"
    );
    let (code, _out, err) = mascot(&args, &[(VAR, "sk-test")]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("api key:"), "{err}");
}
