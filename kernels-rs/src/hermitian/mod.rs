//! get_hermitian + get_bias: for each row u of a batch, the f×f normal matrix and right-hand side
//! of its least-squares problem (cuMF_als §II, eqs. 2–4):
//!
//! ```text
//! explicit (weighted-λ, Zhou et al.):  A_u = Σ_{i∈Ω_u} θ_i θ_iᵀ + λ·n_u·I          b_u = Σ r_ui θ_i
//! implicit (Hu, Koren & Volinsky):      A_u = YᵀY + Σ_{i∈Ω_u} (c_ui − 1) θ_i θ_iᵀ + λI   b_u = Σ c_ui θ_i   (r_ui > 0)
//! ```
//! with c = 1 + α·r (`MODE_IMPLICIT_LINEAR`) or c = 1 + α·ln(1 + r/ε) (`MODE_IMPLICIT_LOG`).
//!
//! Versions, slowest first (each file's header says what changed and why it is faster):
//! * [`v1_global`]: every output entry summed straight from global memory;
//! * [`v2_shared`]: θ of a chunk of items staged in shared memory with coalesced loads;
//! * [`v3_tiled`]: each thread owns a T×T tile of A_u in registers (cuMF §III, Solution 1);
//! * [`v4_cached`]: the tiles of v3 fed by read-only cached global loads instead of staging
//!   (cuMF §III, Solution 2: non-coalesced, cache-assisted reads);
//! * [`v5_pipelined`]: the tiles of v3 fed by asynchronous double-buffered staging (`cp.async`),
//!   so loading the next items overlaps the current items' FMAs (beyond the paper);
//! * [`v6_tensor`]: the sum as XᵀX on the tensor cores (`mma.sync` TF32, operands split in two
//!   for fp32 accuracy), warps owning 16×16 super-tiles, A_u assembled in shared memory;
//! * [`v7_balanced`]: v5 with the longest rows first and A_u written through shared memory in
//!   coalesced pieces (what Nsight Compute showed v5 losing time to);
//! * [`v8_split`]: v7 with rows longer than a limit cut into pieces on several blocks, their
//!   partial sums added by a second kernel.
//! * `v9_wgmma` (sm_90a builds only: H100/H200): v8's work units with the sum, and b_u with it,
//!   as warpgroup `wgmma`s in 3×TF32 from a transposed, split copy of the chunk in shared memory.
//!
//! All versions share one signature, so the host can swap them (v7 takes one more argument,
//! `order: *const u32`, the batch's rows in the order its blocks take them; v8 and v9 take work
//! units instead of rows, see v8's file):
//!
//! ```text
//! (n_rows, row_begin: u32, indptr: *const u64, indices: *const u32, values: *const f32,
//!  theta: *const f32, gram: *const f32, lambda, alpha, eps: f32, mode: u32,
//!  a_out: *mut f32, b_out: *mut f32)
//! ```
//! Block `k` of the grid computes global row `row_begin + k` (grid = n_rows blocks), reading its
//! entries `indptr[row]..indptr[row+1]` of the sparse matrix (CSR for users, CSC for items) and the
//! fixed factors `theta` (n_fixed × f, row-major). It writes the full symmetric A_u to
//! `a_out[k·f²..]` and b_u to `b_out[k·f..]`. The `_half` variants of v3–v9 store A_u as fp16
//! (`a_out` then points to f16 values) for the fp16 CG solver: half the bytes written and read. `gram` (YᵀY, f×f) is read in implicit modes only.

// The macros come before the modules: their textual scope is everything below.
/// Declares version N's entry points for every supported f, and with `fp16` also the `_half`
/// ones: `hermitian_kernels!(N, fp16, Rows => implementation::<F, .., HALF>)`, where the
/// implementation's generic arguments may use the constants `F` and `HALF` and it takes the
/// arguments its signature (`Rows`, `Ordered`, `Units`) gives.
macro_rules! hermitian_kernels {
    ($number:literal, $output:ident, $arguments:ident => $($implementation:tt)*) => {
        rustmf_kernel_abi::with_supported_f!(
            hermitian_kernels_for_f!($number, $output, $arguments, { $($implementation)* },)
        );
    };
}

