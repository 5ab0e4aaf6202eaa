//! Regression tests, each named after what broke.

use std::path::Path;

use mascot::lang::{FileId, format_source, parse};
use mascot::plan::compile_bytes;

fn errors(text: &str) -> Vec<&'static str> {
    let c = compile_bytes(
        Path::new("experiments/t.mascot"),
        "t.mascot",
        text.as_bytes(),
    );
    match c.plan {
        Ok(_) => vec![],
        Err(d) => d.0.iter().map(|d| d.code).collect(),
    }
}

/// pest's implicit whitespace made a field's span swallow the blank line and comment after
/// it, so `mascot fmt` dropped the blank line between a pipeline setting and a stage.
#[test]
fn field_span_stops_before_trailing_blank_lines_and_comments() {
    let src = "pipeline {\n    speaker: a // who speaks\n\n    report {}\n}\n";
    let ast = parse(src, FileId(0)).unwrap();
    let mascot::lang::ast::Item::Pipeline { entries, .. } = &ast.items[0] else {
        panic!()
    };
    let mascot::lang::ast::PipelineEntry::Setting(f) = &entries[0] else {
        panic!()
    };
    assert_eq!(&src[f.span.start..f.span.end], "speaker: a");
    assert_eq!(format_source(src).unwrap(), src);
}

/// 100k nested brackets overflowed the recursive-descent parser's stack.
#[test]
fn deep_nesting_is_a_diagnostic_not_a_stack_overflow() {
    let src = format!("experiment \"x\" {{ seed: {} }}", "[".repeat(100_000));
    let err = parse(&src, FileId(0)).unwrap_err();
    assert_eq!(err.0[0].code, "E002");
    assert!(err.0[0].message.contains("nest deeper"));
}

/// A misspelt required field was reported twice: unknown `descripton` and missing
/// `description`.
#[test]
fn misspelt_required_field_is_reported_once() {
    let src = "experiment \"x\" {}\npersona p { name: \"P\", descripton: \"d\", traits: [\"t\"] }\npipeline { personas: [p] }\n";
    assert_eq!(errors(src), vec!["E008"]);
}

/// A variant inheriting a problem of the base pipeline repeated the base's error once per
/// variant.
#[test]
fn base_problem_is_not_repeated_for_each_variant() {
    let src = "experiment \"x\" {}\npipeline { build_preferences {} }\nvariant \"a\" { set build_preferences.delta = 1.0 }\nvariant \"b\" { set build_preferences.delta = 2.0 }\n";
    assert_eq!(errors(src), vec!["E017"]);
}

/// Operators were listed first in "expected ..." messages at the start of the next field.
#[test]
fn syntax_error_after_a_value_does_not_suggest_operators() {
    let err = parse("experiment \"x\" { seed: 1 = }", FileId(0)).unwrap_err();
    assert!(!err.0[0].message.contains("`+`"), "{}", err.0[0].message);
}

/// The nesting limit must leave room on a 2 MiB test-thread stack for the deepest accepted
/// input through parse, check and fmt.
#[test]
fn deepest_accepted_nesting_fits_a_small_stack() {
    let depth = mascot::lang::parse::MAX_NESTING - 1;
    let src = format!(
        "experiment \"x\" {{ seed: {}1{} }}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            assert!(parse(&src, FileId(0)).is_ok());
            assert_eq!(errors(&src), vec!["E011"]);
            format_source(&src).unwrap();
            let parens = format!(
                "reward r = {}diverse(){}\n",
                "(".repeat(depth),
                ")".repeat(depth)
            );
            assert!(parse(&parens, FileId(0)).is_ok());
            format_source(&parens).unwrap();
            let _ = errors(&parens);
        })
        .unwrap();
    handle.join().unwrap();
}

/// A stage with one bad field disappeared from the checker's view, so every variant or sweep
/// naming it also got a false "the pipeline has no stage" (E019).
#[test]
fn a_stage_with_a_bad_field_is_still_in_the_pipeline_for_variants() {
    let src = std::fs::read_to_string("tests/fixtures/err/bad_field_then_variant_set.mascot")
        .unwrap()
        .replace("../data/", "../tests/fixtures/data/");
    assert_eq!(errors(&src), vec!["E012"]);
}
