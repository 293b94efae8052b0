//! Fold-in: the factors of users who were not in training, from their interactions and the item
//! factors — one row of the user half-step each (the same normal equations as
//! [`CpuBackend::half_step`](crate::model::AlsBackend::half_step) on [`Side::Users`](crate::model::Side),
//! explicit or implicit, with `YᵀY` of all items for implicit), solved exactly by Cholesky whatever
//! solver trained the model (CG would need a start point that a new user does not have).
//! This is what `implicit` calls `recalculate_user`. The GPU's is `gpu::als::fold_in`.

use anyhow::Result;

use super::CpuBackend;
use crate::data::{Duplicates, Interactions};
use crate::model::{AlsConfig, Matrix, Solver};

/// The interactions of one user: (item index, value) pairs. An item listed twice keeps its last value.
pub type UserRow = Vec<(u32, f32)>;

/// One factor row per entry of `users`, solved against `items` with `cfg`'s model (λ, implicit or
/// explicit, confidence) on `threads` threads (0: all cores).
pub fn fold_in(items: &Matrix, users: &[UserRow], cfg: &AlsConfig, threads: usize) -> Result<Matrix> {
    let (x, cfg) = fold_in_problem(items, users, cfg)?;
    let mut out = Matrix::zeros(users.len(), items.cols);
    CpuBackend::new(threads)?.solve_rows(&x.csr, items, &mut out, &cfg)?;
    Ok(out)
}

/// The users' rows as a matrix over `items`' rows, and `cfg` as fold-in solves it (Cholesky, f of
/// the item factors): what the CPU and the GPU fold-in share.
pub fn fold_in_problem(items: &Matrix, users: &[UserRow], cfg: &AlsConfig) -> Result<(Interactions, AlsConfig)> {
    let entries: Vec<(u32, u32, f32)> =
        users.iter().enumerate().flat_map(|(u, row)| row.iter().map(move |&(i, v)| (u as u32, i, v))).collect();
    let x = Interactions::from_entries(users.len(), items.rows, &entries, Duplicates::Last)?;
    Ok((x, AlsConfig { solver: Solver::Cholesky, factors: items.cols, ..cfg.clone() }))
}
