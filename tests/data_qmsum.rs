//! QMSum reader on the test fixture and on the real test meetings shipped in `data/` (a
//! failure in CI when absent).

mod data_support;

use std::collections::BTreeMap;
use std::path::Path;

use mascot::data::read_qmsum;
use mascot::spec::dataset::QmsumDomain;

#[test]
fn fixture_meetings_by_domain() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data/qmsum");
    let all = read_qmsum(&root, "test", QmsumDomain::All).unwrap();
    assert_eq!(all.meetings.len(), 4);
    let domains: Vec<&str> = all.meetings.iter().map(|m| m.domain.as_str()).collect();
    assert_eq!(domains, vec!["Product", "Product", "Academic", "Committee"]);
    let product = read_qmsum(&root, "test", QmsumDomain::Product).unwrap();
    assert_eq!(product.meetings.len(), 2);
    let m = &product.meetings[0];
    assert_eq!(m.id, "FX2001a");
    assert_eq!(m.general_queries.len(), 1);
    assert_eq!(
        m.specific_queries[0].relevant_text_span,
        Some(vec![vec!["1".to_string(), "2".to_string()]])
    );
    assert_eq!(m.transcript.len(), 4);
}

#[test]
fn real_test_split_has_35_meetings() {
    let Some(root) = data_support::shipped("qmsum") else {
        return;
    };
    let all = read_qmsum(&root, "test", QmsumDomain::All).unwrap();
    assert_eq!(all.meetings.len(), 35);
    let mut by_domain = BTreeMap::new();
    for m in &all.meetings {
        *by_domain.entry(m.domain.as_str()).or_insert(0) += 1;
    }
    assert_eq!(by_domain["Academic"], 9);
    assert_eq!(by_domain["Committee"], 6);
    assert_eq!(by_domain["Product"], 20);
    let topics: usize = all.meetings.iter().map(|m| m.topics.len()).sum();
    let general: usize = all.meetings.iter().map(|m| m.general_queries.len()).sum();
    let specific: usize = all.meetings.iter().map(|m| m.specific_queries.len()).sum();
    let turns: usize = all.meetings.iter().map(|m| m.transcript.len()).sum();
    assert_eq!((topics, general, specific, turns), (147, 37, 244, 20_718));
    for (d, n) in [
        (QmsumDomain::Academic, 9),
        (QmsumDomain::Committee, 6),
        (QmsumDomain::Product, 20),
    ] {
        assert_eq!(read_qmsum(&root, "test", d).unwrap().meetings.len(), n);
    }
}
