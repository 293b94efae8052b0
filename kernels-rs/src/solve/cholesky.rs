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
//! [`super::shared_bytes`]. Budget: ~30 registers; no local memory.
use super::Workspace;
use crate::prelude::*;

#[inline(always)]
unsafe fn cholesky<const F: usize>(n: u32, row_begin: u32, a: *const f32, b: *const f32, x: *mut f32) {
    let k_sys = block_idx();
    if k_sys >= n || (block_dim() as usize) < F {
        if (block_dim() as usize) < F {
            trap();
        }
        return;
    }
    let ws = Workspace::new(F);
    ws.load_f32(a.add(k_sys as usize * F * F), F);
    let i = thread_idx() as usize;
    let mine = i < F;
    let mut rhs = if mine { *b.add(k_sys as usize * F + i) } else { 0.0 };
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

    // L y = b: step k publishes y_k in u[k]; rows below fold it into their right-hand side.
    for k in 0..F {
        if i == k {
            ws.u.store_unchecked(k as u32, rhs / ws.at(k, k, F));
        }
        sync_threads();
        if mine && i > k {
            rhs = fma(-ws.at(i, k, F), ws.u.load_unchecked(k as u32), rhs);
        }
    }
    // Lᵀ x = y: step k (from the last) publishes x_k in v[k]; rows above fold L(k,i)·x_k.
    let mut y = if mine { ws.u.load_unchecked(i as u32) } else { 0.0 };
    for k in (0..F).rev() {
        if i == k {
            ws.v.store_unchecked(k as u32, y / ws.at(k, k, F));
        }
        sync_threads();
        if mine && i < k {
            y = fma(-ws.at(k, i, F), ws.v.load_unchecked(k as u32), y);
        }
    }
    if mine {
        *x.add((row_begin + k_sys) as usize * F + i) = ws.v.load_unchecked(i as u32);
    }
}

macro_rules! cholesky {
    ($name:ident, $f:literal) => {
        #[no_mangle]
        pub unsafe extern "ptx-kernel" fn $name(n: u32, row_begin: u32, a: *const f32, b: *const f32, x: *mut f32) {
            cholesky::<$f>(n, row_begin, a, b, x)
        }
    };
}

cholesky!(solve_cholesky_f32, 32);
cholesky!(solve_cholesky_f64, 64);
cholesky!(solve_cholesky_f96, 96);
cholesky!(solve_cholesky_f100, 100);
cholesky!(solve_cholesky_f128, 128);
