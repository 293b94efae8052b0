//! `Scorer`: the top-k items for query rows over fixed item factors, on one of rustmf's scorers
//! (`rustmf recommend --backend`: cpu1, cpu-mt, gpu-fused, gpu-sgemm, ...), kept open between calls
//! so that the item factors stay on the GPU.

use std::sync::Mutex;

use anyhow::{ensure, Result};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use rustmf::infer::{Exclusions, TopK};
use rustmf::serve::{make_scorer, ScorerBackend, SCORE_BATCH_ROWS};

use crate::arrays::{matrix, CsrArrays, CsrPattern};
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
        let liked = match &exclude {
            Some(e) => Some(e.pattern("user_items", queries.rows, self.n_items).map_err(bad_input)?),
            None => None,
        };
        let mut filter = match &filter_items {
            Some(f) => self.item_list(f).map_err(bad_input)?,
            None => Vec::new(),
        };
        filter.sort_unstable();
        filter.dedup();
        let (items, scores) = py
            .detach(|| -> Result<(Vec<i64>, Vec<f32>)> {
                let mut scorer =
                    self.inner.lock().map_err(|_| anyhow::anyhow!("the scorer was poisoned by a panic"))?;
                let (f, n) = (queries.cols, queries.rows);
                let (mut items, mut scores) = (Vec::with_capacity(n * k), Vec::with_capacity(n * k));
                for start in (0..n).step_by(SCORE_BATCH_ROWS) {
                    let rows = start..(start + SCORE_BATCH_ROWS).min(n);
                    let exclusions = batch_exclusions(rows.clone(), liked, &filter, self.n_items)?;
                    let top = scorer.top_k(&queries.data[rows.start * f..rows.end * f], exclusions.as_ref(), k)?;
                    append(&top, &mut items, &mut scores);
                }
                Ok((items, scores))
            })
            .map_err(|e| if e.is::<BadRow>() { bad_input(e) } else { failed(e) })?;
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

/// A row of `user_items` that is not sorted ascending without duplicates, or names an item out of range.
#[derive(Debug, thiserror::Error)]
#[error("user_items row {row}: {what}")]
struct BadRow {
    row: usize,
    what: String,
}

/// What query rows `rows` leave out: row r's items in `liked` (a CSR pattern with one row per query)
/// and every item of `filter` (sorted, distinct); `None` when nothing is left out, so that the
/// scorer runs as `rustmf infer-bench` does without exclusions.
fn batch_exclusions(
    rows: std::ops::Range<usize>,
    liked: Option<CsrPattern<'_>>,
    filter: &[u32],
    n_items: usize,
) -> Result<Option<Exclusions>> {
    if liked.is_none() && filter.is_empty() {
        return Ok(None);
    }
    let mut e = Exclusions { indptr: Vec::with_capacity(rows.len() + 1), items: Vec::new() };
    e.indptr.push(0);
    for r in rows {
        let row = liked.map(|p| p.row(r)).unwrap_or(&[]);
        for (j, &c) in row.iter().enumerate() {
            if c < 0 || c as usize >= n_items {
                return Err(BadRow { row: r, what: format!("item {c} is out of range (0..{n_items})") }.into());
            }
            if j > 0 && row[j - 1] >= c {
                let what = format!("items are not sorted ascending without duplicates ({} then {c})", row[j - 1]);
                return Err(BadRow { row: r, what }.into());
            }
        }
        let (mut a, mut b) = (0, 0);
        while a < row.len() || b < filter.len() {
            let x = row.get(a).map(|&c| c as u32);
            let y = filter.get(b).copied();
            let next = match (x, y) {
                (Some(x), Some(y)) if x == y => {
                    a += 1;
                    b += 1;
                    x
                }
                (Some(x), Some(y)) if x < y => {
                    a += 1;
                    x
                }
                (Some(x), None) => {
                    a += 1;
                    x
                }
                (_, Some(y)) => {
                    b += 1;
                    y
                }
                (None, None) => unreachable!("the loop runs while either list has items"),
            };
            e.items.push(next);
        }
        let end =
            u32::try_from(e.items.len()).map_err(|_| anyhow::anyhow!("more than 2^32 excluded items in a batch"))?;
        e.indptr.push(end);
    }
    Ok(Some(e))
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
