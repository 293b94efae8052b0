//! The batched solvers of A_u x_u = b_u (cuMF_als §IV; `kernels-rs/src/solve/`) and matrix-free
//! CG, which applies A_u through the row's entries instead of forming it.
use crate::{Entry, LaunchShape};

/// A batched solver kernel family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Solver {
    Cholesky,
    Lu,
    /// CG with A in fp32.
    Cg,
    /// CG with A in fp16.
    CgHalf,
}

impl Solver {
    pub const ALL: [Solver; 4] = [Solver::Cholesky, Solver::Lu, Solver::Cg, Solver::CgHalf];

    pub const fn family(self) -> &'static str {
        match self {
            Solver::Cholesky => "solve_cholesky",
            Solver::Lu => "solve_lu",
            Solver::Cg => "solve_cg",
            Solver::CgHalf => "solve_cg_half",
        }
    }

    pub const fn entry(self, f: usize) -> Entry {
        Entry::for_f(self.family(), f)
    }

    /// Block k solves system k; thread i owns row i (f rounded up to whole warps); A, two
    /// vectors and a reduction scratch in shared memory.
    pub const fn launch(f: usize, rows: usize) -> LaunchShape {
        LaunchShape::per_row(rows, (f.div_ceil(32) * 32) as u32, shared_bytes(f))
    }
}

/// Shared-memory bytes of a solver for f: A (f²), two vectors of f and 32 floats of scratch.
pub const fn shared_bytes(f: usize) -> usize {
    4 * (f * f + 2 * f + 32)
}

crate::kernel_args! { $ solve::SolveDirect, entries solve_direct_kernels {
    n: u32,
    row_begin: u32,
    /// The batch's systems, f×f each (full symmetric).
    a: In<f32>,
    b: In<f32>,
    /// Factor matrix; row `row_begin + k` receives x_k.
    x: Out<f32>,
} }

crate::kernel_args! { $ solve::SolveCg, entries solve_cg_kernels {
    n: u32,
    row_begin: u32,
    /// The batch's systems as fp32 or, for `solve_cg_half`, fp16 values.
    a: In<u8>,
    b: In<f32>,
    /// Factor matrix: CG's starting point and its result.
    x: Out<f32>,
    /// At most this many CG steps; stop once ‖r‖ ≤ tol·‖b‖.
    steps: u32,
    tol: f32,
} }

/// Matrix-free CG (`kernels-rs/src/solve/cg_matrix_free.rs`).
pub mod matrix_free {
    use crate::{Entry, LaunchShape};

    pub const BLOCK: u32 = 256;
    pub const WARPS: usize = BLOCK as usize / 32;

    pub const fn entry(f: usize) -> Entry {
        Entry::for_f("solve_cg_matrix_free", f)
    }

    /// Three f-vectors per warp, and YᵀY + λI in implicit modes.
    pub const fn shared_bytes(f: usize, implicit: bool) -> usize {
        4 * (3 * WARPS * f + if implicit { f * f } else { 0 })
    }

    /// `rows` rows, the first `n_long` a block each and the rest a warp each, in at most 8 blocks
    /// per SM (blocks loop over the teams).
    pub const fn launch(f: usize, rows: usize, n_long: usize, implicit: bool, multiprocessors: u32) -> LaunchShape {
        let teams = n_long + (rows - n_long).div_ceil(WARPS);
        let most = 8 * multiprocessors as usize;
        let grid = if teams < 1 {
            1
        } else if teams > most {
            most
        } else {
            teams
        };
        LaunchShape { grid: grid as u32, block: BLOCK, shared_bytes: shared_bytes(f, implicit) as u32 }
    }
}

crate::kernel_args! { $ solve::MatrixFreeCg, entries matrix_free_cg_kernels {
    n_rows: u32,
    /// The first `n_long` rows of `order` are long (a block each).
    n_long: u32,
    indptr: In<u64>,
    indices: In<u32>,
    values: In<f32>,
    theta: In<f32>,
    gram: In<f32>,
    lambda: f32,
    alpha: f32,
    eps: f32,
    mode: u32,
    /// Every row of the side once, by decreasing length.
    order: In<u32>,
    x: Out<f32>,
    steps: u32,
    tol: f32,
} }
