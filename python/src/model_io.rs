//! `Model`: what a model folder holds besides the factors — the training settings and summary
//! (`model.json`), the original ids, the items each training user has seen — and its folder,
//! written as a whole and checksummed (`rustmf::io::save_model`), so a model trained in Python
//! and one trained by `rustmf train --out` are the same kind of folder.
//!
//! The factors live in numpy arrays on the Python side (users may replace them, as in
//! `implicit`); `save` takes them back.

use std::path::PathBuf;

use numpy::{PyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use rustmf::data::IdMap;
use rustmf::model::{Factors, Matrix, TrainedModel};

use crate::arrays::{matrix, to_numpy, PyModelParts};
use crate::errors::{bad_input, failed};

#[pyclass(module = "rustmf._rustmf")]
pub struct Model {
    /// Factors held as 0×0: the Python side holds them.
    inner: TrainedModel,
}

impl Model {
    /// Split `model` into its factors (for numpy) and the rest.
    pub fn split<'py>(py: Python<'py>, mut model: TrainedModel) -> PyResult<PyModelParts<'py, Model>> {
        let empty = Factors { users: Matrix::zeros(0, 0), items: Matrix::zeros(0, 0) };
        let factors = std::mem::replace(&mut model.factors, empty);
        Ok((to_numpy(py, factors.users)?, to_numpy(py, factors.items)?, Model { inner: model }))
    }
}

#[pymethods]
impl Model {
    /// `model.json` as a JSON string: shape, settings, data fingerprint, training summary.
    #[getter]
    fn info_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner.info).map_err(|e| failed(e.into()))
    }

    /// The original user ids in row order (None where they are the row numbers).
    #[getter]
    fn user_ids(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        ids(py, &self.inner.users)
    }

    /// The original item ids in row order (None where they are the row numbers).
    #[getter]
    fn item_ids(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        ids(py, &self.inner.items)
    }

    /// The items each training user interacted with: (indptr int64, indices int32).
    #[getter]
    fn seen<'py>(&self, py: Python<'py>) -> (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i32>>) {
        let seen = &self.inner.seen;
        (
            PyArray1::from_vec(py, seen.indptr.iter().map(|&p| p as i64).collect()),
            PyArray1::from_vec(py, seen.items.iter().map(|&i| i as i32).collect()),
        )
    }

    /// The row of the user with original id `id` (given as text).
    fn user_index(&self, id: &str) -> PyResult<usize> {
        self.inner.user_index(id).map_err(|e| pyo3::exceptions::PyKeyError::new_err(format!("{e:#}")))
    }

    /// The row of the item with original id `id` (given as text).
    fn item_index(&self, id: &str) -> PyResult<usize> {
        self.inner.item_index(id).map_err(|e| pyo3::exceptions::PyKeyError::new_err(format!("{e:#}")))
    }

    /// Write the model folder `path` with these factors, replacing a folder already there as a whole.
    fn save(
        &self,
        py: Python<'_>,
        path: PathBuf,
        user_factors: PyReadonlyArray2<'_, f32>,
        item_factors: PyReadonlyArray2<'_, f32>,
    ) -> PyResult<()> {
        let factors = Factors {
            users: matrix(&user_factors, "user_factors").map_err(bad_input)?,
            items: matrix(&item_factors, "item_factors").map_err(bad_input)?,
        };
        let model = TrainedModel { factors, ..self.inner.clone() };
        model.validate().map_err(bad_input)?;
        py.detach(|| rustmf::io::save_model(&path, &model)).map_err(failed)
    }
}

fn ids(py: Python<'_>, map: &IdMap) -> PyResult<Option<Py<PyAny>>> {
    Ok(match map {
        IdMap::Identity => None,
        IdMap::Integer(ids) => Some(PyArray1::from_slice(py, ids).into_any().unbind()),
        IdMap::String(ids) => Some(ids.clone().into_pyobject(py)?.into_any().unbind()),
    })
}

/// Read the model folder `path` (checked against its manifest): (user_factors, item_factors, Model).
#[pyfunction]
pub fn load_model(py: Python<'_>, path: PathBuf) -> PyResult<PyModelParts<'_, Model>> {
    let model = py.detach(|| rustmf::io::load_model(&path)).map_err(failed)?;
    Model::split(py, model)
}
