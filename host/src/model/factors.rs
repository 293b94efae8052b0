//! Dense factor matrices.

use anyhow::Result;
use serde::{Deserialize, Serialize};

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
        anyhow::ensure!(
            rows.checked_mul(cols) == Some(data.len()),
            "matrix data has {} values, expected {rows}×{cols}",
            data.len()
        );
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
