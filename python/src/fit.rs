//! Training from Python: `fit` (ALS through `rustmf::train`, on the CPU or GPU 0), `init_factors`
//! (the CLI's seeded start point) and `fold_in` (users' factors from fixed item factors).

use anyhow::{ensure, Result};
use numpy::PyReadonlyArray2;
use pyo3::prelude::*;
use rustmf::data::Interactions;
use rustmf::model::{AlsConfig, Confidence, EvalConfig, Factors, Hermitian, SplitRecord, TrainedModel};
use rustmf::train::grid::{Device, SolverChoice};
use rustmf::train::{train_with, Backend, IterationLog};

use crate::arrays::{matrix, to_numpy, CsrArrays, PyMatrix, PyModelParts};
use crate::errors::{bad_input, failed};
use crate::model_io::Model;

/// A model's settings, as the Python classes hold them (a dict with these keys).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct Settings {
    factors: usize,
    iterations: usize,
    regularization: f32,
    alpha: f32,
    implicit: bool,
    /// "linear" (c = 1 + αr), "log" (c = 1 + α log(1 + r/eps)) or "implicit" (c = αr).
    confidence: String,
    eps: f32,
    /// A solver name of `rustmf train --solver`: cholesky, lu, cg, cublas-lu, cg-mf, ...
    solver: String,
    cg_steps: usize,
    /// "cpu" or "gpu" (GPU 0).
    device: String,
    threads: usize,
    /// A get_hermitian version of `rustmf train --hermitian` (v1–v9, cublas); None: the default.
    hermitian: Option<String>,
    fp16: bool,
    seed: u64,
    calculate_training_loss: bool,
    /// GPU memory training may use, in bytes (None: what is free); see `rustmf train --gpu-memory`.
    gpu_memory: Option<usize>,
}

impl Settings {
    fn config(&self) -> Result<AlsConfig> {
        let confidence = match self.confidence.as_str() {
            "linear" => Confidence::Linear,
            "log" => Confidence::Log { eps: self.eps },
            "implicit" => Confidence::Proportional,
            other => anyhow::bail!("confidence must be 'linear', 'log' or 'implicit', got {other:?}"),
        };
        let solver = SolverChoice::from_name(&self.solver, self.cg_steps, None)?;
        let config = AlsConfig {
            factors: self.factors,
            iterations: self.iterations,
            lambda: self.regularization,
            implicit: self.implicit,
            alpha: self.alpha,
            confidence,
            solver: solver.solver,
            seed: self.seed,
            compute_objective: self.calculate_training_loss,
            eval: EvalConfig::default(),
            early_stopping: None,
            ..AlsConfig::default()
        };
        config.validate()?;
        Ok(config)
    }

    /// The backend for training on `train`.
    fn backend(&self, train: &Interactions) -> Result<Backend> {
        let solver = SolverChoice::from_name(&self.solver, self.cg_steps, None)?.for_data(
            train.n_users(),
            train.n_items(),
            train.nnz(),
            self.factors,
        );
        let hermitian = match &self.hermitian {
            Some(v) => v.parse::<Hermitian>().map_err(|e| anyhow::anyhow!("hermitian: {e}"))?,
            None => Hermitian::DEFAULT,
        };
        let device = match self.device.as_str() {
            "cpu" => Device::Cpu,
            "gpu" => Device::Gpu {
                fp16: self.fp16,
                batch_rows: None,
                gpu_memory: self.gpu_memory,
                kernels: rustmf::kernels::PTX,
            },
            other => anyhow::bail!("device must be 'cpu' or 'gpu', got {other:?}"),
        };
        device.backend(self.threads, hermitian, solver)
    }
}

