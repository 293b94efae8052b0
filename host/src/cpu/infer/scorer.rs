//! The CPU baselines (the first seed's OpenBLAS + OpenMP reference, in Rust): scores by
//! `matrixmultiply::sgemm` on cache-sized tiles, each tile's rows scanned at once into the rows'
//! running top-k ([`RowTopK`]), so the B × N score matrix never exists.
//!
//! The items are cut into blocks of [`TILE_ITEMS`]; each block is one task on the scorer's own
//! rayon pool (1 thread, or N). A task multiplies up to [`TILE_ROWS`] query rows at a time by the
//! block (a `TILE_ROWS × TILE_ITEMS` fp32 tile, 1 MiB, stays in L2) and offers each row's scores
//! to that thread's running top-k of the row, skipping a run of 16 scores at once when none
//! reaches the row's threshold. At the end the threads' top-k of each row are merged.
//! Batches of fewer than [`GEMV_MAX_ROWS`] rows skip the matmul (whose packing of the item block
//! costs as much as the multiply when there is one row) and take plain dot products, 8-wide FMA
//! where the CPU has it.
//! Blocks may be taken in any order: the running top-k ranks by (score, item) exactly.

use std::ops::Range;
use std::sync::Mutex;

use anyhow::Result;
use rayon::prelude::*;

use crate::cpu::kernels::dot32;
use crate::cpu::thread_pool;
use crate::infer::{check_factors, validate_request, Exclusions, RowTopK, Scorer, TopK};
use crate::model::Matrix;

/// Items per score tile.
pub const TILE_ITEMS: usize = 1024;
/// Query rows per score tile.
pub const TILE_ROWS: usize = 256;
/// Largest batch scored by dot products instead of the matmul.
pub const GEMV_MAX_ROWS: usize = 4;
/// Scores tested against the threshold at once.
const RUN: usize = 16;

/// Brute-force top-k on the CPU.
pub struct CpuScorer {
    items: Matrix,
    pool: rayon::ThreadPool,
}

/// One thread's share of a batch: its running top-k of every row and its score tile.
struct Worker {
    rows: Vec<RowTopK>,
    tile: Vec<f32>,
}

impl CpuScorer {
    /// A scorer over `items` (n_items × f, row-major; copied) on `threads` threads (0: all cores).
    pub fn new(items: &Matrix, threads: usize) -> Result<Self> {
        check_factors(items)?;
        Ok(CpuScorer { items: items.clone(), pool: thread_pool(threads)? })
    }

    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }
}

impl Scorer for CpuScorer {
    fn name(&self) -> String {
        match self.threads() {
            1 => "cpu1".into(),
            t => format!("cpu-mt ({t} threads)"),
        }
    }

    fn n_items(&self) -> usize {
        self.items.rows
    }

    fn n_factors(&self) -> usize {
        self.items.cols
    }

    fn top_k(&mut self, queries: &[f32], exclude: Option<&Exclusions>, k: usize) -> Result<TopK> {
        let b = validate_request(queries, self.items.cols, self.items.rows, exclude, k)?;
        let items = &self.items;
        let workers: Vec<Mutex<Option<Worker>>> =
            (0..self.pool.current_num_threads()).map(|_| Mutex::new(None)).collect();
        let ranked: Vec<Vec<(u32, f32)>> = self.pool.install(|| {
            (0..items.rows.div_ceil(TILE_ITEMS)).into_par_iter().for_each(|block| {
                let t = rayon::current_thread_index().expect("runs on the scorer's pool");
                let mut slot = workers[t].lock().expect("a worker panicked");
                let w = slot.get_or_insert_with(|| Worker {
                    rows: (0..b).map(|_| RowTopK::new(k)).collect(),
                    tile: vec![0.0; TILE_ROWS * TILE_ITEMS],
                });
                let lo = block * TILE_ITEMS;
                score_block(w, queries, items, lo..(lo + TILE_ITEMS).min(items.rows), exclude);
            });
            let mut used = workers.into_iter().filter_map(|m| m.into_inner().expect("a worker panicked"));
            let mut first = used.next().expect("at least one item block").rows;
            for w in used {
                first.par_iter_mut().zip(w.rows.into_par_iter()).for_each(|(a, o)| a.merge(o));
            }
            first.into_par_iter().map(RowTopK::into_ranked).collect()
        });
        let mut out = TopK::empty(b, k);
        ranked.iter().enumerate().for_each(|(r, row)| out.set_row(r, row));
        Ok(out)
    }
}

