//! The register-tile machinery shared by v3, v4 and v5: which T×T tile of A_u a thread owns, the
//! rank-1 update of a tile, adding up the item groups' partial tiles, and storing a tile; and the
//! coalesced write of A_u from shared memory (v7, v8).
use super::{store_a, store_a4, tile_coords, Problem};
use crate::prelude::*;

/// A thread's tile: `group` (which items it sums: every G-th) and tile row/column `tr ≥ tc` of
/// the nt × nt tile grid, nt = f/T.
#[derive(Clone, Copy)]
pub struct Tile {
    pub tiles: u32,
    pub group: u32,
    pub tr: u32,
    pub tc: u32,
}

impl Tile {
    #[inline(always)]
    pub fn of(tid: u32, f: usize, t: usize) -> Tile {
        let nt = (f / t) as u32;
        let tiles = nt * (nt + 1) / 2;
        let (tr, tc) = tile_coords(tid % tiles, nt);
        Tile { tiles, group: tid / tiles, tr, tc }
    }

    /// How every tiled kernel starts: the calling thread's tile and the batch row of its block.
    /// Traps when the launch does not match the kernel's constants (block size, tile table);
    /// `None` for blocks past the end of the batch.
    #[inline(always)]
    pub fn enter<const F: usize, const T: usize, const G: usize, const BLOCK: u32>(n_rows: u32) -> Option<(Tile, u32)> {
        let tile = Tile::of(thread_idx(), F, T);
        if block_dim() != BLOCK || F % T != 0 || tile.tiles * G as u32 > BLOCK {
            trap();
        }
        let local = block_idx();
        (local < n_rows).then_some((tile, local))
    }

    /// Whether this thread sums items (threads past G groups of tiles only stage and store).
    #[inline(always)]
    pub fn active<const G: usize>(&self) -> bool {
        self.group < G as u32
    }

    /// Offsets of the tile's first row and first column in θ.
    #[inline(always)]
    pub fn offsets(&self, t: usize) -> (usize, usize) {
        (self.tr as usize * t, self.tc as usize * t)
    }
}

/// acc += wa · rows ⊗ cols (T² FMAs).
#[inline(always)]
pub fn rank1<const T: usize>(acc: &mut [[f32; T]; T], wa: f32, rows: &[f32; T], cols: &[f32; T]) {
    for i in 0..T {
        let x = wa * rows[i];
        for j in 0..T {
            acc[i][j] = fma(x, cols[j], acc[i][j]);
        }
    }
}

/// Adds the partial tiles of groups 1..G into group 0's, through shared memory from offset 0
/// (every thread of the block must call it; the staging buffers must be free).
///
/// # Safety
/// The launch gave at least (G−1)·tiles·T²·4 bytes of dynamic shared memory.
#[inline(always)]
pub unsafe fn sum_groups<const T: usize, const G: usize>(acc: &mut [[f32; T]; T], tile: &Tile, tid: u32) {
    if G == 1 {
        return;
    }
    let partial = Shared::<f32>::new(0, ((G - 1) * tile.tiles as usize * T * T) as u32);
    let slot = |g: u32| ((g - 1) * tile.tiles + tid % tile.tiles) * (T * T) as u32;
    if tile.group > 0 && tile.group < G as u32 {
        for i in 0..T {
            for j in 0..T {
                partial.store_unchecked(slot(tile.group) + (i * T + j) as u32, acc[i][j]);
            }
        }
    }
    sync_threads();
    if tile.group == 0 {
        for g in 1..G as u32 {
            for i in 0..T {
                for j in 0..T {
                    acc[i][j] += partial.load_unchecked(slot(g) + (i * T + j) as u32);
                }
            }
        }
    }
}

