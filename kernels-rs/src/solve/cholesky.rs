//! Batched Cholesky solve: A = LLᵀ in place, then L y = b and Lᵀ x = y. Exact (to fp32 rounding).
//!
//! Right-looking, one column per step k: the owner of row k takes the square root of the pivot;
//! after a barrier every row i > k scales its entry in column k; after another, every row i > k
//! subtracts L(i,k)·L(j,k) from its entries k < j ≤ i. Thread i only ever writes row i, so two
//! barriers per column are all the ordering needed. The substitutions keep each row's right-hand
//! side in a register and publish one solved unknown per step.
//! Work: f³/3 FMAs per system, unevenly spread (row i does i − k per step).
//!
//! Launch: grid = systems in the batch, block = f rounded up to 32, dynamic shared memory
//! `rustmf_kernel_abi::solve::shared_bytes`. Budget: ~30 registers; no local memory.
use super::Workspace;
use crate::prelude::*;

#[inline(always)]
unsafe fn cholesky<const F: usize>(n: u32, row_begin: u32, a: Global<f32>, b: Global<f32>, x: GlobalMut<f32>) {
    let k_sys = block_idx();
    if k_sys >= n || (block_dim() as usize) < F {
        if (block_dim() as usize) < F {
            trap();
        }
        return;
    }
    let ws = Workspace::new(F);
    ws.load_f32(a.at(k_sys as usize * F * F), F);
    let i = thread_idx() as usize;
    let mine = i < F;
    let rhs = if mine { b.get(k_sys as usize * F + i) } else { 0.0 };
    sync_threads();

    for k in 0..F {
        if i == k {
            ws.set(k, k, F, sqrt(ws.at(k, k, F)));
        }
        sync_threads();
        if mine && i > k {
            ws.set(i, k, F, ws.at(i, k, F) / ws.at(k, k, F));
        }
        sync_threads();
        if mine && i > k {
            let lik = ws.at(i, k, F);
            for j in k + 1..=i {
                ws.set(i, j, F, fma(-lik, ws.at(j, k, F), ws.at(i, j, F)));
            }
        }
    }
    sync_threads();

    let xi = ws.substitute(F, i, mine, rhs, false, true);
    if mine {
        x.set((row_begin + k_sys) as usize * F + i, xi);
    }
}

direct_solver!(solve_cholesky, cholesky);
