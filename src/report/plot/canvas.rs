//! Renders a [`Figure`] to PNG (bitmap backend, encoded with `png`) and to SVG from the same
//! drawing code, and the colours the figures share.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::font::ensure_font;
use crate::report::error::ReportError;

/// A figure that can draw itself on any plotters backend.
pub trait Figure {
    /// File-name stem (`ablation`, `mbti-mascot`).
    fn name(&self) -> &str;
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws on a white area of [`Figure::size`].
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// A figure as PNG bytes and SVG text.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub name: String,
    pub size: (u32, u32),
    pub png: Vec<u8>,
    pub svg: String,
}

/// Draws the figure twice: into an RGB buffer encoded as PNG, and into an SVG string.
pub fn render(fig: &impl Figure) -> Result<Rendered, ReportError> {
    ensure_font()?;
    let (w, h) = fig.size();
    let fail = |message: String| ReportError::Plot {
        plot: fig.name().to_string(),
        message,
    };
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err).map_err(fail)?;
        fig.draw(&root).map_err(fail)?;
        root.present().map_err(draw_err).map_err(fail)?;
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err).map_err(fail)?;
        fig.draw(&root).map_err(fail)?;
        root.present().map_err(draw_err).map_err(fail)?;
    }
    let png = encode_png(&rgb, w, h).map_err(fail)?;
    Ok(Rendered {
        name: fig.name().to_string(),
        size: (w, h),
        png,
        svg,
    })
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgb).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// A plotters drawing error as text.
pub fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> String {
    e.to_string()
}

/// Series colours (Tableau 10), picked in order and wrapping around.
pub fn series_color(i: usize) -> RGBColor {
    const COLORS: [RGBColor; 10] = [
        RGBColor(78, 121, 167),
        RGBColor(242, 142, 43),
        RGBColor(225, 87, 89),
        RGBColor(118, 183, 178),
        RGBColor(89, 161, 79),
        RGBColor(237, 201, 72),
        RGBColor(176, 122, 161),
        RGBColor(255, 157, 167),
        RGBColor(156, 117, 95),
        RGBColor(186, 176, 172),
    ];
    COLORS[i % COLORS.len()]
}

/// Text of `size` pixels in the embedded font.
pub fn text_style(size: u32) -> TextStyle<'static> {
    TextStyle::from((super::font::FAMILY, size).into_font()).color(&BLACK)
}

/// Bold text of `size` pixels.
pub fn bold_style(size: u32) -> TextStyle<'static> {
    TextStyle::from(
        (super::font::FAMILY, size)
            .into_font()
            .style(FontStyle::Bold),
    )
    .color(&BLACK)
}

/// Splits the area into `n` equal panels side by side (one when `n` is 0).
pub fn panels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    n: usize,
) -> Vec<DrawingArea<DB, Shift>> {
    area.split_evenly((1, n.max(1)))
}
