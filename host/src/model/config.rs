//! Everything that defines a training run: [`AlsConfig`] and the choices it is made of.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::{Hermitian, Side};

/// How the per-row f×f systems are solved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Solver {
    /// Cholesky factorisation (exact; the default and the reference).
    Cholesky,
    /// LU without pivoting (parity with GPU batched LU). The systems are symmetric positive
    /// definite (λ > 0), for which Gaussian elimination without pivoting is backward stable, so
    /// it agrees with Cholesky to rounding.
    Lu,
    /// Conjugate gradient, `steps` iterations, warm-started from the current factors (as
    /// `implicit` and cuMF). Stops early once `‖r‖ ≤ tol·‖b‖` when `tol` is set. The CPU CG is
    /// matrix-free: it applies `A p` through the row's interactions (O(n_u·f) per step) without
    /// forming `A` — the same iterates as CG on the formed matrix, in exact arithmetic.
    Cg { steps: usize, tol: Option<f64> },
}

/// Confidence function for implicit feedback.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Confidence {
    /// `c = 1 + α r`
    Linear,
    /// `c = 1 + α log(1 + r/ε)`
    Log { eps: f32 },
    /// `c = α r`: the `implicit` library's convention, where `c − 1` is negative for `α r < 1`.
    /// CPU backend only (the GPU kernels take `c ≥ 1`; the tensor-core v6–v9 scale rows by √(c − 1)).
    Proportional,
}

impl Confidence {
    /// `c − 1` for a stored value `r` (0 for `r ≤ 0`).
    #[inline]
    pub fn weight(&self, alpha: f32, r: f32) -> f32 {
        if r <= 0.0 {
            return 0.0;
        }
        match *self {
            Confidence::Linear => alpha * r,
            Confidence::Log { eps } => alpha * (1.0 + r / eps).ln(),
            Confidence::Proportional => alpha * r - 1.0,
        }
    }
}

/// Early stopping on the monitored test metric (test RMSE for explicit, NDCG@k for implicit).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    /// Stop after this many evaluated iterations without improvement; the best factors are kept.
    pub patience: usize,
    /// An improvement smaller than this does not count.
    pub min_delta: f64,
}

/// Test-set evaluation settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EvalConfig {
    /// Cut-off of the ranking metrics.
    pub k: usize,
    /// Evaluate the ranking metrics on at most this many test users (a seeded, evenly spaced
    /// subset); `None`: all.
    pub max_users: Option<usize>,
    /// Evaluate every this many iterations (and always after the last).
    pub every: usize,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig { k: 10, max_users: None, every: 1 }
    }
}

/// Everything that defines a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlsConfig {
    pub factors: usize,
    pub iterations: usize,
    pub lambda: f32,
    /// Implicit (true) or explicit (false) feedback.
    pub implicit: bool,
    pub alpha: f32,
    pub confidence: Confidence,
    pub solver: Solver,
    pub seed: u64,
    /// Initial factors are `N(0, init_scale²/f)`.
    pub init_scale: f32,
    /// Compute the training objective after every iteration (costs about one half-step of
    /// dot products; off for benchmarks).
    pub compute_objective: bool,
    pub eval: EvalConfig,
    pub early_stopping: Option<EarlyStopping>,
}

impl Default for AlsConfig {
    fn default() -> Self {
        AlsConfig {
            factors: 64,
            iterations: 15,
            lambda: 0.1,
            implicit: true,
            alpha: 1.0,
            confidence: Confidence::Linear,
            solver: Solver::Cholesky,
            seed: 42,
            init_scale: 0.1,
            compute_objective: true,
            eval: EvalConfig::default(),
            early_stopping: None,
        }
    }
}

impl AlsConfig {
    pub fn validate(&self) -> Result<()> {
        anyhow::ensure!(self.factors >= 1, "factors must be at least 1, got {}", self.factors);
        anyhow::ensure!(self.iterations >= 1, "iterations must be at least 1, got {}", self.iterations);
        anyhow::ensure!(
            self.lambda >= 0.0 && self.lambda.is_finite(),
            "lambda must be finite and ≥ 0, got {}",
            self.lambda
        );
        anyhow::ensure!(
            self.alpha >= 0.0 && self.alpha.is_finite(),
            "alpha must be finite and ≥ 0, got {}",
            self.alpha
        );
        if let Confidence::Log { eps } = self.confidence {
            anyhow::ensure!(eps > 0.0 && eps.is_finite(), "confidence epsilon must be finite and > 0, got {eps}");
        }
        if let Solver::Cg { steps, .. } = self.solver {
            anyhow::ensure!(steps >= 1, "CG needs at least one step");
        }
        anyhow::ensure!(self.eval.k >= 1 && self.eval.every >= 1, "eval k and every must be ≥ 1");
        Ok(())
    }