/// Train on `user_items`; returns (user_factors, item_factors, the [`Model`] with the settings,
/// the training report and the items each user has seen).
/// `callback(iteration, seconds, loss)` runs after every iteration (0-based, as in `implicit`);
/// an exception it raises, or Ctrl-C, stops training and is raised here.
#[pyfunction]
#[pyo3(signature = (user_items, settings, user_factors=None, item_factors=None, callback=None))]
pub fn fit<'py>(
    py: Python<'py>,
    user_items: CsrArrays<'py>,
    settings: Settings,
    user_factors: Option<PyReadonlyArray2<'py, f32>>,
    item_factors: Option<PyReadonlyArray2<'py, f32>>,
    callback: Option<Py<PyAny>>,
) -> PyResult<PyModelParts<'py, Model>> {
    let train = user_items.to_interactions(py, "user_items").map_err(bad_input)?;
    let config = settings.config().map_err(bad_input)?;
    let backend = settings.backend(&train).map_err(bad_input)?;
    let init = match (user_factors, item_factors) {
        (None, None) => None,
        (Some(u), Some(i)) => {
            let start = Factors {
                users: matrix(&u, "user_factors").map_err(bad_input)?,
                items: matrix(&i, "item_factors").map_err(bad_input)?,
            };
            check_start(&start, train.n_users(), train.n_items(), config.factors).map_err(bad_input)?;
            Some(start)
        }
        _ => return Err(bad_input(anyhow::anyhow!("give both user_factors and item_factors, or neither"))),
    };
    let mut stopped_by: Option<PyErr> = None;
    let result = py.detach(|| {
        let mut on_iteration = |log: &IterationLog| -> Result<()> {
            Python::attach(|py| {
                let step = py.check_signals().and_then(|()| match &callback {
                    Some(cb) => cb.call1(py, (log.iteration - 1, log.iteration_s, log.objective)).map(drop),
                    None => Ok(()),
                });
                step.map_err(|e| {
                    stopped_by = Some(e);
                    anyhow::anyhow!("stopped after iteration {} by the Python side", log.iteration)
                })
            })
        };
        train_with(&train, None, &config, backend, init, &mut on_iteration)
    });
    if let Some(e) = stopped_by {
        return Err(e);
    }
    let mut report = result.map_err(failed)?;
    let factors = report.factors.take().ok_or_else(|| failed(anyhow::anyhow!("training returned no factors")))?;
    let summary = serde_json::to_value(&report).map_err(|e| failed(e.into()))?;
    let model = TrainedModel::new(factors, &train, "python", &config, SplitRecord::None, summary).map_err(failed)?;
    Model::split(py, model)
}

fn check_start(start: &Factors, n_users: usize, n_items: usize, f: usize) -> Result<()> {
    for (what, m, rows) in [("user_factors", &start.users, n_users), ("item_factors", &start.items, n_items)] {
        ensure!(
            (m.rows, m.cols) == (rows, f),
            "{what} is {}×{}, the model needs {rows}×{f} (rows of user_items × factors)",
            m.rows,
            m.cols
        );
    }
    Ok(())
}

/// rustmf's start point for `seed` (what `rustmf train --seed` starts from): (users, items).
#[pyfunction]
pub fn init_factors(
    py: Python<'_>,
    n_users: usize,
    n_items: usize,
    factors: usize,
    seed: u64,
) -> PyResult<(PyMatrix<'_>, PyMatrix<'_>)> {
    let start = rustmf::model::init_factors(n_users, n_items, factors, seed, AlsConfig::default().init_scale);
    Ok((to_numpy(py, start.users)?, to_numpy(py, start.items)?))
}

/// The factors of the users whose interactions are the rows of `user_items`, solved exactly
/// against the fixed `item_factors` with the model's settings (CPU, all cores).
#[pyfunction]
pub fn fold_in<'py>(
    py: Python<'py>,
    item_factors: PyReadonlyArray2<'py, f32>,
    user_items: CsrArrays<'py>,
    settings: Settings,
) -> PyResult<PyMatrix<'py>> {
    let items = matrix(&item_factors, "item_factors").map_err(bad_input)?;
    let rows = user_items.to_csr(py, "user_items").map_err(bad_input)?;
    let config = settings.config().map_err(bad_input)?;
    let users: Vec<rustmf::cpu::als::UserRow> =
        rows.outer_iterator().map(|row| row.iter().map(|(i, &v)| (i as u32, v)).collect()).collect();
    let solved = py.detach(|| rustmf::cpu::als::fold_in(&items, &users, &config, settings.threads)).map_err(failed)?;
    to_numpy(py, solved)
}