macro_rules! hermitian_kernels_for_f {
    ($number:literal, fp16, $arguments:ident, $implementation:tt, [$($f:literal),*]) => {
        hermitian_kernels_for_f!($number, fp32, $arguments, $implementation, [$($f),*]);
        $(hermitian_entry!($arguments, ${concat(hermitian_v, $number, _f, $f, _half)}, $f, true, $implementation);)*
    };
    ($number:literal, fp32, $arguments:ident, $implementation:tt, [$($f:literal),*]) => {
        $(hermitian_entry!($arguments, ${concat(hermitian_v, $number, _f, $f)}, $f, false, $implementation);)*
    };
}

/// One entry point: the signature's arguments handed to the implementation at (f, HALF).
macro_rules! hermitian_entry {
    (Rows, $name:ident, $f:literal, $half:literal, { $($implementation:tt)* }) => {
        rustmf_kernel_abi::hermitian_rows_kernels! {
            $name => |a: rustmf_kernel_abi::hermitian::HermitianRows| {
                const F: usize = $f;
                #[allow(dead_code)]
                const HALF: bool = $half;
                $($implementation)*(a.n_rows, a.row_begin, $crate::hermitian::Problem::from(&a), a.a_out, a.b_out)
            }
        }
    };
    (Ordered, $name:ident, $f:literal, $half:literal, { $($implementation:tt)* }) => {
        rustmf_kernel_abi::hermitian_ordered_kernels! {
            $name => |a: rustmf_kernel_abi::hermitian::HermitianOrdered| {
                const F: usize = $f;
                #[allow(dead_code)]
                const HALF: bool = $half;
                let p = $crate::hermitian::Problem::from(&a);
                $($implementation)*(a.n_rows, a.row_begin, p, a.a_out, a.b_out, a.order)
            }
        }
    };
    (Units, $name:ident, $f:literal, $half:literal, { $($implementation:tt)* }) => {
        rustmf_kernel_abi::hermitian_units_kernels! {
            $name => |a: rustmf_kernel_abi::hermitian::HermitianUnits| {
                const F: usize = $f;
                #[allow(dead_code)]
                const HALF: bool = $half;
                let p = $crate::hermitian::Problem::from(&a);
                $($implementation)*(a.n_units, p, a.a_out, a.b_out, a.work, a.partial_a, a.partial_b)
            }
        }
    };
}

mod tiles;

/// One module per line of the version list (`kernels-abi/src/hermitian.rs`); versions built only
/// for sm_90a are left out of the other images.
macro_rules! declare_versions {
    ($($number:literal $module:ident $arguments:ident $layout:ident $image:ident $output:ident $change:literal $paper:literal;)*) => {
        $(image_gate! { $image, pub mod $module; })*
    };
}

macro_rules! image_gate {
    (Every, $item:item) => {
        $item
    };
    (Sm90a, $item:item) => {
        #[cfg(target_feature = "sm_90a")]
        $item
    };
}

rustmf_kernel_abi::hermitian_versions!(declare_versions!);

use rustmf_kernel_abi::hermitian::{HermitianFinish, HermitianOrdered, HermitianRows, HermitianUnits};
pub use rustmf_kernel_abi::hermitian::{MODE_EXPLICIT, MODE_IMPLICIT_LINEAR, MODE_IMPLICIT_LOG};

/// The problem every version solves, as the kernel arguments describe it.
#[derive(Clone, Copy)]
pub struct Problem {
    pub indptr: *const u64,
    pub indices: *const u32,
    pub values: *const f32,
    pub theta: *const f32,
    pub gram: *const f32,
    pub lambda: f32,
    pub alpha: f32,
    pub eps: f32,
    pub mode: u32,
}

macro_rules! problem_of {
    ($($args:ident),*) => {
        $(impl From<&$args> for Problem {
            #[inline(always)]
            fn from(a: &$args) -> Problem {
                let (indptr, indices, values, theta, gram) = (a.indptr, a.indices, a.values, a.theta, a.gram);
                Problem { indptr, indices, values, theta, gram, lambda: a.lambda, alpha: a.alpha, eps: a.eps, mode: a.mode }
            }
        })*
    };
}

