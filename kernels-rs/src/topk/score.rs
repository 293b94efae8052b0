//! Fused scoring: exact fp32 scores of a block of users against tiles of items, consumed in
//! registers — written densely for a sample of the items, or kept only where they reach a
//! per-user threshold (never writing the B × N score matrix).
//!
//! ```text
//! s_ui = fma(q[f−1], y[f−1], … fma(q[1], y[1], fma(q[0], y[0], 0)))      (one fp32 chain per score)
//! ```
//!
//! The fixed order makes every score bit-identical to the CPU reference
//! (`rustmf_host::infer::reference_scores`), so the fused path returns exactly the CPU top-K.
//!
//! The exact top-K in three launches (host: `gpu::infer`): (1) `score_sample` writes the scores of
//! every s-th item (about N/64 of them); (2) their top-K (`select::topk_dense`) gives each user a
//! threshold τ_u, the K-th best sampled score — a lower bound of the K-th best over all items,
//! so every true top-K item scores ≥ τ_u; (3) `score_filter` scores all items and appends each
//! (score, item) with score ≥ τ_u that is not excluded to the user's candidate list (about 64·K
//! entries), whose top-K (`select::topk_candidates`) is the answer.
//!
//! Tiling (SGEMM-like, K = f small): a block holds BU = 64 users' queries in shared memory,
//! transposed (Q[j][u]), and stages tiles of TI = 128 items, transposed (Y[j][i]), loading the
//! next tile into registers while it computes the current one. Thread (tx, ty) = (lane, warp)
//! owns users 8ty..8ty+8 × items 4tx..4tx+4 of the tile: per j one broadcast 2×128-bit load of
//! q, one conflict-free 128-bit load of y, 32 FMAs.
//!
//! Launch: 256 threads; grid = ⌈B/64⌉ × partitions (block b: user tile b % ⌈B/64⌉, partition
//! b / ⌈B/64⌉ of `tiles_per_block` tiles); dynamic shared memory [`shared_bytes`] (51 KiB at
//! f = 64). Registers: 32 accumulators + f/2 prefetched floats (~100 at f = 64), spill-free.
use crate::prelude::*;

const BLOCK: u32 = 256;
const BU: usize = 64;
const TI: usize = 128;
const QS: usize = BU + 4;
const YS: usize = TI + 4;

/// Dynamic shared memory for f factors: queries, one item tile, thresholds.
pub const fn shared_bytes(f: usize) -> usize {
    4 * (f * QS + f * YS + BU)
}

/// `v`, through an instruction the compiler cannot see through.
#[inline(always)]
fn opaque(v: usize) -> usize {
    let r: u32;
    unsafe { core::arch::asm!("mov.u32 {}, {};", out(reg32) r, in(reg32) v as u32, options(nomem, nostack)) };
    r as usize
}

/// Where the scores of a tile go.
trait Sink {
    /// Score `s` of block user `u` (global row `row`) and column `col` (item `item`).
    unsafe fn take(&self, u: usize, row: usize, col: usize, item: u32, s: f32);
}

/// Every score, into `out[row·ld + col]`.
struct Dense {
    out: *mut f32,
    ld: usize,
}

impl Sink for Dense {
    #[inline(always)]
    unsafe fn take(&self, _: usize, row: usize, col: usize, _: u32, s: f32) {
        *self.out.add(row * self.ld + col) = s;
    }
}

/// Scores ≥ the row's threshold and not excluded, appended to the row's candidate list.
struct Filter {
    tau: Shared<f32>,
    ex_indptr: *const u32,
    ex_items: *const u32,
    cap: usize,
    counts: *mut u32,
    cand_scores: *mut f32,
    cand_items: *mut u32,
}

