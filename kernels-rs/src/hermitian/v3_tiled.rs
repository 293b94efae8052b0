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
//! Launch: grid = rows in the batch, block as in the table, dynamic shared memory
//! [`shared_bytes`]. Budget: T² + 2T + ~30 registers, spill-free; no local memory.
use super::{store_a, tile_coords, Problem};
use crate::prelude::*;

const S: usize = 32;

/// Shared-memory bytes for (f, T, G): the staging area for S items, or the groups' tiles at the
/// end, whichever is larger (they share the space).
pub const fn shared_bytes(f: usize, t: usize, g: usize) -> usize {
    let nt = f / t;
    let staging = S * (f + 2);
    let reduction = (g - 1) * (nt * (nt + 1) / 2) * t * t;
    4 * if staging > reduction { staging } else { reduction }
}

#[inline(always)]
unsafe fn hermitian_tiled<const F: usize, const T: usize, const G: usize, const BLOCK: u32, const HALF: bool>(
    n_rows: u32,
    row_begin: u32,
    p: Problem,
    a_out: *mut f32,
    b_out: *mut f32,
) {
    let nt = (F / T) as u32;
    let tiles = nt * (nt + 1) / 2;
    if block_dim() != BLOCK || F % T != 0 || tiles * G as u32 > BLOCK {
        trap();
    }
    let local = block_idx();
    if local >= n_rows {
        return;
    }
    let tid = thread_idx();
    let group = tid / tiles;
    let active = group < G as u32;
    let (tr, tc) = tile_coords(tid % tiles, nt);
    let (row_off, col_off) = (tr * T as u32, tc * T as u32);

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
            let (wa, wb) = p.weights(ldg_f32(p.values.add(start + tid as usize)));
            wa_s.store_unchecked(tid, wa);
            wb_s.store_unchecked(tid, wb);
        }
        sync_threads();
        if active {
            let mut s = group as usize;
            while s < n {
                let base = (s * F) as u32;
                let wa = wa_s.load_unchecked(s as u32);
                let rows = theta_s.load_vec_unchecked::<T>(base + row_off);
                let cols = theta_s.load_vec_unchecked::<T>(base + col_off);
                for i in 0..T {
                    let x = wa * rows[i];
                    for j in 0..T {
                        acc[i][j] = fma(x, cols[j], acc[i][j]);
                    }
                }
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

    if G > 1 {
        let partial = Shared::<f32>::new(0, ((G - 1) * tiles as usize * T * T) as u32);
        let slot = |g: u32| ((g - 1) * tiles + tid % tiles) * (T * T) as u32;
        if active && group > 0 {
            for i in 0..T {
                for j in 0..T {
                    partial.store_unchecked(slot(group) + (i * T + j) as u32, acc[i][j]);
                }
            }
        }
        sync_threads();
        if group == 0 {
            for g in 1..G as u32 {
                for i in 0..T {
                    for j in 0..T {
                        acc[i][j] += partial.load_unchecked(slot(g) + (i * T + j) as u32);
                    }
                }
            }
        }
    }

    if group == 0 {
        let a = local as usize * F * F;
        let n_u = hi - lo;
        for i in 0..T {
            for j in 0..T {
                let (r, c) = (row_off as usize + i, col_off as usize + j);
                let v = acc[i][j] + p.extra(r, c, F, n_u);
                store_a::<HALF>(a_out, a + r * F + c, v);
                if tr != tc {
                    store_a::<HALF>(a_out, a + c * F + r, v);
                }
            }
        }
    }
    if (tid as usize) < F {
        *b_out.add(local as usize * F + tid as usize) = bias;
    }
}

/// Copies θ of entries `start..start+n` to shared memory, row after row, coalesced: consecutive
/// threads read consecutive floats of a row.
#[inline(always)]
pub(super) unsafe fn stage<const F: usize>(p: &Problem, theta_s: Shared<f32>, start: usize, n: usize, tid: usize, block: usize) {
    let mut idx = tid;
    while idx < n * F {
        let (s, c) = (idx / F, idx % F);
        let col = ldg_u32(p.indices.add(start + s)) as usize;
        theta_s.store_unchecked(idx as u32, ldg_f32(p.theta.add(col * F + c)));
        idx += block;
    }
}

macro_rules! v3 {
    ($name:ident, $f:literal, $t:literal, $g:literal, $block:literal, $half:literal) => {
        #[no_mangle]
        pub unsafe extern "ptx-kernel" fn $name(
            n_rows: u32, row_begin: u32, indptr: *const u64, indices: *const u32, values: *const f32,
            theta: *const f32, gram: *const f32, lambda: f32, alpha: f32, eps: f32, mode: u32,
            a_out: *mut f32, b_out: *mut f32,
        ) {
            let p = Problem { indptr, indices, values, theta, gram, lambda, alpha, eps, mode };
            hermitian_tiled::<$f, $t, $g, $block, $half>(n_rows, row_begin, p, a_out, b_out)
        }
    };
}

v3!(hermitian_v3_f32, 32, 8, 12, 128, false);
v3!(hermitian_v3_f64, 64, 8, 3, 128, false);
v3!(hermitian_v3_f96, 96, 8, 1, 96, false);
v3!(hermitian_v3_f100, 100, 10, 2, 128, false);
v3!(hermitian_v3_f128, 128, 8, 1, 160, false);
v3!(hermitian_v3_f32_half, 32, 8, 12, 128, true);
v3!(hermitian_v3_f64_half, 64, 8, 3, 128, true);
v3!(hermitian_v3_f96_half, 96, 8, 1, 96, true);
v3!(hermitian_v3_f100_half, 100, 10, 2, 128, true);
v3!(hermitian_v3_f128_half, 128, 8, 1, 160, true);