/// Score every query row against the items `range` and offer the scores to `w`'s rows.
fn score_block(w: &mut Worker, queries: &[f32], items: &Matrix, range: Range<usize>, exclude: Option<&Exclusions>) {
    let f = items.cols;
    let b = w.rows.len();
    let n = range.len();
    for r0 in (0..b).step_by(TILE_ROWS) {
        let m = TILE_ROWS.min(b - r0);
        if m <= GEMV_MAX_ROWS {
            dots(&queries[r0 * f..(r0 + m) * f], &items.data[range.start * f..range.end * f], f, &mut w.tile[..m * n]);
        } else {
            // SAFETY: A is the m × f block of query rows r0.. (row stride f), B is f × n with element
            // (j, i) at item (range.start + i) column j (row stride 1, column stride f), C is the
            // m × n tile (row stride n); all three lie inside their slices.
            unsafe {
                matrixmultiply::sgemm(
                    m,
                    f,
                    n,
                    1.0,
                    queries[r0 * f..].as_ptr(),
                    f as isize,
                    1,
                    items.data[range.start * f..].as_ptr(),
                    1,
                    f as isize,
                    0.0,
                    w.tile.as_mut_ptr(),
                    n as isize,
                    1,
                );
            }
        }
        for (i, scores) in w.tile[..m * n].chunks_exact(n).enumerate() {
            let r = r0 + i;
            let excluded = exclude.map_or(&[][..], |e| in_range(e.row(r), &range));
            offer_row(&mut w.rows[r], scores, range.start, excluded);
        }
    }
}

/// `out[r·n + i] = q_r · y_i` for the rows of `queries` and the n rows of `block` (both width f).
fn dots(queries: &[f32], block: &[f32], f: usize, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above).
        unsafe { dots_avx2_fma(queries, block, f, out) };
        return;
    }
    dots_with::<false>(queries, block, f, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dots_avx2_fma(queries: &[f32], block: &[f32], f: usize, out: &mut [f32]) {
    dots_with::<true>(queries, block, f, out);
}

#[inline(always)]
fn dots_with<const FMA: bool>(queries: &[f32], block: &[f32], f: usize, out: &mut [f32]) {
    let n = block.len() / f;
    for (q, row) in queries.chunks_exact(f).zip(out.chunks_exact_mut(n)) {
        for (s, y) in row.iter_mut().zip(block.chunks_exact(f)) {
            *s = dot32::<FMA>(q, y);
        }
    }
}

/// The part of a sorted exclusion list that falls inside `range`.
fn in_range<'a>(sorted: &'a [u32], range: &Range<usize>) -> &'a [u32] {
    let a = sorted.partition_point(|&i| (i as usize) < range.start);
    let b = sorted.partition_point(|&i| (i as usize) < range.end);
    &sorted[a..b]
}

/// Offer one row of a tile (`scores[j]` is item `first + j`) to its running top-k.
#[inline]
fn offer_row(top: &mut RowTopK, scores: &[f32], first: usize, excluded: &[u32]) {
    let offer = |top: &mut RowTopK, j: usize, s: f32| {
        let item = (first + j) as u32;
        if excluded.is_empty() || excluded.binary_search(&item).is_err() {
            top.offer(s, item);
        }
    };
    for (c, run) in scores.chunks(RUN).enumerate() {
        let thr = top.threshold();
        // Until the row's first cut the threshold is −∞ and every score (NaN too) is a candidate.
        if thr != f32::NEG_INFINITY && !run.iter().fold(false, |any, &s| any | (s >= thr)) {
            continue;
        }
        for (j, &s) in run.iter().enumerate() {
            if s >= top.threshold() || s.is_nan() {
                offer(top, c * RUN + j, s);
            }
        }
    }
}