impl Filter {
    /// Whether `item` is in row `row`'s sorted exclusion list.
    #[inline(always)]
    unsafe fn excluded(&self, row: usize, item: u32) -> bool {
        let (mut lo, mut hi) = (*self.ex_indptr.add(row) as usize, *self.ex_indptr.add(row + 1) as usize);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let v = ldg_u32(self.ex_items.add(mid));
            if v == item {
                return true;
            }
            if v < item {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        false
    }
}

impl Sink for Filter {
    #[inline(always)]
    unsafe fn take(&self, u: usize, row: usize, _: usize, item: u32, s: f32) {
        if !(s < self.tau.load_unchecked(u as u32)) && !self.excluded(row, item) {
            let slot = atomic_add_global(self.counts.add(row), 1);
            // Past the capacity the count keeps growing, so the host sees the overflow.
            if (slot as usize) < self.cap {
                *self.cand_scores.add(row * self.cap + slot as usize) = s;
                *self.cand_items.add(row * self.cap + slot as usize) = item;
            }
        }
    }
}

/// The block's tiles: users, columns, and the items they stand for (column c is item c·step).
#[derive(Clone, Copy)]
struct Work {
    rows: usize,
    n_cols: usize,
    step: usize,
    tiles_per_block: usize,
}

/// Quads of θ per thread per tile (item i, quad q: i + TI·q = tid + BLOCK·r).
const fn quads_per_thread(f: usize) -> usize {
    (TI * f / 4).div_ceil(BLOCK as usize)
}

/// Loads tile `tile`'s quads of θ into registers (zero past the last column).
#[inline(always)]
unsafe fn load_tile<const F: usize, const PER: usize>(items: *const f32, w: Work, tile: usize, tid: usize) -> [F32x4; PER] {
    let mut regs = [F32x4([0.0; 4]); PER];
    for (r, reg) in regs.iter_mut().enumerate() {
        let idx = tid + r * BLOCK as usize;
        let (i, q) = (idx % TI, idx / TI);
        let col = tile * TI + i;
        if idx < TI * F / 4 && col < w.n_cols {
            *reg = ldg_f32x4(items.add(col * w.step * F + 4 * q));
        }
    }
    regs
}

/// Stores the registers of [`load_tile`] transposed: Y[4q + c][i].
#[inline(always)]
unsafe fn store_tile<const F: usize, const PER: usize>(ys: Shared<f32>, regs: &[F32x4; PER], tid: usize) {
    for (r, reg) in regs.iter().enumerate() {
        let idx = tid + r * BLOCK as usize;
        let (i, q) = (idx % TI, idx / TI);
        if idx < TI * F / 4 {
            for c in 0..4 {
                ys.store_unchecked(((4 * q + c) * YS + i) as u32, reg.0[c]);
            }
        }
    }
}

#[inline(always)]
unsafe fn score_tiles<const F: usize, const PER: usize, S: Sink>(w: Work, queries: *const f32, items: *const f32, sink: &S, tau: *const f32) {
    if block_dim() != BLOCK || PER != quads_per_thread(F) || F % 4 != 0 || dynamic_shared_bytes() < shared_bytes(F) as u32 {
        trap();
    }
    let tid = thread_idx() as usize;
    let user_tiles = w.rows.div_ceil(BU);
    let (ut, part) = (block_idx() as usize % user_tiles, block_idx() as usize / user_tiles);
    let (u0, first) = (ut * BU, part * w.tiles_per_block);
    let last = (first + w.tiles_per_block).min(w.n_cols.div_ceil(TI));
    if first >= last {
        return;
    }
    let qs = Shared::<f32>::new(0, (F * QS) as u32);
    let ys = Shared::<f32>::new(qs.end_offset(), (F * YS) as u32);
    let taus = Shared::<f32>::new(ys.end_offset(), BU as u32);
    let mut idx = tid;
    while idx < BU * F {
        let (u, j) = (idx / F, idx % F);
        let v = if u0 + u < w.rows { *queries.add((u0 + u) * F + j) } else { 0.0 };
        qs.store_unchecked((j * QS + u) as u32, v);
        idx += BLOCK as usize;
    }
    if tid < BU && !tau.is_null() {
        taus.store_unchecked(tid as u32, if u0 + tid < w.rows { *tau.add(u0 + tid) } else { f32::INFINITY });
    }
    let (tx, ty) = (tid % 32, tid / 32);
    let mut next = load_tile::<F, PER>(items, w, first, tid);
    for tile in first..last {
        sync_threads();
        store_tile::<F, PER>(ys, &next, tid);
        sync_threads();
        if tile + 1 < last {
            next = load_tile::<F, PER>(items, w, tile + 1, tid);
        }
        let mut acc = [[0.0f32; 4]; 8];
        // Unrolled 8 steps at a time (4 when 8 ∤ f) only: fully unrolled over f, LLVM hoists so many shared
        // loads that f = 64 spilled (2.4 KB of local memory). An opaque copy of F as the bound
        // keeps the outer loop a loop.
        let f = opaque(F);
        let step = if F % 8 == 0 { 8 } else { 4 };
        let mut j0 = 0;
        while j0 < f {
            for j in j0..j0 + step {
                let q0 = qs.load4_unchecked((j * QS + 8 * ty) as u32).0;
                let q1 = qs.load4_unchecked((j * QS + 8 * ty + 4) as u32).0;
                let y = ys.load4_unchecked((j * YS + 4 * tx) as u32).0;
                for a in 0..8 {
                    let q = if a < 4 { q0[a] } else { q1[a - 4] };
                    for b in 0..4 {
                        acc[a][b] = fma(q, y[b], acc[a][b]);
                    }
                }
            }
            j0 += step;
        }
        for (a, row_acc) in acc.iter().enumerate() {
            let (u, row) = (8 * ty + a, u0 + 8 * ty + a);
            for (b, &s) in row_acc.iter().enumerate() {
                let col = tile * TI + 4 * tx + b;
                if row < w.rows && col < w.n_cols {
                    sink.take(u, row, col, (col * w.step) as u32, s);
                }
            }
        }
    }
}

/// Declares the two kernels for each f.
macro_rules! score_kernels {
    ($($f:literal: $sample:ident, $filter:ident;)*) => {$(
        /// Scores of rows × sampled columns: column c is item c·step (c < n_cols), written to
        /// `out[row·ld + c]`.
        #[no_mangle]
        pub unsafe extern "ptx-kernel" fn $sample(
            rows: u32, queries: *const f32, items: *const f32, step: u32, n_cols: u64, tiles_per_block: u32,
            ld: u64, out: *mut f32,
        ) {
            let w = Work { rows: rows as usize, n_cols: n_cols as usize, step: step as usize, tiles_per_block: tiles_per_block as usize };
            let sink = Dense { out, ld: ld as usize };
            score_tiles::<$f, { quads_per_thread($f) }, _>(w, queries, items, &sink, core::ptr::null());
        }

        /// All n_items items; candidates (score ≥ tau[row], not in the row's exclusion list)
        /// appended to the row's list of capacity `cap`, `counts[row]` counting them.
        #[no_mangle]
        pub unsafe extern "ptx-kernel" fn $filter(
            rows: u32, queries: *const f32, items: *const f32, n_items: u64, tiles_per_block: u32,
            tau: *const f32, ex_indptr: *const u32, ex_items: *const u32,
            cap: u32, counts: *mut u32, cand_scores: *mut f32, cand_items: *mut u32,
        ) {
            let w = Work { rows: rows as usize, n_cols: n_items as usize, step: 1, tiles_per_block: tiles_per_block as usize };
            let taus = Shared::<f32>::new((4 * ($f * QS + $f * YS)) as u32, BU as u32);
            let sink = Filter { tau: taus, ex_indptr, ex_items, cap: cap as usize, counts, cand_scores, cand_items };
            score_tiles::<$f, { quads_per_thread($f) }, _>(w, queries, items, &sink, tau);
        }
    )*};
}

score_kernels! {
    32: score_sample_f32, score_filter_f32;
    64: score_sample_f64, score_filter_f64;
    96: score_sample_f96, score_filter_f96;
    100: score_sample_f100, score_filter_f100;
    128: score_sample_f128, score_filter_f128;
}
