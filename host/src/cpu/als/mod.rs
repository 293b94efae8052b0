//! ALS on the CPU: [`CpuBackend`], the reference every GPU version is checked against. Half-steps
//! solve every row with Cholesky, LU or CG ([`solve`]), parallel over rows (`step`); [`fold_in`]
//! solves the rows of users who were not in training.
//!
//! # Numerics of the CPU reference
//!
//! Factors are stored in fp32 (what the GPU kernels store). The hermitian `Σ w y yᵀ` is
//! accumulated in fp32 registers over blocks of at most 256 interactions, and the block sums are
//! added into an fp64 matrix; `YᵀY` is accumulated the same way in a fixed chunk order; the f×f
//! solves (Cholesky, LU, CG) run in fp64. Results are bit-identical for a given seed across
//! thread counts (every row is computed by one thread, every reduction has a fixed order). They
//! can differ in the last bits between machines with and without AVX2/FMA (runtime dispatch).

mod fold_in;
pub mod solve;
mod step;

use anyhow::Result;

use super::{isa, thread_pool, Isa};
use crate::data::{Csr, Interactions};
use crate::model::{AlsBackend, AlsConfig, Breakdown, Factors, Matrix, Side};

pub use fold_in::{fold_in, fold_in_problem, UserRow};
pub(crate) use step::dot_mixed;
pub use step::{cg_dense_fast, cholesky_fast, GRAM_CHUNK_ROWS};

/// The CPU backend.
pub struct CpuBackend {
    pool: rayon::ThreadPool,
    threads: usize,
    isa: Isa,
}

impl CpuBackend {
    pub fn new(threads: usize) -> Result<Self> {
        let pool = thread_pool(threads)?;
        let threads = pool.current_num_threads();
        Ok(CpuBackend { pool, threads, isa: isa() })
    }
    pub fn threads(&self) -> usize {
        self.threads
    }
    /// `YᵀY` (full, fp64) of a factor matrix, with this backend's order and pool.
    pub fn gram(&self, y: &Matrix) -> Vec<f64> {
        self.pool.install(|| step::gram(self.isa, y))
    }
    /// Run `op` on this backend's pool.
    pub fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        self.pool.install(op)
    }
}

impl CpuBackend {
    /// Solve every row of `target` against the fixed factors: row `t` of `m` lists the rows of
    /// `fixed` it interacts with (and the values). Users: `m = csr`, `fixed = items`; items:
    /// `m = csc` (as outer = item), `fixed = users`.
    pub fn solve_rows(&self, m: &Csr, fixed: &Matrix, target: &mut Matrix, cfg: &AlsConfig) -> Result<()> {
        let f = cfg.factors;
        anyhow::ensure!(fixed.cols == f && target.cols == f, "factor matrices must have {f} columns");
        anyhow::ensure!(
            m.outer_dims() == target.rows && m.inner_dims() == fixed.rows,
            "interaction matrix is {}×{} (outer×inner), factors have {} and {} rows",
            m.outer_dims(),
            m.inner_dims(),
            target.rows,
            fixed.rows
        );
        let failed = self.pool.install(|| step::half_step(self.isa, m, fixed, target, cfg));
        if let Some(row) = failed {
            anyhow::bail!(
                "the {:?} solve failed for row {row} (system not positive definite or not finite; is lambda > 0?)",
                cfg.solver
            );
        }
        Ok(())
    }
}

impl AlsBackend for CpuBackend {
    fn name(&self) -> String {
        format!("cpu ({} threads, {:?})", self.threads, self.isa)
    }

    fn half_step(
        &mut self,
        side: Side,
        train: &Interactions,
        factors: &mut Factors,
        cfg: &AlsConfig,
    ) -> Result<Option<Breakdown>> {
        match side {
            Side::Users => self.solve_rows(&train.csr, &factors.items, &mut factors.users, cfg)?,
            Side::Items => self.solve_rows(&train.csc, &factors.users, &mut factors.items, cfg)?,
        }
        Ok(None)
    }

    fn objective(&mut self, train: &Interactions, factors: &Factors, cfg: &AlsConfig) -> Result<f64> {
        Ok(self.pool.install(|| step::objective(self.isa, &train.csr, &train.csc, &factors.users, &factors.items, cfg)))
    }
}
