//! Batched solves of the per-row systems A_u x_u = b_u that get_hermitian produced (cuMF_als §IV).
//!
//! * [`cholesky`]: exact, A = LLᵀ (A is symmetric positive definite for λ > 0);
//! * [`lu`]: exact, LU without pivoting (Gaussian elimination is stable on SPD matrices), for
//!   parity with the batched LU of the paper's cuBLAS baseline;
//! * [`cg`]: approximate — a few conjugate-gradient steps warm-started from the current factors
//!   (§IV-A, Solution 3), with A read as fp32 or as fp16 (§IV-B, Solution 4).
//!
//! Shared signature: `(n, row_begin: u32, a: *const f32 | *const f16, b: *const f32, x: *mut f32, ...)`.
//! Block k solves system k of the batch: A at `a[k·f²..]` (full symmetric, row-major), b at
//! `b[k·f..]`, and writes x to row `row_begin + k` of the factor matrix `x` (n_rows × f,
//! row-major), which CG also reads as its starting point.
//!
//! Every solver loads its A once into shared memory and works there: thread i owns row i (block =
//! f rounded up to a whole warp). A is stored column-major in shared memory — the same bytes as
//! row-major, A being symmetric — so that the 32 threads of a warp touching column j hit 32
//! different banks.

pub mod cg;
pub mod cholesky;
pub mod lu;

use crate::prelude::*;

/// Shared-memory bytes of a solver for f: A (f²) and two vectors of f.
pub const fn shared_bytes(f: usize) -> usize {
    4 * (f * f + 2 * f + 32)
}

/// The block's working set in shared memory: A (column-major), two vectors, a reduction scratch.
#[derive(Clone, Copy)]
pub(crate) struct Workspace {
    pub a: Shared<f32>,
    pub u: Shared<f32>,
    pub v: Shared<f32>,
    pub scratch: Shared<f32>,
}

impl Workspace {
    #[inline(always)]
    pub fn new(f: usize) -> Workspace {
        let a = Shared::<f32>::new(0, (f * f) as u32);
        let u = Shared::<f32>::new(a.end_offset(), f as u32);
        let v = Shared::<f32>::new(u.end_offset(), f as u32);
        let scratch = Shared::<f32>::new(v.end_offset(), 32);
        Workspace { a, u, v, scratch }
    }

    /// Element (i, j) of A.
    #[inline(always)]
    pub unsafe fn at(&self, i: usize, j: usize, f: usize) -> f32 {
        self.a.load_unchecked((j * f + i) as u32)
    }

    #[inline(always)]
    pub unsafe fn set(&self, i: usize, j: usize, f: usize, v: f32) {
        self.a.store_unchecked((j * f + i) as u32, v)
    }

    /// Copies A (f² f32, symmetric) into shared memory, coalesced.
    #[inline(always)]
    pub unsafe fn load_f32(&self, a: *const f32, f: usize) {
        let mut idx = thread_idx() as usize;
        while idx < f * f {
            self.a.store_unchecked(idx as u32, ldg_f32(a.add(idx)));
            idx += block_dim() as usize;
        }
    }
}
