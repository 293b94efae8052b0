//! Sums over the entries of a sparse matrix R (rows u, columns i) for the factors X of its rows
//! and Θ of its columns, with s_ui = x_uᵀθ_i:
//!
//! ```text
//! explicit:  DATA = Σ (r_ui − s_ui)²    ABSOLUTE = Σ |r_ui − s_ui|    NORMS = Σ ‖x_u‖² + ‖θ_i‖²
//! implicit:  DATA = Σ_{r_ui > 0} c_ui (1 − s_ui)² − s_ui²             (c_ui of `Problem::weights`)
//! ```
//! From them the host makes, without the factors leaving the GPU, the training objective of the
//! CPU reference (`host/src/cpu/als/step.rs`) — explicit: DATA + λ·NORMS, which is
//! λ Σ_u n_u‖x_u‖² + λ Σ_i n_i‖θ_i‖² counted entry by entry; implicit: DATA + ⟨XᵀX, ΘᵀΘ⟩ +
//! λ (tr XᵀX + tr ΘᵀΘ), the grams by cuBLAS — and over a test matrix the RMSE √(DATA/nnz) and
//! the MAE ABSOLUTE/nnz. Not a kernel of cuMF_als, whose figures plot test RMSE per iteration
//! (Fig. 6) without saying where it is computed; on the CPU, the objective of a Yahoo!-Music-shaped
//! run took ten times its GPU iteration (issue 19).
//!
//! Layout. The entries are cut into chunks of `CHUNK`; warp w of the grid takes chunks w, w + W, …
//! (W warps in all), so the work is balanced by entries and a long row leaves no tail. In a warp,
//! groups of L lanes take one entry each, as in matrix-free CG: lane q holds chunks q and q + L of
//! 4 floats of an f-vector. A group finds its entry's row by walking the row pointers forward from
//! a binary search at the chunk's start, and reloads x_u when the row changes; the next entry's
//! index and value are fetched a round ahead. s_ui: products and sums in fp64, summed over the
//! group by xor shuffles; ‖θ_i‖² in fp32 per lane. Each lane sums in fp64; each warp writes its
//! `SUMS` sums to `partials` (lane 0, warp order), which the host adds in order: the result does
//! not depend on timing.
//!
//! Launch: block `BLOCK`, grid `rustmf_kernel_abi::loss::launch` (any grid works: grid-stride over
//! chunks), no shared memory. Budget: one gather of θ_i per entry (f·4 bytes, from DRAM when Θ
//! does not fit in L2) and f fp64 FMAs; bound by the gathers, as one step of matrix-free CG.
use crate::hermitian::{Problem, MODE_EXPLICIT};
use crate::prelude::*;
use crate::solve::cg_matrix_free::lanes;
use rustmf_kernel_abi::loss::{EntrySums, ABSOLUTE, BLOCK, CHUNK, DATA, NORMS, SUMS, WARPS};

/// A lane's two chunks of an f-vector.
type Part = [[f32; 4]; 2];
const ZERO: Part = [[0.0; 4]; 2];

