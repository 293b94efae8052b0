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
//! every s-th item (about N/64 of them); (2) `select::topk_threshold` gives each user a
//! threshold τ_u at most the K-th best sampled score — a lower bound of the K-th best over all
//! items, so every true top-K item scores ≥ τ_u; (3) `score_filter` scores all items and appends each
//! (score, item) with score ≥ τ_u that is not excluded to the user's candidate list (about 64·K
//! entries; through the block's shared-memory queue, [`super::queue`]), whose top-K
//! (`select::topk_candidates`) is the answer.
//!
//! Tiling (SGEMM-like, K = f small): a block holds BU = 128 users' queries in shared memory,
//! transposed (Q[j][u]), and stages tiles of TI = 128 items, transposed (Y[j][i]), with 4-byte
//! `cp.async` copies into the second of two buffers while it computes the first. Thread (tx, ty) = (tid % 16,
//! tid / 16) owns users 8ty..8ty+8 × items {4tx..4tx+4, 64+4tx..64+4tx+4} of the tile: per j two
//! broadcast 128-bit loads of q, two conflict-free 128-bit loads of y, 64 FMAs.
//!
//! Versions (same arithmetic, so the same bits; B = 1000, N = 5.6M, f = 64, k = 100 on an H200):
//! * v1 (to 2ae5c2b): BU = 64, an 8 × 4 tile per thread — 3 shared loads per 32 FMAs; the
//!   filter ran at 36% of the fp32 peak, its shared-memory pipe 59% busy (33.4 ms per batch);
//! * v2: BU = 128, an 8 × 8 tile — 4 shared loads per 64 FMAs, half the shared traffic per FMA,
//!   at the price of 32 more accumulators; the next tile comes by `cp.async` instead of through
//!   f/2 registers per thread, which the larger tile could not afford. No faster (34.4 ms): the
//!   time went to the hits, each appended in place — an exclusion search and a returning atomic
//!   that stall the warp;
//! * v3: hits queued in shared memory and appended by the whole block between tiles;
//!   a hit that finds the queue full marks its row for the host's dense fallback instead of
//!   appending in place, which frees the registers that path held, so launch bounds can ask for
//!   two blocks per SM (127 registers, 16 warps) — 22.4 ms per batch (31.5 ms with one block);
//! * v4: when f divides the block, the staging loop advances two pointers instead of
//!   recomputing (item, float) from a flat index, and checks bounds only in a last, partial tile:
//!   15.8·10⁹ → 14.8·10⁹ warp instructions per batch, 22.1 ms;
//! * v5 (this file): the hit test row by row. With a threshold at the K-th best of a 1/64 sample
//!   about 64·K items pass per user, so nine warps in ten found some hit in a tile and the whole
//!   warp walked all 64 scores of the slow path (~600 instructions), after building a 64-bit mask
//!   (~170). Now each of the 8 rows is first tested by the NaN-propagating maximum of its 8 scores
//!   (8 instructions; three rows in four have no hit across the warp), and only a row with hits
//!   builds an 8-bit mask and visits its set bits; 14.8·10⁹ → 14.0·10⁹ warp instructions, 21.3 ms.
//!   Then one barrier per tile instead of two (the copies of the next tile start after the
//!   barrier that ends the previous one): Nsight Compute put 16% of the warps' time at barriers.
//!   Then a warp whose 16 users all lie past the last one skips its FMAs and hit tests: at B = 1
//!   seven warps of eight (2.33 → 1.00 ms per batch), at B = 1000 nothing measurable.
//!
//! Launch (`rustmf_kernel_abi::topk::score::launch`): 256 threads; grid = ⌈B/128⌉ × partitions
//! (block b: user tile b % ⌈B/128⌉, partition b / ⌈B/128⌉ of `tiles_per_block` tiles); dynamic
//! shared memory `rustmf_kernel_abi::topk::score::shared_bytes` (105.5 KiB at f = 64). Registers:
//! 64 accumulators and 16 operands; at f = 32 and 64 on sm_90 at most 128 (launch bounds,
//! `rustmf_kernel_abi::bounds`: two blocks per SM), otherwise ~140–160 (one block); spill-free.
use super::dense_len;
use super::queue::{Lists, Queue};
use crate::prelude::*;
use rustmf_kernel_abi::topk::score::{shared_bytes, BLOCK, BU, QS, QUEUE, TI, YS};
use rustmf_kernel_abi::topk::{queue_bytes, ScoreFilter, ScoreSample};

