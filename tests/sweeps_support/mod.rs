//! The study experiment the sweep tests share, in a temporary directory with the fixture
//! data.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::exec_support::{copy_dir, mascot};

/// A study experiment on the built-in tiny model and the fixture data.
pub const STUDY: &str = r#"experiment "Study group" { seed: 7  base: "study" }

model tiny {
    source: tiny(arch: llama, layers: 1, hidden: 32, intermediate: 64, heads: 2, kv_heads: 1,
                 vocab: 320, max_seq_len: 1024, seed: 7)
}
persona tutor {
    name: "Tutor"
    description: "Explains one idea at a time."
    traits: ["patient"]
}
dataset ed {
    source: empathetic_dialogues(path: "data/empathetic_dialogues", split: "test",
                                 subsets: [positive])
    limit: 1
}

pipeline {
    speaker: tiny
    personas: [tutor]
    load_dataset { data: ed }
    sample_candidates { k: 2, temperature: 1.0, max_tokens: 3, limit: 1 }
    report { title: "Study" }
}

variant "greedy" { set sample_candidates.temperature = 0.0 }
variant "titled" { set report.title = "No quiz" }
sweep "seeds" { seed in [1, 2] }
sweep "grid" {
    sample_candidates.k in [2, 3]
    seed in [1, 2]
}
sweep "k" on ["greedy"] { sample_candidates.k in [3] }
"#;

/// A temporary directory with the fixture data and an experiment file.
pub struct Study {
    pub dir: tempfile::TempDir,
}

impl Study {
    pub fn new(text: &str) -> Study {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data"),
            &dir.path().join("data"),
        );
        std::fs::write(dir.path().join("study.mascot"), text).unwrap();
        Study { dir }
    }

    pub fn file(&self) -> PathBuf {
        self.dir.path().join("study.mascot")
    }

    pub fn f(&self) -> String {
        self.file().to_string_lossy().into_owned()
    }

    /// `mascot plan FILE ARGS... --format json`, parsed.
    pub fn plan_json(&self, args: &[&str]) -> Value {
        let f = self.f();
        let mut all = vec!["plan", f.as_str(), "--format", "json"];
        all.extend_from_slice(args);
        let (code, out, err) = mascot(&all, &[]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    }
}
