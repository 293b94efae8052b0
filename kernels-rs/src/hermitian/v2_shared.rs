//! get_hermitian v2 — θ staged in shared memory.
//!
//! Changed from v1: the block copies the θ_i of a chunk of S = 32 items (and their weights) into
//! shared memory with coalesced loads, then every thread updates its entries of A_u from there.
//! Each θ value now leaves global memory once per row instead of once per output entry, and each
//! thread keeps its M lower-triangle entries in registers for the whole row. What remains slow:
//! every FMA still needs two shared-memory loads (θ_i[j] and θ_i[k]), so the shared-memory pipe,
//! not the FMA units, sets the pace — v3 fixes that ratio.
//!
//! Launch: grid = rows in the batch, block = 256 threads, dynamic shared memory S·(f + 2)·4 bytes.
//! Budget: 3·M + ~20 registers (M = ⌈f(f+1)/2 / 256⌉: 20 at f=100); no local memory.
use super::Problem;
use crate::prelude::*;
use rustmf_kernel_abi::hermitian::{v2_entries_per_thread, STAGED_ITEMS as S, V2_BLOCK as BLOCK};

#[inline(always)]
unsafe fn hermitian_shared<const F: usize, const M: usize>(
    n_rows: u32,
    row_begin: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
) {
    let tri = F * (F + 1) / 2;
    if block_dim() != BLOCK || M * (BLOCK as usize) < tri {
        trap();
    }
    let local = block_idx();
    if local >= n_rows {
        return;
    }
    let tid = thread_idx() as usize;
    let theta_s = Shared::<f32>::new(0, (S * F) as u32);
    let wa_s = Shared::<f32>::new(theta_s.end_offset(), S as u32);
    let wb_s = Shared::<f32>::new(wa_s.end_offset(), S as u32);

    // This thread's entries: packed lower-triangle indices tid, tid + 256, ... → (j, k).
    let mut j_of = [0u32; M];
    let mut k_of = [0u32; M];
    for m in 0..M {
        let mut e = tid + m * BLOCK as usize;
        let mut j = 0;
        while e > j {
            e -= j + 1;
            j += 1;
        }
        j_of[m] = j as u32;
        k_of[m] = e as u32;
    }
    let mut acc = [0.0f32; M];
    let mut bias = 0.0f32;

    let (lo, hi) = p.entries(row_begin + local);
    let mut start = lo;
    while start < hi {
        let n = (hi - start).min(S);
        let mut idx = tid;
        while idx < n * F {
            let (s, c) = (idx / F, idx % F);
            let col = p.indices.ldg(start + s) as usize;
            theta_s.store_unchecked(idx as u32, p.theta.ldg(col * F + c));
            idx += BLOCK as usize;
        }
        if tid < n {
            let (wa, wb) = p.weights(p.values.ldg(start + tid));
            wa_s.store_unchecked(tid as u32, wa);
            wb_s.store_unchecked(tid as u32, wb);
        }
        sync_threads();
        for s in 0..n {
            let base = (s * F) as u32;
            let wa = wa_s.load_unchecked(s as u32);
            for m in 0..M {
                if tid + m * (BLOCK as usize) < tri {
                    let x = wa * theta_s.load_unchecked(base + j_of[m]);
                    acc[m] = fma(x, theta_s.load_unchecked(base + k_of[m]), acc[m]);
                }
            }
            if tid < F {
                bias = fma(wb_s.load_unchecked(s as u32), theta_s.load_unchecked(base + tid as u32), bias);
            }
        }
        sync_threads();
        start += n;
    }

    let a = a_out.at(local as usize * F * F);
    for m in 0..M {
        if tid + m * (BLOCK as usize) < tri {
            let (j, k) = (j_of[m] as usize, k_of[m] as usize);
            let v = acc[m] + p.extra(j, k, F, hi - lo);
            a.set(j * F + k, v);
            a.set(k * F + j, v);
        }
    }
    if tid < F {
        b_out.set(local as usize * F + tid, bias);
    }
}

// M = ⌈f(f+1)/2 / 256⌉
hermitian_kernels!(2, fp32, Rows => hermitian_shared::<F, { v2_entries_per_thread(F) }>);