/// Where the scores of a tile go.
trait Sink {
    /// Every score is taken (no threshold test).
    const TAKES_ALL: bool = false;
    /// Block user `u`'s threshold: scores that are not below it are taken.
    unsafe fn threshold(&self, _u: usize) -> f32 {
        f32::NEG_INFINITY
    }
    /// Score `s` of global row `row` and column `col` (item `item`).
    unsafe fn take(&self, row: usize, col: usize, item: u32, s: f32);
    /// Between tiles and once at the end (`last`), with the block synchronized.
    unsafe fn tile_done(&self, _last: bool) {}
}

/// Every score, into `out[row·ld + col]`.
struct Dense {
    out: GlobalMut<f32>,
    ld: usize,
}

impl Sink for Dense {
    const TAKES_ALL: bool = true;

    #[inline(always)]
    unsafe fn take(&self, row: usize, col: usize, _: u32, s: f32) {
        self.out.set(row * self.ld + col, s);
    }
}

/// Scores ≥ the row's threshold and not excluded, appended to the row's candidate list (through
/// the block's queue).
struct Filter {
    tau: Shared<f32>,
    queue: Queue,
    lists: Lists,
}

impl Sink for Filter {
    #[inline(always)]
    unsafe fn threshold(&self, u: usize) -> f32 {
        self.tau.load_unchecked(u as u32)
    }

    #[inline(always)]
    unsafe fn take(&self, row: usize, _: usize, item: u32, s: f32) {
        self.queue.push(&self.lists, row, item, s);
    }

