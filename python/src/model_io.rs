//! `Model`: what a model folder holds besides the factors — the training settings and summary
//! (`model.json`), the original ids, the items each training user has seen — and its folder,
//! written as a whole and checksummed (`rustmf::io::save_model`), so a model trained in Python
//! and one trained by `rustmf train --out` are the same kind of folder.
//!
//! The factors live in numpy arrays on the Python side (users may replace them, as in
//! `implicit`); `save` takes them back.

use std::path::PathBuf;

use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use rustmf::data::IdMap;
use rustmf::model::{Factors, Matrix, TrainedModel};

use crate::arrays::{matrix, to_numpy, CsrArrays, PyModelParts};
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

    /// After `partial_fit_users`: the training items of users `users` become the rows of
    /// `user_items` (what `recommend` leaves out for them), and the model covers every user up to the
    /// largest of them. New users need a model whose user ids are its row numbers.
    fn set_user_rows(
        &mut self,
        py: Python<'_>,
        users: PyReadonlyArray1<'_, i64>,
        user_items: CsrArrays<'_>,
    ) -> PyResult<()> {
        let users = users.as_slice().map_err(|_| bad_input(anyhow::anyhow!("users is not a contiguous array")))?;
        let rows = user_items.to_csr(py, "user_items").map_err(bad_input)?;
        if rows.rows() != users.len() || rows.cols() != self.inner.info.n_items {
            return Err(bad_input(anyhow::anyhow!(
                "user_items is {}×{}, it needs one row per user ({}) and one column per item ({})",
                rows.rows(),
                rows.cols(),
                users.len(),
                self.inner.info.n_items
            )));
        }
        let users: Vec<usize> = users
            .iter()
            .map(|&u| usize::try_from(u).map_err(|_| bad_input(anyhow::anyhow!("user {u} is negative"))))
            .collect::<PyResult<_>>()?;
        let n_users = users.iter().map(|&u| u + 1).max().unwrap_or(0).max(self.inner.info.n_users);
        self.grow("user", n_users)?;
        let lists: Vec<Vec<u32>> = rows.outer_iterator().map(|row| row.indices().to_vec()).collect();
        self.inner.seen = self.inner.seen.with_rows(&users, &lists);
        self.inner.info.n_users = n_users;
        Ok(())
    }

    /// After `partial_fit_items`: the model covers `n_items` items (new items need a model whose
    /// item ids are its row numbers).
    fn set_item_count(&mut self, n_items: usize) -> PyResult<()> {
        let n_items = n_items.max(self.inner.info.n_items);
        self.grow("item", n_items)?;
        self.inner.info.n_items = n_items;
        Ok(())
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

impl Model {
    /// Refuse to add `kind`s (rows past the end) to a model whose ids for them are not row numbers,
    /// and say in `model.json` that the model was updated after training.
    fn grow(&mut self, kind: &str, n: usize) -> PyResult<()> {
        let (map, current) = match kind {
            "user" => (&self.inner.users, self.inner.info.n_users),
            _ => (&self.inner.items, self.inner.info.n_items),
        };
        if n > current && *map != IdMap::Identity {
            return Err(bad_input(anyhow::anyhow!(
                "this model's {kind}s have original ids; new {kind}s (rows {current}..{n}) would have none"
            )));
        }
        let note = format!(" + partial_fit_{kind}s");
        if !self.inner.info.train.source.ends_with(&note) {
            self.inner.info.train.source += &note;
        }
        Ok(())
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
