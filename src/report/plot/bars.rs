//! Grouped bar charts with error bars: the ablation figure (paper Figure 4), one panel per
//! rubric level, a group of bars per criterion, one bar per variant.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::{Figure, bold_style, draw_err, panels, series_color, text_style};
use super::category::{CategoryFrame, category_chart};

/// Mean and optional standard deviation of one bar; `None` draws no bar.
pub type BarValue = Option<(f64, Option<f64>)>;

/// One panel: its groups (x categories) and, per series, a value per group.
#[derive(Debug, Clone, PartialEq)]
pub struct BarPanel {
    pub title: String,
    pub groups: Vec<String>,
    /// `values[series][group]`.
    pub values: Vec<Vec<BarValue>>,
}

/// Bars of several series (variants) over groups (criteria), in one or more panels.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub name: String,
    pub title: String,
    /// Legend entries, one per series.
    pub series: Vec<String>,
    pub panels: Vec<BarPanel>,
    /// Value axis range (0..100 for rescaled scores).
    pub y_range: (f64, f64),
    pub y_label: String,
}

/// Pixel size of a bar chart: 1200 x 520.
pub const BAR_SIZE: (u32, u32) = (1200, 520);

impl Figure for BarChart {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> (u32, u32) {
        BAR_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root.titled(&self.title, bold_style(20)).map_err(draw_err)?;
        let (body, legend) = root.split_vertically(BAR_SIZE.1 as i32 - 80);
        for (panel, area) in self.panels.iter().zip(panels(&body, self.panels.len())) {
            self.draw_panel(panel, &area)?;
        }
        draw_legend(&legend, &self.series)
    }
}

impl BarChart {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &BarPanel,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let (y0, y1) = self.y_range;
        let mut chart = category_chart(
            area,
            &CategoryFrame {
                title: &panel.title,
                labels: &panel.groups,
                y_range: self.y_range,
                y_label: &self.y_label,
                x_label: None,
                margin: 10,
                x_label_area: 30,
            },
        )?;
        let series = panel.values.len().max(1);
        let width = 0.8 / series as f64;
        for (si, values) in panel.values.iter().enumerate() {
            let color = series_color(si);
            let left = |gi: usize| gi as f64 - 0.4 + si as f64 * width;
            chart
                .draw_series(values.iter().enumerate().filter_map(|(gi, v)| {
                    v.map(|(mean, _)| {
                        Rectangle::new(
                            [
                                (left(gi), y0),
                                (left(gi) + width * 0.92, mean.clamp(y0, y1)),
                            ],
                            color.filled(),
                        )
                    })
                }))
                .map_err(draw_err)?;
            chart
                .draw_series(values.iter().enumerate().filter_map(|(gi, v)| {
                    let (mean, std) = (*v)?;
                    let std = std?;
                    let x = left(gi) + width * 0.46;
                    Some(ErrorBar::new_vertical(
                        x,
                        (mean - std).max(y0),
                        mean,
                        (mean + std).min(y1),
                        BLACK.stroke_width(1),
                        6,
                    ))
                }))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

/// A row of coloured squares with the series names, centred in the area.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[String],
) -> Result<(), String> {
    let style = text_style(14);
    let widths: Vec<i32> = series
        .iter()
        .map(|s| {
            area.estimate_text_size(s, &style)
                .map(|(w, _)| w as i32 + 40)
        })
        .collect::<Result<_, _>>()
        .map_err(draw_err)?;
    let total: i32 = widths.iter().sum();
    let (w, h) = area.dim_in_pixel();
    let mut x = ((w as i32 - total) / 2).max(10);
    let y = h as i32 / 2;
    for (i, (name, width)) in series.iter().zip(&widths).enumerate() {
        area.draw(&Rectangle::new(
            [(x, y - 7), (x + 14, y + 7)],
            series_color(i).filled(),
        ))
        .map_err(draw_err)?;
        area.draw(&Text::new(
            name.clone(),
            (x + 20, y),
            style.pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            )),
        ))
        .map_err(draw_err)?;
        x += width;
    }
    Ok(())
}
