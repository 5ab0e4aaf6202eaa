//! Training curves: one figure per training stage, one panel per logged metric (reward,
//! kl, loss for GRPO; loss, accuracy, margin for the reward model), value against step.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::{Figure, bold_style, draw_err, panels, series_color, text_style};

/// The metrics a curve figure shows, in this order, when the log has them.
pub const CURVE_METRICS: [&str; 6] = ["reward", "kl", "loss", "accuracy", "margin", "reward_std"];
/// At most this many panels per figure.
pub const MAX_PANELS: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct CurvePanel {
    pub metric: String,
    /// (step, value), in log order.
    pub points: Vec<(u64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CurveChart {
    pub name: String,
    pub title: String,
    pub panels: Vec<CurvePanel>,
}

/// Pixel size with `panels` panels: 380 px per panel (at least 600), 360 high.
pub fn curve_size(panels: usize) -> (u32, u32) {
    ((380 * panels.max(1) as u32).max(600), 360)
}

/// Values beyond +-1e15 (a diverged run) are drawn at the limit: plotters cannot map an
/// axis spanning f64's whole range. The table beside the plot shows the exact last values.
const LIMIT: f64 = 1e15;

/// The points as drawn: value clamped to +-[`LIMIT`].
fn drawn(points: &[(u64, f64)]) -> Vec<(f64, f64)> {
    points
        .iter()
        .map(|(s, v)| (*s as f64, v.clamp(-LIMIT, LIMIT)))
        .collect()
}

/// The y range of drawn points, padded by 5%; a flat series (span under 1e-12) gets +-1
/// around its value.
fn y_range(points: &[(f64, f64)]) -> (f64, f64) {
    let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

impl Figure for CurveChart {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> (u32, u32) {
        curve_size(self.panels.len())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root.titled(&self.title, bold_style(18)).map_err(draw_err)?;
        for (i, (panel, area)) in self
            .panels
            .iter()
            .zip(panels(&root, self.panels.len()))
            .enumerate()
        {
            let pts = drawn(&panel.points);
            let first = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
            let last = pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
            let (first, last) = match (first.is_finite(), last > first) {
                (true, true) => (first, last),
                (true, false) => (first, first + 1.0),
                _ => (0.0, 1.0),
            };
            let (y0, y1) = y_range(&pts);
            let mut chart = ChartBuilder::on(&area)
                .caption(&panel.metric, bold_style(15))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(first..last, y0..y1)
                .map_err(draw_err)?;
            chart
                .configure_mesh()
                .light_line_style(RGBColor(238, 238, 238))
                // Steps are integers: at most one tick per step, fractional ticks unlabelled
                // (a 2-step run read "1 1 1 2 2 2").
                .x_labels(((last - first).round().clamp(0.0, 16.0) as usize + 1).clamp(2, 6))
                .y_labels(6)
                .x_desc("step")
                .label_style(text_style(12))
                .axis_desc_style(text_style(12))
                .x_label_formatter(&|x| step_tick(*x))
                .y_label_formatter(&|y| format_tick(*y))
                .draw()
                .map_err(draw_err)?;
            let color = series_color(i);
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(draw_err)?;
            if pts.len() <= 40 {
                chart
                    .draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    }
}

/// A step tick: the integer, or nothing between two steps.
fn step_tick(x: f64) -> String {
    if (x - x.round()).abs() < 1e-6 {
        format!("{x:.0}")
    } else {
        String::new()
    }
}

/// Tick labels: 3 significant digits, scientific for very small or large values.
fn format_tick(v: f64) -> String {
    let a = v.abs();
    if a < 1e-12 {
        "0".to_string()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod step_tick_tests {
    #[test]
    fn only_integer_steps_are_labelled() {
        assert_eq!(super::step_tick(2.0), "2");
        assert_eq!(super::step_tick(1.5), "");
        assert_eq!(super::step_tick(1.2), "");
    }
}
