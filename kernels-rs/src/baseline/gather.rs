//! Gather for the cuBLAS get_hermitian baseline: for each row u of a chunk, the dense block
//! G_u (L_u × f, row-major, L_u ≥ n_u) whose rows are w_i·θ_i for the row's entries i, followed by
//! L_u − n_u rows of zeros, so that G_uᵀG_u = Σ_i w_i² θ_i θ_iᵀ — with w = 1 (explicit) or
//! w = √(c_ui − 1) (implicit; entries with r ≤ 0 gather zeros) the sum of get_hermitian
//! (`crate::hermitian`). On the way it writes b_u = Σ r_ui θ_i (explicit) or Σ c_ui θ_i (implicit),
//! with the weights of `hermitian::Problem::weights`, so b needs no second pass.
//!
//! Arguments: `(n_rows, row_begin, indptr, indices, values, theta, alpha, eps, mode, offsets,
//! gathered, b_out)`. Block k handles global row `row_begin + k`; its block starts at row
//! `offsets[k]` of `gathered` (rows of f floats) and has `offsets[k+1] − offsets[k]` rows; b_u goes
//! to `b_out[k·f..]`.
//!
//! Launch: grid = rows in the chunk, block = f rounded up to 32 (thread j owns column j: each
//! gathered row is one coalesced store), no shared memory.
//! Budget: 32 registers (ptxas, sm_90); no shared memory; no local memory.
//! Traffic: n_u·f floats read and L_u·f written per row — the price of handing cuBLAS dense operands.
use crate::hermitian::Problem;
use crate::prelude::*;
use rustmf_kernel_abi::baseline::BaselineGather;

#[inline(always)]
unsafe fn gather<const F: usize>(
    n_rows: u32,
    row_begin: u32,
    p: Problem,
    offsets: Global<u64>,
    gathered: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
) {
    if (block_dim() as usize) < F {
        trap();
    }
    let k = block_idx();
    if k >= n_rows {
        return;
    }
    let j = thread_idx() as usize;
    if j >= F {
        return;
    }
    let (lo, hi) = p.entries(row_begin + k);
    let (first, end) = (offsets.get(k as usize) as usize, offsets.get(k as usize + 1) as usize);
    if end - first < hi - lo {
        trap();
    }
    let mut out = gathered.at(first * F + j);
    let mut b = 0.0f32;
    for n in lo..hi {
        let th = p.theta.ldg(p.indices.get(n) as usize * F + j);
        let (wa, wb) = p.weights(p.values.get(n));
        out.set(0, sqrt(wa) * th);
        b = fma(wb, th, b);
        out = out.at(F);
    }
    for _ in (hi - lo)..(end - first) {
        out.set(0, 0.0);
        out = out.at(F);
    }
    b_out.set(k as usize * F + j, b);
}

macro_rules! gather_kernels {
    ([$($f:literal),*]) => {
        rustmf_kernel_abi::baseline_gather_kernels! {
            $(${concat(baseline_gather_f, $f)} => |a: BaselineGather| {
                // Reads indptr[row_begin + k] and the next, offsets[k] and the next, k < n_rows; nnz,
                // θ's row count and the gathered rows (offsets[n_rows]) are not passed.
                let rows = a.n_rows as usize;
                let p = Problem {
                    indptr: Global::new(a.indptr, a.row_begin as usize + rows + 1),
                    indices: Global::unbounded(a.indices),
                    values: Global::unbounded(a.values),
                    theta: Global::unbounded(a.theta),
                    gram: Global::empty(),
                    lambda: 0.0, alpha: a.alpha, eps: a.eps, mode: a.mode,
                };
                let (offsets, gathered) = (Global::new(a.offsets, rows + 1), GlobalMut::unbounded(a.gathered));
                let b_out = GlobalMut::new(a.b_out, rows * $f);
                gather::<$f>(a.n_rows, a.row_begin, p, offsets, gathered, b_out)
            },)*
        }
    };
}

rustmf_kernel_abi::with_supported_f!(gather_kernels!());
