//! Plots of a load simulation ([`SimReport`]), each written as SVG and PNG (atomically):
//!
//! * `p95-vs-load`: p95 latency against offered load, one line per backend, both axes
//!   logarithmic, the SLO as a dashed line; a hollow marker where requests were dropped.
//! * `latency-cdf-<backend>`: per backend, the latency distribution (share of requests completed
//!   within a latency) at every offered rate, latency axis logarithmic.
//!
//! Text is drawn with DejaVu Sans, embedded in the binary (the `dejavu` crate), so PNGs render
//! the same on a machine without any fonts installed.

use std::path::{Path, PathBuf};

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::sim::{SimReport, CDF_PERCENTILES};
use crate::bench::figure::{color, plot_err, tick, write_svg_and_png, FONT};

const SIZE: (u32, u32) = (960, 600);

/// Write every plot of `report` into `dir`; returns the files written.
pub fn write_plots(dir: &Path, report: &SimReport) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut files =
        write_svg_and_png(&dir.join("p95-vs-load"), SIZE, |a| p95_vs_load(a, report), |a| p95_vs_load(a, report))?;
    for (i, b) in report.backends.iter().enumerate() {
        let stem = dir.join(format!("latency-cdf-{}", slug(&b.backend)));
        files.extend(write_svg_and_png(&stem, SIZE, |a| latency_cdf(a, report, i), |a| latency_cdf(a, report, i))?);
    }
    Ok(files)
}

/// A file-name-safe form of a backend name.
fn slug(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-")
}

/// `lo..hi` widened by a factor on both sides (for log axes; both must be > 0).
fn log_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.filter(|v| *v > 0.0).fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        return 0.1..10.0;
    }
    lo / 1.3..hi * 1.3
}

fn p95_vs_load<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, report: &SimReport) -> Result<()> {
    root.fill(&WHITE).map_err(plot_err)?;
    let rates = report.backends.iter().flat_map(|b| b.rates.iter());
    let x = log_range(rates.clone().map(|r| r.offered_rps));
    let slo_ms = report.config.slo_s * 1e3;
    let y = log_range(rates.map(|r| r.p95_ms.max(1e-3)).chain([slo_ms]));
    let mut chart = ChartBuilder::on(&root)
        .caption("p95 latency against offered load", (FONT, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(x.log_scale(), y.log_scale())
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc("offered load (requests/s)")
        .y_desc("p95 latency (ms)")
        .x_labels(12)
        .y_labels(12)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .light_line_style(WHITE)
        .label_style((FONT, 15))
        .draw()
        .map_err(plot_err)?;
    let (x0, x1) = (chart.x_range().start, chart.x_range().end);
    chart
        .draw_series(DashedLineSeries::new([(x0, slo_ms), (x1, slo_ms)], 8, 5, BLACK.mix(0.7).stroke_width(2)))
        .map_err(plot_err)?
        .label(format!("SLO {} ms", tick(slo_ms)))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], BLACK.mix(0.7).stroke_width(2)));
    for (i, b) in report.backends.iter().enumerate() {
        let c = color(i);
        let pts: Vec<(f64, f64)> = b.rates.iter().map(|r| (r.offered_rps, r.p95_ms.max(1e-3))).collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
            .map_err(plot_err)?
            .label(b.backend.clone())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], c.stroke_width(2)));
        let dropped = b.rates.iter().map(|r| r.dropped > 0);
        chart
            .draw_series(pts.iter().zip(dropped).map(|(&p, d)| {
                let style = if d { c.stroke_width(2) } else { c.filled() };
                Circle::new(p, 4, style)
            }))
            .map_err(plot_err)?;
    }
    chart
        .configure_series_labels()
        .label_font((FONT, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(plot_err)?;
    root.present().map_err(plot_err)
}

fn latency_cdf<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, report: &SimReport, backend: usize) -> Result<()> {
    root.fill(&WHITE).map_err(plot_err)?;
    let b = &report.backends[backend];
    let x = log_range(b.rates.iter().flat_map(|r| r.cdf_ms.iter().map(|v| v.max(1e-3))));
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("latency distribution: {}", b.backend), (FONT, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(x.log_scale(), 0.0..100.0)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc("latency (ms)")
        .y_desc("requests completed within (%)")
        .x_labels(12)
        .y_labels(11)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .light_line_style(WHITE)
        .label_style((FONT, 15))
        .draw()
        .map_err(plot_err)?;
    for (i, r) in b.rates.iter().enumerate() {
        let c = color(i);
        let pts = r.cdf_ms.iter().zip(CDF_PERCENTILES).map(|(&ms, &p)| (ms.max(1e-3), p));
        let dropped = if r.dropped > 0 { format!(", {} dropped", r.dropped) } else { String::new() };
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(2)))
            .map_err(plot_err)?
            .label(format!("{} req/s{dropped}", tick(r.offered_rps)))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .label_font((FONT, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(plot_err)?;
    root.present().map_err(plot_err)
}
