//! get_hermitian v4 — register tiles fed straight from the read-only cache (cuMF_als §III,
//! Solution 2: non-coalesced, cache-assisted reads).
//!
//! Changed from v3: no staging in shared memory and no barriers. Each thread reads the 2T values
//! of θ_i its tile needs directly from global memory with `ld.global.nc` vector loads. The loads
//! are not coalesced across the warp, but all the tile threads of a block read the same θ_i row
//! within a short time, so after the first miss they hit in L1; with few blocks per SM (register
//! tiles) the active rows fit in L1 and the block never waits at a barrier for the slowest load.
//! Same tiles, groups and launch shape as v3; no dynamic shared memory except for G > 1, where the
//! groups' tiles are added up at the end ([`super::v3_tiled::shared_bytes`] with staging omitted).
//!
//! Launch: as v3. Budget: as v3, spill-free; no local memory.
use super::{store_a, tile_coords, Problem};
use crate::prelude::*;

/// Shared-memory bytes for (f, T, G): only the groups' partial tiles.
pub const fn shared_bytes(f: usize, t: usize, g: usize) -> usize {
    let nt = f / t;
    4 * (g - 1) * (nt * (nt + 1) / 2) * t * t
}

#[inline(always)]
unsafe fn hermitian_cached<const F: usize, const T: usize, const G: usize, const BLOCK: u32, const HALF: bool>(
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
    let (tr, tc) = tile_coords(tid % tiles, nt);
    let (row_off, col_off) = ((tr as usize) * T, (tc as usize) * T);

    let mut acc = [[0.0f32; T]; T];
    let (lo, hi) = p.entries(row_begin + local);
    if group < G as u32 {
        let mut n = lo + group as usize;
        while n < hi {
            let th = p.theta.add(ldg_u32(p.indices.add(n)) as usize * F);
            let (wa, _) = p.weights(ldg_f32(p.values.add(n)));
            let rows = ldg_vec::<T>(th.add(row_off));
            let cols = ldg_vec::<T>(th.add(col_off));
            for i in 0..T {
                let x = wa * rows[i];
                for j in 0..T {
                    acc[i][j] = fma(x, cols[j], acc[i][j]);
                }
            }
            n += G;
        }
    }

    if G > 1 {
        let partial = Shared::<f32>::new(0, ((G - 1) * tiles as usize * T * T) as u32);
        let slot = |g: u32| ((g - 1) * tiles + tid % tiles) * (T * T) as u32;
        if group > 0 && group < G as u32 {
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
        for i in 0..T {
            for j in 0..T {
                let (r, c) = (row_off + i, col_off + j);
                let v = acc[i][j] + p.extra(r, c, F, hi - lo);
                store_a::<HALF>(a_out, a + r * F + c, v);
                if tr != tc {
                    store_a::<HALF>(a_out, a + c * F + r, v);
                }
            }
        }
    }
    let j = tid as usize;
    if j < F {
        let mut bias = 0.0f32;
        for n in lo..hi {
            let (_, wb) = p.weights(ldg_f32(p.values.add(n)));
            bias = fma(wb, ldg_f32(p.theta.add(ldg_u32(p.indices.add(n)) as usize * F + j)), bias);
        }
        *b_out.add(local as usize * F + j) = bias;
    }
}

macro_rules! v4 {
    ($name:ident, $f:literal, $t:literal, $g:literal, $block:literal, $half:literal) => {
        #[no_mangle]
        pub unsafe extern "ptx-kernel" fn $name(
            n_rows: u32, row_begin: u32, indptr: *const u64, indices: *const u32, values: *const f32,
            theta: *const f32, gram: *const f32, lambda: f32, alpha: f32, eps: f32, mode: u32,
            a_out: *mut f32, b_out: *mut f32,
        ) {
            let p = Problem { indptr, indices, values, theta, gram, lambda, alpha, eps, mode };
            hermitian_cached::<$f, $t, $g, $block, $half>(n_rows, row_begin, p, a_out, b_out)
        }
    };
}

v4!(hermitian_v4_f32, 32, 8, 12, 128, false);
v4!(hermitian_v4_f64, 64, 8, 3, 128, false);
v4!(hermitian_v4_f96, 96, 8, 1, 96, false);
v4!(hermitian_v4_f100, 100, 10, 2, 128, false);
v4!(hermitian_v4_f128, 128, 8, 1, 160, false);
v4!(hermitian_v4_f32_half, 32, 8, 12, 128, true);
v4!(hermitian_v4_f64_half, 64, 8, 3, 128, true);
v4!(hermitian_v4_f96_half, 96, 8, 1, 96, true);
v4!(hermitian_v4_f100_half, 100, 10, 2, 128, true);
v4!(hermitian_v4_f128_half, 128, 8, 1, 160, true);
