//! get_hermitian v3 — register tiling (cuMF_als §III, Solution 1).
//!
//! Changed from v2: A_u is cut into T×T tiles and each thread owns one tile of the lower triangle
//! in registers. Per item it loads T values of θ_i for its tile's rows and T for its columns from
//! shared memory (vector loads) and does T² FMAs: 2T loads per T² FMAs instead of 2 per FMA, so
//! the FMA units rather than the shared-memory pipe set the pace. When the tiles number fewer
//! than the block's threads, G groups of threads each sum every G-th item and the groups' tiles
//! are added up through shared memory at the end, so small f still fills the block.
//! The price is register pressure and low occupancy (cuMF's Observation 2): a few blocks per SM.
//!
//! | f   | T  | tiles | G  | block | registers in the tile |
//! |-----|----|-------|----|-------|------------------------|
//! | 32  | 8  | 10    | 12 | 128   | 64 |
//! | 64  | 8  | 36    | 3  | 128   | 64 |
//! | 96  | 8  | 78    | 1  | 96    | 64 |
//! | 100 | 10 | 55    | 2  | 128   | 100 |
//! | 128 | 8  | 136   | 1  | 160   | 64 |
//!
//! The table is `rustmf_kernel_abi::hermitian::tiles`, which this file and the host both read.
//!
//! Launch: grid = rows in the batch, block as in the table, dynamic shared memory
//! `Layout::Tiled` of `rustmf_kernel_abi::hermitian` (one staging buffer, or the groups'
//! reduction). Budget: T² + 2T + ~30 registers, spill-free; no local memory.
use super::tiles::{rank1, store, sum_groups, Tile};
use super::Problem;
use crate::prelude::*;
use rustmf_kernel_abi::hermitian::{tiles, STAGED_ITEMS as S};

#[inline(always)]
unsafe fn hermitian_tiled<const F: usize, const T: usize, const G: usize, const BLOCK: u32, const HALF: bool>(
    n_rows: u32,
    row_begin: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
) {
    let Some((tile, local)) = Tile::enter::<F, T, G, BLOCK>(n_rows) else { return };
    let tid = thread_idx();
    let active = tile.active::<G>();
    let (row_off, col_off) = tile.offsets(T);

    let theta_s = Shared::<f32>::new(0, (S * F) as u32);
    let wa_s = Shared::<f32>::new(theta_s.end_offset(), S as u32);
    let wb_s = Shared::<f32>::new(wa_s.end_offset(), S as u32);

    let mut acc = [[0.0f32; T]; T];
    let mut bias = 0.0f32;
    let (lo, hi) = p.entries(row_begin + local);
    let mut start = lo;
    while start < hi {
        let n = (hi - start).min(S);
        stage::<F>(&p, theta_s, start, n, tid as usize, BLOCK as usize);
        if (tid as usize) < n {
            let (wa, wb) = p.weights(p.values.ldg(start + tid as usize));
            wa_s.store_unchecked(tid, wa);
            wb_s.store_unchecked(tid, wb);
        }
        sync_threads();
        if active {
            let mut s = tile.group as usize;
            while s < n {
                let base = s * F;
                let rows = theta_s.load_vec_unchecked::<T>((base + row_off) as u32);
                let cols = theta_s.load_vec_unchecked::<T>((base + col_off) as u32);
                rank1(&mut acc, wa_s.load_unchecked(s as u32), &rows, &cols);
                s += G;
            }
        }
        if (tid as usize) < F {
            for s in 0..n {
                bias = fma(wb_s.load_unchecked(s as u32), theta_s.load_unchecked((s * F) as u32 + tid), bias);
            }
        }
        sync_threads();
        start += n;
    }

    sum_groups::<T, G>(&mut acc, &tile, tid);
    store::<F, T, HALF>(&acc, &tile, &p, hi - lo, local, a_out);
    if (tid as usize) < F {
        b_out.set(local as usize * F + tid as usize, bias);
    }
}

/// Copies θ of entries `start..start+n` to shared memory, row after row, coalesced: consecutive
/// threads read consecutive floats of a row.
#[inline(always)]
pub(super) unsafe fn stage<const F: usize>(
    p: &Problem,
    theta_s: Shared<f32>,
    start: usize,
    n: usize,
    tid: usize,
    block: usize,
) {
    let mut idx = tid;
    while idx < n * F {
        let (s, c) = (idx / F, idx % F);
        let col = p.indices.ldg(start + s) as usize;
        theta_s.store_unchecked(idx as u32, p.theta.ldg(col * F + c));
        idx += block;
    }
}

hermitian_kernels!(3, fp16, Rows => hermitian_tiled::<F, { tiles(F).t }, { tiles(F).groups }, { tiles(F).block }, HALF>);
