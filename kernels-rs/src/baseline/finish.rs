//! Finish for the cuBLAS get_hermitian baseline: once the batched GEMM has written
//! A_u = G_uᵀG_u (see [`super::gather`]), adds what get_hermitian adds besides the sum over entries
//! (`hermitian::Problem::extra`): λ·n_u on the diagonal (explicit; the identity for an empty row),
//! YᵀY + λI (implicit).
//!
//! Arguments: `(n_rows, row_begin, indptr, gram, lambda, mode, a_out)`; block k updates the f×f
//! matrix at `a_out[k·f²..]` of global row `row_begin + k`.
//!
//! Launch: grid = rows in the chunk, block = 256 threads striding over the f² entries, no shared
//! memory. Budget: 17–18 registers (ptxas, sm_90); no shared memory; no local memory.
//! Traffic: f² floats read and written per row (plus YᵀY from L2, implicit).
use crate::hermitian::{gram_view, Problem};
use crate::prelude::*;
use rustmf_kernel_abi::baseline::{BaselineFinish, FINISH_BLOCK as BLOCK};

#[inline(always)]
fn finish<const F: usize>(n_rows: u32, row_begin: u32, p: Problem, a_out: GlobalMut<f32>) {
    if block_dim() != BLOCK {
        trap();
    }
    let k = block_idx();
    if k >= n_rows {
        return;
    }
    let (lo, hi) = p.entries(row_begin + k);
    let a = a_out.at(k as usize * F * F);
    let mut e = thread_idx() as usize;
    while e < F * F {
        // As `*a += extra` did: the term first, then the load.
        let extra = p.extra(e / F, e % F, F, hi - lo);
        a.set(e, a.get(e) + extra);
        e += BLOCK as usize;
    }
}

macro_rules! finish_kernels {
    ([$($f:literal),*]) => {
        rustmf_kernel_abi::baseline_finish_kernels! {
            $(${concat(baseline_finish_f, $f)} => |a: BaselineFinish| {
                // Reads indptr[row_begin + k] and the next, k < n_rows; YᵀY in implicit modes.
                let indptr = Global::new(a.indptr, (a.row_begin + a.n_rows) as usize + 1);
                let p = Problem {
                    indptr, indices: Global::empty(), values: Global::empty(), theta: Global::empty(),
                    gram: gram_view::<$f>(a.gram, a.mode),
                    lambda: a.lambda, alpha: 0.0, eps: 1.0, mode: a.mode,
                };
                let a_out = GlobalMut::new(a.a_out, a.n_rows as usize * $f * $f);
                finish::<$f>(a.n_rows, a.row_begin, p, a_out)
            },)*
        }
    };
}

rustmf_kernel_abi::with_supported_f!(finish_kernels!());
