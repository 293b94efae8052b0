//! The CPU reference backend: ALS half-steps (Cholesky / LU / CG), objective, metrics, recommend.
//!
//! Parallel over rows with rayon on a local [`rayon::ThreadPool`] (`threads = 1` is the
//! single-threaded baseline, `0` every core). Each row is solved by one thread with a fixed
//! operation order and every reduction (`YᵀY`, objective, metrics) combines fixed-size chunks
//! in chunk order, so the factors are bit-identical across thread counts for a given seed.
//!
//! The inner loops are portable Rust that the autovectoriser handles; the row-level functions
//! are compiled twice and the AVX2+FMA copy is picked at run time when the CPU has it
//! (`RUSTMF_CPU_ISA=base` forces the baseline copy, e.g. to compare).

pub mod kernels;
pub mod metrics;
pub mod recommend;
pub mod solve;
mod step;

use std::sync::OnceLock;

use anyhow::Result;

use crate::als::{AlsBackend, AlsConfig, Breakdown, Factors, Matrix, Side};
use crate::data::{Csr, Interactions};

pub use step::{cg_dense_fast, cholesky_fast, GRAM_CHUNK_ROWS};

/// Which compiled copy of the inner loops runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    Base,
    Avx2Fma,
}

/// The instruction set used by the CPU backend on this machine (detected once;
/// `RUSTMF_CPU_ISA=base` forces the baseline).
pub fn isa() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        if std::env::var("RUSTMF_CPU_ISA").map(|v| v.eq_ignore_ascii_case("base")).unwrap_or(false) {
            return Isa::Base;
        }
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                return Isa::Avx2Fma;
            }
        }
        Isa::Base
    })
}

/// A rayon pool with `threads` threads (`0`: one per available core).
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool> {
    let n = if threads == 0 { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) } else { threads };
    Ok(rayon::ThreadPoolBuilder::new().num_threads(n).thread_name(|i| format!("rustmf-cpu-{i}")).build()?)
}

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

    fn objective(&self, train: &Interactions, factors: &Factors, cfg: &AlsConfig) -> Result<f64> {
        Ok(self.pool.install(|| step::objective(self.isa, &train.csr, &train.csc, &factors.users, &factors.items, cfg)))
    }
}
