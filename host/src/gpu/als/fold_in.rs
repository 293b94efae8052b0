//! Fold-in on the GPU: the factors of users who were not in training, as
//! [`crate::cpu::als::fold_in`] defines them (one row of the user half-step each, solved exactly by
//! Cholesky), computed by the user half-step's own kernels over a matrix of just those users.
use super::{GpuAls, GpuAlsOptions, GpuSolver, Hermitian};
use crate::cpu::als::{fold_in_problem, UserRow};
use crate::gpu::Gpu;
use crate::model::{Factors, Matrix, Side};
use anyhow::Result;
use std::sync::Arc;

/// One factor row per entry of `users`, solved against `items` with `cfg`'s model on `gpu`.
pub fn fold_in(gpu: Arc<Gpu>, items: &Matrix, users: &[UserRow], cfg: &crate::model::AlsConfig) -> Result<Matrix> {
    let (rows, cfg) = fold_in_problem(items, users, cfg)?;
    let start = Factors { users: Matrix::zeros(users.len(), items.cols), items: items.clone() };
    // One batch of exactly these rows, and a get_hermitian version that takes rows as they come
    // (v5: v7–v9 plan every batch of the item side too, of which fold-in solves none).
    let opts = GpuAlsOptions {
        hermitian: Hermitian::version(5),
        solver: GpuSolver::Cholesky,
        batch_rows: Some(users.len().max(1)),
        ..GpuAlsOptions::default()
    };
    let mut als = GpuAls::new(gpu, &rows, &start, opts)?;
    als.half_step(Side::Users, &cfg)?;
    Ok(als.factors()?.users)
}
