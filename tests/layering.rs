//! The module layering (lowest first; a module imports only lower ones):
//!
//! 1. `util` (no project knowledge), `spec` (the vocabulary)
//! 2. `model` (the runtime), `data` (dataset readers)
//! 3. the method libraries (`judge`, `train`, `dialogue`, `report`)
//! 4. `lang` (parse, check), then `plan` (expand, build, keys, the sealed plan)
//! 5. `stages` (one file per executable kind; never the executor)
//! 6. `exec` (store, keys, scheduler)
//! 7. `cli`
//!
//! This test reads every `crate::<module>` path in `src/` (comments left out) and fails on an
//! import that is not allowed, naming the file and the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What each top-level module may import (besides itself).
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    const LIBRARIES: &[&str] = &["judge", "train", "dialogue", "report"];
    let mut m: BTreeMap<&'static str, &'static [&'static str]> = BTreeMap::new();
    m.insert("util", &[]);
    m.insert("spec", &["util"]);
    m.insert("model", &["spec", "util"]);
    m.insert("data", &["spec", "util"]);
    for lib in LIBRARIES {
        m.insert(lib, &["model", "data", "spec", "util"]);
    }
    m.insert("lang", &["spec", "util"]);
    m.insert("plan", &["lang", "spec", "util"]);
    m.insert(
        "stages",
        &[
            "judge", "train", "dialogue", "report", "model", "data", "plan", "spec", "util",
        ],
    );
    m.insert(
        "exec",
        &[
            "stages", "plan", "lang", "judge", "train", "dialogue", "report", "model", "data",
            "spec", "util",
        ],
    );
    m
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `(line, module)` for every `crate::<module>` outside comments.
fn imports(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (i, _) in code.match_indices("crate::") {
            let before = code[..i].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let module: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !module.is_empty() {
                out.push((n + 1, module));
            }
        }
    }
    out
}

#[test]
fn no_module_imports_a_module_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed = allowed();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if ["lib", "main", "cli"].contains(&top.as_str()) {
            continue;
        }
        let Some(may) = allowed.get(top.as_str()) else {
            wrong.push(format!(
                "src/{top} is not in the layering table of tests/layering.rs"
            ));
            continue;
        };
        for (line, module) in imports(&std::fs::read_to_string(f).unwrap()) {
            if module != top && !may.contains(&module.as_str()) {
                wrong.push(format!(
                    "src/{}:{line}: `{top}` imports `{module}`",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layering:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_reader_of_this_test_sees_imports_and_skips_comments() {
    let found = imports(
        "use crate::spec::StageKind; // crate::exec\n/// [`crate::plan::Plan`]\nlet x = $crate::spec::value::Val; f(crate::util::slash(p))",
    );
    assert_eq!(
        found,
        vec![(1, "spec".to_string()), (3, "util".to_string())]
    );
}
