//! get_hermitian v4 — register tiles fed straight from the read-only cache (cuMF_als §III,
//! Solution 2: non-coalesced, cache-assisted reads).
//!
//! Changed from v3: no staging in shared memory and no barriers. Each thread reads the 2T values
//! of θ_i its tile needs directly from global memory with `ld.global.nc` vector loads. The loads
//! are not coalesced across the warp, but all the tile threads of a block read the same θ_i row
//! within a short time, so after the first miss they hit in L1; with few blocks per SM (register
//! tiles) the active rows fit in L1 and the block never waits at a barrier for the slowest load.
//! Same tiles, groups and launch shape as v3; no dynamic shared memory except for G > 1, where the
//! groups' tiles are added up at the end (`Layout::Cached` of `rustmf_kernel_abi::hermitian`:
//! v3's reduction without the staging).
//!
//! Launch: as v3. Budget: as v3, spill-free; no local memory.
use super::tiles::{rank1, store, sum_groups, Tile};
use super::Problem;
use crate::prelude::*;
use rustmf_kernel_abi::hermitian::tiles;

#[inline(always)]
unsafe fn hermitian_cached<const F: usize, const T: usize, const G: usize, const BLOCK: u32, const HALF: bool>(
    n_rows: u32,
    row_begin: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
) {
    let Some((tile, local)) = Tile::enter::<F, T, G, BLOCK>(n_rows) else { return };
    let tid = thread_idx();
    let (row_off, col_off) = tile.offsets(T);

    let mut acc = [[0.0f32; T]; T];
    let (lo, hi) = p.entries(row_begin + local);
    if tile.active::<G>() {
        let mut n = lo + tile.group as usize;
        while n < hi {
            let th = p.theta.at(p.indices.ldg(n) as usize * F);
            let (wa, _) = p.weights(p.values.ldg(n));
            let rows = th.ldg_vec::<T>(row_off);
            let cols = th.ldg_vec::<T>(col_off);
            rank1(&mut acc, wa, &rows, &cols);
            n += G;
        }
    }

    sum_groups::<T, G>(&mut acc, &tile, tid);
    store::<F, T, HALF>(&acc, &tile, &p, hi - lo, local, a_out);
    let j = tid as usize;
    if j < F {
        let mut bias = 0.0f32;
        for n in lo..hi {
            let (_, wb) = p.weights(p.values.ldg(n));
            bias = fma(wb, p.theta.ldg(p.indices.ldg(n) as usize * F + j), bias);
        }
        b_out.set(local as usize * F + j, bias);
    }
}

hermitian_kernels!(4, fp16, Rows => hermitian_cached::<F, { tiles(F).t }, { tiles(F).groups }, { tiles(F).block }, HALF>);
