//! The one font every plot uses, embedded in the binary (DejaVu Sans, licence in
//! `src/report/assets/DejaVuSans-LICENSE.txt`), so a PNG renders the same on every machine
//! whatever fonts it has installed.

use std::sync::OnceLock;

use plotters::style::FontStyle;

use crate::report::error::ReportError;

/// The family name plots ask for; it resolves to the embedded font only.
pub const FAMILY: &str = "sans-serif";

static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the embedded font with plotters (once per process).
pub fn ensure_font() -> Result<(), ReportError> {
    REGISTERED
        .get_or_init(|| {
            for style in [FontStyle::Normal, FontStyle::Bold] {
                plotters::style::register_font(FAMILY, style, DEJAVU_SANS)
                    .map_err(|_| "the embedded DejaVu Sans font does not parse".to_string())?;
            }
            Ok(())
        })
        .clone()
        .map_err(|message| ReportError::Plot {
            plot: "(font)".into(),
            message,
        })
}