    #[inline(always)]
    unsafe fn tile_done(&self, last: bool) {
        self.queue.drain(&self.lists, last);
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

/// Stages tile `tile` of the block's columns into `ys`, transposed (Y[j][i] = θ[col i][j]), by
/// 4-byte asynchronous copies: consecutive threads read consecutive floats of an item row, and
/// columns past the last are zero-filled.
///
/// When f divides the block (f = 32, 64, 128) a thread copies the same float j of every
/// (256/f)-th item row: its source and destination advance by constants, and only a tile that
/// reaches past the last column checks bounds. Nsight Compute on the general loop (below) counted
/// ~14 instructions per copy (64-bit address arithmetic, a division by f, the bounds check).
#[inline(always)]
unsafe fn stage_tile<const F: usize>(ys: Shared<f32>, items: Global<f32>, w: Work, tile: usize, tid: usize) {
    // Raw addresses, as before the views: the fast path steps its source by `wrapping_add`, and
    // the zero-filling copies select between two addresses (as v6's `issue` does).
    let items = items.as_ptr();
    if BLOCK as usize % F == 0 {
        let rows_per_pass = BLOCK as usize / F;
        let (i0, j) = (tid / F, tid % F);
        let first_col = tile * TI + i0;
        let advance = rows_per_pass * w.step * F;
        let mut src = items.wrapping_add(first_col * w.step * F + j);
        let mut dst = (j * YS + i0) as u32;
        // Kept a loop (opaque bound): unrolled, its addresses were hoisted and the filter spilled.
        let passes = opaque(TI / rows_per_pass);
        if tile * TI + TI <= w.n_cols {
            for _ in 0..passes {
                cp_async_4(ys, dst, src);
                src = src.wrapping_add(advance);
                dst += rows_per_pass as u32;
            }
        } else {
            for k in 0..passes {
                let copy = first_col + k * rows_per_pass < w.n_cols;
                cp_async_4_or_zero(ys, dst, if copy { src } else { items }, copy);
                src = src.wrapping_add(advance);
                dst += rows_per_pass as u32;
            }
        }
        return;
    }
    let mut idx = tid;
    while idx < TI * F {
        let (i, j) = (idx / F, idx % F);
        let col = tile * TI + i;
        let copy = col < w.n_cols;
        let src = if copy { items.add(col * w.step * F + j) } else { items };
        cp_async_4_or_zero(ys, (j * YS + i) as u32, src, copy);
        idx += BLOCK as usize;
    }
}

#[inline(always)]
unsafe fn score_tiles<const F: usize, S: Sink>(
    w: Work,
    queries: Global<f32>,
    items: Global<f32>,
    sink: &S,
    tau: Option<Global<f32>>,
) {
    if block_dim() != BLOCK || F % 4 != 0 || dynamic_shared_bytes() < shared_bytes(F) as u32 {
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
    let taus = Shared::<f32>::new(qs.end_offset(), BU as u32);
    // Item tile buffer b of the two (chosen by arithmetic: a run-time indexed array would live in local memory).
    let buf = |b: usize| Shared::<f32>::new(taus.end_offset() + (4 * F * YS * b) as u32, (F * YS) as u32);
    let mut idx = tid;
    while idx < BU * F {
        let (u, j) = (idx / F, idx % F);
        let v = if u0 + u < w.rows { queries.get((u0 + u) * F + j) } else { 0.0 };
        qs.store_unchecked((j * QS + u) as u32, v);
        idx += BLOCK as usize;
    }
    if let Some(tau) = tau {
        if tid < BU {
            taus.store_unchecked(tid as u32, if u0 + tid < w.rows { tau.get(u0 + tid) } else { f32::INFINITY });
        }
    }
    let (tx, ty) = (tid % 16, tid / 16);
    // Bit a: the thread's row a is a user (checked once here, so the hit path compares no 64-bit indices).
    let valid_rows = (0..8).fold(0u32, |m, a| m | ((u0 + 8 * ty + a < w.rows) as u32) << a);
    // A warp whose 16 users all lie past the last (the end of a last, partial user tile; 7 warps
    // of 8 at B = 1) only stages tiles and meets the barriers.
    let busy = u0 + 16 * (tid / 32) < w.rows;
    stage_tile::<F>(buf(0), items, w, first, tid);
    cp_async_commit();
    for tile in first..last {
        let cur = (tile - first) % 2;
        // The tile's one barrier: after it every thread's copies of this tile have landed and
        // every warp is done with the previous one (its buffer, restaged next, and its hits).
        cp_async_wait::<0>();
        sync_threads();
        sink.tile_done(false);
        if tile + 1 < last {
            stage_tile::<F>(buf(1 - cur), items, w, tile + 1, tid);
        }
        cp_async_commit();
        if !busy {
            continue;
        }
        let ys = buf(cur);
        let mut acc = [[0.0f32; 8]; 8];
        // Unrolled 8 steps at a time (4 when 8 ∤ f) only: fully unrolled over f, LLVM hoists so many shared
        // loads that it spills. An opaque copy of F as the bound keeps the outer loop a loop.
        let f = opaque(F);
        let step = if F % 8 == 0 { 8 } else { 4 };
        let mut j0 = 0;
        while j0 < f {
            for j in j0..j0 + step {
                let q0 = qs.load4_unchecked((j * QS + 8 * ty) as u32).0;
                let q1 = qs.load4_unchecked((j * QS + 8 * ty + 4) as u32).0;
                let y0 = ys.load4_unchecked((j * YS + 4 * tx) as u32).0;
                let y1 = ys.load4_unchecked((j * YS + TI / 2 + 4 * tx) as u32).0;
                for a in 0..8 {
                    let q = if a < 4 { q0[a] } else { q1[a - 4] };
                    for b in 0..8 {
                        let y = if b < 4 { y0[b] } else { y1[b - 4] };
                        acc[a][b] = fma(q, y, acc[a][b]);
                    }
                }
            }
            j0 += step;
        }
        if S::TAKES_ALL {
            for (a, row_acc) in acc.iter().enumerate() {
                for (b, &s) in row_acc.iter().enumerate() {
                    take_checked(sink, w, u0 + 8 * ty + a, tile * TI + column(tx, b), s);
                }
            }
        } else {
            // Row by row: one NaN-propagating maximum against the threshold first, so a row
            // without hits (three in four, across a warp) costs 8 instructions; then only its
            // hits, one at a time.
            let col0 = tile * TI;
            // Bit b: accumulator b's column is an item (all but in a last, partial tile).
            let valid_cols = if col0 + TI <= w.n_cols {
                0xff
            } else {
                (0..8).fold(0u32, |m, b| m | ((col0 + column(tx, b) < w.n_cols) as u32) << b)
            };
            for (a, row_acc) in acc.iter().enumerate() {
                let bar = sink.threshold(8 * ty + a);
                if valid_rows >> a & 1 != 0 && !(max8(row_acc) < bar) {
                    let mut taken = 0u32;
                    for (b, &s) in row_acc.iter().enumerate() {
                        taken |= ((!(s < bar)) as u32) << b;
                    }
                    taken &= valid_cols;
                    while taken != 0 {
                        let b = taken.trailing_zeros() as usize;
                        taken &= taken - 1;
                        let col = col0 + column(tx, b);
                        sink.take(u0 + 8 * ty + a, col, (col * w.step) as u32, pick8(row_acc, b));
                    }
                }
            }
            // Lanes leave the hit loops at different times; without reconverging here the warp
            // ran the next tile's FMA loop in several passes (1.7× the instructions, 34.9 ms).
            sync_warp();
        }
    }
    sync_threads();
    sink.tile_done(true);
}

/// Column of the tile held in accumulator `b` of thread column `tx`.
#[inline(always)]
fn column(tx: usize, b: usize) -> usize {
    4 * tx + (b & 3) + (b >> 2) * (TI / 2)
}

/// Hands score `s` of (`row`, `col`) to the sink unless it lies past the last user or item.
#[inline(always)]
unsafe fn take_checked<S: Sink>(sink: &S, w: Work, row: usize, col: usize, s: f32) {
    if row < w.rows && col < w.n_cols {
        sink.take(row, col, (col * w.step) as u32, s);
    }
}

/// The largest of 8 scores, NaN if any is NaN: `!(max8(r) < bar)` holds exactly when some
/// `!(r[b] < bar)` does.
#[inline(always)]
fn max8(r: &[f32; 8]) -> f32 {
    max_nan(max_nan(max_nan(r[0], r[1]), max_nan(r[2], r[3])), max_nan(max_nan(r[4], r[5]), max_nan(r[6], r[7])))
}

/// `r[b]` for a run-time `b` < 8, by three levels of selects (an indexed array would live in local memory).
#[inline(always)]
fn pick8(r: &[f32; 8], b: usize) -> f32 {
    let half = if b & 4 != 0 { [r[4], r[5], r[6], r[7]] } else { [r[0], r[1], r[2], r[3]] };
    let pair = if b & 2 != 0 { [half[2], half[3]] } else { [half[0], half[1]] };
    if b & 1 != 0 {
        pair[1]
    } else {
        pair[0]
    }
}

/// Scores of rows × sampled columns: column c is item c·step (c < n_cols), written to
/// `out[row·ld + c]`.
#[inline(always)]
unsafe fn sample<const F: usize>(a: ScoreSample) {
    let ScoreSample { rows, queries, items, step, n_cols, tiles_per_block, ld, out } = a;
    let w = Work {
        rows: rows as usize,
        n_cols: n_cols as usize,
        step: step as usize,
        tiles_per_block: tiles_per_block as usize,
    };
    let queries = Global::new(queries, w.rows * F);
    // Columns c < n_cols are items c·step; the item count is not passed.
    let items = Global::unbounded(items);
    let sink = Dense { out: GlobalMut::new(out, dense_len(rows, n_cols, ld)), ld: ld as usize };
    score_tiles::<F, _>(w, queries, items, &sink, None);
}

/// All n_items items; candidates (score ≥ the row's threshold `tau[row]` and not in the row's
/// exclusion list) appended to the row's list of capacity `cap`, `counts[row]` counting them.
#[inline(always)]
unsafe fn filter<const F: usize>(a: ScoreFilter) {
    let ScoreFilter {
        rows,
        queries,
        items,
        n_items,
        tiles_per_block,
        tau,
        ex_indptr,
        ex_items,
        cap,
        counts,
        cand_scores,
        cand_items,
    } = a;
    let w = Work { rows: rows as usize, n_cols: n_items as usize, step: 1, tiles_per_block: tiles_per_block as usize };
    let taus = Shared::<f32>::new((4 * F * QS) as u32, BU as u32);
    let queue = Queue::new((shared_bytes(F) - queue_bytes(QUEUE)) as u32, QUEUE as u32);
    queue.clear();
    let lists = Lists::new(rows as usize, ex_indptr, ex_items, cap as usize, counts, cand_scores, cand_items);
    let sink = Filter { tau: taus, queue, lists };
    let (queries, items) = (Global::new(queries, w.rows * F), Global::new(items, w.n_cols * F));
    score_tiles::<F, _>(w, queries, items, &sink, Some(Global::new(tau, w.rows)));
}

/// Declares the two kernels for each f.
macro_rules! score_kernels {
    ([$($f:literal),*]) => {$(
        rustmf_kernel_abi::score_sample_kernels! { ${concat(score_sample_f, $f)} => sample::<$f> }
        rustmf_kernel_abi::score_filter_kernels! { ${concat(score_filter_f, $f)} => filter::<$f> }
    )*};
}

rustmf_kernel_abi::with_supported_f!(score_kernels!());
