//! The training driver: [`train`] runs ALS on a [`Backend`] (built by [`make_backend`]), evaluates
//! on a test set with the CPU backend's metrics, and reports per-iteration times. [`grid`] is the
//! training benchmark over lists of settings.

mod factory;
pub mod gpu_memory;
pub mod grid;
mod progress;
mod summary;

pub use factory::{make_backend, Backend};
pub use progress::{progress, progress_bar, progress_lines, LINE_INTERVAL};
pub use summary::summary_text;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::cpu::metrics;
use crate::cpu::thread_pool;
use crate::data::Interactions;
use crate::model::{init_factors, AlsConfig, Breakdown, Factors, Metrics, Side};

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
    /// From the call to the backend ready to iterate: opening it and, on a GPU, uploading the
    /// data and the start factors (or copying the streamed rows to page-locked memory).
    #[serde(default)]
    pub setup_s: f64,
    /// The part of `setup_s` that opened the backend (on a GPU: the context and the kernels).
    #[serde(default)]
    pub open_s: f64,
    /// From the call to the end of the first iteration (what a user waits before training shows
    /// progress), and to the end.
    #[serde(default)]
    pub first_iteration_s: f64,
    pub total_s: f64,
    /// GPU: the compute stream's time in the half-steps (CUDA events), added up. Over `total_s`,
    /// the share of the wall time the GPU had ALS work: the rest is set-up, evaluation and the
    /// host between half-steps. A wait for a streamed batch inside a half-step counts as work; the
    /// copies' own time is each half-step's `copy_s`.
    #[serde(default)]
    pub gpu_half_steps_s: Option<f64>,
    #[serde(skip)]
    pub factors: Option<Factors>,
}

impl TrainReport {
    /// GPU: `gpu_half_steps_s` over the wall time from the call to the end.
    pub fn gpu_busy_fraction(&self) -> Option<f64> {
        self.gpu_half_steps_s.filter(|_| self.total_s > 0.0).map(|busy| busy / self.total_s)
    }
}

/// Train ALS factors on `train`, evaluating on `test` (when given) per [`EvalConfig`].
pub fn train(
    train: &Interactions,
    test: Option<&Interactions>,
    cfg: &AlsConfig,
    backend: Backend,
) -> Result<TrainReport> {
    train_with(train, test, cfg, backend, None, &mut |_| Ok(()))
}

/// [`train`] with an optional start point and a callback after each iteration (progress bars);
/// an error from the callback stops training and is returned.
pub fn train_with(
    train: &Interactions,
    test: Option<&Interactions>,
    cfg: &AlsConfig,
    backend: Backend,
    init: Option<Factors>,
    on_iteration: &mut dyn FnMut(&IterationLog) -> Result<()>,
) -> Result<TrainReport> {
    cfg.validate()?;
    let t_all = std::time::Instant::now();
    let mut be = make_backend(backend)?;
    let open_s = t_all.elapsed().as_secs_f64();
    let threads = match backend {
        Backend::Cpu { threads } => threads,
        _ => 0,
    };
    let eval_pool = thread_pool(threads)?;
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
    let eval_users = test.map(|t| metrics::eval_users(&t.csr, cfg.eval.max_users, cfg.seed));
    be.begin(train, test, &factors, cfg)?;
    let setup_s = t_all.elapsed().as_secs_f64();
    let mut first_iteration_s = setup_s;
    let mut gpu_half_steps_s = matches!(backend, Backend::Gpu { .. }).then_some(0.0);
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
        if it == 1 {
            first_iteration_s = t_all.elapsed().as_secs_f64();
        }
        if let Some(busy) = &mut gpu_half_steps_s {
            *busy +=
                [&user_breakdown, &item_breakdown].iter().filter_map(|b| b.as_ref()).map(|b| b.total_s).sum::<f64>();
        }
        let evaluate = it % cfg.eval.every == 0 || it == cfg.iterations;
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
                let on_backend = if cfg.implicit { None } else { be.test_rmse_mae()? };
                let m = match on_backend {
                    Some((rmse, mae)) => Metrics { rmse: Some(rmse), mae: Some(mae), ..Metrics::default() },
                    None => {
                        be.fetch(&mut factors)?;
                        eval_pool
                            .install(|| metrics::evaluate(&factors, &train.csr, &t.csr, cfg, eval_users.as_deref()))
                    }
                };
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
        on_iteration(&log)?;
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
                be.fetch(&mut factors)?;
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
        setup_s,
        open_s,
        first_iteration_s,
        total_s: t_all.elapsed().as_secs_f64(),
        gpu_half_steps_s,
        factors: Some(factors),
    })
}
