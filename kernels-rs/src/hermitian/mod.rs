//! get_hermitian + get_bias: for each row u of a batch, the f×f normal matrix and right-hand side
//! of its least-squares problem (cuMF_als §II, eqs. 2–4):
//!
//! ```text
//! explicit (weighted-λ, Zhou et al.):  A_u = Σ_{i∈Ω_u} θ_i θ_iᵀ + λ·n_u·I          b_u = Σ r_ui θ_i
//! implicit (Hu, Koren & Volinsky):      A_u = YᵀY + Σ_{i∈Ω_u} (c_ui − 1) θ_i θ_iᵀ + λI
//!                                       b_u = Σ c_ui θ_i   (r_ui > 0)
//! ```
//! with c = 1 + α·r (`MODE_IMPLICIT_LINEAR`) or c = 1 + α·ln(1 + r/ε) (`MODE_IMPLICIT_LOG`).
//!
//! Versions (one line each in `hermitian_versions!`, `kernels-abi/src/hermitian.rs`; each file's
//! header says what changed and why). Run one: `rustmf kernel-bench --input synth:netflix:1
//! --factors 100 --hermitian N` (all of them: leave out `--hermitian`), or train with it:
//! `rustmf train --device gpu --hermitian N ...`.
//!
//! | v | file | what changed | paper |
//! |---|---|---|---|
//! | 0 | `cublas_hermitian.rs` (host) | gathered blocks, grouped batched GEMM | Fig. 7a |
//! | 1 | [`v1_global`] | every entry summed straight from global memory | §II, eq. 2 |
//! | 2 | [`v2_shared`] | θ of 32 items staged in shared memory, coalesced | §III |
//! | 3 | [`v3_tiled`] | each thread a T×T register tile of A_u | §III, Sol. 1 |
//! | 4 | [`v4_cached`] | v3's tiles fed by read-only cached loads | §III, Sol. 2 |
//! | 5 | [`v5_pipelined`] | v3's tiles fed by double-buffered `cp.async` | beyond |
//! | 6 | [`v6_tensor`] | the sum on the tensor cores, `mma.sync` 3×TF32 | beyond |
//! | 7 | [`v7_balanced`] | v5, longest rows first, coalesced A_u stores | §III |
//! | 8 | [`v8_split`] | v7, long rows split over blocks, a finish kernel | beyond |
//! | 9 | `v9_wgmma` | v8's work units on `wgmma` 3×TF32 (sm_90a) | beyond |
//!
//! Same run, quoted from the results by `rustmf experiment quote` (`rustmf experiment run
//! benches/experiments/cumf-fig7a-hermitian-flops.toml`, cuMF_als Fig. 7a): get_hermitian + get_bias
//! of both sides of the Netflix-shaped preset (99M ratings), the useful fp32 work against the fp32
//! FMA peak (v6 and v9 do it on the tensor cores, in 3×TF32; `cublas` is v0).
//!
//! <!-- experiment-table: benches/results/cumf-fig7a-hermitian-flops/nvidia-h100-80gb-hbm3 -->
//! *hermitian cases*
//!
//! Every case: dataset=netflix, feedback=explicit, f=100, lambda=0.05.
//!
//! | case | status | median | min – max | ± | n | rate | % of peak |
//! |---|---|---:|---:|---:|---:|---:|---:|
//! | version=cublas | measured | 465.390 ms | 463.894 ms – 469.993 ms | 0.7% | 5 | 4.300 TFLOP/s | 6.4% |
//! | version=v1 | measured | 10.301 s | 9.977 s – 11.144 s | 5.7% | 5 | 0.194 TFLOP/s | 0.3% |
//! | version=v2 | measured | 981.389 ms | 981.122 ms – 981.774 ms | 0.0% | 5 | 2.039 TFLOP/s | 3.0% |
//! | version=v3 | measured | 233.179 ms | 232.239 ms – 240.924 ms | 1.9% | 5 | 8.582 TFLOP/s | 12.8% |
//! | version=v4 | measured | 565.474 ms | 563.347 ms – 569.230 ms | 0.5% | 5 | 3.539 TFLOP/s | 5.3% |
//! | version=v5 | measured | 189.707 ms | 189.359 ms – 192.811 ms | 0.9% | 5 | 10.549 TFLOP/s | 15.8% |
//! | version=v6 | measured | 223.190 ms | 221.399 ms – 227.697 ms | 1.4% | 5 | 8.967 TFLOP/s | 13.4% |
//! | version=v7 | measured | 139.962 ms | 139.875 ms – 140.205 ms | 0.1% | 5 | 14.299 TFLOP/s | 21.4% |
//! | version=v8 | measured | 111.165 ms | 111.143 ms – 111.179 ms | 0.0% | 5 | 18.003 TFLOP/s | 26.9% |
//! | version=v9 | measured | 59.550 ms | 59.379 ms – 59.788 ms | 0.3% | 5 | 33.607 TFLOP/s | 50.2% |
//!
//! ± is half the min–max range as a share of the median. Rates — hermitian (TFLOP/s): useful FLOP (nnz·f(f+1)/2 FMAs
//! per side, 2 FLOP each) over the median time.
//! <!-- end experiment-table -->
//!
//! Beside the list, [`phases`] is v3 cut short after its load or compute phase, with three ways of
//! staging θ: the measurement of cuMF_als Fig. 4 (`kernels-abi/src/hermitian_phases.rs`).
//!
//! The versions take one of three argument structs, declared once in `kernels-abi/src/hermitian.rs`
//! (`kernel_args!`) and named by each version's line of `hermitian_versions!`, so the host can swap
//! them: `HermitianRows` (below), `HermitianOrdered` (one more field, `order`, the batch's rows in
//! the order its blocks take them: v7) and `HermitianUnits` (work units instead of rows: v8, v9,
//! see v8's file). The entry adapters below turn their pointers into views of global memory
//! (`prelude::global`): the [`Problem`]'s inputs as `Global`s, A and b as `GlobalMut`s; the
//! versions' bodies index those.
//!
//! ```text
//! HermitianRows { n_rows, row_begin: u32, indptr: In<u64>, indices: In<u32>, values: In<f32>,
//!                 theta: In<f32>, gram: In<f32>, lambda, alpha, eps: f32, mode: u32,
//!                 a_out: Out<f32>, b_out: Out<f32> }
//! ```
//! Block `k` of the grid computes global row `row_begin + k` (grid = n_rows blocks), reading its
//! entries `indptr[row]..indptr[row+1]` of the sparse matrix (CSR for users, CSC for items) and the
//! fixed factors `theta` (n_fixed × f, row-major). It writes the full symmetric A_u to
//! `a_out[k·f²..]` and b_u to `b_out[k·f..]`. The `_half` variants of v3–v9 store A_u as fp16
//! (`a_out` then points to f16 values) for the fp16 CG solver: half the bytes written and read.
//! `gram` (YᵀY, f×f) is read in implicit modes only.

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

