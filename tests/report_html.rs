//! The whole report on a synthetic evaluation: every file written, `report.html`
//! self-contained (no external URL, images inline), naming every system, with the tables,
//! plots, training curves, example transcripts and, for the heuristic judge only, the note
//! that scores are proxies; output deterministic.

mod report_support;

use std::path::{Path, PathBuf};

use mascot::report::{build_report, write_report};
use report_support::*;

fn written(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// `MASCOT_REPORT_DEMO=DIR cargo test --test report_html` also leaves the synthetic report
/// in DIR (emptied first) to look at.
#[test]
fn writes_every_file_atomically_and_lists_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = match std::env::var_os("MASCOT_REPORT_DEMO") {
        Some(d) => {
            let d = PathBuf::from(d);
            let _ = std::fs::remove_dir_all(&d);
            d
        }
        None => tmp.path().to_path_buf(),
    };
    let files = write_report(&dir, &synthetic_input(heuristic())).unwrap();
    assert_eq!(
        written(&dir),
        files.files,
        "exactly the listed files, no temporaries"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("report.html"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "readable by others");
    }
    for f in ["report.html", "report.md", "tables.csv"] {
        assert!(files.files.contains(&PathBuf::from(f)), "{f}");
    }
    let pngs = files
        .files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "png"))
        .count();
    let svgs = files
        .files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "svg"))
        .count();
    // Ablation bars, sweep lines, 3 MBTI heatmaps (agent, group, speakers), 2 training runs.
    assert_eq!((pngs, svgs, files.plots), (7, 7, 7));
    let csvs = files
        .files
        .iter()
        .filter(|f| f.starts_with("tables"))
        .count();
    assert_eq!(csvs, files.tables);
    // 5 variants x 2 levels, ablation, sweep, comparison, 3 user-type tables.
    assert_eq!(files.tables, 10 + 3 + 3);
    assert!(
        files
            .files
            .contains(&PathBuf::from("plots/ablation-ablation.png"))
    );
    assert!(
        files
            .files
            .contains(&PathBuf::from("plots/training-mascot-align-personas.svg"))
    );
}

/// Every `src=`, `href=` and `url(` of the page, with what follows.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for pat in ["src=", "href=", "url(", "@import", "<link", "<script"] {
        for (i, _) in html.match_indices(pat) {
            out.push(html[i..(i + 40).min(html.len())].to_string());
        }
    }
    out
}

#[test]
fn html_is_self_contained_and_names_every_system() {
    let built = build_report(&synthetic_input(heuristic())).unwrap();
    let html = &built.html;
    assert!(!html.contains("http"), "no URL of any kind in the page");
    for r in references(html) {
        assert!(
            r.starts_with("src=\"data:image/png;base64,") || r.starts_with("href=\"#"),
            "external reference: {r}"
        );
    }
    assert!(html.contains("<style>"));
    for label in ["MASCOT", "Zero-Shot", "Few-Shot + CoT"] {
        assert!(html.contains(label), "{label}");
    }
    for variant in VARIANTS {
        assert!(html.contains(&format!("Results: {variant}")), "{variant}");
    }
    let images = html.matches("src=\"data:image/png;base64,").count();
    assert_eq!(images, 7);
    for section in [
        "id=\"ablation\"",
        "id=\"sweeps\"",
        "id=\"comparison\"",
        "id=\"users\"",
        "id=\"training\"",
        "id=\"examples\"",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(html.contains("Scores are proxies"));
    assert!(html.contains("id=\"proxy-note\""));
    // Transcript text is escaped, side by side per system.
    assert!(html.contains("&lt;with markup &amp; more&gt;"));
    assert!(!html.contains("<with markup"));
    assert!(html.contains("Anchor of few_shot_cot answers context positive-0."));
    assert!(html.contains("class=\"side-by-side\""));
    // Failures are shown, in red, in the tables.
    assert!(html.contains("class=\"failed\""));
    // Training summary.
    assert!(html.contains("align_personas: speakers (GRPO)"));
    assert!(html.contains("30 logged steps"));
}

#[test]
fn an_llm_judge_gets_no_proxy_note() {
    let built = build_report(&synthetic_input(openai())).unwrap();
    assert!(!built.html.contains("Scores are proxies"));
    assert!(!built.markdown.contains("Scores are proxies"));
    assert!(built.html.contains("openai (gpt-4o)"));
}

#[test]
fn markdown_and_csv() {
    let built = build_report(&synthetic_input(heuristic())).unwrap();
    let md = &built.markdown;
    assert!(md.starts_with("# Synthetic MASCOT report\n"));
    assert!(md.contains("**Scores are proxies:**"));
    assert!(md.contains("## Results: MASCOT\n"));
    assert!(md.contains(
        "| System | Emotion | Empathy | Consistency | Relevance | Contribution | Overall |"
    ));
    assert!(md.contains("| ***Positive*** |"));
    assert!(md.contains("![Ablation](plots/ablation-ablation.png)"));
    assert!(md.contains("## Example transcripts"));
    assert!(md.contains("- **Anchor:** Anchor of mascot answers context"));
    assert!(!md.contains("\n\n\n\n"), "no runs of blank lines");
    let csv = &built.tables_csv;
    assert!(csv.starts_with("table,block,row,column,mean,std,n,failed,spread,best\n"));
    assert!(
        csv.contains("\nresults-mascot-agent,Positive,mascot,agent:")
            || csv.contains("\nresults-mascot-agent,Positive,mascot,consistency,")
    );
    assert!(csv.contains("\ncomparison,,MASCOT-P,agent:overall,"));
}

#[test]
fn deterministic_bytes() {
    let a = build_report(&synthetic_input(heuristic())).unwrap();
    let b = build_report(&synthetic_input(heuristic())).unwrap();
    assert_eq!(a.html, b.html);
    assert_eq!(a.markdown, b.markdown);
    assert_eq!(a.tables_csv, b.tables_csv);
}

#[test]
fn scores_alone_make_a_report() {
    let rows = synthetic_rows();
    let index = mascot::report::ScoreIndex::from_rows(paper_rubrics(), &rows).unwrap();
    let input = mascot::report::ReportInput::new("Scores only", heuristic(), index);
    let built = build_report(&input).unwrap();
    assert!(built.html.contains("Results: MASCOT"));
    assert!(!built.html.contains("id=\"examples\""));
    assert!(!built.html.contains("id=\"training\""));
}

#[test]
fn too_many_user_types_get_a_table_without_heatmap() {
    let mut rows = Vec::new();
    for u in 0..70 {
        let mut r = agent_row(
            "V",
            1,
            "mascot",
            "positive",
            &format!("c{u}"),
            ("Anchor", 0),
            &AGENT.map(|c| (c, s(3.0))),
        );
        r.user_type = Some(format!("U{u:02}"));
        rows.push(r);
    }
    let index = mascot::report::ScoreIndex::from_rows(paper_rubrics(), &rows).unwrap();
    let built = build_report(&mascot::report::ReportInput::new("many", openai(), index)).unwrap();
    let users = &built.content.user_types;
    assert_eq!(users.len(), 2, "criteria and speaker tables");
    assert!(users.iter().all(|u| u.plot.is_none()));
    assert!(built.html.contains("U69"));
    assert_eq!(built.html.matches("data:image/png").count(), 0);
}
