//! The error-code registry (`src/spec/codes.rs`) against the code: every code reported in
//! `src/` is registered, every registered code is reported somewhere, and `docs/errors.md`
//! is the registry rendered (`UPDATE_DOCS=1` rewrites it).

use std::collections::BTreeSet;
use std::path::Path;

use mascot::spec::codes::{CODES, markdown};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Codes in one file: `"E013"`-style literals, `code(a::b)` attributes, `code = "a::b"`.
fn codes_in(text: &str, out: &mut BTreeSet<String>) {
    let b = text.as_bytes();
    for (i, _) in text.match_indices('"') {
        let lit = &b[i + 1..(i + 5).min(b.len())];
        let closed = b.get(i + 5) == Some(&b'"');
        if closed
            && lit.len() == 4
            && matches!(lit[0], b'E' | b'W')
            && lit[1..].iter().all(u8::is_ascii_digit)
        {
            out.insert(String::from_utf8_lossy(lit).into_owned());
        }
    }
    let is_code_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    for (i, _) in text.match_indices("code(") {
        let before = text[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue; // `encode(`
        }
        let rest = &text[i + 5..];
        let code: String = rest.chars().take_while(|c| is_code_char(*c)).collect();
        if code.contains("::") && rest[code.len()..].starts_with(')') {
            out.insert(code);
        }
    }
    for (i, _) in text.match_indices("code = \"") {
        let rest = &text[i + 8..];
        let code: String = rest.chars().take_while(|c| is_code_char(*c)).collect();
        if code.contains("::") {
            out.insert(code);
        }
    }
}

#[test]
fn every_code_used_is_registered_and_every_registered_code_is_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let mut used = BTreeSet::new();
    for f in files.iter().filter(|f| !f.ends_with("src/spec/codes.rs")) {
        codes_in(&std::fs::read_to_string(f).unwrap(), &mut used);
    }
    let registered: BTreeSet<String> = CODES.iter().map(|c| c.code.to_string()).collect();
    assert_eq!(registered.len(), CODES.len(), "a code is registered twice");
    let unregistered: Vec<&String> = used.difference(&registered).collect();
    let unused: Vec<&String> = registered.difference(&used).collect();
    assert!(
        unregistered.is_empty(),
        "codes used in src/ but missing from src/spec/codes.rs: {unregistered:?}"
    );
    assert!(
        unused.is_empty(),
        "codes in src/spec/codes.rs that nothing reports: {unused:?}"
    );
}

#[test]
fn docs_errors_md_is_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md");
    let rendered = markdown();
    if std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &rendered).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == rendered,
        "docs/errors.md differs from src/spec/codes.rs; rerun with UPDATE_DOCS=1"
    );
}

#[test]
fn the_scanner_of_this_test_finds_each_form() {
    let mut found = BTreeSet::new();
    codes_in(
        r#"Diagnostic::error("E013", s, "m"); #[diagnostic(code(mascot::exec::io))]
           miette!(code = "mascot::stage::k", "x"); t.encode(p); "E0131" "Exx1""#,
        &mut found,
    );
    let found: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(found, vec!["E013", "mascot::exec::io", "mascot::stage::k"]);
}