problem_of!(HermitianRows, HermitianOrdered, HermitianUnits);

impl From<&HermitianFinish> for Problem {
    /// The finish kernel reads only the regularization terms.
    #[inline(always)]
    fn from(a: &HermitianFinish) -> Problem {
        let (indices, values, theta) = (core::ptr::null(), core::ptr::null(), core::ptr::null());
        let (indptr, gram, lambda, mode) = (a.indptr, a.gram, a.lambda, a.mode);
        Problem { indptr, indices, values, theta, gram, lambda, alpha: 0.0, eps: 1.0, mode }
    }
}

impl Problem {
    /// The global row this block computes and the range of its entries.
    ///
    /// # Safety
    /// `indptr` has at least `row + 2` entries.
    #[inline(always)]
    pub unsafe fn entries(&self, row: u32) -> (usize, usize) {
        (*self.indptr.add(row as usize) as usize, *self.indptr.add(row as usize + 1) as usize)
    }

    /// Weights of one entry with value `r`: (weight in A_u, weight in b_u).
    #[inline(always)]
    pub fn weights(&self, r: f32) -> (f32, f32) {
        if self.mode == MODE_EXPLICIT {
            return (1.0, r);
        }
        if r <= 0.0 {
            return (0.0, 0.0);
        }
        let excess =
            if self.mode == MODE_IMPLICIT_LOG { self.alpha * libm_log1p(r / self.eps) } else { self.alpha * r };
        (excess, 1.0 + excess)
    }

    /// What is added to A_u[i][j] besides the sum over entries: λ·n_u on the diagonal (explicit),
    /// YᵀY[i][j] + λ on the diagonal (implicit). An explicit row with no entries gets the identity
    /// (and b = 0), so every solver returns the zero factor for it, as the CPU reference does.
    ///
    /// # Safety
    /// In implicit modes `gram` holds f×f values.
    #[inline(always)]
    pub unsafe fn extra(&self, i: usize, j: usize, f: usize, n_u: usize) -> f32 {
        let diag = if i == j { 1.0 } else { 0.0 };
        if self.mode == MODE_EXPLICIT {
            diag * if n_u == 0 { 1.0 } else { self.lambda * n_u as f32 }
        } else {
            *self.gram.add(i * f + j) + diag * self.lambda
        }
    }
}

/// ln(1 + x) for x ≥ 0 (`lg2.approx` based; relative error ~1e-7, enough for confidence weights).
#[inline(always)]
fn libm_log1p(x: f32) -> f32 {
    let y: f32;
    unsafe {
        core::arch::asm!("lg2.approx.f32 {}, {};", out(reg32) y, in(reg32) 1.0 + x, options(pure, nomem, nostack))
    };
    y * core::f32::consts::LN_2
}

/// Lower-triangle tile `t` (row-major over tiles with tile_row ≥ tile_col) of an nt × nt tile grid.
#[inline(always)]
pub fn tile_coords(mut t: u32, nt: u32) -> (u32, u32) {
    let mut r = 0;
    while r < nt && t > r {
        t -= r + 1;
        r += 1;
    }
    (r, t)
}

/// Stores element `idx` of the A buffer, as f32 or rounded to f16.
///
/// # Safety
/// `a_out` holds more than `idx` elements of the chosen type.
#[inline(always)]
pub unsafe fn store_a<const HALF: bool>(a_out: *mut f32, idx: usize, v: f32) {
    if HALF {
        crate::prelude::store_f16((a_out as *mut f16).add(idx), v);
    } else {
        *a_out.add(idx) = v;
    }
}

/// Stores elements `idx..idx + 4` of the A buffer (`idx` a multiple of 4), as f32 or rounded to
/// f16, in one 16-byte (8-byte) store.
///
/// # Safety
/// `a_out` holds more than `idx + 3` elements of the chosen type.
#[inline(always)]
pub unsafe fn store_a4<const HALF: bool>(a_out: *mut f32, idx: usize, v: [f32; 4]) {
    if HALF {
        crate::prelude::store_f16x4((a_out as *mut f16).add(idx), v);
    } else {
        *(a_out.add(idx) as *mut crate::prelude::F32x4) = crate::prelude::F32x4(v);
    }
}
