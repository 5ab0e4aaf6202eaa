//! Plots with plotters, each rendered to PNG and SVG: ablation bars, size-sweep lines, the
//! MBTI heatmap and training curves.

pub mod bars;
pub mod canvas;
pub mod category;
pub mod curves;
pub mod font;
pub mod heatmap;
pub mod lines;

pub use bars::{BarChart, BarPanel, BarValue};
pub use canvas::{Figure, Rendered, render};
pub use curves::{CurveChart, CurvePanel};
pub use heatmap::Heatmap;
pub use lines::{LineChart, LinePanel};
