//! [`GpuBackend`]: the GPU behind the device-independent ALS API (`als::train` with
//! `Backend::Gpu`). Factors live on the device from `begin` to `fetch`; the training objective and
//! the test RMSE are computed there too (`loss.rs`).
use super::{GpuAls, GpuAlsOptions, GpuSolver};
use crate::data::Interactions;
use crate::gpu::Gpu;
use crate::model::{AlsBackend, AlsConfig, Breakdown, Factors, GpuOptions, Side, Solver};
use crate::ptx::PtxImage;
use anyhow::{Context, Result};
use std::sync::Arc;

pub struct GpuBackend {
    gpu: Arc<Gpu>,
    options: GpuOptions,
    state: Option<GpuAls>,
}

impl GpuBackend {
    /// Opens GPU `device` with the PTX `images` (`rustmf::kernels::PTX`).
    pub fn open(device: usize, options: GpuOptions, images: &[PtxImage]) -> Result<GpuBackend> {
        anyhow::ensure!(!images.is_empty(), "this program embeds no GPU kernels (built without the gpu feature)");
        Ok(GpuBackend { gpu: Arc::new(Gpu::open(device, images)?), options, state: None })
    }

    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    fn state_mut(&mut self) -> Result<&mut GpuAls> {
        self.state.as_mut().context("the GPU backend was used before `begin`")
    }

    fn solver(&self, cfg: &AlsConfig) -> Result<GpuSolver> {
        if self.options.cublas_lu {
            anyhow::ensure!(
                cfg.solver == Solver::Lu && !self.options.fp16,
                "the cuBLAS baseline solver is LU in fp32, not {:?}",
                cfg.solver
            );
            return Ok(GpuSolver::CublasLu);
        }
        Ok(match (cfg.solver, self.options.fp16) {
            (Solver::Cholesky, false) => GpuSolver::Cholesky,
            (Solver::Lu, false) => GpuSolver::Lu,
            (Solver::Cg { steps, tol }, false) => GpuSolver::Cg { steps: steps as u32, tol: tol.unwrap_or(0.0) as f32 },
            (Solver::Cg { steps, tol }, true) => {
                GpuSolver::CgHalf { steps: steps as u32, tol: tol.unwrap_or(0.0) as f32 }
            }
            (s, true) => anyhow::bail!("fp16 storage is for the CG solver, not {s:?}"),
        })
    }
}

impl AlsBackend for GpuBackend {
    fn name(&self) -> String {
        format!(
            "gpu ({}, hermitian {}{}{}{}{})",
            self.gpu.info.name,
            self.options.hermitian,
            if self.options.fp16 { ", fp16 A" } else { "" },
            if self.options.cublas_lu { ", cuBLAS LU" } else { "" },
            match self.options.matrix_free {
                crate::model::MatrixFree::Off => "",
                crate::model::MatrixFree::Users => ", matrix-free CG on users",
                crate::model::MatrixFree::Items => ", matrix-free CG on items",
                crate::model::MatrixFree::Both => ", matrix-free CG",
            },
            self.state
                .as_ref()
                .filter(|_| self.options.matrix_free != crate::model::MatrixFree::Both)
                .map(|s| match s.streamed() {
                    streamed if streamed.any() =>
                        format!(", {} rows per batch, {}", s.batch_rows(), streamed.describe()),
                    _ => format!(", {} rows per batch", s.batch_rows()),
                })
                .unwrap_or_default()
        )
    }

    fn begin(
        &mut self,
        train: &Interactions,
        test: Option<&Interactions>,
        start: &Factors,
        cfg: &AlsConfig,
    ) -> Result<()> {
        let opts = GpuAlsOptions {
            hermitian: self.options.hermitian,
            solver: self.solver(cfg)?,
            batch_rows: self.options.batch_rows,
            matrix_free: self.options.matrix_free,
            gpu_memory: self.options.gpu_memory,
            share: None,
        };
        let mut state = GpuAls::new(self.gpu.clone(), train, start, opts)?;
        if let Some(t) = test {
            state.set_test(&t.csr)?;
        }
        self.state = Some(state);
        Ok(())
    }

    fn half_step(
        &mut self,
        side: Side,
        _train: &Interactions,
        _factors: &mut Factors,
        cfg: &AlsConfig,
    ) -> Result<Option<Breakdown>> {
        Ok(Some(self.state_mut()?.half_step(side, cfg)?))
    }

    fn fetch(&mut self, factors: &mut Factors) -> Result<()> {
        if let Some(state) = &self.state {
            *factors = state.factors()?;
        }
        Ok(())
    }

    fn objective(&mut self, _train: &Interactions, _factors: &Factors, cfg: &AlsConfig) -> Result<f64> {
        Ok(self.state_mut()?.objective(cfg)?)
    }

    fn test_rmse_mae(&mut self) -> Result<Option<(f64, f64)>> {
        Ok(self.state_mut()?.test_rmse_mae()?)
    }
}