/// Group 0 writes its tile of A_u (and the mirror tile above the diagonal), adding the
/// regularization and, for implicit feedback, YᵀY. `local` is a row of the batch.
#[inline(always)]
pub fn store<const F: usize, const T: usize, const HALF: bool>(
    acc: &[[f32; T]; T],
    tile: &Tile,
    p: &Problem,
    n_u: usize,
    local: u32,
    a_out: GlobalMut<f32>,
) {
    if tile.group != 0 {
        return;
    }
    let a = local as usize * F * F;
    let (row_off, col_off) = tile.offsets(T);
    for i in 0..T {
        for j in 0..T {
            let (r, c) = (row_off + i, col_off + j);
            let v = acc[i][j] + p.extra(r, c, F, n_u);
            store_a::<HALF>(a_out, a + r * F + c, v);
            if tile.tr != tile.tc {
                store_a::<HALF>(a_out, a + c * F + r, v);
            }
        }
    }
}

/// As [`store`], but group 0 first puts its tiles (the lower triangle and the diagonal tiles whole)
/// in shared memory from offset 0, and then the whole block writes A_u out in 16-byte (fp32) or
/// 8-byte (fp16) pieces, consecutive threads on consecutive pieces, each entry read from the lower
/// triangle (so the upper one mirrors it exactly, YᵀY included) and the term `extra(i, j)` (i ≥ j)
/// added on the way: `Problem::extra` (the regularization and YᵀY) for A_u, nothing for a partial
/// sum. [`store`] writes each thread's tile straight to global memory: every warp store touches 32
/// rows of A_u, 32 sectors for 128 bytes.
///
/// # Safety
/// `a_out` holds row `local` (f32, or f16 when HALF: see `super::outputs`); every thread of the
/// block calls it; the launch gave at least F²·4 bytes of dynamic shared memory, all free once the block has passed
/// the barrier at the top; F % 4 == 0 (traps otherwise), so every row is aligned for the pieces.
#[inline(always)]
pub unsafe fn store_coalesced<const F: usize, const T: usize, const HALF: bool, const BLOCK: u32>(
    acc: &[[f32; T]; T],
    tile: &Tile,
    extra: impl Fn(usize, usize) -> f32,
    local: u32,
    a_out: GlobalMut<f32>,
) {
    if F % 4 != 0 {
        trap();
    }
    let a_s = Shared::<f32>::new(0, (F * F) as u32);
    sync_threads();
    if tile.group == 0 {
        let (row_off, col_off) = tile.offsets(T);
        let corner = (row_off * F + col_off) as u32;
        for i in 0..T {
            for j in 0..T {
                a_s.store_unchecked(corner + (i * F + j) as u32, acc[i][j]);
            }
        }
    }
    sync_threads();
    write_symmetric::<F, HALF, BLOCK>(a_s, extra, local, a_out);
}

/// Writes A_u (row `local` of `a_out`) from the lower triangle in `a_s` (f×f, row-major, entries
/// with i ≥ j), in 16-byte (fp32) or 8-byte (fp16) pieces, consecutive threads on consecutive
/// pieces, the upper triangle mirroring the lower one and `extra(i, j)` (i ≥ j) added on the way.
///
/// # Safety
/// As [`store_coalesced`]; `a_s` is complete (a barrier passed since it was written).
#[inline(always)]
pub unsafe fn write_symmetric<const F: usize, const HALF: bool, const BLOCK: u32>(
    a_s: Shared<f32>,
    extra: impl Fn(usize, usize) -> f32,
    local: u32,
    a_out: GlobalMut<f32>,
) {
    if F % 4 != 0 {
        trap();
    }
    let a = local as usize * F * F;
    let mut q = thread_idx() as usize;
    while q < F * F / 4 {
        let mut v = [0.0f32; 4];
        for (e, x) in v.iter_mut().enumerate() {
            let (r, c) = ((4 * q + e) / F, (4 * q + e) % F);
            let (lo_r, lo_c) = (r.max(c), r.min(c));
            *x = a_s.load_unchecked((lo_r * F + lo_c) as u32) + extra(lo_r, lo_c);
        }
        store_a4::<HALF>(a_out, a + 4 * q, v);
        q += BLOCK as usize;
    }
}
