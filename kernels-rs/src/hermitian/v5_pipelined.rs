//! get_hermitian v5 — v3's register tiles with asynchronous, double-buffered staging.
//!
//! Changed from v3: the θ rows (and values) of the next chunk of S = 32 items are copied to shared
//! memory by `cp.async` (sm_80+) into a second buffer *while* the tiles consume the current one.
//! In v3 every chunk starts with all threads waiting for their global loads and a barrier; at the
//! low occupancy register tiles force (three blocks per SM at f=100), that latency was not hidden
//! and the FMA units sat idle between chunks. Here only the load of the next chunk's column
//! indices is waited for; the θ bytes arrive during the current chunk's FMAs. The copies also need
//! no registers and no thread instructions per float beyond issuing 16-byte transfers.
//! Confidence weights are computed from the staged values at use (one per item per thread).
//!
//! Launch: as v3 (same tiles, groups and blocks); dynamic shared memory `Layout::Pipelined` of
//! `rustmf_kernel_abi::hermitian` (two staging buffers, or the groups' reduction).
//! Budget: as v3, spill-free; no local memory. Needs f % 4 == 0 (16-byte copies of θ rows).
use super::tiles::{rank1, store, sum_groups, Tile};
use super::Problem;
use crate::prelude::*;
use rustmf_kernel_abi::hermitian::{tiles, STAGED_ITEMS as S};

/// One staging buffer: θ of S items and their values.
#[derive(Clone, Copy)]
struct Buffer {
    theta: Shared<f32>,
    values: Shared<f32>,
}

/// Issues the copies of chunk `start..start+n` into `buf` and commits them as one group.
#[inline(always)]
unsafe fn issue<const F: usize, const BLOCK: u32>(p: &Problem, buf: Buffer, start: usize, n: usize, tid: usize) {
    let quads = F / 4;
    let mut idx = tid;
    while idx < n * quads {
        let (s, q) = (idx / quads, idx % quads);
        let col = p.indices.ldg(start + s) as usize;
        buf.theta.cp_async_16_unchecked((s * F + 4 * q) as u32, p.theta, col * F + 4 * q);
        idx += BLOCK as usize;
    }
    if tid < n {
        buf.values.cp_async_4_unchecked(tid as u32, p.values, start + tid);
    }
    cp_async_commit();
}

#[inline(always)]
unsafe fn hermitian_pipelined<const F: usize, const T: usize, const G: usize, const BLOCK: u32, const HALF: bool>(
    n_rows: u32,
    row_begin: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
) {
    let Some((tile, local)) = Tile::enter::<F, T, G, BLOCK>(n_rows) else { return };
    let tid = thread_idx();
    let (lo, hi) = p.entries(row_begin + local);
    let (mut acc, bias) = accumulate::<F, T, G, BLOCK>(&p, &tile, lo, hi);
    sum_groups::<T, G>(&mut acc, &tile, tid);
    store::<F, T, HALF>(&acc, &tile, &p, hi - lo, local, a_out);
    if (tid as usize) < F {
        b_out.set(local as usize * F + tid as usize, bias);
    }
}

/// The pipelined sum over entries `lo..hi`: this thread's tile of Σ w θθᵀ (its group's items)
/// and, for threads below F, entry `tid` of b_u. Every thread of the block must call it; on
/// return the staging buffers are free.
///
/// # Safety
/// The launch gave `Layout::Pipelined`'s dynamic shared memory (`kernels-abi`); `lo..hi` are
/// entries of `p`.
#[inline(always)]
pub(super) unsafe fn accumulate<const F: usize, const T: usize, const G: usize, const BLOCK: u32>(
    p: &Problem,
    tile: &Tile,
    lo: usize,
    hi: usize,
) -> ([[f32; T]; T], f32) {
    let tid = thread_idx();
    if F % 4 != 0 {
        trap();
    }
    let active = tile.active::<G>();
    let (row_off, col_off) = tile.offsets(T);
    let theta0 = Shared::<f32>::new(0, (S * F) as u32);
    let theta1 = Shared::<f32>::new(theta0.end_offset(), (S * F) as u32);
    let values0 = Shared::<f32>::new(theta1.end_offset(), S as u32);
    let values1 = Shared::<f32>::new(values0.end_offset(), S as u32);
    // Chosen by parity with a select, not by indexing an array: a run-time index into an array of
    // buffers would put the array in local memory.
    let buffer = |c: usize| {
        if c % 2 == 0 {
            Buffer { theta: theta0, values: values0 }
        } else {
            Buffer { theta: theta1, values: values1 }
        }
    };

    let mut acc = [[0.0f32; T]; T];
    let mut bias = 0.0f32;
    let chunks = (hi - lo).div_ceil(S);
    if chunks > 0 {
        issue::<F, BLOCK>(p, buffer(0), lo, S.min(hi - lo), tid as usize);
    }
    for c in 0..chunks {
        let start = lo + c * S;
        let n = S.min(hi - start);
        if c + 1 < chunks {
            let next = start + S;
            issue::<F, BLOCK>(p, buffer(c + 1), next, S.min(hi - next), tid as usize);
            cp_async_wait::<1>();
        } else {
            cp_async_wait::<0>();
        }
        sync_threads();
        let buf = buffer(c);
        if active {
            let mut s = tile.group as usize;
            while s < n {
                let base = s * F;
                let (wa, _) = p.weights(buf.values.load_unchecked(s as u32));
                let rows = buf.theta.load_vec_unchecked::<T>((base + row_off) as u32);
                let cols = buf.theta.load_vec_unchecked::<T>((base + col_off) as u32);
                rank1(&mut acc, wa, &rows, &cols);
                s += G;
            }
        }
        if (tid as usize) < F {
            for s in 0..n {
                let (_, wb) = p.weights(buf.values.load_unchecked(s as u32));
                bias = fma(wb, buf.theta.load_unchecked((s * F) as u32 + tid), bias);
            }
        }
        sync_threads();
    }
    (acc, bias)
}

hermitian_kernels!(5, fp16, Rows => hermitian_pipelined::<F, { tiles(F).t }, { tiles(F).groups }, { tiles(F).block }, HALF>);
