//! What every figure of rustmf shares (the load simulator's and the experiments'): the embedded
//! DejaVu Sans font (PNGs render the same on a machine without fonts), a colour cycle, axis labels,
//! and writing one drawing as SVG and PNG, each atomically.

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::write_atomic;

/// The family name text is drawn with (registered by [`write_svg_and_png`]).
pub const FONT: &str = "sans-serif";

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans font does not parse"));
    });
}

/// Distinguishable line colours, cycled.
pub fn color(i: usize) -> RGBColor {
    const C: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(255, 127, 14),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(23, 190, 207),
        RGBColor(188, 189, 34),
        RGBColor(90, 90, 90),
    ];
    C[i % C.len()]
}

/// An axis label: at most 3 significant digits, no trailing zeros.
pub fn tick(v: f64) -> String {
    let digits = (2 - v.abs().max(1e-9).log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

pub fn plot_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("plotting failed: {e:?}")
}

/// Draws one figure of `size` pixels into `<stem>.svg` and `<stem>.png`.
pub fn write_svg_and_png(
    stem: &Path,
    size: (u32, u32),
    svg: impl FnOnce(DrawingArea<SVGBackend, Shift>) -> Result<()>,
    png: impl FnOnce(DrawingArea<BitMapBackend, Shift>) -> Result<()>,
) -> Result<Vec<PathBuf>> {
    register_font();
    let mut text = String::new();
    svg(SVGBackend::with_string(&mut text, size).into_drawing_area())?;
    let svg_path = stem.with_extension("svg");
    write_atomic(&svg_path, text.as_bytes())?;

    let mut rgb = vec![0u8; (size.0 * size.1 * 3) as usize];
    png(BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area())?;
    let mut bytes = Vec::new();
    let mut enc = png::Encoder::new(&mut bytes, size.0, size.1);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()?.write_image_data(&rgb)?;
    let png_path = stem.with_extension("png");
    write_atomic(&png_path, &bytes)?;
    Ok(vec![svg_path, png_path])
}
