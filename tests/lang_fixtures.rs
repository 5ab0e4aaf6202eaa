//! Snapshot tests of the language: one rendered diagnostic per error fixture, one plan per
//! ok fixture and per experiment. Snapshots live in the top-level `snapshots/` folder.

use std::path::{Path, PathBuf};

use mascot::plan::{compile_file, render};

/// The path relative to the crate root, so rendered paths never show the checkout.
fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn diagnostics() {
    settings().bind(|| {
        insta::glob!("fixtures/err/*.mascot", |path| {
            let compiled = compile_file(&relative(path));
            assert!(
                compiled.plan.is_err(),
                "{} should not compile",
                path.display()
            );
            insta::assert_snapshot!(compiled.render());
        });
    });
}

#[test]
fn ok_plan() {
    settings().bind(|| {
        insta::glob!("fixtures/ok/*.mascot", |path| {
            let compiled = compile_file(&relative(path));
            let plan = compiled
                .plan
                .unwrap_or_else(|d| panic!("{}", d.render(&compiled.sources)));
            insta::assert_snapshot!(render::text(&plan));
        });
    });
}

#[test]
fn experiment_plan() {
    settings().bind(|| {
        insta::glob!("../experiments", "*.mascot", |path| {
            // The artifact store `experiments/.mascot/` (left by `mascot run`) matches too.
            if path.is_dir() {
                return;
            }
            let compiled = compile_file(&relative(path));
            // A shipped experiment checks without a warning. The one note it may carry is
            // `W005` as advice: the ED train split, which the researcher adds from the
            // original release (data/README.md).
            let unexpected: Vec<_> = compiled
                .warnings
                .0
                .iter()
                .filter(|w| w.is_warning() || w.is_error() || w.code != "W005")
                .collect();
            assert!(unexpected.is_empty(), "{}", compiled.render());
            let plan = compiled
                .plan
                .unwrap_or_else(|d| panic!("{}", d.render(&compiled.sources)));
            insta::assert_snapshot!(render::yaml(&plan));
        });
    });
}
