//! Line charts over a categorical x axis with error bars: the size sweeps (paper Figure 7),
//! one panel per sweep (director size, speaker size), one line per metric.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::bars::{BarValue, draw_legend};
use super::canvas::{Figure, bold_style, draw_err, panels, series_color};
use super::category::{CategoryFrame, category_chart};

/// One panel: the x categories and, per series, a value per category.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePanel {
    pub title: String,
    pub x_label: String,
    pub x: Vec<String>,
    /// `values[series][x]`; `None` leaves a gap.
    pub values: Vec<Vec<BarValue>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub name: String,
    pub title: String,
    pub series: Vec<String>,
    pub panels: Vec<LinePanel>,
    pub y_label: String,
    /// The value axis never goes beyond these (the rubrics' rescale range, 0..100).
    pub y_bounds: (f64, f64),
}

/// Pixel size of a line chart with `panels` panels: 520 px per panel (at least 700), 480
/// high.
pub fn line_size(panels: usize) -> (u32, u32) {
    ((520 * panels.max(1) as u32).max(700), 480)
}

impl Figure for LineChart {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> (u32, u32) {
        line_size(self.panels.len())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root.titled(&self.title, bold_style(20)).map_err(draw_err)?;
        let h = self.size().1 as i32;
        let (body, legend) = root.split_vertically(h - 80);
        for (panel, area) in self.panels.iter().zip(panels(&body, self.panels.len())) {
            self.draw_panel(panel, &area)?;
        }
        draw_legend(&legend, &self.series)
    }
}

/// A value range that holds every mean ± std, padded by 5% of the bounds and rounded to
/// multiples of that step, within the bounds; the bounds when there is no value.
pub fn value_range(values: &[Vec<BarValue>], (b0, b1): (f64, f64)) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for (mean, std) in values.iter().flatten().flatten() {
        let s = std.unwrap_or(0.0);
        lo = lo.min(mean - s);
        hi = hi.max(mean + s);
    }
    let step = (b1 - b0) / 20.0;
    if !lo.is_finite() || !hi.is_finite() || step.is_nan() || step <= 0.0 {
        return (b0, b1);
    }
    let lo = (((lo - step - b0) / step).floor() * step + b0).max(b0);
    let hi = (((hi + step - b0) / step).ceil() * step + b0).min(b1);
    (lo, hi.max((lo + step).min(b1)))
}

impl LineChart {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &LinePanel,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let (y0, y1) = value_range(&panel.values, self.y_bounds);
        let mut chart = category_chart(
            area,
            &CategoryFrame {
                title: &panel.title,
                labels: &panel.x,
                y_range: (y0, y1),
                y_label: &self.y_label,
                x_label: Some(&panel.x_label),
                margin: 15,
                x_label_area: 45,
            },
        )?;
        for (si, values) in panel.values.iter().enumerate() {
            let color = series_color(si);
            // Consecutive defined points are joined; a missing point breaks the line.
            let mut run: Vec<(f64, f64)> = Vec::new();
            let mut runs = Vec::new();
            for (xi, v) in values.iter().enumerate() {
                match v {
                    Some((mean, _)) => run.push((xi as f64, *mean)),
                    None => runs.push(std::mem::take(&mut run)),
                }
            }
            runs.push(run);
            for run in runs.into_iter().filter(|r| !r.is_empty()) {
                chart
                    .draw_series(LineSeries::new(run, color.stroke_width(2)))
                    .map_err(draw_err)?;
            }
            chart
                .draw_series(values.iter().enumerate().filter_map(|(xi, v)| {
                    v.map(|(mean, _)| Circle::new((xi as f64, mean), 4, color.filled()))
                }))
                .map_err(draw_err)?;
            chart
                .draw_series(values.iter().enumerate().filter_map(|(xi, v)| {
                    let (mean, std) = (*v)?;
                    let std = std?;
                    Some(ErrorBar::new_vertical(
                        xi as f64,
                        (mean - std).max(y0),
                        mean,
                        (mean + std).min(y1),
                        color.stroke_width(1),
                        8,
                    ))
                }))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_pads_to_multiples_of_five_inside_0_100() {
        let v = vec![vec![Some((63.9, Some(2.0))), Some((68.4, None)), None]];
        let b = (0.0, 100.0);
        assert_eq!(value_range(&v, b), (55.0, 75.0));
        assert_eq!(value_range(&[vec![None]], b), (0.0, 100.0));
        assert_eq!(
            value_range(&[vec![Some((99.0, Some(3.0)))]], b),
            (90.0, 100.0)
        );
        let (lo, hi) = value_range(&[vec![Some((0.5, None))]], (0.0, 1.0));
        assert!(
            (0.39..=0.46).contains(&lo) && (0.54..=0.61).contains(&hi),
            "{lo} {hi}"
        );
    }
}
