//! The simulator's result files: `serve-sim.json` (metadata, configuration, every backend's
//! per-rate results with latency percentiles) and `serve-sim.csv` (one line per backend and
//! rate), each written atomically so that an interrupted run leaves the last complete state.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use super::{BackendResult, SimConfig};
use crate::bench::{write_atomic, Metadata};

/// Everything a reader needs to trust a simulation: where it ran, what was simulated
/// (`params`: the model's shape and k, free-form), and the results so far.
#[derive(Debug, Clone, Serialize)]
pub struct SimReport {
    pub meta: Metadata,
    pub params: serde_json::Value,
    pub config: SimConfig,
    pub backends: Vec<BackendResult>,
}

/// Write `dir/serve-sim.json` and `dir/serve-sim.csv`; returns their paths.
pub fn write_outputs(dir: &Path, report: &SimReport) -> Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let json = dir.join("serve-sim.json");
    let csv = dir.join("serve-sim.csv");
    write_atomic(&json, serde_json::to_string_pretty(report)?.as_bytes())?;
    write_atomic(&csv, csv_text(report).as_bytes())?;
    Ok((json, csv))
}

fn csv_text(report: &SimReport) -> String {
    let mut s = String::from(
        "backend,offered_rps,arrived,completed,dropped,late,throughput_rps,goodput_rps,\
         p50_ms,p95_ms,p99_ms,max_ms,\
         mean_ms,batches,mean_batch,utilization,mean_service_ms,max_batch,max_wait_ms,\
         queue_cap,slo_ms,seed,git_rev,date\n",
    );
    let c = &report.config;
    for b in &report.backends {
        for r in &b.rates {
            s += &format!(
                "\"{}\",{},{},{},{},{},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},\
                 {},{:.2},{:.4},{:.3},{},{},{},{},{},{},{}\n",
                b.backend.replace('"', "\"\""),
                r.offered_rps,
                r.arrived,
                r.completed,
                r.dropped,
                r.late,
                r.throughput_rps,
                r.goodput_rps,
                r.p50_ms,
                r.p95_ms,
                r.p99_ms,
                r.max_ms,
                r.mean_ms,
                r.batches,
                r.mean_batch,
                r.utilization,
                r.mean_service_ms,
                c.max_batch,
                c.max_wait_s * 1e3,
                c.queue_cap,
                c.slo_s * 1e3,
                c.seed,
                report.meta.git_revision,
                report.meta.date,
            );
        }
    }
    s
}
