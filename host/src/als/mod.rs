//! The device-independent ALS model API: configuration ([`AlsConfig`]), dense factors
//! ([`Matrix`], [`Factors`]), the backend trait ([`AlsBackend`]), the recommend API
//! ([`Recommender`]) and the training driver ([`train`]).
//!
//! # Model
//!
//! * **Explicit** (Zhou et al. 2008, as cuMF_als): minimise
//!   `Σ_{(u,i)∈Ω} (r_ui − x_uᵀy_i)² + λ(Σ_u n_u‖x_u‖² + Σ_i n_i‖y_i‖²)` (weighted-λ).
//!   Row update: `A_u = Σ_{i∈Ω_u} y_i y_iᵀ + λ n_u I`, `b_u = Σ r_ui y_i`. Rows with no
//!   interactions get a zero factor.
//! * **Implicit** (Hu, Koren & Volinsky 2008): preference `p = [r > 0]`, confidence
//!   `c = 1 + α r` ([`Confidence::Linear`]) or `c = 1 + α log(1 + r/ε)` ([`Confidence::Log`]);
//!   minimise `Σ_{all u,i} c_ui (p_ui − x_uᵀy_i)² + λ(Σ‖x_u‖² + Σ‖y_i‖²)`.
//!   Row update: `A_u = YᵀY + Σ_{i∈Ω_u} (c_ui − 1) y_i y_iᵀ + λI`, `b_u = Σ c_ui p_ui y_i`, with
//!   `YᵀY` computed once per half-step. Stored values `r ≤ 0` are treated as "not observed"
//!   (c = 1, p = 0) and contribute nothing.
//!
//! Each iteration solves all users from the items (CSR rows), then all items from the users
//! (CSC columns).
//!
//! # Initialisation
//!
//! Both factor matrices are filled with i.i.d. `N(0, (init_scale)²/f)` values from a counter-based
//! generator (splitmix64 of `(seed, matrix, row, col)` + Box–Muller, see [`init_factors`]), so the
//! start point depends only on the seed and the shape — not on the thread count, nor on the
//! version of the `rand` crate. The first half-step overwrites the user factors (Cholesky/LU), so
//! for exact solvers only the item initialisation matters; CG warm-starts from both.
//!
//! # Numerics of the CPU reference
//!
//! Factors are stored in fp32 (what the GPU kernels store). The hermitian `Σ w y yᵀ` is
//! accumulated in fp32 registers over blocks of at most 256 interactions, and the block sums are
//! added into an fp64 matrix; `YᵀY` is accumulated the same way in a fixed chunk order; the f×f
//! solves (Cholesky, LU, CG) run in fp64. Results are bit-identical for a given seed across
//! thread counts (every row is computed by one thread, every reduction has a fixed order). They
//! can differ in the last bits between machines with and without AVX2/FMA (runtime dispatch).

mod init;
pub mod shaped;

pub use init::init_factors;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::data::{Csr, Interactions};

/// A dense row-major fp32 matrix (rows × cols).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

impl Matrix {
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Matrix { rows, cols, data: vec![0.0; rows * cols] }
    }
    pub fn from_vec(rows: usize, cols: usize, data: Vec<f32>) -> Result<Self> {
        anyhow::ensure!(data.len() == rows * cols, "matrix data has {} values, expected {rows}×{cols}", data.len());
        Ok(Matrix { rows, cols, data })
    }
    #[inline]
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
    #[inline]
    pub fn row_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }
}

/// User factors (n_users × f) and item factors (n_items × f). Predicted score: `x_uᵀ y_i`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factors {
    pub users: Matrix,
    pub items: Matrix,
}

impl Factors {
    pub fn n_factors(&self) -> usize {
        self.users.cols
    }
    pub fn n_users(&self) -> usize {
        self.users.rows
    }
    pub fn n_items(&self) -> usize {
        self.items.rows
    }
    /// `x_uᵀ y_i` (fp32 products, fp64 sum).
    pub fn predict(&self, user: usize, item: usize) -> f32 {
        let (x, y) = (self.users.row(user), self.items.row(item));
        x.iter().zip(y).map(|(a, b)| (*a as f64) * (*b as f64)).sum::<f64>() as f32
    }
}

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
        anyhow::ensure!(self.factors >= 1, "factors must be at least 1");
        anyhow::ensure!(self.lambda >= 0.0 && self.lambda.is_finite(), "lambda must be finite and ≥ 0");
        anyhow::ensure!(self.alpha >= 0.0 && self.alpha.is_finite(), "alpha must be finite and ≥ 0");
        if let Confidence::Log { eps } = self.confidence {
            anyhow::ensure!(eps > 0.0, "confidence epsilon must be > 0");
        }
        if let Solver::Cg { steps, .. } = self.solver {
            anyhow::ensure!(steps >= 1, "CG needs at least one step");
        }
        anyhow::ensure!(self.eval.k >= 1 && self.eval.every >= 1, "eval k and every must be ≥ 1");
        Ok(())
    }
}

