//! The figures of `experiment report`, each written as SVG and PNG (atomically): horizontal bars
//! (one per case: the median, min–max whiskers) and lines over one dimension (one per series,
//! min–max whiskers). Text in DejaVu Sans, embedded (as the load simulator's plots).

use std::path::{Path, PathBuf};

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::bench::figure::{color, plot_err, tick, write_svg_and_png, FONT};

const WIDTH: u32 = 1000;

/// A value with its spread: (low, median, high).
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub lo: f64,
    pub mid: f64,
    pub hi: f64,
}

/// What the value axis shows: its title and whether it is logarithmic (values drawn as log10).
pub struct Axis {
    pub title: String,
    pub log: bool,
}

impl Axis {
    fn map(&self, v: f64) -> f64 {
        if self.log {
            v.max(1e-30).log10()
        } else {
            v
        }
    }
    fn label(&self, v: f64) -> String {
        if self.log {
            tick(10f64.powf(v))
        } else {
            tick(v)
        }
    }
    /// The drawn range over `values`, with some room.
    fn range(&self, values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
        let v: Vec<f64> = values.filter(|v| v.is_finite() && (!self.log || *v > 0.0)).map(|v| self.map(v)).collect();
        let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        if lo > hi {
            return 0.0..1.0;
        }
        if self.log {
            lo - 0.1..hi + 0.1
        } else {
            0f64.min(lo)..hi * 1.08 + f64::EPSILON
        }
    }
}

/// Bars: one per (label, spread), top to bottom.
pub fn bars(stem: &Path, title: &str, axis: &Axis, bars: &[(String, Spread)]) -> Result<Vec<PathBuf>> {
    let height = (120 + 30 * bars.len() as u32).max(320);
    let label_px = (bars.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(4) as u32 * 8 + 20).min(560);
    write_svg_and_png(
        stem,
        (WIDTH + label_px / 2, height),
        |a| draw_bars(a, title, axis, bars, label_px),
        |a| draw_bars(a, title, axis, bars, label_px),
    )
}

fn draw_bars<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    axis: &Axis,
    bars: &[(String, Spread)],
    label_px: u32,
) -> Result<()> {
    root.fill(&WHITE).map_err(plot_err)?;
    let n = bars.len().max(1);
    let x = axis.range(bars.iter().flat_map(|(_, s)| [s.lo, s.mid, s.hi]));
    let x0 = x.start;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(label_px)
        .build_cartesian_2d(x, (0..n - 1).into_segmented())
        .map_err(plot_err)?;
    let labels: Vec<&str> = bars.iter().map(|(l, _)| l.as_str()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(axis.title.as_str())
        .x_labels(10)
        .y_labels(n)
        .x_label_formatter(&|v| axis.label(*v))
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => {
                (n - 1).checked_sub(*i).and_then(|j| labels.get(j)).map(|s| s.to_string()).unwrap_or_default()
            }
            _ => String::new(),
        })
        .light_line_style(WHITE)
        .label_style((FONT, 14))
        .draw()
        .map_err(plot_err)?;
    for (i, (_, s)) in bars.iter().enumerate() {
        let row = n - 1 - i;
        let mut r = Rectangle::new(
            [(x0, SegmentValue::Exact(row)), (axis.map(s.mid), SegmentValue::Exact(row + 1))],
            color(0).mix(0.75).filled(),
        );
        r.set_margin(5, 5, 0, 0);
        chart.draw_series([r]).map_err(plot_err)?;
        if s.hi > s.lo {
            let (lo, mid, hi) = (axis.map(s.lo), axis.map(s.mid), axis.map(s.hi));
            let bar = ErrorBar::new_horizontal(SegmentValue::CenterOf(row), lo, mid, hi, BLACK.stroke_width(2), 10);
            chart.draw_series([bar]).map_err(plot_err)?;
        }
    }
    root.present().map_err(plot_err)?;
    Ok(())
}

/// One line of a line figure: its name and (x, spread) points.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, Spread)>,
}

/// Lines over x; `x_labels` names the x positions 0, 1, … when x is categorical.
pub fn lines(
    stem: &Path,
    title: &str,
    x_title: &str,
    x_labels: Option<&[String]>,
    axis: &Axis,
    series: &[Series],
) -> Result<Vec<PathBuf>> {
    write_svg_and_png(
        stem,
        (WIDTH, 620),
        |a| draw_lines(a, title, x_title, x_labels, axis, series),
        |a| draw_lines(a, title, x_title, x_labels, axis, series),
    )
}

fn draw_lines<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    x_title: &str,
    x_labels: Option<&[String]>,
    axis: &Axis,
    series: &[Series],
) -> Result<()> {
    root.fill(&WHITE).map_err(plot_err)?;
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let (lo, hi) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    let pad = if hi > lo { (hi - lo) * 0.06 } else { 0.5 };
    let y = axis.range(series.iter().flat_map(|s| s.points.iter().flat_map(|(_, p)| [p.lo, p.mid, p.hi])));
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(lo - pad..hi + pad, y)
        .map_err(plot_err)?;
    let n_x = x_labels.map(|l| l.len() * 2 + 1).unwrap_or(10);
    chart
        .configure_mesh()
        .x_desc(x_title)
        .y_desc(axis.title.as_str())
        .x_labels(n_x)
        .y_labels(10)
        .x_label_formatter(&|v| match x_labels {
            Some(l) if (v - v.round()).abs() < 1e-6 && v.round() >= 0.0 => {
                l.get(v.round() as usize).cloned().unwrap_or_default()
            }
            Some(_) => String::new(),
            None => tick(*v),
        })
        .y_label_formatter(&|v| axis.label(*v))
        .light_line_style(WHITE)
        .label_style((FONT, 14))
        .draw()
        .map_err(plot_err)?;
    for (i, s) in series.iter().enumerate() {
        let c = color(i);
        let pts: Vec<(f64, f64)> = s.points.iter().map(|(x, p)| (*x, axis.map(p.mid))).collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
            .map_err(plot_err)?
            .label(s.name.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], c.stroke_width(2)));
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled()))).map_err(plot_err)?;
        let bars = s.points.iter().filter(|(_, p)| p.hi > p.lo).map(|(x, p)| {
            ErrorBar::new_vertical(*x, axis.map(p.lo), axis.map(p.mid), axis.map(p.hi), c.stroke_width(1), 8)
        });
        chart.draw_series(bars).map_err(plot_err)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 14))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(plot_err)?;
    root.present().map_err(plot_err)?;
    Ok(())
}
