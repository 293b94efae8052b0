//! Evaluation from Python: ranking metrics at k (`rustmf::cpu::metrics`, what `rustmf eval` and the
//! training driver report) and the per-user random hold-out of `rustmf train --test-fraction`.

use numpy::PyReadonlyArray2;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rustmf::cpu::metrics::{eval_users, ranking_metrics as metrics_at_k};
use rustmf::model::Factors;

use crate::arrays::{csr_to_numpy, matrix, CsrArrays};
use crate::errors::{bad_input, failed};

/// Precision, recall, MAP, NDCG and coverage at `k` as a JSON object: means over the users with a
/// positive test entry, recommending to each the top k of the items not in their training row.
#[pyfunction]
pub fn ranking_metrics<'py>(
    py: Python<'py>,
    user_factors: PyReadonlyArray2<'py, f32>,
    item_factors: PyReadonlyArray2<'py, f32>,
    train_user_items: CsrArrays<'py>,
    test_user_items: CsrArrays<'py>,
    k: usize,
) -> PyResult<String> {
    let factors = Factors {
        users: matrix(&user_factors, "user_factors").map_err(bad_input)?,
        items: matrix(&item_factors, "item_factors").map_err(bad_input)?,
    };
    let train = train_user_items.to_csr(py, "train_user_items").map_err(bad_input)?;
    let test = test_user_items.to_csr(py, "test_user_items").map_err(bad_input)?;
    let shape = (factors.users.rows, factors.items.rows);
    for (what, m) in [("train_user_items", &train), ("test_user_items", &test)] {
        if (m.rows(), m.cols()) != shape {
            return Err(bad_input(anyhow::anyhow!(
                "{what} is {}×{}, the model has {}×{} users×items",
                m.rows(),
                m.cols(),
                shape.0,
                shape.1
            )));
        }
    }
    if k == 0 {
        return Err(bad_input(anyhow::anyhow!("K must be at least 1")));
    }
    let metrics = py.detach(|| {
        let users = eval_users(&test, None, 0);
        metrics_at_k(&factors, &train, &test, k, &users)
    });
    serde_json::to_string(&metrics).map_err(|e| failed(e.into()))
}

/// Per-user random hold-out: `round(test_fraction × n)` of each user's n interactions (at most
/// n − 1) go to test, seeded: (train (indptr, indices, data), test (indptr, indices, data)).
#[pyfunction]
pub fn holdout<'py>(
    py: Python<'py>,
    user_items: CsrArrays<'py>,
    test_fraction: f64,
    seed: u64,
) -> PyResult<(Bound<'py, PyTuple>, Bound<'py, PyTuple>)> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(bad_input(anyhow::anyhow!("the test fraction must be in (0, 1), got {test_fraction}")));
    }
    let data = user_items.to_interactions(py, "ratings").map_err(bad_input)?;
    let (train, test) = py.detach(|| rustmf::data::input::holdout(data, test_fraction, seed)).map_err(failed)?;
    Ok((csr_to_numpy(py, &train.csr)?, csr_to_numpy(py, &test.csr)?))
}
