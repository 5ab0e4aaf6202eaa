//! Heatmaps with the value written in each cell: MBTI user types x criteria, and user types
//! x speakers as in the paper's Figure 6. Colours follow viridis over the range of the
//! values shown, with a colour bar.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{Figure, bold_style, draw_err, text_style};

#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub name: String,
    pub title: String,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// `values[row][column]`; `None` is drawn grey with `–`.
    pub values: Vec<Vec<Option<f64>>>,
}

const LEFT: u32 = 90;
const TOP: u32 = 80;
const CELL_W: u32 = 110;
const CELL_H: u32 = 30;
const BAR: u32 = 110;

/// Pixel size: 90 px of row labels, 110 x 30 px per cell, 110 px of colour bar, 80 px of
/// title and column labels, 20 px below; wider when the title needs it (10 px a character).
pub fn heatmap_size(rows: usize, columns: usize, title: &str) -> (u32, u32) {
    let cells = LEFT + CELL_W * columns.max(1) as u32 + BAR;
    let title = 10 * title.chars().count() as u32 + 40;
    (cells.max(title), TOP + CELL_H * rows.max(1) as u32 + 20)
}

impl Heatmap {
    fn range(&self) -> (f64, f64) {
        let vals = self.values.iter().flatten().flatten();
        let lo = vals.clone().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.copied().fold(f64::NEG_INFINITY, f64::max);
        match (lo.is_finite(), hi > lo) {
            (true, true) => (lo, hi),
            (true, false) => (lo - 1.0, lo + 1.0),
            _ => (0.0, 100.0),
        }
    }
}

impl Figure for Heatmap {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self) -> (u32, u32) {
        heatmap_size(self.rows.len(), self.columns.len(), &self.title)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (lo, hi) = self.range();
        let center = |size: u32| text_style(size).pos(Pos::new(HPos::Center, VPos::Center));
        root.draw(&Text::new(
            self.title.clone(),
            (self.size().0 as i32 / 2, 18),
            bold_style(17).pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(draw_err)?;
        for (ci, col) in self.columns.iter().enumerate() {
            let x = (LEFT + CELL_W * ci as u32 + CELL_W / 2) as i32;
            root.draw(&Text::new(col.clone(), (x, TOP as i32 - 16), center(13)))
                .map_err(draw_err)?;
        }
        for (ri, row) in self.rows.iter().enumerate() {
            let y0 = (TOP + CELL_H * ri as u32) as i32;
            root.draw(&Text::new(
                row.clone(),
                (LEFT as i32 - 10, y0 + CELL_H as i32 / 2),
                text_style(13).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(draw_err)?;
            for ci in 0..self.columns.len() {
                let x0 = (LEFT + CELL_W * ci as u32) as i32;
                let value = self
                    .values
                    .get(ri)
                    .and_then(|r| r.get(ci))
                    .copied()
                    .flatten();
                let (fill, label, dark) = match value {
                    Some(v) => {
                        let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
                        (ViridisRGB.get_color(t as f32), format!("{v:.1}"), t < 0.55)
                    }
                    None => (RGBColor(220, 220, 220), "–".to_string(), false),
                };
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + CELL_W as i32 - 1, y0 + CELL_H as i32 - 1)],
                    fill.filled(),
                ))
                .map_err(draw_err)?;
                let style = center(13).color(if dark { &WHITE } else { &BLACK });
                root.draw(&Text::new(
                    label,
                    (x0 + CELL_W as i32 / 2, y0 + CELL_H as i32 / 2),
                    style,
                ))
                .map_err(draw_err)?;
            }
        }
        self.draw_color_bar(root, lo, hi)
    }
}

impl Heatmap {
    fn draw_color_bar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        lo: f64,
        hi: f64,
    ) -> Result<(), String> {
        let x0 = (LEFT + CELL_W * self.columns.len().max(1) as u32 + 25) as i32;
        let top = TOP as i32;
        let height = (CELL_H * self.rows.len().max(1) as u32) as i32;
        let steps = height.max(1);
        for i in 0..steps {
            let t = 1.0 - i as f64 / (steps - 1).max(1) as f64;
            root.draw(&Rectangle::new(
                [(x0, top + i), (x0 + 16, top + i + 1)],
                ViridisRGB.get_color(t as f32).filled(),
            ))
            .map_err(draw_err)?;
        }
        let left = |size| text_style(size).pos(Pos::new(HPos::Left, VPos::Center));
        root.draw(&Text::new(format!("{hi:.1}"), (x0 + 22, top + 6), left(12)))
            .map_err(draw_err)?;
        root.draw(&Text::new(
            format!("{lo:.1}"),
            (x0 + 22, top + height - 6),
            left(12),
        ))
        .map_err(draw_err)?;
        Ok(())
    }
}