/// One entry point: the signature's arguments, as views, handed to the implementation at (f, HALF),
/// by an `#[inline(always)]` function (`{name}_views`) rather than a closure, so that the entry
/// inlines it whatever its size.
macro_rules! hermitian_entry {
    (Rows, $name:ident, $f:literal, $half:literal, { $($implementation:tt)* }) => {
        #[inline(always)]
        unsafe fn ${concat($name, _views)}(a: rustmf_kernel_abi::hermitian::HermitianRows) {
            const F: usize = $f;
            #[allow(dead_code)]
            const HALF: bool = $half;
            let p = $crate::hermitian::ProblemOf::problem::<F>(&a);
            let rows = Some(a.n_rows as usize);
            let (a_out, b_out) = $crate::hermitian::outputs::<F, HALF>(a.a_out, a.b_out, rows);
            $($implementation)*(a.n_rows, a.row_begin, p, a_out, b_out)
        }
        rustmf_kernel_abi::hermitian_rows_kernels! { $name => ${concat($name, _views)} }
    };
    (Ordered, $name:ident, $f:literal, $half:literal, { $($implementation:tt)* }) => {
        #[inline(always)]
        unsafe fn ${concat($name, _views)}(a: rustmf_kernel_abi::hermitian::HermitianOrdered) {
            const F: usize = $f;
            #[allow(dead_code)]
            const HALF: bool = $half;
            let p = $crate::hermitian::ProblemOf::problem::<F>(&a);
            let rows = Some(a.n_rows as usize);
            let (a_out, b_out) = $crate::hermitian::outputs::<F, HALF>(a.a_out, a.b_out, rows);
            // Block k reads order[row_begin + k], k < n_rows.
            let order = $crate::prelude::Global::new(a.order, (a.row_begin + a.n_rows) as usize);
            $($implementation)*(a.n_rows, a.row_begin, p, a_out, b_out, order)
        }
        rustmf_kernel_abi::hermitian_ordered_kernels! { $name => ${concat($name, _views)} }
    };
    (Units, $name:ident, $f:literal, $half:literal, { $($implementation:tt)* }) => {
        #[inline(always)]
        unsafe fn ${concat($name, _views)}(a: rustmf_kernel_abi::hermitian::HermitianUnits) {
            const F: usize = $f;
            #[allow(dead_code)]
            const HALF: bool = $half;
            let p = $crate::hermitian::ProblemOf::problem::<F>(&a);
            // Work units name batch rows and scratch slots; neither count is passed.
            let (a_out, b_out) = $crate::hermitian::outputs::<F, HALF>(a.a_out, a.b_out, None);
            let (partial_a, partial_b) = $crate::hermitian::outputs::<F, false>(a.partial_a, a.partial_b, None);
            let work = $crate::prelude::Global::new(a.work, 3 * a.n_units as usize);
            $($implementation)*(a.n_units, p, a_out, b_out, work, partial_a, partial_b)
        }
        rustmf_kernel_abi::hermitian_units_kernels! { $name => ${concat($name, _views)} }
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

pub mod phases;

use crate::prelude::{F32x4, Global, GlobalMut};
use rustmf_kernel_abi::hermitian::{HermitianFinish, HermitianOrdered, HermitianRows, HermitianUnits};
pub use rustmf_kernel_abi::hermitian::{MODE_EXPLICIT, MODE_IMPLICIT_LINEAR, MODE_IMPLICIT_LOG};

/// The problem every version solves, as the kernel arguments describe it: its inputs as
/// read-only views of global memory.
#[derive(Clone, Copy)]
pub struct Problem {
    /// Row pointers; the rows this launch reads (`row_begin + n_rows + 1` entries where the kernel
    /// is given them, unbounded where work units or split rows name the rows).
    pub indptr: Global<u64>,
    /// Column indices and values of the nonzeros: unbounded (nnz is not passed).
    pub indices: Global<u32>,
    pub values: Global<f32>,
    /// The fixed factors, n_fixed × f: unbounded (n_fixed is not passed).
    pub theta: Global<f32>,
    /// YᵀY, f×f in implicit modes; empty (and possibly null) in explicit mode, where it is not read.
    pub gram: Global<f32>,
    pub lambda: f32,
    pub alpha: f32,
    pub eps: f32,
    pub mode: u32,
}

/// An argument struct that describes a [`Problem`].
pub trait ProblemOf {
    /// The views of the arguments' buffers, at f = F.
    ///
    /// # Safety
    /// The arguments are a launch's, upholding its contract (buffer sizes in `kernels-abi`).
    unsafe fn problem<const F: usize>(&self) -> Problem;
}

/// YᵀY's view: f×f values in implicit modes, none in explicit mode (the host may pass null).
///
/// # Safety
/// In implicit modes `gram` holds F×F values no thread writes during the kernel.
#[inline(always)]
pub unsafe fn gram_view<const F: usize>(gram: *const f32, mode: u32) -> Global<f32> {
    Global::new(gram, if mode == MODE_EXPLICIT { 0 } else { F * F })
}

macro_rules! problem_of {
    ($($args:ident, indptr: |$a:ident| $indptr:expr;)*) => {
        $(impl ProblemOf for $args {
            #[inline(always)]
            unsafe fn problem<const F: usize>(&self) -> Problem {
                let $a = self;
                Problem {
                    indptr: $indptr,
                    indices: Global::unbounded($a.indices),
                    values: Global::unbounded($a.values),
                    theta: Global::unbounded($a.theta),
                    gram: gram_view::<F>($a.gram, $a.mode),
                    lambda: $a.lambda,
                    alpha: $a.alpha,
                    eps: $a.eps,
                    mode: $a.mode,
                }
            }
        })*
    };
}

problem_of! {
    // Block k reads indptr[row_begin + k] and the next, k < n_rows (v7: the k-th row of `order`).
    HermitianRows, indptr: |a| Global::new(a.indptr, (a.row_begin + a.n_rows) as usize + 1);
    HermitianOrdered, indptr: |a| Global::new(a.indptr, (a.row_begin + a.n_rows) as usize + 1);
    // Work units carry their entries' range; indptr is not read.
    HermitianUnits, indptr: |a| Global::unbounded(a.indptr);
}

impl ProblemOf for HermitianFinish {
    /// The finish kernel reads only the row pointers (of split rows, whose count in the batch it is
    /// not passed) and the regularization terms.
    #[inline(always)]
    unsafe fn problem<const F: usize>(&self) -> Problem {
        let (indices, values, theta) = (Global::empty(), Global::empty(), Global::empty());
        let (indptr, gram) = (Global::unbounded(self.indptr), gram_view::<F>(self.gram, self.mode));
        Problem { indptr, indices, values, theta, gram, lambda: self.lambda, alpha: 0.0, eps: 1.0, mode: self.mode }
    }
}

/// Views of a launch's A and b: `systems` f×f matrices of f32, or of f16 for the `_half` entries
/// (the ABI types A as f32 either way; the view counts the bytes the host allocated), and
/// `systems` f-vectors; unbounded for `None`, where the kernel is not passed the count.
///
/// # Safety
/// The launch's contract: the buffers hold that many values, written only by this kernel.
#[inline(always)]
pub unsafe fn outputs<const F: usize, const HALF: bool>(
    a_out: *mut f32,
    b_out: *mut f32,
    systems: Option<usize>,
) -> (GlobalMut<f32>, GlobalMut<f32>) {
    match systems {
        Some(n) if HALF => (GlobalMut::<f16>::new(a_out as *mut f16, n * F * F).cast(), GlobalMut::new(b_out, n * F)),
        Some(n) => (GlobalMut::new(a_out, n * F * F), GlobalMut::new(b_out, n * F)),
        None => (GlobalMut::unbounded(a_out), GlobalMut::unbounded(b_out)),
    }
}

impl Problem {
    /// The range of global row `row`'s entries.
    #[inline(always)]
    pub fn entries(&self, row: u32) -> (usize, usize) {
        (self.indptr.get(row as usize) as usize, self.indptr.get(row as usize + 1) as usize)
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
    #[inline(always)]
    pub fn extra(&self, i: usize, j: usize, f: usize, n_u: usize) -> f32 {
        let diag = if i == j { 1.0 } else { 0.0 };
        if self.mode == MODE_EXPLICIT {
            diag * if n_u == 0 { 1.0 } else { self.lambda * n_u as f32 }
        } else {
            self.gram.get(i * f + j) + diag * self.lambda
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

/// Stores element `idx` of the A buffer, as f32 or rounded to f16 (see [`outputs`]).
#[inline(always)]
pub fn store_a<const HALF: bool>(a_out: GlobalMut<f32>, idx: usize, v: f32) {
    if HALF {
        a_out.cast::<f16>().set_rounded(idx, v);
    } else {
        a_out.set(idx, v);
    }
}

/// Stores elements `idx..idx + 4` of the A buffer (`idx` a multiple of 4), as f32 or rounded to
/// f16, in one 16-byte (8-byte) store.
#[inline(always)]
pub fn store_a4<const HALF: bool>(a_out: GlobalMut<f32>, idx: usize, v: [f32; 4]) {
    if HALF {
        a_out.cast::<f16>().set_rounded4(idx, v);
    } else {
        a_out.set4(idx, F32x4(v));
    }
}