#[inline(always)]
unsafe fn entry_sums<const F: usize, const L: usize>(
    n_rows: u32,
    nnz: usize,
    p: Problem,
    x: Global<f32>,
    partials: GlobalMut<f64>,
) {
    if block_dim() != BLOCK || L != lanes(F) || F % 4 != 0 {
        trap();
    }
    let explicit = p.mode == MODE_EXPLICIT;
    let lane = lane_id() as usize;
    let (q, g, groups) = (lane % L, lane / L, 32 / L);
    let chunks = [q, q + L];
    let valid = [chunks[0] < F / 4, chunks[1] < F / 4];
    let warp = block_idx() as usize * WARPS + warp_id() as usize;
    let warps = grid_dim() as usize * WARPS;
    let mut sums = [0f64; SUMS];
    let mut chunk = warp;
    while chunk * CHUNK < nnz {
        let (begin, end) = (chunk * CHUNK, ((chunk + 1) * CHUNK).min(nnz));
        let mut row = row_of(&p, n_rows, begin);
        let mut loaded = usize::MAX;
        let (mut xv, mut xx) = (ZERO, 0.0f32);
        let fetch = |e: usize| if e < end { (p.indices.ldg(e) as usize, p.values.ldg(e)) } else { (0, 0.0) };
        let mut e = begin + g;
        let mut next = fetch(e);
        while e - g < end {
            let (i, r) = next;
            next = fetch(e + groups);
            let mut s = 0.0f64;
            if e < end {
                let mut theta = ZERO;
                for c in 0..2 {
                    if valid[c] {
                        theta[c] = p.theta.ldg4(i * F + 4 * chunks[c]).0;
                    }
                }
                while p.indptr.get(row + 1) as usize <= e {
                    row += 1;
                }
                if row != loaded {
                    (xv, xx) = load_row::<F>(x, row, &chunks, &valid);
                    loaded = row;
                }
                let mut tt = 0.0f32;
                for c in 0..2 {
                    for j in 0..4 {
                        s += xv[c][j] as f64 * theta[c][j] as f64;
                        tt = fma(theta[c][j], theta[c][j], tt);
                    }
                }
                if explicit {
                    sums[NORMS] += (xx + tt) as f64;
                }
            }
            let mut m = 1;
            while m < L as u32 {
                s += shfl_xor_f64(s, m);
                m *= 2;
            }
            if e < end && q == 0 {
                if explicit {
                    let err = r as f64 - s;
                    sums[DATA] += err * err;
                    sums[ABSOLUTE] += err.abs();
                } else if r > 0.0 {
                    let c = p.weights(r).1 as f64;
                    sums[DATA] += c * (1.0 - s) * (1.0 - s) - s * s;
                }
            }
            e += groups;
        }
        chunk += warps;
    }
    for (k, v) in sums.into_iter().enumerate() {
        let total = warp_sum(v);
        if lane == 0 {
            partials.set(SUMS * warp + k, total);
        }
    }
}

/// The row that holds entry `e`: the last row starting at or before it (empty rows start where
/// the next one does, so this is the nonempty one).
#[inline(always)]
fn row_of(p: &Problem, n_rows: u32, e: usize) -> usize {
    let (mut lo, mut hi) = (0usize, n_rows as usize);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if p.indptr.get(mid) as usize <= e {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// This lane's chunks of x_row and their squared norm.
#[inline(always)]
fn load_row<const F: usize>(x: Global<f32>, row: usize, chunks: &[usize; 2], valid: &[bool; 2]) -> (Part, f32) {
    let mut xv = ZERO;
    let mut xx = 0.0f32;
    for c in 0..2 {
        if valid[c] {
            xv[c] = x.ldg4(row * F + 4 * chunks[c]).0;
            for j in 0..4 {
                xx = fma(xv[c][j], xv[c][j], xx);
            }
        }
    }
    (xv, xx)
}

macro_rules! loss_kernels {
    ([$($f:literal),*]) => {
        rustmf_kernel_abi::entry_sums_kernels! {
            $(${concat(loss_entry_sums_f, $f)} => |a: EntrySums| {
                let rows = a.n_rows as usize;
                let nnz = a.nnz as usize;
                let p = Problem {
                    indptr: Global::new(a.indptr, rows + 1),
                    indices: Global::new(a.indices, nnz),
                    values: Global::new(a.values, nnz),
                    // θ's row count is not passed.
                    theta: Global::unbounded(a.theta),
                    gram: Global::empty(),
                    lambda: 0.0, alpha: a.alpha, eps: a.eps, mode: a.mode,
                };
                let warps = grid_dim() as usize * WARPS;
                let (x, partials) = (Global::new(a.x, rows * $f), GlobalMut::new(a.partials, warps * SUMS));
                entry_sums::<$f, { lanes($f) }>(a.n_rows, nnz, p, x, partials)
            },)*
        }
    };
}

rustmf_kernel_abi::with_supported_f!(loss_kernels!());