/// Test-set metrics (the ones that apply: RMSE/MAE for explicit, ranking metrics for implicit).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rmse: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mae: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranking: Option<crate::cpu::metrics::RankingMetrics>,
}

impl Metrics {
    /// The monitored value and whether higher is better.
    pub fn monitored(&self) -> Option<(f64, bool)> {
        if let Some(r) = &self.ranking {
            Some((r.ndcg, true))
        } else {
            self.rmse.map(|v| (v, false))
        }
    }
}

/// One training iteration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IterationLog {
    /// 1-based.
    pub iteration: usize,
    pub user_step_s: f64,
    pub item_step_s: f64,
    /// `user_step_s + item_step_s`: the ALS time (no objective, no evaluation).
    pub iteration_s: f64,
    pub objective: Option<f64>,
    pub objective_s: Option<f64>,
    pub test: Option<Metrics>,
    pub eval_s: Option<f64>,
    /// Per-phase times of the user half-step, from backends that measure them (GPU).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_breakdown: Option<Breakdown>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub item_breakdown: Option<Breakdown>,
}

/// What [`train`] returns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainReport {
    pub config: AlsConfig,
    pub backend: String,
    pub n_users: usize,
    pub n_items: usize,
    pub nnz: usize,
    pub iterations: Vec<IterationLog>,
    /// The iteration whose factors are returned when early stopping monitored a metric.
    pub best_iteration: Option<usize>,
    pub stopped_early: bool,
    pub total_s: f64,
    #[serde(skip)]
    pub factors: Option<Factors>,
}

/// Which factor matrix a half-step recomputes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    /// Users from items (rows of the CSR matrix).
    Users,
    /// Items from users (rows of the CSC matrix).
    Items,
}

/// Where a backend's half-step time went, for backends that can tell (seconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// YᵀY of the fixed factors (implicit feedback).
    pub gram_s: f64,
    /// get_hermitian + get_bias.
    pub hermitian_s: f64,
    pub solve_s: f64,
    /// The whole half-step.
    pub total_s: f64,
}

impl Breakdown {
    /// Time not in the named phases (launch gaps, synchronization, transfers).
    pub fn other_s(&self) -> f64 {
        (self.total_s - self.gram_s - self.hermitian_s - self.solve_s).max(0.0)
    }
}

/// A compute backend for ALS. Backends that keep the factors elsewhere (the GPU) take them in
/// [`AlsBackend::begin`] and hand them back in [`AlsBackend::fetch`]; between the two, the host
/// copy is stale.
pub trait AlsBackend {
    fn name(&self) -> String;
    /// Called once before the first half-step.
    fn begin(&mut self, _train: &Interactions, _start: &Factors, _cfg: &AlsConfig) -> Result<()> {
        Ok(())
    }
    /// Recompute every row of `side` against the other side's factors.
    fn half_step(
        &mut self,
        side: Side,
        train: &Interactions,
        factors: &mut Factors,
        cfg: &AlsConfig,
    ) -> Result<Option<Breakdown>>;
    /// Bring `factors` up to date on the host.
    fn fetch(&mut self, _factors: &mut Factors) -> Result<()> {
        Ok(())
    }
    /// The training objective of `factors` on `train` (see the module docs).
    fn objective(&self, train: &Interactions, factors: &Factors, cfg: &AlsConfig) -> Result<f64>;
}

/// GPU-only choices: which get_hermitian version runs, whether CG keeps A in fp16, whether LU is
/// cuBLAS's, how many rows a batch holds. The solver itself is [`AlsConfig::solver`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuOptions {
    /// get_hermitian version, 1–9 (see `kernels-rs/src/hermitian`), or 0: the cuBLAS baseline
    /// (gathered blocks and a batched GEMM).
    pub hermitian: u32,
    /// With a CG solver: store A in fp16 (cuMF §IV-B).
    pub fp16: bool,
    /// With the LU solver: cuBLAS's batched LU with pivoting (getrf + getrs), the baseline,
    /// instead of rustmf's kernel.
    pub cublas_lu: bool,
    /// Rows per batch; `None`: as many as fit in 70% of the free GPU memory.
    pub batch_rows: Option<usize>,
    /// With the CG solver: the sides solved matrix-free, without forming A.
    pub matrix_free: MatrixFree,
}

