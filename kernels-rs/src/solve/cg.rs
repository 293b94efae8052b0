//! Batched conjugate gradient, warm-started (cuMF_als §IV-A, Solution 3), with A stored as fp32 or
//! fp16 (§IV-B, Solution 4).
//!
//! Each block loads its A once into shared memory (from fp16, widened, in the half variant: half
//! the bytes read), then runs at most `steps` CG iterations from x₀ = the current factor row,
//! stopping early once ‖r‖ ≤ max(tol, ε)·‖b‖ (ε = fp32 epsilon: fp32 cannot get closer, and going on
//! past that point only divides by underflowing p·Ap). Thread i owns x_i, r_i, p_i; one step is a matrix-vector
//! product (A(i,·)·p with p published in shared memory) and two block-wide dot products.
//! Work per step: f² FMAs per system — O(f²) instead of the exact solvers' O(f³).
//!
//! Launch: grid = systems in the batch, block = f rounded up to 32, dynamic shared memory
//! `rustmf_kernel_abi::solve::shared_bytes`. Budget: ~30 registers; no local memory.
use super::{views, Workspace};
use crate::prelude::*;
use rustmf_kernel_abi::solve::SolveCg;

#[inline(always)]
unsafe fn cg<const F: usize, const HALF: bool>(
    n: u32,
    row_begin: u32,
    a: Global<u8>,
    b: Global<f32>,
    x: GlobalMut<f32>,
    steps: u32,
    tol: f32,
) {
    if (block_dim() as usize) < F {
        trap();
    }
    let k_sys = block_idx();
    if k_sys >= n {
        return;
    }
    let ws = Workspace::new(F);
    if HALF {
        let a16 = a.cast::<f16>().at(k_sys as usize * F * F);
        let mut idx = thread_idx() as usize;
        while idx < F * F {
            ws.a.store_unchecked(idx as u32, a16.get_widened(idx));
            idx += block_dim() as usize;
        }
    } else {
        ws.load_f32(a.cast::<f32>().at(k_sys as usize * F * F), F);
    }
    let i = thread_idx() as usize;
    let mine = i < F;
    let row = x.at((row_begin + k_sys) as usize * F);
    let bi = if mine { b.get(k_sys as usize * F + i) } else { 0.0 };
    let mut xi = if mine { row.get(i) } else { 0.0 };
    if mine {
        ws.u.store_unchecked(i as u32, xi);
    }
    sync_threads();

    let mut ri = bi - times_a(&ws, i, mine, F);
    let mut pi = ri;
    let mut rs = block_sum(ri * ri, ws.scratch);
    let tol = tol.max(f32::EPSILON);
    let threshold = tol * tol * block_sum(bi * bi, ws.scratch);
    let mut step = 0;
    while step < steps && rs > threshold {
        if mine {
            ws.u.store_unchecked(i as u32, pi);
        }
        sync_threads();
        let api = times_a(&ws, i, mine, F);
        let p_ap = block_sum(pi * api, ws.scratch);
        if !(p_ap > 0.0) {
            break;
        }
        let alpha = rs / p_ap;
        xi = fma(alpha, pi, xi);
        ri = fma(-alpha, api, ri);
        let rs_next = block_sum(ri * ri, ws.scratch);
        pi = fma(rs_next / rs, pi, ri);
        rs = rs_next;
        step += 1;
    }
    if mine {
        row.set(i, xi);
    }
}

/// (A·u)_i for the vector u published in shared memory (0 for threads past f).
#[inline(always)]
unsafe fn times_a(ws: &Workspace, i: usize, mine: bool, f: usize) -> f32 {
    let mut s = 0.0f32;
    if mine {
        for j in 0..f {
            s = fma(ws.at(i, j, f), ws.u.load_unchecked(j as u32), s);
        }
    }
    s
}

macro_rules! cg_kernels {
    ([$($f:literal),*]) => {
        rustmf_kernel_abi::solve_cg_kernels! {
            $(${concat(solve_cg_f, $f)} => |a: SolveCg| {
                let (a_in, b, x) = views::<$f>(a.n, a.row_begin, a.a, 4, a.b, a.x);
                cg::<$f, false>(a.n, a.row_begin, a_in, b, x, a.steps, a.tol)
            },)*
            $(${concat(solve_cg_half_f, $f)} => |a: SolveCg| {
                let (a_in, b, x) = views::<$f>(a.n, a.row_begin, a.a, 2, a.b, a.x);
                cg::<$f, true>(a.n, a.row_begin, a_in, b, x, a.steps, a.tol)
            },)*
        }
    };
}

rustmf_kernel_abi::with_supported_f!(cg_kernels!());
