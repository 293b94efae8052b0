//! get_hermitian v7 — v5's pipelined register tiles, with the longest rows first and A_u written
//! coalesced.
//!
//! Changed from v5: block k computes the k-th row of `order` (the batch's rows, longest first), so
//! long rows no longer start late and run alone; and A_u goes through shared memory and is written
//! in coalesced 16-byte pieces instead of each thread storing its tile and mirror. Both fix what
//! Nsight Compute showed v5 losing time to; the sums are v5's.
//!
//! ## Notes
//!
//! Nsight Compute on v5 (Netflix shape, f = 100, H200, 2026-12-02,
//! `benches/results/gpu/profile-v5/`):
//! * **Longest rows first.** Block k computes batch row `order[row_begin + k]`, the host's list of
//!   the batch's rows by decreasing number of entries. Rows come in arbitrary order and their
//!   lengths are skewed (Netflix items: median 2,256 entries, maximum 463,506); a long row that
//!   starts near the end of the grid runs alone while the other SMs idle. v5's item side had its
//!   SMs active in 52% of the elapsed cycles. Started first, long rows overlap with the short ones.
//! * **A_u stored through shared memory** ([`super::tiles::store_coalesced`]). In v5 each thread
//!   writes its T×T tile and its mirror straight to global memory: a warp's store touches 32 rows
//!   of A_u, 32 sectors for 128 bytes. On the user side (480,189 rows of 40 KB) that was 7.2·10⁹
//!   L2 write sectors for 20.5 GB, the L2 54% busy. Put in shared memory and written in 16-byte
//!   pieces by consecutive threads, A_u costs F²/4 sector-filling stores.
//!
//! The sums are v5's (same tiles, same order), and A_u is exactly symmetric: its upper triangle
//! mirrors the lower one, where v5 stores the upper half of the diagonal tiles from their own
//! sums (equal to the lower half's up to rounding when the weights are not 1) and adds YᵀY's
//! upper triangle there. With explicit feedback (all weights 1, no YᵀY) A and b are
//! bit-identical to v5's.
//!
//! Launch: as v5 (same tiles, groups and blocks), plus `order`; dynamic shared memory
//! `Layout::Balanced` of `rustmf_kernel_abi::hermitian` (40 KB at f = 100: three blocks per SM, as
//! the registers allow). Budget: as v5, spill-free; at f = 64 launch bounds
//! (`kernels-abi/src/bounds.rs`, written by build.rs) keep four blocks per SM (128 registers; 133
//! without). Needs f % 4 == 0.
use super::tiles::{store_coalesced, sum_groups, Tile};
use super::v5_pipelined::accumulate;
use super::Problem;
use crate::prelude::*;
use rustmf_kernel_abi::hermitian::tiles;

#[inline(always)]
unsafe fn hermitian_balanced<const F: usize, const T: usize, const G: usize, const BLOCK: u32, const HALF: bool>(
    n_rows: u32,
    row_begin: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
    order: Global<u32>,
) {
    let Some((tile, position)) = Tile::enter::<F, T, G, BLOCK>(n_rows) else { return };
    let tid = thread_idx();
    let local = order.ldg((row_begin + position) as usize);
    let (lo, hi) = p.entries(row_begin + local);
    let (mut acc, bias) = accumulate::<F, T, G, BLOCK>(&p, &tile, lo, hi);
    sum_groups::<T, G>(&mut acc, &tile, tid);
    store_coalesced::<F, T, HALF, BLOCK>(&acc, &tile, |i, j| p.extra(i, j, F, hi - lo), local, a_out);
    if (tid as usize) < F {
        b_out.set(local as usize * F + tid as usize, bias);
    }
}

hermitian_kernels!(7, fp16, Ordered => hermitian_balanced::<F, { tiles(F).t }, { tiles(F).groups }, { tiles(F).block }, HALF>);
