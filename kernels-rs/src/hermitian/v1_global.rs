//! get_hermitian v1 — straightforward, global memory only.
//!
//! Each thread takes entries (j, k) of the lower triangle of A_u, strided by the block size, and
//! sums w_i·θ_i[j]·θ_i[k] over the row's items reading θ from global memory every time; threads
//! j < f also sum b_u[j]. Nothing is reused on chip: every FMA costs two global loads (served by
//! L1/L2 at best). It is the baseline the later versions are measured against.
//!
//! Launch: grid = rows in the batch, block = 128 threads, no shared memory.
//! Budget: a few registers; no shared memory; no local memory.
use super::Problem;
use crate::prelude::*;
use rustmf_kernel_abi::hermitian::V1_BLOCK as BLOCK;

#[inline(always)]
fn hermitian_global<const F: usize>(
    n_rows: u32,
    row_begin: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
) {
    if block_dim() != BLOCK {
        trap();
    }
    let local = block_idx();
    if local >= n_rows {
        return;
    }
    let (lo, hi) = p.entries(row_begin + local);
    let a = a_out.at(local as usize * F * F);
    let mut e = thread_idx() as usize;
    while e < F * F {
        let (j, k) = (e / F, e % F);
        if k <= j {
            let mut acc = 0.0f32;
            for n in lo..hi {
                let th = p.theta.at(p.indices.get(n) as usize * F);
                let (wa, _) = p.weights(p.values.get(n));
                acc = fma(wa * th.get(j), th.get(k), acc);
            }
            let v = acc + p.extra(j, k, F, hi - lo);
            a.set(j * F + k, v);
            a.set(k * F + j, v);
        }
        e += BLOCK as usize;
    }
    let j = thread_idx() as usize;
    if j < F {
        let mut acc = 0.0f32;
        for n in lo..hi {
            let (_, wb) = p.weights(p.values.get(n));
            acc = fma(wb, p.theta.get(p.indices.get(n) as usize * F + j), acc);
        }
        b_out.set(local as usize * F + j, acc);
    }
}

hermitian_kernels!(1, fp32, Rows => hermitian_global::<F>);
