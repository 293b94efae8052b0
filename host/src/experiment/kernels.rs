//! The kernels alone on the GPU (moved here from `rustmf kernel-bench`, which calls them): get_hermitian
//! of one version over all rows of both half-steps, and the CG solver over both sides with a
//! device-to-device copy of as many bytes beside it (cuMF_als Fig. 7a and 7b); get_hermitian's
//! load, compute and write phases under one staging of θ (Fig. 4).

use std::sync::Arc;

use anyhow::Result;
use serde_json::json;

use crate::bench::flops::{cg_bytes, gb_per_s};
use crate::bench::Summary;
use crate::data::Interactions;
use crate::gpu::als::{GpuAls, GpuAlsOptions, GpuSolver, PhaseTimes, Staging};
use crate::gpu::{CudaSlice, EventTimer, Gpu, GpuError};
use crate::model::{AlsConfig, Factors, Hermitian, Side};

/// Largest single device-to-device copy of the bandwidth reference.
const COPY_CHUNK: usize = 1 << 30;

/// What a kernel measurement runs on.
pub struct KernelSetup<'a> {
    pub gpu: Arc<Gpu>,
    pub data: &'a Interactions,
    /// The factors both sides start from.
    pub start: &'a Factors,
    pub cfg: &'a AlsConfig,
    /// GPU rows per batch (default: as many as fit).
    pub batch_rows: Option<usize>,
    pub warmup: usize,
    pub repeats: usize,
}

impl KernelSetup<'_> {
    fn open(&self, hermitian: Hermitian, solver: GpuSolver) -> Result<GpuAls, GpuError> {
        GpuAls::new(
            self.gpu.clone(),
            self.data,
            self.start,
            GpuAlsOptions { hermitian, solver, batch_rows: self.batch_rows, ..Default::default() },
        )
    }
}

/// Seconds per repeat of get_hermitian over both sides (users then items), per-side medians.
pub fn hermitian_case(s: &KernelSetup, v: Hermitian) -> Result<(Vec<f64>, serde_json::Value)> {
    let mut als = s.open(v, GpuSolver::Cholesky)?;
    let mut per_side = Vec::new();
    for side in [Side::Users, Side::Items] {
        als.time_hermitian(side, s.cfg, s.warmup)?;
        per_side.push(als.time_hermitian(side, s.cfg, s.repeats)?);
    }
    let samples: Vec<f64> = per_side[0].iter().zip(&per_side[1]).map(|(u, i)| u + i).collect();
    let extra = json!({
        "users_median_s": Summary::of(&per_side[0]).median_s,
        "items_median_s": Summary::of(&per_side[1]).median_s,
        "rows_per_batch": als.batch_rows(),
    });
    Ok((samples, extra))
}

/// Seconds per repeat of get_hermitian's full phase variant of `staging` (v3's kernel) over both
/// sides, and in `extra` per side (`users`: the paper's update-X, `items`: update-Θ) the medians
/// of its three stop-after variants
/// (`until_load_s`, `until_compute_s`, `until_write_s`) and the phases as differences of those
/// medians: `load_s` = t(Load), `compute_s` = t(Compute) − t(Load), `write_s` = t(Write) − t(Compute).
pub fn phases_case(s: &KernelSetup, staging: Staging) -> Result<(Vec<f64>, serde_json::Value)> {
    let mut als = s.open(Hermitian::version(3), GpuSolver::Cholesky)?;
    let users = als.time_hermitian_phases(Side::Users, s.cfg, staging, s.warmup, s.repeats)?;
    let items = als.time_hermitian_phases(Side::Items, s.cfg, staging, s.warmup, s.repeats)?;
    let samples: Vec<f64> = users.until_write.iter().zip(&items.until_write).map(|(u, i)| u + i).collect();
    let extra = json!({
        "staging": staging.paper_name(),
        "users": phase_medians(&users),
        "items": phase_medians(&items),
        "rows_per_batch": als.batch_rows(),
    });
    Ok((samples, extra))
}

fn phase_medians(t: &PhaseTimes) -> serde_json::Value {
    let [load, compute, write] = [&t.until_load, &t.until_compute, &t.until_write].map(|v| Summary::of(v).median_s);
    json!({
        "load_s": load, "compute_s": compute - load, "write_s": write - compute,
        "until_load_s": load, "until_compute_s": compute, "until_write_s": write,
    })
}

/// Seconds per repeat of the CG solver over both sides, its bandwidth and a copy's.
pub fn cg_case(s: &KernelSetup, solver: GpuSolver, steps: u32) -> Result<(Vec<f64>, serde_json::Value)> {
    let mut als = s.open(Hermitian::version(5), solver)?;
    let mut per_side = Vec::new();
    for side in [Side::Users, Side::Items] {
        als.time_solve(side, s.cfg, s.warmup)?;
        per_side.push(als.time_solve(side, s.cfg, s.repeats)?);
    }
    drop(als);
    let samples: Vec<f64> = per_side[0].iter().zip(&per_side[1]).map(|(u, i)| u + i).collect();
    let (f, steps) = (s.cfg.factors as f64, steps as f64);
    let systems = (s.data.n_users() + s.data.n_items()) as f64;
    let (dram, modelled) = cg_bytes(systems, f, steps, solver.half_storage());
    let t = Summary::of(&samples).median_s;
    let copy = Summary::of(&copy_time(&s.gpu, dram as usize / 2, s.warmup, s.repeats)?).median_s;
    Ok((
        samples,
        json!({
            "systems": systems, "steps": steps, "dram_bytes": dram, "dram_gb_per_s": gb_per_s(dram, t),
            "a_per_step_bytes": modelled, "a_per_step_gb_per_s": gb_per_s(modelled, t),
            "memcpy_bytes_copied": (dram as usize / 2), "memcpy_median_s": copy,
            "memcpy_gb_per_s": gb_per_s(dram, copy),
        }),
    ))
}

/// Seconds per repeat of copying `bytes` device-to-device, in copies of at most 1 GiB.
pub fn copy_time(gpu: &Gpu, bytes: usize, warmup: usize, repeats: usize) -> Result<Vec<f64>> {
    let chunk = bytes.clamp(1, COPY_CHUNK);
    let src: CudaSlice<u8> = gpu.alloc_zeros(chunk, "the copy benchmark's source")?;
    let mut dst: CudaSlice<u8> = gpu.alloc_zeros(chunk, "the copy benchmark's destination")?;
    let timer = EventTimer::new(gpu)?;
    let mut copy_all = || {
        let mut left = bytes;
        while left > 0 {
            let n = left.min(chunk);
            gpu.stream()
                .memcpy_dtod(&src.slice(..n), &mut dst.slice_mut(..n))
                .map_err(|source| GpuError::Driver { context: "device-to-device copy".into(), source })?;
            left -= n;
        }
        Ok(())
    };
    for _ in 0..warmup {
        timer.time(&mut copy_all)?;
    }
    let samples = (0..repeats).map(|_| timer.time(&mut copy_all)).collect::<Result<Vec<f64>, GpuError>>()?;
    Ok(samples)
}
