//! The frame the bar and line charts share: one category per integer x, labelled below,
//! a numeric y axis with light horizontal grid lines, and the axis descriptions.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::canvas::{bold_style, draw_err, text_style};

/// A chart whose x axis holds categories at 0, 1, 2, ...
pub type CategoryChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// What a category chart's frame shows.
pub struct CategoryFrame<'l> {
    pub title: &'l str,
    /// One label per category, in x order.
    pub labels: &'l [String],
    pub y_range: (f64, f64),
    pub y_label: &'l str,
    /// Below the category labels; `None` for none.
    pub x_label: Option<&'l str>,
    /// Pixels around the plot and below it for the labels.
    pub margin: u32,
    pub x_label_area: u32,
}

/// Builds the chart and draws its frame (caption, mesh, labels) in `area`.
pub fn category_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    frame: &CategoryFrame<'_>,
) -> Result<CategoryChart<'a, DB>, String> {
    let n = frame.labels.len().max(1);
    let (y0, y1) = frame.y_range;
    let mut chart = ChartBuilder::on(area)
        .caption(frame.title, bold_style(16))
        .margin(frame.margin)
        .x_label_area_size(frame.x_label_area)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), y0..y1)
        .map_err(draw_err)?;
    let label_of = |x: &f64| category_label(frame.labels, *x);
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .light_line_style(RGBColor(238, 238, 238))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_labels(n)
        .x_label_formatter(&label_of)
        .y_desc(frame.y_label)
        .label_style(text_style(13))
        .axis_desc_style(text_style(13));
    if let Some(x) = frame.x_label {
        mesh.x_desc(x);
    }
    mesh.draw().map_err(draw_err)?;
    Ok(chart)
}

/// The label of the category centred on an integer x; nothing between categories.
pub fn category_label(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}
