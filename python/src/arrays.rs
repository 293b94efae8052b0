//! numpy arrays in and out: a CSR matrix given as (indptr, indices, data) checked entry by entry
//! into rustmf's [`Interactions`], dense factor matrices into [`Matrix`], and results back.
//!
//! The Python side passes canonical scipy CSR arrays (`indptr` int64, `indices` int32, `data`
//! float32, rows sorted, no duplicates) as views, without copies when the caller's matrix already
//! has that layout; the one copy is into rustmf's own CSR + CSC, which training needs both of.

use anyhow::{bail, ensure, Context, Result};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use rustmf::data::{Csr, IdMap, Interactions};
use rustmf::model::Matrix;

/// A float32 matrix handed to Python.
pub type PyMatrix<'py> = Bound<'py, PyArray2<f32>>;
/// A trained model's parts handed to Python: user factors, item factors, the rest.
pub type PyModelParts<'py, M> = (PyMatrix<'py>, PyMatrix<'py>, M);

/// A CSR matrix as numpy views.
#[derive(FromPyObject)]
pub struct CsrArrays<'py> {
    pub indptr: PyReadonlyArray1<'py, i64>,
    pub indices: PyReadonlyArray1<'py, i32>,
    pub data: PyReadonlyArray1<'py, f32>,
    pub n_cols: usize,
}

impl CsrArrays<'_> {
    /// The checked CSR matrix (`what` names it in errors: "user_items", "test_user_items"),
    /// checked and copied without the GIL.
    pub fn to_csr(&self, py: Python<'_>, what: &str) -> Result<Csr> {
        let indptr = contiguous(&self.indptr, what, "indptr")?;
        let indices = contiguous(&self.indices, what, "indices")?;
        let data = contiguous(&self.data, what, "data")?;
        let n_cols = self.n_cols;
        py.detach(|| csr(indptr, indices, data, n_cols)).with_context(|| format!("{what} is not a valid CSR matrix"))
    }

    /// [`CsrArrays::to_csr`] with identity id maps, and its column-major copy.
    pub fn to_interactions(&self, py: Python<'_>, what: &str) -> Result<Interactions> {
        let rows = self.to_csr(py, what)?;
        Ok(py.detach(|| Interactions::from_csr(rows, IdMap::Identity, IdMap::Identity)))
    }
}

/// The column indices of a CSR matrix's rows, without values: what a query row leaves out.
#[derive(Clone, Copy)]
pub struct CsrPattern<'a> {
    indptr: &'a [i64],
    indices: &'a [i32],
}

impl<'a> CsrPattern<'a> {
    /// Row `r`'s column indices, as given (the caller checks their order and range).
    pub fn row(&self, r: usize) -> &'a [i32] {
        &self.indices[self.indptr[r] as usize..self.indptr[r + 1] as usize]
    }
}

impl CsrArrays<'_> {
    /// The pattern of a `rows` × `n_cols` CSR matrix, its indptr checked (the rows' indices are
    /// checked where they are read).
    pub fn pattern(&self, what: &str, rows: usize, n_cols: usize) -> Result<CsrPattern<'_>> {
        let indptr = contiguous(&self.indptr, what, "indptr")?;
        let indices = contiguous(&self.indices, what, "indices")?;
        ensure!(
            indptr.len() == rows + 1 && self.n_cols == n_cols,
            "{what} is {}×{}, it needs one row per query ({rows}) and one column per item ({n_cols})",
            indptr.len().saturating_sub(1),
            self.n_cols
        );
        check_indptr(indptr, indices.len()).with_context(|| format!("{what} is not a valid CSR matrix"))?;
        Ok(CsrPattern { indptr, indices })
    }
}

fn check_indptr(indptr: &[i64], nnz: usize) -> Result<()> {
    ensure!(!indptr.is_empty(), "indptr is empty (it needs n_rows + 1 entries)");
    ensure!(indptr[0] == 0, "indptr[0] is {}, must be 0", indptr[0]);
    let n_rows = indptr.len() - 1;
    ensure!(
        indptr[n_rows] >= 0 && indptr[n_rows] as usize == nnz,
        "indptr[{n_rows}] is {}, but there are {nnz} entries",
        indptr[n_rows]
    );
    if let Some(row) = indptr.windows(2).position(|w| w[0] > w[1]) {
        bail!("indptr decreases at row {row} ({} > {})", indptr[row], indptr[row + 1]);
    }
    Ok(())
}

fn contiguous<'a, T: numpy::Element>(a: &'a PyReadonlyArray1<'_, T>, what: &str, part: &str) -> Result<&'a [T]> {
    a.as_slice().map_err(|_| anyhow::anyhow!("{what}.{part} is not a contiguous array"))
}

fn csr(indptr: &[i64], indices: &[i32], data: &[f32], n_cols: usize) -> Result<Csr> {
    ensure!(indices.len() == data.len(), "{} indices but {} values", indices.len(), data.len());
    check_indptr(indptr, indices.len())?;
    let n_rows = indptr.len() - 1;
    ensure!(n_cols < u32::MAX as usize, "{n_cols} columns: at most {} are supported", u32::MAX - 1);
    for row in 0..n_rows {
        let (start, end) = (indptr[row], indptr[row + 1]);
        let cols = &indices[start as usize..end as usize];
        for (j, &col) in cols.iter().enumerate() {
            let at = start as usize + j;
            if col < 0 || col as usize >= n_cols {
                bail!("row {row}: column {col} is out of range (0..{n_cols})");
            }
            if j > 0 && cols[j - 1] >= col {
                bail!("row {row}: columns are not sorted ascending without duplicates ({} then {col})", cols[j - 1]);
            }
            if !data[at].is_finite() {
                bail!("row {row}, column {col}: the value is {} (values must be finite)", data[at]);
            }
        }
    }
    let indptr: Vec<usize> = indptr.iter().map(|&p| p as usize).collect();
    let indices: Vec<u32> = indices.iter().map(|&i| i as u32).collect();
    Csr::try_new((n_rows, n_cols), indptr, indices, data.to_vec()).map_err(|e| anyhow::anyhow!("{}", e.3))
}

/// A dense row-major f32 matrix, checked finite (`what` names it in errors).
pub fn matrix(a: &PyReadonlyArray2<'_, f32>, what: &str) -> Result<Matrix> {
    let shape = a.shape();
    let (rows, cols) = (shape[0], shape[1]);
    let values = a.as_slice().map_err(|_| anyhow::anyhow!("{what} is not a C-contiguous array"))?;
    if let Some(p) = values.iter().position(|v| !v.is_finite()) {
        bail!("{what}[{}, {}] is {} (factors must be finite)", p / cols.max(1), p % cols.max(1), values[p]);
    }
    Matrix::from_vec(rows, cols, values.to_vec())
}

/// A [`Matrix`] as a numpy array, without copying its values.
pub fn to_numpy<'py>(py: Python<'py>, m: Matrix) -> PyResult<PyMatrix<'py>> {
    PyArray1::from_vec(py, m.data).reshape([m.rows, m.cols])
}

/// A CSR matrix as numpy arrays (indptr int64, indices int32, data float32).
pub fn csr_to_numpy<'py>(py: Python<'py>, m: &Csr) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
    let indptr: Vec<i64> = m.indptr().raw_storage().iter().map(|&p| p as i64).collect();
    let indices: Vec<i32> = m.indices().iter().map(|&i| i as i32).collect();
    let arrays =
        (PyArray1::from_vec(py, indptr), PyArray1::from_vec(py, indices), PyArray1::from_vec(py, m.data().to_vec()));
    arrays.into_pyobject(py)
}
