//! Ablation sweeps through the binary (issue 14): variants that stand alone (a report each,
//! one comparison, closed `--variant` plans that run), `set` never dropped, seed and grid
//! sweeps, sweeps on named variants, `--set` overrides with the keys of an edited file,
//! `mascot show`, report paths at the end of a run, `cache` finding the store from the
//! experiment file, and the comparison table with seed replicates.

mod exec_support;
mod sweeps_support;

use std::path::{Path, PathBuf};

use exec_support::{ids, last_json, mascot};
use serde_json::Value;
use sweeps_support::{STUDY, Study};

fn stages(plan: &Value) -> &Vec<Value> {
    plan["stages"].as_array().unwrap()
}

fn stage<'a>(plan: &'a Value, id: &str) -> &'a Value {
    stages(plan)
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no stage {id}"))
}

fn variant_names(plan: &Value) -> Vec<String> {
    plan["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}

fn variant_stages(plan: &Value, name: &str) -> Vec<String> {
    let v = plan["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap();
    let mut out: Vec<String> = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// Every input of every stage is a stage of the plan.
fn assert_closed(plan: &Value) {
    let known: Vec<&str> = stages(plan)
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    for s in stages(plan) {
        for i in s["inputs"].as_array().unwrap() {
            assert!(
                known.contains(&i.as_str().unwrap()),
                "{} reads {i}",
                s["id"]
            );
        }
    }
}

#[test]
fn each_variant_has_its_own_report_and_one_comparison_reads_every_variant() {
    let s = Study::new(STUDY);
    let plan = s.plan_json(&[]);
    let names = variant_names(&plan);
    let reports: Vec<&Value> = stages(&plan)
        .iter()
        .filter(|s| s["kind"] == "report")
        .collect();
    assert_eq!(reports.len(), names.len(), "one report per variant");
    for name in &names {
        let mine: Vec<&&Value> = reports
            .iter()
            .filter(|r| r["params"]["variants"] == serde_json::json!([name]))
            .collect();
        assert_eq!(mine.len(), 1, "{name} has one report");
        // The report reads only its own variant's stages.
        let own = variant_stages(&plan, name);
        for i in mine[0]["inputs"].as_array().unwrap() {
            assert!(
                own.contains(&i.as_str().unwrap().to_string()),
                "{name}: {i}"
            );
        }
    }
    let compare = stage(&plan, "study/compare");
    assert_eq!(compare["variants"], serde_json::json!([]));
    let compared: Vec<&str> = compare["params"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        compared,
        names.iter().map(String::as_str).collect::<Vec<_>>()
    );
    // Every variant's results are inputs of the comparison.
    let inputs = compare["inputs"].as_array().unwrap();
    for v in compare["params"]["variants"].as_array().unwrap() {
        let at = v["inputs"].as_array().unwrap();
        assert!(!at.is_empty(), "{v}");
        for i in at {
            let id = inputs[i.as_u64().unwrap() as usize].as_str().unwrap();
            assert!(variant_stages(&plan, v["name"].as_str().unwrap()).contains(&id.to_string()));
        }
    }
}

#[test]
fn a_plan_restricted_to_variants_is_closed_repeatable_and_runs() {
    let s = Study::new(STUDY);
    let full = s.plan_json(&[]);
    let one = s.plan_json(&["--variant", "greedy"]);
    assert_closed(&one);
    assert_eq!(variant_names(&one), ["greedy"]);
    let mut ids_one: Vec<String> = stages(&one)
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    ids_one.sort();
    assert_eq!(ids_one, variant_stages(&full, "greedy"));
    // No comparison in a plan of one variant; every key as in the full plan.
    for st in stages(&one) {
        assert_eq!(st["key"], stage(&full, st["id"].as_str().unwrap())["key"]);
    }

    let two = s.plan_json(&[
        "--variant",
        "greedy",
        "--variant",
        "titled",
        "--variant",
        "greedy",
    ]);
    assert_closed(&two);
    assert_eq!(variant_names(&two), ["greedy", "titled"]);

    // Every variant named: the comparison comes back.
    let f = s.f();
    let mut all_args = vec!["plan", f.as_str(), "--format", "dot"];
    for n in variant_names(&full) {
        all_args.push("--variant");
        all_args.push(Box::leak(n.into_boxed_str()));
    }
    let (code, dot, err) = mascot(&all_args, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(dot.contains("study/compare"), "{dot}");
    let (code, dot, _) = mascot(&["plan", &f, "--variant", "greedy", "--format", "dot"], &[]);
    assert_eq!(code, 0);
    for line in dot.lines().filter(|l| l.contains("->")) {
        let from = line.split('"').nth(1).unwrap();
        assert!(
            dot.contains(&format!("  \"{from}\" [label")),
            "edge from undeclared {from}"
        );
    }

    // The JSON of one variant runs, and runs only that variant's stages.
    let json = s.dir.path().join("greedy.json");
    std::fs::write(&json, serde_json::to_vec(&one).unwrap()).unwrap();
    let (code, out, err) = mascot(&["run", json.to_str().unwrap(), "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    let ran = ids(&last_json(&out), "executed");
    assert_eq!(ran, variant_stages(&full, "greedy"));

    // `run --variant` on the file: the same stages, now cached.
    let (code, out, err) = mascot(&["run", &f, "--variant", "greedy", "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    let v = last_json(&out);
    assert_eq!(ids(&v, "executed"), Vec::<String>::new());
    assert_eq!(ids(&v, "cached"), variant_stages(&full, "greedy"));
}

#[test]
fn a_set_takes_effect_on_the_stage_it_names_or_is_an_error() {
    let s = Study::new(STUDY);
    let plan = s.plan_json(&[]);
    let titled: Vec<&Value> = stages(&plan)
        .iter()
        .filter(|s| s["kind"] == "report" && s["params"]["variants"][0] == "titled")
        .collect();
    assert_eq!(titled[0]["params"]["title"], "No quiz");
    let base = stages(&plan)
        .iter()
        .find(|s| s["kind"] == "report" && s["params"]["variants"][0] == "study")
        .unwrap();
    assert_eq!(base["params"]["title"], "Study");
    assert_ne!(titled[0]["key"], base["key"]);
    // `titled` shares every other node with the base.
    assert_eq!(
        variant_stages(&plan, "titled").len(),
        variant_stages(&plan, "study").len()
    );

    let broken = STUDY.replace(
        r#"variant "titled" { set report.title = "No quiz" }"#,
        "variant \"titled\" {\n    remove report\n    set report.title = \"No quiz\"\n}",
    );
    let b = Study::new(&broken);
    let (code, _, err) = mascot(&["check", &b.f()], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("mascot::E019"), "{err}");
    assert!(err.contains("`titled` has no `report` stage"), "{err}");

    let same = STUDY.replace(
        "set report.title = \"No quiz\"",
        "set report.title = \"Study\"",
    );
    let w = Study::new(&same);
    let (code, _, err) = mascot(&["check", &w.f()], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("mascot::W003"), "{err}");
}

#[test]
fn seed_grid_and_variant_sweeps_are_named_predictably() {
    let s = Study::new(STUDY);
    let plan = s.plan_json(&[]);
    assert_eq!(
        variant_names(&plan),
        [
            "study",
            "greedy",
            "titled",
            "seeds-1",
            "seeds-2",
            "grid-k_2-seed_1",
            "grid-k_2-seed_2",
            "grid-k_3-seed_1",
            "grid-k_3-seed_2",
            "greedy.k-3",
        ]
    );
    let sample = |variant: &str| -> Value {
        let ids = variant_stages(&plan, variant);
        let id = ids
            .iter()
            .find(|i| stage(&plan, i)["kind"] == "sample_candidates")
            .unwrap();
        stage(&plan, id)["params"].clone()
    };
    assert_eq!(sample("study")["seed"], 7);
    assert_eq!(sample("seeds-1")["seed"], 1);
    assert_eq!(sample("seeds-2")["seed"], 2);
    assert_eq!(sample("grid-k_3-seed_2")["seed"], 2);
    assert_eq!(sample("grid-k_3-seed_2")["k"], 3);
    // A sweep on a named variant keeps that variant's changes.
    assert_eq!(sample("greedy.k-3")["k"], 3);
    assert_eq!(sample("greedy.k-3")["temperature"], 0.0);
    // The same configuration twice is one node: grid k=2 seed=1 is seeds-1.
    assert_eq!(sample("grid-k_2-seed_1"), sample("seeds-1"));
    // Replicate groups.
    let compare = stage(&plan, "study/compare");
    let group = |name: &str| -> String {
        compare["params"]["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap()["group"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(group("seeds-1"), "study");
    assert_eq!(group("grid-k_3-seed_1"), "grid-k_3");
    assert_eq!(group("grid-k_3-seed_2"), "grid-k_3");
    assert_eq!(group("greedy"), "greedy");

    let bad = STUDY.replace(r#"on ["greedy"]"#, r#"on ["greedyy"]"#);
    let b = Study::new(&bad);
    let (code, _, err) = mascot(&["check", &b.f()], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("mascot::E031"), "{err}");
    assert!(err.contains("did you mean `greedy`?"), "{err}");
}

#[test]
fn a_command_line_set_has_the_keys_of_the_edited_file() {
    let s = Study::new(STUDY);
    let overridden = s.plan_json(&["--set", "sample_candidates.k=3", "--set", "seed=11"]);
    let edited = Study::new(
        &STUDY
            .replace("k: 2, temperature", "k: 3, temperature")
            .replace("seed: 7  base", "seed: 11  base"),
    );
    let from_file = edited.plan_json(&[]);
    let keys = |p: &Value| -> Vec<String> {
        stages(p)
            .iter()
            .map(|s| format!("{} {}", s["id"], s["key"]))
            .collect()
    };
    assert_eq!(keys(&overridden), keys(&from_file));
    assert_ne!(keys(&overridden), keys(&s.plan_json(&[])));

    let (code, _, err) = mascot(&["plan", &s.f(), "--set", "sample_candidates.kk=3"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("--set:1:"), "{err}");
    assert!(err.contains("did you mean `k`?"), "{err}");
    let (code, _, err) = mascot(&["plan", &s.f(), "--set", "sample_candidates.k=1"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("mascot::E012"), "{err}");
}

#[test]
fn run_prints_report_paths_and_show_and_cache_find_them_by_name() {
    let s = Study::new(STUDY);
    let f = s.f();
    let (code, out, err) = mascot(&["run", &f], &[]);
    assert_eq!(code, 0, "{err}");
    let store = s.dir.path().join(".mascot");
    let report_lines: Vec<&str> = out.lines().filter(|l| l.starts_with("report ")).collect();
    assert_eq!(report_lines.len(), 10, "{out}");
    let compare_line = out
        .lines()
        .find(|l| l.starts_with("compare ") && l.ends_with("comparison.md"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        out.lines()
            .any(|l| l.starts_with("compare ") && l.ends_with("report.html")),
        "the comparison's report across variants: {out}"
    );
    let comparison = PathBuf::from(compare_line.split_whitespace().last().unwrap());
    assert!(comparison.starts_with(&store), "{compare_line}");
    let table = std::fs::read_to_string(&comparison).unwrap();
    // Seed replicates of the base: seeds 7, 1, 2 in one row, as mean ± std.
    let row = table
        .lines()
        .find(|l| l.starts_with("| study |"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("| 7, 1, 2 |"), "{row}");
    assert!(row.contains(" ± "), "{row}");
    assert!(table.contains("| grid-k_3 | 1, 2 |"), "{table}");

    // show: a stage by id, a variant, every stage.
    let (code, path, err) = mascot(&["show", &f, "study/compare", "--path"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(Path::new(path.trim()), comparison.parent().unwrap());
    let (code, text, _) = mascot(&["show", &f, "study/compare"], &[]);
    assert_eq!(code, 0);
    assert!(
        text.contains("files:") && text.contains("comparison.md"),
        "{text}"
    );
    assert!(
        text.contains("plan key:") && text.contains("store key:"),
        "{text}"
    );
    let (code, text, _) = mascot(&["show", &f, "titled"], &[]);
    assert_eq!(code, 0);
    let report = text
        .lines()
        .find_map(|l| l.strip_prefix("report:"))
        .unwrap()
        .trim();
    assert!(report.ends_with("report.html"), "{report}");
    let html = std::fs::read_to_string(report).unwrap();
    assert!(html.contains("<title>No quiz</title>"), "{html}");
    let (code, path, _) = mascot(&["show", &f, "titled", "--path"], &[]);
    assert_eq!(code, 0);
    assert_eq!(path.trim(), report);
    let (code, _, err) = mascot(&["show", &f, "titeld"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("did you mean `titled`?"), "{err}");

    // cache ls finds the store from the experiment file, from any directory, with the keys
    // `run` shows.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mascot"))
        .args(["cache", "ls", &f])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let listing = String::from_utf8_lossy(&out.stdout);
    let key = comparison
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(listing.contains(&key[..12]), "{listing}");
    assert!(
        !listing.contains(&key[..13]),
        "12-character keys: {listing}"
    );
}
