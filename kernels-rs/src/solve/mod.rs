//! Batched solves of the per-row systems A_u x_u = b_u that get_hermitian produced (cuMF_als §IV).
//!
//! * [`cholesky`]: exact, A = LLᵀ (A is symmetric positive definite for λ > 0);
//! * [`lu`]: exact, LU without pivoting (Gaussian elimination is stable on SPD matrices), for
//!   parity with the batched LU of the paper's cuBLAS baseline;
//! * [`cg`]: approximate — a few conjugate-gradient steps warm-started from the current factors
//!   (§IV-A, Solution 3), with A read as fp32 or as fp16 (§IV-B, Solution 4);
//! * [`cg_matrix_free`]: the same CG without A: it applies A_u through the row's entries, so it
//!   replaces get_hermitian as well (its own signature, see the file).
//!
//! | solver | file | paper |
//! |---|---|---|
//! | Cholesky | [`cholesky`] | §IV |
//! | LU, no pivoting | [`lu`] | §IV (cuBLAS parity) |
//! | cuBLAS LU (getrf + getrs) | host `cublas_lu.rs` | baseline |
//! | CG, 3 steps, fp32 or fp16 A | [`cg`] | §IV-A, Sol. 3; §IV-B, Sol. 4 |
//! | CG, 3 steps, matrix-free | [`cg_matrix_free`] | beyond |
//!
//! Same run, quoted from the results by `rustmf experiment quote` (`rustmf experiment run
//! benches/experiments/cumf-fig5-solvers.toml`, cuMF_als Fig. 5): one ALS iteration of the
//! Netflix-shaped preset, both sides, A formed by get_hermitian v8 (the GPU default) except
//! matrix-free CG, which forms none; the rate is get_hermitian's.
//!
//! <!-- experiment-table: benches/results/cumf-fig5-solvers/nvidia-h100-80gb-hbm3 only: netflix -->
//! *train cases*
//!
//! Every case: dataset=netflix, device=gpu, feedback=explicit, f=100, lambda=0.05, hermitian=v8.
//!
//! | case | status | median | min – max | ± | n | rate | % of peak |
//! |---|---|---:|---:|---:|---:|---:|---:|
//! | solver=lu fp16=false | measured | 241.635 ms | 241.592 ms – 241.679 ms | 0.0% | 10 | 18.001 TFLOP/s | 26.9% |
//! | solver=cg3 fp16=false | measured | 137.784 ms | 137.747 ms – 137.938 ms | 0.1% | 10 | 18.002 TFLOP/s | 26.9% |
//! | solver=cg3 fp16=true | measured | 137.025 ms | 136.948 ms – 137.167 ms | 0.1% | 10 | 17.993 TFLOP/s | 26.9% |
//! | solver=cholesky fp16=false | measured | 485.666 ms | 485.609 ms – 485.725 ms | 0.0% | 10 | 18.003 TFLOP/s | 26.9% |
//! | solver=cublas-lu fp16=false | measured | 286.035 ms | 285.997 ms – 289.381 ms | 0.6% | 10 | 18.001 TFLOP/s | 26.9% |
//! | solver=cg3-mf fp16=false | measured | 74.459 ms | 73.653 ms – 74.892 ms | 0.8% | 10 |  |  |
//!
//! ± is half the min–max range as a share of the median. Rates — train (TFLOP/s): get_hermitian's useful FLOP
//! (nnz·f(f+1)/2 FMAs per side) over its median time.
//! <!-- end experiment-table -->
//!
//! CG's solve alone, fp32 against fp16 A (`cumf-fig7b-cg-bandwidth.toml`, Fig. 7b): the bytes CG
//! moves over its time.
//!
//! <!-- experiment-table: benches/results/cumf-fig7b-cg-bandwidth/nvidia-h100-80gb-hbm3 -->
//! *cg cases*
//!
//! Every case: dataset=netflix, feedback=explicit, f=100, lambda=0.05.
//!
//! | case | status | median | min – max | ± | n | rate | % of peak |
//! |---|---|---:|---:|---:|---:|---:|---:|
//! | precision=fp32 steps=3 | measured | 24.840 ms | 24.791 ms – 24.842 ms | 0.1% | 5 | 825.917 GB/s | 31.4% |
//! | precision=fp32 steps=6 | measured | 24.802 ms | 24.801 ms – 24.803 ms | 0.0% | 5 | 827.190 GB/s | 31.4% |
//! | precision=fp16 steps=3 | measured | 23.950 ms | 23.942 ms – 23.952 ms | 0.0% | 5 | 440.774 GB/s | 16.8% |
//! | precision=fp16 steps=6 | measured | 23.913 ms | 23.866 ms – 23.916 ms | 0.1% | 5 | 441.457 GB/s | 16.8% |
//!
//! ± is half the min–max range as a share of the median. Rates — cg (GB/s): DRAM bytes CG moves (A once, b and x) over
//! the median time; % of a device copy's rate.
//! <!-- end experiment-table -->
//!
//! Shared signature: the argument structs `SolveDirect` and `SolveCg` of `kernels-abi/src/solve.rs`
//! (`n`, `row_begin`, A as f32 or fp16, b, x, ...), turned by the entry adapters into views of
//! global memory ([`views`]): the solvers index those.
//! Block k solves system k of the batch: A at `a[k·f²..]` (full symmetric, row-major), b at
//! `b[k·f..]`, and writes x to row `row_begin + k` of the factor matrix `x` (n_rows × f,
//! row-major), which CG also reads as its starting point.
//!
//! Every solver loads its A once into shared memory and works there: thread i owns row i (block =
//! f rounded up to a whole warp). A is stored column-major in shared memory — the same bytes as
//! row-major, A being symmetric — so that the 32 threads of a warp touching column j hit 32
//! different banks.

