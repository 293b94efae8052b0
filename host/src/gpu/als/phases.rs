//! get_hermitian in phases (cuMF_als §III, Fig. 4; `kernels-rs/src/hermitian/phases.rs`): the three
//! stop-after variants of one staging timed over every row of a side, from which
//! load = t(Load), compute = t(Compute) − t(Load), write = t(Write) − t(Compute); and a half-step
//! whose A and b come from the full variant, which the tests check against the CPU reference.
use super::{scalars, GpuAls, Scalars};
use crate::gpu::{EventTimer, GpuError, Kernel};
use crate::model::{AlsConfig, Side};
use rustmf_kernel_abi::hermitian::HermitianRows;
use rustmf_kernel_abi::hermitian_phases::{entry, launch, Staging, StopAfter};

/// Seconds per repeat of each stop-after variant over every row of a side (its batches added up):
/// whole-kernel times.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhaseTimes {
    /// t(Load): θ staged, nothing computed.
    pub until_load: Vec<f64>,
    /// t(Compute): staged and summed, nothing written.
    pub until_compute: Vec<f64>,
    /// t(Write): the whole kernel, v3's.
    pub until_write: Vec<f64>,
}

impl GpuAls {
    /// Benchmarks: `repeats` timings of each variant of `staging` over every row of `side`. Per
    /// batch, each variant runs `warmup` times untimed and then `repeats` times back to back, as
    /// [`GpuAls::time_hermitian`] runs a version (YᵀY, implicit, is computed first, untimed).
    pub fn time_hermitian_phases(
        &mut self,
        side: Side,
        cfg: &AlsConfig,
        staging: Staging,
        warmup: usize,
        repeats: usize,
    ) -> Result<PhaseTimes, GpuError> {
        let kernels = self.phase_kernels(staging)?;
        let gpu = self.gpu.clone();
        let timer = EventTimer::new(&gpu)?;
        if cfg.implicit {
            self.fixed_gram(side)?;
        }
        let s = scalars(cfg)?;
        let mut samples = [vec![0.0; repeats], vec![0.0; repeats], vec![0.0; repeats]];
        for (begin, n) in self.batches(side) {
            for (kernel, times) in kernels.iter().zip(samples.iter_mut()) {
                for _ in 0..warmup {
                    self.phase_batch(kernel, side, begin, n, s)?;
                }
                for t in times.iter_mut() {
                    *t += timer.time(|| self.phase_batch(kernel, side, begin, n, s))?;
                }
            }
        }
        let [until_load, until_compute, until_write] = samples;
        Ok(PhaseTimes { until_load, until_compute, until_write })
    }

    /// One half-step with A and b from the full variant of `staging`, then the run's solver.
    pub fn half_step_phases(&mut self, side: Side, cfg: &AlsConfig, staging: Staging) -> Result<(), GpuError> {
        let [_, _, full] = self.phase_kernels(staging)?;
        if cfg.implicit {
            self.fixed_gram(side)?;
        }
        let s = scalars(cfg)?;
        for (begin, n) in self.batches(side) {
            self.phase_batch(&full, side, begin, n, s)?;
            self.solve_batch(side, begin, n)?;
        }
        Ok(())
    }

    /// The Load, Compute and Write variants of `staging` at this run's f.
    fn phase_kernels(&self, staging: Staging) -> Result<[Kernel; 3], GpuError> {
        if self.opts.solver.half_storage() {
            return Err(GpuError::Unsupported(format!(
                "the get_hermitian phase kernels write A in fp32; solver {} stores it in fp16",
                self.opts.solver.name()
            )));
        }
        let kernel = |stop| self.gpu.entry(entry(staging, stop, self.f));
        Ok([kernel(StopAfter::Load)?, kernel(StopAfter::Compute)?, kernel(StopAfter::Write)?])
    }

    /// `kernel`, a phase variant, over the batch of `n` rows of `side` from `begin`.
    fn phase_batch(&mut self, kernel: &Kernel, side: Side, begin: usize, n: usize, s: Scalars) -> Result<(), GpuError> {
        let gpu = &*self.gpu;
        let rows = self.resident_rows(side, "get_hermitian's phase kernels")?;
        let fixed = match side {
            Side::Users => &self.items,
            Side::Items => &self.users,
        };
        let Scalars { lambda, alpha, eps, mode } = s;
        let args = HermitianRows {
            n_rows: n as u32,
            row_begin: begin as u32,
            indptr: gpu.input(&rows.indptr),
            indices: gpu.input(&rows.indices),
            values: gpu.input(&rows.values),
            theta: gpu.input(fixed),
            gram: gpu.input(&self.gram),
            lambda,
            alpha,
            eps,
            mode,
            a_out: gpu.output_as::<f32>(&mut self.a),
            b_out: gpu.output(&mut self.b),
        };
        // Safety: the side's sparse rows, the fixed factors, YᵀY, and the batch's A (f32: no fp16
        // solver, checked by `phase_kernels`) and b, which hold `batch ≥ n` rows; the family's shape.
        unsafe { gpu.launch_with(kernel, &args, launch(self.f, n)) }
    }
}