impl Default for GpuOptions {
    fn default() -> Self {
        GpuOptions { hermitian: 8, fp16: false, cublas_lu: false, batch_rows: None, matrix_free: MatrixFree::Off }
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

impl MatrixFree {
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

/// Which backend [`train`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The CPU reference; `threads = 0` uses every core, `1` is the single-threaded baseline.
    Cpu { threads: usize },
    /// rustmf's kernels on GPU `device`.
    Gpu { device: usize, options: GpuOptions },
}

/// Build the backend object.
pub fn make_backend(backend: Backend) -> Result<Box<dyn AlsBackend>> {
    match backend {
        Backend::Cpu { threads } => Ok(Box::new(crate::cpu::CpuBackend::new(threads)?)),
        #[cfg(feature = "gpu")]
        Backend::Gpu { device, options } => Ok(Box::new(crate::gpu::als::GpuBackend::open(device, options)?)),
        #[cfg(not(feature = "gpu"))]
        Backend::Gpu { .. } => anyhow::bail!("this rustmf was built without GPU support (--no-default-features)"),
    }
}

/// The recommend API every backend's model implements.
///
/// Rankings are by descending score, ties broken by the lower item index; items a user has
/// in `exclude` (typically the training matrix, CSR users × items) are never returned.
pub trait Recommender {
    /// Top-`n` items for `user`.
    fn recommend(&self, user: usize, exclude: Option<&Csr>, n: usize) -> Result<Vec<(u32, f32)>> {
        Ok(self.recommend_batch(&[user as u32], exclude, n)?.pop().unwrap_or_default())
    }
    /// Top-`n` items for each of `users`.
    fn recommend_batch(&self, users: &[u32], exclude: Option<&Csr>, n: usize) -> Result<Vec<Vec<(u32, f32)>>>;
    /// The `n` items most similar to `item` by cosine of the item factors (the item itself excluded).
    fn similar_items(&self, item: usize, n: usize) -> Result<Vec<(u32, f32)>>;
}

/// Interactions (identity id maps) from (user, item, value) triplets; duplicates are summed.
/// A convenience for tests and small examples; real data comes from [`crate::data`].
pub fn interactions_from_triplets(n_users: usize, n_items: usize, triplets: &[(u32, u32, f32)]) -> Interactions {
    let mut t = sprs::TriMatI::<f32, u32>::with_capacity((n_users, n_items), triplets.len());
    for &(u, i, v) in triplets {
        t.add_triplet(u as usize, i as usize, v);
    }
    let csr: Csr = t.to_csr();
    let csc = csr.to_csc();
    Interactions { csr, csc, users: crate::data::IdMap::Identity, items: crate::data::IdMap::Identity }
}

/// Interactions (identity id maps) from a CSR users × items matrix.
pub fn interactions_from_csr(csr: Csr) -> Interactions {
    let csc = csr.to_csc();
    Interactions { csr, csc, users: crate::data::IdMap::Identity, items: crate::data::IdMap::Identity }
}

/// A per-iteration callback drawing an indicatif progress bar (to stderr) of `total` iterations.
pub fn progress_bar(total: usize) -> impl FnMut(&IterationLog) {
    let pb = indicatif::ProgressBar::new(total as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} iterations [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    move |log: &IterationLog| {
        let mut msg = format!("{:.3} s/it", log.iteration_s);
        if let Some(o) = log.objective {
            msg += &format!("  loss {o:.6e}");
        }
        if let Some(m) = &log.test {
            if let Some(r) = m.rmse {
                msg += &format!("  rmse {r:.4}");
            }
            if let Some(r) = &m.ranking {
                msg += &format!("  ndcg@{} {:.4}", r.k, r.ndcg);
            }
        }
        pb.set_message(msg);
        pb.inc(1);
        if pb.position() >= total as u64 {
            pb.finish();
        }
    }
}

/// Train ALS factors on `train`, evaluating on `test` (when given) per [`EvalConfig`].
pub fn train(
    train: &Interactions,
    test: Option<&Interactions>,
    cfg: &AlsConfig,
    backend: Backend,
) -> Result<TrainReport> {
    train_with(train, test, cfg, backend, None, &mut |_| {})
}

/// [`train`] with an optional start point and a callback after each iteration (progress bars).
pub fn train_with(
    train: &Interactions,
    test: Option<&Interactions>,
    cfg: &AlsConfig,
    backend: Backend,
    init: Option<Factors>,
    on_iteration: &mut dyn FnMut(&IterationLog),
) -> Result<TrainReport> {
    cfg.validate()?;
    let mut be = make_backend(backend)?;
    let threads = match backend {
        Backend::Cpu { threads } => threads,
        _ => 0,
    };
    let eval_pool = crate::cpu::thread_pool(threads)?;
    let t_all = std::time::Instant::now();
    let (nu, ni, f) = (train.n_users(), train.n_items(), cfg.factors);
    if let Some(t) = test {
        anyhow::ensure!(
            t.n_users() == nu && t.n_items() == ni,
            "test matrix is {}×{}, train is {nu}×{ni}",
            t.n_users(),
            t.n_items()
        );
    }
    let mut factors = match init {
        Some(fa) => {
            anyhow::ensure!(
                fa.users.rows == nu && fa.items.rows == ni && fa.users.cols == f && fa.items.cols == f,
                "initial factors have the wrong shape"
            );
            fa
        }
        None => init_factors(nu, ni, f, cfg.seed, cfg.init_scale),
    };
    let eval_users = test.map(|t| crate::cpu::metrics::eval_users(&t.csr, cfg.eval.max_users, cfg.seed));
    be.begin(train, &factors, cfg)?;
    let mut logs = Vec::with_capacity(cfg.iterations);
    let mut best: Option<(f64, usize, Factors)> = None;
    let mut since_best = 0usize;
    let mut stopped_early = false;
    for it in 1..=cfg.iterations {
        let t = std::time::Instant::now();
        let user_breakdown = be.half_step(Side::Users, train, &mut factors, cfg)?;
        let user_step_s = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let item_breakdown = be.half_step(Side::Items, train, &mut factors, cfg)?;
        let item_step_s = t.elapsed().as_secs_f64();
        let evaluate = it % cfg.eval.every == 0 || it == cfg.iterations;
        if cfg.compute_objective || (evaluate && test.is_some()) {
            be.fetch(&mut factors)?;
        }
        let (objective, objective_s) = if cfg.compute_objective {
            let t = std::time::Instant::now();
            let o = be.objective(train, &factors, cfg)?;
            (Some(o), Some(t.elapsed().as_secs_f64()))
        } else {
            (None, None)
        };
        let (metrics, eval_s) = match (test, evaluate) {
            (Some(t), true) => {
                let tt = std::time::Instant::now();
                let m = eval_pool.install(|| {
                    crate::cpu::metrics::evaluate(&factors, &train.csr, &t.csr, cfg, eval_users.as_deref())
                });
                (Some(m), Some(tt.elapsed().as_secs_f64()))
            }
            _ => (None, None),
        };
        let log = IterationLog {
            iteration: it,
            user_step_s,
            item_step_s,
            iteration_s: user_step_s + item_step_s,
            objective,
            objective_s,
            test: metrics.clone(),
            eval_s,
            user_breakdown,
            item_breakdown,
        };
        on_iteration(&log);
        logs.push(log);
        if let (Some(es), Some((v, higher))) = (cfg.early_stopping, metrics.as_ref().and_then(|m| m.monitored())) {
            let improved = match &best {
                None => true,
                Some((b, _, _)) => {
                    if higher {
                        v > b + es.min_delta
                    } else {
                        v < b - es.min_delta
                    }
                }
            };
            if improved {
                best = Some((v, it, factors.clone()));
                since_best = 0;
            } else {
                since_best += 1;
                if since_best >= es.patience {
                    stopped_early = it < cfg.iterations;
                    break;
                }
            }
        }
    }
    be.fetch(&mut factors)?;
    let best_iteration = best.as_ref().map(|b| b.1);
    if let Some((_, _, fb)) = best {
        factors = fb;
    }
    Ok(TrainReport {
        config: cfg.clone(),
        backend: be.name(),
        n_users: nu,
        n_items: ni,
        nnz: train.nnz(),
        iterations: logs,
        best_iteration,
        stopped_early,
        total_s: t_all.elapsed().as_secs_f64(),
        factors: Some(factors),
    })
}
