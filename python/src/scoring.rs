//! `Scorer`: the top-k items for query rows over fixed item factors, on one of rustmf's scorers
//! (`rustmf recommend --backend`: cpu1, cpu-mt, gpu-fused, gpu-sgemm, ...), kept open between calls
//! so that the item factors stay on the GPU.

use std::sync::Mutex;

use anyhow::{ensure, Result};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use rustmf::data::Csr;
use rustmf::infer::{Exclusions, TopK};
use rustmf::serve::{make_scorer, ScorerBackend, SCORE_BATCH_ROWS};

use crate::arrays::{matrix, CsrArrays};
use crate::errors::{bad_input, failed};

/// (items int64 B × k, scores float32 B × k).
type TopKArrays<'py> = (Bound<'py, PyArray2<i64>>, Bound<'py, PyArray2<f32>>);

#[pyclass(module = "rustmf._rustmf")]
pub struct Scorer {
    inner: Mutex<Box<dyn rustmf::infer::Scorer>>,
    n_items: usize,
    #[pyo3(get)]
    backend: String,
}

#[pymethods]
impl Scorer {
    /// A scorer of `backend` over `item_factors` (n_items × f); `threads` for cpu-mt (0: all cores).
    #[new]
    #[pyo3(signature = (item_factors, backend, threads=0))]
    fn new(py: Python<'_>, item_factors: PyReadonlyArray2<'_, f32>, backend: &str, threads: usize) -> PyResult<Self> {
        let items = matrix(&item_factors, "item_factors").map_err(bad_input)?;
        let kind = ScorerBackend::from_name(backend).map_err(bad_input)?;
        let inner = py.detach(|| make_scorer(kind, &items, threads, rustmf::kernels::PTX)).map_err(failed)?;
        Ok(Scorer { inner: Mutex::new(inner), n_items: items.rows, backend: kind.name().to_string() })
    }

    /// The best `k` items of each query row (row-major B × f), best first: (items int64 B × k,
    /// scores float32 B × k), item −1 and score −inf where a row has fewer than k candidates.
    /// Row r leaves out the items of row r of `exclude` (a CSR matrix with B rows, e.g. what each
    /// user already liked) and every item of `filter_items`.
    #[pyo3(signature = (queries, k, exclude=None, filter_items=None))]
    fn top_k<'py>(
        &self,
        py: Python<'py>,
        queries: PyReadonlyArray2<'py, f32>,
        k: usize,
        exclude: Option<CsrArrays<'py>>,
        filter_items: Option<PyReadonlyArray1<'py, i64>>,
    ) -> PyResult<TopKArrays<'py>> {
        rustmf::infer::check_k(k).map_err(bad_input)?;
        let queries = matrix(&queries, "queries").map_err(bad_input)?;
        let exclude = match &exclude {
            Some(e) => Some(e.to_csr("user_items").map_err(bad_input)?),
            None => None,
        };
        let filter = match &filter_items {
            Some(f) => self.item_list(f).map_err(bad_input)?,
            None => Vec::new(),
        };
        if let Some(e) = &exclude {
            check_exclude(e, queries.rows, self.n_items).map_err(bad_input)?;
        }
        let (items, scores) = py
            .detach(|| -> Result<(Vec<i64>, Vec<f32>)> {
                let mut scorer =
                    self.inner.lock().map_err(|_| anyhow::anyhow!("the scorer was poisoned by a panic"))?;
                let (f, n) = (queries.cols, queries.rows);
                let (mut items, mut scores) = (Vec::with_capacity(n * k), Vec::with_capacity(n * k));
                for start in (0..n).step_by(SCORE_BATCH_ROWS) {
                    let rows = start..(start + SCORE_BATCH_ROWS).min(n);
                    let lists: Vec<Vec<u32>> = rows
                        .clone()
                        .map(|r| {
                            let mut row: Vec<u32> = filter.clone();
                            if let Some(e) = &exclude {
                                row.extend_from_slice(&e.indices()[e.indptr().outer_inds_sz(r)]);
                            }
                            row
                        })
                        .collect();
                    let exclusions = Exclusions::from_lists(&lists)?;
                    let top = scorer.top_k(&queries.data[rows.start * f..rows.end * f], Some(&exclusions), k)?;
                    append(&top, &mut items, &mut scores);
                }
                Ok((items, scores))
            })
            .map_err(failed)?;
        let n = queries.rows;
        Ok((PyArray1::from_vec(py, items).reshape([n, k])?, PyArray1::from_vec(py, scores).reshape([n, k])?))
    }
}

impl Scorer {
    fn item_list(&self, items: &PyReadonlyArray1<'_, i64>) -> Result<Vec<u32>> {
        let items = items.as_slice().map_err(|_| anyhow::anyhow!("filter_items is not a contiguous array"))?;
        items
            .iter()
            .map(|&i| {
                ensure!(
                    i >= 0 && (i as usize) < self.n_items,
                    "filter_items: item {i} is out of range (0..{})",
                    self.n_items
                );
                Ok(i as u32)
            })
            .collect()
    }
}

fn check_exclude(e: &Csr, queries: usize, n_items: usize) -> Result<()> {
    ensure!(
        e.rows() == queries && e.cols() == n_items,
        "user_items is {}×{}, it needs one row per query ({queries}) and one column per item ({n_items})",
        e.rows(),
        e.cols()
    );
    Ok(())
}

/// Row by row, k slots each: the valid entries, then −1 / −inf.
fn append(top: &TopK, items: &mut Vec<i64>, scores: &mut Vec<f32>) {
    for r in 0..top.rows() {
        let valid = top.row_items(r).len();
        items.extend(top.row_items(r).iter().map(|&i| i as i64));
        scores.extend_from_slice(top.row_scores(r));
        items.extend(std::iter::repeat_n(-1, top.k - valid));
        scores.extend(std::iter::repeat_n(f32::NEG_INFINITY, top.k - valid));
    }
}
