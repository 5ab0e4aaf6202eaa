//! Every figure kind renders to a PNG that decodes at the expected pixel size and to an SVG
//! that parses as XML and carries the figure's labels; rendering is deterministic.

mod report_support;

use mascot::report::plot::bars::BAR_SIZE;
use mascot::report::plot::curves::curve_size;
use mascot::report::plot::heatmap::heatmap_size;
use mascot::report::plot::lines::line_size;
use mascot::report::plot::{
    BarChart, BarPanel, CurveChart, CurvePanel, Heatmap, LineChart, LinePanel, Rendered, render,
};

/// Decodes a PNG and returns its size and colour type.
fn decode(png_bytes: &[u8]) -> (u32, u32, png::ColorType) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a valid PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG image data decodes");
    (info.width, info.height, info.color_type)
}

/// The text of every `<text>` element of an SVG that parses.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG parses as XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .filter_map(|n| n.text().map(str::to_string))
        .collect()
}

fn check(r: &Rendered, size: (u32, u32), labels: &[&str]) {
    assert_eq!(r.size, size);
    let (w, h, color) = decode(&r.png);
    assert_eq!((w, h), size, "{}: PNG size", r.name);
    assert_eq!(color, png::ColorType::Rgb);
    let texts = svg_texts(&r.svg);
    for l in labels {
        assert!(
            texts.iter().any(|t| t.contains(l)),
            "{}: label {l:?} not in the SVG texts {texts:?}",
            r.name
        );
    }
    // Not a blank canvas: the PNG has many distinct pixel colours.
    let decoder = png::Decoder::new(std::io::Cursor::new(&r.png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut buf).unwrap();
    let colours: std::collections::BTreeSet<&[u8]> = buf.chunks(3).collect();
    assert!(
        colours.len() > 8,
        "{}: only {} colours",
        r.name,
        colours.len()
    );
}

#[test]
fn ablation_bars() {
    let chart = BarChart {
        name: "ablation".into(),
        title: "Ablation".into(),
        series: vec!["MASCOT".into(), "MASCOT-P".into(), "MASCOT-C".into()],
        panels: vec![
            BarPanel {
                title: "Agent-specific".into(),
                groups: vec!["Empathy".into(), "Consistency".into(), "Overall".into()],
                values: vec![
                    vec![
                        Some((72.8, Some(6.0))),
                        Some((76.6, None)),
                        Some((74.0, Some(5.0))),
                    ],
                    vec![Some((65.1, Some(7.0))), Some((72.3, Some(4.0))), None],
                    vec![
                        Some((71.0, Some(3.0))),
                        Some((76.0, Some(2.0))),
                        Some((73.0, None)),
                    ],
                ],
            },
            BarPanel {
                title: "Collective interaction".into(),
                groups: vec!["Fidelity".into(), "Overall".into()],
                values: vec![vec![Some((55.0, Some(8.0))), Some((57.0, None))]; 3],
            },
        ],
        y_range: (0.0, 100.0),
        y_label: "score (0-100)".into(),
    };
    let r = render(&chart).unwrap();
    check(
        &r,
        BAR_SIZE,
        &[
            "Ablation",
            "MASCOT-P",
            "Empathy",
            "Consistency",
            "Fidelity",
            "Collective interaction",
        ],
    );
    assert_eq!(render(&chart).unwrap(), r, "deterministic");
}

#[test]
fn sweep_lines() {
    let panel = |title: &str| LinePanel {
        title: title.into(),
        x_label: title.into(),
        x: vec!["0.6B".into(), "1.7B".into(), "8B".into()],
        values: vec![
            vec![
                Some((63.9, Some(3.0))),
                Some((67.2, Some(2.0))),
                Some((68.4, Some(2.5))),
            ],
            vec![Some((51.7, Some(4.0))), None, Some((71.5, Some(3.0)))],
        ],
    };
    let chart = LineChart {
        name: "size-sweeps".into(),
        title: "Sensitivity to model size".into(),
        series: vec![
            "Agent-specific overall".into(),
            "Collective interaction overall".into(),
        ],
        panels: vec![panel("Director size"), panel("Speaker size")],
        y_label: "score (0-100)".into(),
        y_bounds: (0.0, 100.0),
    };
    let r = render(&chart).unwrap();
    check(
        &r,
        line_size(2),
        &[
            "Director size",
            "Speaker size",
            "0.6B",
            "1.7B",
            "8B",
            "Agent-specific overall",
        ],
    );
}

#[test]
fn mbti_heatmap() {
    let rows: Vec<String> = mascot::data::mbti_codes().map(String::from).collect();
    let columns: Vec<String> = ["Anchor", "Beacon", "Catalyst"].map(String::from).to_vec();
    let values = (0..16)
        .map(|r| {
            (0..3)
                .map(|c| {
                    if r == 5 && c == 1 {
                        None
                    } else {
                        Some(70.0 + (r * 3 + c) as f64 * 0.2)
                    }
                })
                .collect()
        })
        .collect();
    let map = Heatmap {
        name: "mbti".into(),
        title: "MBTI".into(),
        rows,
        columns,
        values,
    };
    let r = render(&map).unwrap();
    check(
        &r,
        heatmap_size(16, 3, "MBTI"),
        &["INFP", "ESFP", "Beacon", "70.0", "79.4", "–"],
    );
    assert_eq!(
        heatmap_size(16, 3, "MBTI"),
        (90 + 3 * 110 + 110, 80 + 16 * 30 + 20)
    );
    assert_eq!(
        heatmap_size(2, 1, &"x".repeat(50)).0,
        540,
        "wide enough for its title"
    );
}

#[test]
fn training_curves() {
    let series = |f: fn(f64) -> f64| (1..=25u64).map(|s| (s, f(s as f64))).collect();
    let chart = CurveChart {
        name: "training".into(),
        title: "align_personas".into(),
        panels: vec![
            CurvePanel {
                metric: "reward".into(),
                points: series(|x| 1.0 - 1.0 / x),
            },
            CurvePanel {
                metric: "kl".into(),
                points: series(|x| 0.0001 * x),
            },
            CurvePanel {
                metric: "loss".into(),
                points: series(|_| 0.5),
            },
        ],
    };
    let r = render(&chart).unwrap();
    check(
        &r,
        curve_size(3),
        &["align_personas", "reward", "kl", "loss", "step"],
    );
}

#[test]
fn extreme_values_render() {
    let chart = CurveChart {
        name: "extreme".into(),
        title: "extreme values, one step, unicode 感情 🙂".into(),
        panels: vec![
            CurvePanel {
                metric: "loss".into(),
                points: vec![(1, -1e308), (2, 1e308), (2, 0.0)],
            },
            CurvePanel {
                metric: "kl".into(),
                points: vec![(7, 0.5)],
            },
            CurvePanel {
                metric: "tiny".into(),
                points: vec![(0, 1e-300), (u64::MAX, 2e-300)],
            },
        ],
    };
    let r = render(&chart).unwrap();
    assert_eq!(decode(&r.png).0, curve_size(3).0);
}

#[test]
fn empty_data_renders() {
    let empty = Heatmap {
        name: "empty".into(),
        title: "no values".into(),
        rows: vec!["INFP".into()],
        columns: vec!["Anchor".into()],
        values: vec![vec![None]],
    };
    render(&empty).unwrap();
    let lines = LineChart {
        name: "gaps".into(),
        title: "all missing".into(),
        series: vec!["a".into()],
        panels: vec![LinePanel {
            title: "p".into(),
            x_label: "x".into(),
            x: vec![],
            values: vec![vec![]],
        }],
        y_label: "y".into(),
        y_bounds: (0.0, 1.0),
    };
    render(&lines).unwrap();
}