/// Declares one direct-solver entry `{family}_f{f}` per supported f, taking
/// [`rustmf_kernel_abi::solve::SolveDirect`]: `direct_solver!(solve_cholesky, cholesky)`.
macro_rules! direct_solver {
    ($family:ident, $solve:ident) => {
        rustmf_kernel_abi::with_supported_f!(direct_solver_for_f!($family, $solve,));
    };
}

macro_rules! direct_solver_for_f {
    ($family:ident, $solve:ident, [$($f:literal),*]) => {
        $(
            #[inline(always)]
            unsafe fn ${concat($family, _f, $f, _views)}(a: rustmf_kernel_abi::solve::SolveDirect) {
                let (a_in, b, x) = $crate::solve::views::<$f>(a.n, a.row_begin, a.a as *const u8, 4, a.b, a.x);
                $solve::<$f>(a.n, a.row_begin, a_in.cast(), b, x)
            }
        )*
        rustmf_kernel_abi::solve_direct_kernels! {
            $(${concat($family, _f, $f)} => ${concat($family, _f, $f, _views)},)*
        }
    };
}

pub mod cg;
pub mod cg_matrix_free;
pub mod cholesky;
pub mod lu;

use crate::prelude::*;

pub use rustmf_kernel_abi::solve::shared_bytes;

/// Views of a batch of `n` systems: A (n·f² values of `a_bytes` bytes each: f32, or f16 for the
/// fp16 CG), b (n·f) and the factor matrix x, of which the batch's rows are
/// `row_begin..row_begin + n` (the rows before them bound its length from below: the kernel is
/// not passed the factor matrix's row count).
///
/// # Safety
/// The launch's contract: the buffers hold that many values; A and b are not written during
/// the kernel, and x only by it.
#[inline(always)]
pub(crate) unsafe fn views<const F: usize>(
    n: u32,
    row_begin: u32,
    a: *const u8,
    a_bytes: usize,
    b: *const f32,
    x: *mut f32,
) -> (Global<u8>, Global<f32>, GlobalMut<f32>) {
    let n = n as usize;
    (Global::new(a, n * F * F * a_bytes), Global::new(b, n * F), GlobalMut::new(x, (row_begin as usize + n) * F))
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

    /// Finishes a direct solve once A holds its triangular factors, and returns x_i for thread i:
    /// forward substitution with the lower factor (unit diagonal when `unit_lower`: LU), then
    /// backward substitution with the upper factor — Lᵀ read from the lower triangle when
    /// `upper_is_lt` (Cholesky), else U from the upper triangle (LU). Each step publishes one
    /// solved unknown in shared memory; the other rows fold it into the right-hand side they keep
    /// in a register.
    ///
    /// # Safety
    /// A is factored; every thread of the block calls it (it contains barriers).
    #[inline(always)]
    pub unsafe fn substitute(
        &self,
        f: usize,
        i: usize,
        mine: bool,
        mut rhs: f32,
        unit_lower: bool,
        upper_is_lt: bool,
    ) -> f32 {
        for k in 0..f {
            if i == k {
                self.u.store_unchecked(k as u32, if unit_lower { rhs } else { rhs / self.at(k, k, f) });
            }
            sync_threads();
            if mine && i > k {
                rhs = fma(-self.at(i, k, f), self.u.load_unchecked(k as u32), rhs);
            }
        }
        let mut y = if mine { self.u.load_unchecked(i as u32) } else { 0.0 };
        for k in (0..f).rev() {
            if i == k {
                self.v.store_unchecked(k as u32, y / self.at(k, k, f));
            }
            sync_threads();
            if mine && i < k {
                let upper = if upper_is_lt { self.at(k, i, f) } else { self.at(i, k, f) };
                y = fma(-upper, self.v.load_unchecked(k as u32), y);
            }
        }
        if mine {
            self.v.load_unchecked(i as u32)
        } else {
            0.0
        }
    }

    /// Copies A (f² f32, symmetric) into shared memory, coalesced.
    #[inline(always)]
    pub unsafe fn load_f32(&self, a: Global<f32>, f: usize) {
        let mut idx = thread_idx() as usize;
        while idx < f * f {
            self.a.store_unchecked(idx as u32, a.ldg(idx));
            idx += block_dim() as usize;
        }
    }
}
