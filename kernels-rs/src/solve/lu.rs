//! Batched LU solve without pivoting: A = LU in place (L unit lower), then L y = b and U x = y.
//! Exact to fp32 rounding for the SPD systems of ALS; here for parity with the cuBLAS
//! getrf/getrs baseline of the paper, and as the reference point Cholesky is measured against.
//!
//! Step k: after a barrier, every row i > k computes its multiplier l_ik = A(i,k)/A(k,k) and
//! subtracts l_ik·A(k,j) from its entries j > k (thread i writes only row i; row k is read by all).
//! Work: 2f³/3 FMAs per system — twice Cholesky's.
//!
//! Launch: grid = systems in the batch, block = f rounded up to 32, dynamic shared memory
//! `rustmf_kernel_abi::solve::shared_bytes`. Budget: ~30 registers; no local memory.
use super::Workspace;
use crate::prelude::*;

#[inline(always)]
unsafe fn lu<const F: usize>(n: u32, row_begin: u32, a: Global<f32>, b: Global<f32>, x: GlobalMut<f32>) {
    if (block_dim() as usize) < F {
        trap();
    }
    let k_sys = block_idx();
    if k_sys >= n {
        return;
    }
    let ws = Workspace::new(F);
    ws.load_f32(a.at(k_sys as usize * F * F), F);
    let i = thread_idx() as usize;
    let mine = i < F;
    let rhs = if mine { b.get(k_sys as usize * F + i) } else { 0.0 };

    for k in 0..F {
        sync_threads();
        if mine && i > k {
            let l = ws.at(i, k, F) / ws.at(k, k, F);
            ws.set(i, k, F, l);
            for j in k + 1..F {
                ws.set(i, j, F, fma(-l, ws.at(k, j, F), ws.at(i, j, F)));
            }
        }
    }
    sync_threads();

    let xi = ws.substitute(F, i, mine, rhs, true, false);
    if mine {
        x.set((row_begin + k_sys) as usize * F + i, xi);
    }
}

direct_solver!(solve_lu, lu);