    /// A lower bound of the host memory a CPU run takes: both factor matrices (f32), and the f×f
    /// system of each of `threads` threads and the f×f Gram matrix (f64). With zero users and items
    /// it is what f alone costs, known before any data is read.
    pub fn host_bytes(&self, n_users: usize, n_items: usize, threads: usize) -> u128 {
        let f = self.factors as u128;
        (n_users as u128 + n_items as u128) * f * 4 + (threads as u128 + 1) * f * f * 8
    }
}

/// GPU-only choices: which get_hermitian version runs, whether CG keeps A in fp16, whether LU is
/// cuBLAS's, how many rows a batch holds. The solver itself is [`AlsConfig::solver`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuOptions {
    /// Which get_hermitian forms A_u and b_u.
    pub hermitian: Hermitian,
    /// With a CG solver: store A in fp16 (cuMF §IV-B).
    pub fp16: bool,
    /// With the LU solver: cuBLAS's batched LU with pivoting (getrf + getrs), the baseline,
    /// instead of rustmf's kernel.
    pub cublas_lu: bool,
    /// Rows per batch; `None`: as many as fit in 70% of the free GPU memory.
    pub batch_rows: Option<usize>,
    /// With the CG solver: the sides solved matrix-free, without forming A.
    pub matrix_free: MatrixFree,
    /// GPU memory training may use, in bytes (`None`: what is free); the formed sides' sparse
    /// rows are streamed from host memory when they do not fit in it.
    #[serde(default)]
    pub gpu_memory: Option<usize>,
}

impl Default for GpuOptions {
    fn default() -> Self {
        GpuOptions {
            hermitian: Hermitian::DEFAULT,
            fp16: false,
            cublas_lu: false,
            batch_rows: None,
            matrix_free: MatrixFree::Off,
            gpu_memory: None,
        }
    }
}

/// GPU, CG solver: which half-steps apply A_u through the row's entries
/// (`kernels-rs/src/solve/cg_matrix_free.rs`) instead of forming it with get_hermitian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MatrixFree {
    #[default]
    Off,
    Users,
    Items,
    Both,
}

/// `--solver auto` forms A on a side whose rows average at least this many entries per factor,
/// and runs matrix-free CG on the others (issue 20). Measured on an H100 (2026-12-07, 98ae8c8,
/// `benches/results/solver-per-side*`): forming pays where rows are long, its f²/2 FMAs per entry
/// dense and cheap against matrix-free CG's gathers of the fixed factors every step; matrix-free
/// pays where rows are short and forming A is mostly writing and solving f×f systems. Netflix-shaped
/// f = 100: users (206 per row) matrix-free, items (5,575) formed — 50.8 ms against 74.1 ms both
/// matrix-free and 85.6 ms both formed; LFM-1b-shaped f = 64: users (2,286) formed, items (49)
/// matrix-free — 104.3 ms against 119.9 and 266.8 ms. Any threshold between 2.1 and 22 per factor
/// fits these four sides; 8 sits between them in ratio.
pub const AUTO_FORMED_ENTRIES_PER_FACTOR: usize = 8;

impl MatrixFree {
    /// `--solver auto`'s sides for `users` × `items` with `nnz` entries at f factors: matrix-free
    /// where rows average fewer than [`AUTO_FORMED_ENTRIES_PER_FACTOR`]·f entries.
    pub fn auto(users: usize, items: usize, nnz: usize, f: usize) -> MatrixFree {
        let short = |rows: usize| nnz < AUTO_FORMED_ENTRIES_PER_FACTOR * f * rows.max(1);
        match (short(users), short(items)) {
            (false, false) => MatrixFree::Off,
            (true, false) => MatrixFree::Users,
            (false, true) => MatrixFree::Items,
            (true, true) => MatrixFree::Both,
        }
    }

    pub fn covers(self, side: Side) -> bool {
        matches!(
            (self, side),
            (MatrixFree::Both, _) | (MatrixFree::Users, Side::Users) | (MatrixFree::Items, Side::Items)
        )
    }

    /// Suffix of the CLI's solver name: "", "-mf-users", "-mf-items", "-mf".
    pub fn suffix(self) -> &'static str {
        match self {
            MatrixFree::Off => "",
            MatrixFree::Users => "-mf-users",
            MatrixFree::Items => "-mf-items",
            MatrixFree::Both => "-mf",
        }
    }
}
