//! Inference (`kernels-rs/src/topk/`): top-K selection, exclusion marking, exact re-scoring and
//! the fused scorers — their arguments, entry names, block sizes, shared memory and launches.
//!
//! | entry | arguments | launch |
//! |---|---|---|
//! | `topk_dense` | [`SelectDense`] | [`select::launch`] |
//! | `topk_candidates` | [`SelectCandidates`] | [`select::launch`] |
//! | `topk_threshold` | [`Threshold`] | [`select::threshold_launch`] |
//! | `topk_mark_excluded` | [`MarkExcluded`] | [`mark_excluded_launch`] |
//! | `topk_rescore` | [`Rescore`] | [`rescore_launch`] |
//! | `score_sample_f{f}` | [`ScoreSample`] | [`score::launch`] |
//! | `score_filter_f{f}` | [`ScoreFilter`] | [`score::launch`] |
//! | `score_filter_tf32_f{f}` | [`ScoreFilterTensor`] | [`tf32::launch`] |
//! | `score_filter_wgmma_f{f}` (sm_90a) | [`ScoreFilterTensor`] | [`wgmma::launch`] |
use crate::{Entry, Image, LaunchShape};

/// Largest K the selection kernels support.
pub const K_MAX: usize = 1024;

/// Bits of a dense score entry that mark an excluded item (a NaN no arithmetic produces here).
pub const EXCLUDED: u32 = 0xffff_ffff;

/// Count `topk_candidates` writes for a row whose candidate list overflowed.
pub const OVERFLOW: u32 = u32::MAX;

pub const DENSE: Entry = Entry::single("topk_dense");
pub const CANDIDATES: Entry = Entry::single("topk_candidates");
pub const THRESHOLD: Entry = Entry::single("topk_threshold");
pub const MARK_EXCLUDED: Entry = Entry::single("topk_mark_excluded");
pub const RESCORE: Entry = Entry::single("topk_rescore");

/// Kernels with one instance.
pub const SINGLE: [Entry; 5] = [DENSE, CANDIDATES, THRESHOLD, MARK_EXCLUDED, RESCORE];

/// A scorer family: one entry per f.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scorer {
    /// Exact scores of a sample of the items, written densely ([`ScoreSample`]).
    Sample,
    /// Exact scores of all items, those reaching the row's threshold kept ([`ScoreFilter`]).
    Filter,
    /// TF32 `mma.sync` scores within the error bound of the threshold kept ([`ScoreFilterTensor`]).
    FilterTf32,
    /// As `FilterTf32`, with warpgroup `wgmma`s ([`ScoreFilterTensor`]; sm_90a).
    FilterWgmma,
}

impl Scorer {
    pub const ALL: [Scorer; 4] = [Scorer::Sample, Scorer::Filter, Scorer::FilterTf32, Scorer::FilterWgmma];

    pub const fn family(self) -> &'static str {
        match self {
            Scorer::Sample => "score_sample",
            Scorer::Filter => "score_filter",
            Scorer::FilterTf32 => "score_filter_tf32",
            Scorer::FilterWgmma => "score_filter_wgmma",
        }
    }

    /// The PTX images that have the family.
    pub const fn image(self) -> Image {
        match self {
            Scorer::FilterWgmma => Image::Sm90a,
            _ => Image::Every,
        }
    }

    pub const fn entry(self, f: usize) -> Entry {
        Entry::for_f(self.family(), f)
    }
}

/// Shared memory of a filter's hit queue of `cap` entries: a counter, then (row, item, score)
/// of 12 B each (`kernels-rs/src/topk/queue.rs`).
pub const fn queue_bytes(cap: usize) -> usize {
    4 + 12 * cap
}

/// Threads per block of `topk_mark_excluded` (any 1-D shape works: it strides over the lists).
pub const MARK_BLOCK: u32 = 256;

/// `topk_mark_excluded`: four blocks per SM.
pub const fn mark_excluded_launch(multiprocessors: u32) -> LaunchShape {
    LaunchShape { grid: 4 * multiprocessors, block: MARK_BLOCK, shared_bytes: 0 }
}

/// Threads per block of `topk_rescore`.
pub const RESCORE_BLOCK: u32 = 256;

/// `topk_rescore`: a thread per (row, slot) of `rows` candidate lists of `cap` slots.
pub const fn rescore_launch(rows: usize, cap: usize) -> LaunchShape {
    LaunchShape::cover(rows * cap, RESCORE_BLOCK)
}

/// Entries of the tensor filters' `norms`: the item count padded with zeros to whole tiles of
/// either filter.
pub const fn norms_len(n_items: usize) -> usize {
    let tiles = n_items.div_ceil(tf32::TI);
    (if tiles == 0 { 1 } else { tiles }) * tf32::TI
}

const _: () = assert!(tf32::TI.is_multiple_of(wgmma::NI), "norms_len pads to whole tiles of both tensor filters");

/// The launch of a fused scorer: user blocks × partitions of the item tiles, and the tiles each
/// block scores (its `tiles_per_block` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScorerLaunch {
    pub shape: LaunchShape,
    pub tiles_per_block: u32,
}

/// Partitions `n_cols` items in tiles of `tile` so that the ⌈rows/users⌉ user blocks make about
/// 8 blocks per SM in all (block b: user block b % ⌈rows/users⌉, partition b / ⌈rows/users⌉).
const fn partitioned(
    (rows, users): (usize, usize),
    (n_cols, tile): (usize, usize),
    multiprocessors: u32,
    block: u32,
    shared_bytes: usize,
) -> ScorerLaunch {
    let (tiles, user_blocks) = (n_cols.div_ceil(tile), rows.div_ceil(users));
    let per_block = (user_blocks * tiles).div_ceil(8 * multiprocessors as usize);
    let per_block = if per_block == 0 { 1 } else { per_block };
    let grid = (user_blocks * tiles.div_ceil(per_block)) as u32;
    ScorerLaunch {
        shape: LaunchShape { grid, block, shared_bytes: shared_bytes as u32 },
        tiles_per_block: per_block as u32,
    }
}

/// `topk_dense`, `topk_candidates` and `topk_threshold` (`select.rs`): one block per row.
pub mod select {
    use super::K_MAX;
    use crate::LaunchShape;

    pub const BLOCK: u32 = 512;
    /// Bins of the radix histogram (12-bit digits).
    pub const BINS: u32 = 4096;

    /// Dynamic shared memory of `topk_dense` and `topk_candidates`: the histogram, the selected
    /// keys, the scan's scratch and four words of state.
    pub const SHARED_BYTES: usize = 4 * BINS as usize + 8 * K_MAX + 4 * 32 + 4 * 4;

    /// Score keys `topk_threshold` keeps per thread.
    pub const KEPT: usize = 4;

    /// Dynamic shared memory of `topk_threshold`: the histogram, the kept keys, the scan's
    /// scratch and four words of state.
    pub const THRESHOLD_SHARED_BYTES: usize = 4 * BINS as usize + 4 * KEPT * BLOCK as usize + 4 * 32 + 4 * 4;

    /// `topk_dense` / `topk_candidates` over `rows` rows.
    pub const fn launch(rows: usize) -> LaunchShape {
        LaunchShape::per_row(rows, BLOCK, SHARED_BYTES)
    }

    /// `topk_threshold` over `rows` rows.
    pub const fn threshold_launch(rows: usize) -> LaunchShape {
        LaunchShape::per_row(rows, BLOCK, THRESHOLD_SHARED_BYTES)
    }
}

/// The exact fused scorers `score_sample` and `score_filter` (`score.rs`).
pub mod score {
    use super::{partitioned, queue_bytes, ScorerLaunch};

    pub const BLOCK: u32 = 256;
    /// Users per block.
    pub const BU: usize = 128;
    /// Items per tile.
    pub const TI: usize = 128;
    /// Floats between the rows of the transposed queries in shared memory (Q[j][u]).
    pub const QS: usize = BU + 4;
    /// Floats between the rows of the transposed item tile in shared memory (Y[j][i]).
    pub const YS: usize = TI + 4;
    /// Hits the filter queues in shared memory before appending them.
    pub const QUEUE: usize = 512;

    /// Dynamic shared memory for f factors: queries, thresholds, two item tiles, the hit queue.
    pub const fn shared_bytes(f: usize) -> usize {
        4 * (f * QS + BU + 2 * f * YS) + queue_bytes(QUEUE)
    }

    /// `rows` users against `n_cols` items (or sampled columns).
    pub const fn launch(f: usize, rows: usize, n_cols: usize, multiprocessors: u32) -> ScorerLaunch {
        partitioned((rows, BU), (n_cols, TI), multiprocessors, BLOCK, shared_bytes(f))
    }
}

/// The `mma.sync` TF32 filter `score_filter_tf32` (`score_tf32.rs`).
pub mod tf32 {
    use super::{partitioned, queue_bytes, ScorerLaunch};

    pub const BLOCK: u32 = 256;
    pub const WARPS: usize = BLOCK as usize / 32;
    /// Item rows per tile.
    pub const TI: usize = 128;
    /// Hits the filter queues in shared memory before appending them.
    pub const QUEUE: usize = 1024;
    /// The tensor filters' `slack` argument per unit of ‖q_u‖ (rounded up by the host): a bound
    /// of |s̃ − s| / (‖q‖‖y‖) for f ≤ 128 (`score_tf32.rs`).
    pub const SLACK_PER_NORM: f64 = 1.0 / 256.0;

    /// m-tiles of 16 users per warp.
    pub const fn m_tiles(f: usize) -> usize {
        if f <= 64 {
            2
        } else {
            1
        }
    }

    /// Users per block.
    pub const fn block_users(f: usize) -> usize {
        WARPS * 16 * m_tiles(f)
    }

    /// f rounded up to whole pairs of k-steps.
    pub const fn padded(f: usize) -> usize {
        f.div_ceil(16) * 16
    }

    /// Floats between item rows in shared memory: ≥ f_pad and ≡ 16 (mod 32).
    pub const fn row_stride(f: usize) -> usize {
        if padded(f) % 32 == 16 {
            padded(f)
        } else {
            padded(f) + 16
        }
    }

    /// Dynamic shared memory: two item tiles, the hit queue.
    pub const fn shared_bytes(f: usize) -> usize {
        2 * TI * row_stride(f) * 4 + queue_bytes(QUEUE)
    }

    /// `rows` users against `n_items` items.
    pub const fn launch(f: usize, rows: usize, n_items: usize, multiprocessors: u32) -> ScorerLaunch {
        partitioned((rows, block_users(f)), (n_items, TI), multiprocessors, BLOCK, shared_bytes(f))
    }
}

/// The warpgroup `wgmma` filter `score_filter_wgmma` (`score_wgmma.rs`, sm_90a).
pub mod wgmma {
    use super::{partitioned, queue_bytes, ScorerLaunch};

    pub const BLOCK: u32 = 256;
    /// Items per stage: the N of every `wgmma`.
    pub const NI: usize = 64;
    /// Hits the block queues in shared memory before appending them.
    pub const QUEUE: usize = 1024;

    /// m-tiles of 64 users per warpgroup.
    pub const fn m_tiles(f: usize) -> usize {
        if f <= 64 {
            2
        } else {
            1
        }
    }

    /// Users per block (two warpgroups).
    pub const fn block_users(f: usize) -> usize {
        128 * m_tiles(f)
    }

    /// f rounded up to whole k-steps of 8.
    pub const fn padded(f: usize) -> usize {
        f.div_ceil(8) * 8
    }

    /// Dynamic shared memory: the block's queries, two item stages, the hit queue.
    pub const fn shared_bytes(f: usize) -> usize {
        4 * padded(f) * (block_users(f) + 2 * NI) + queue_bytes(QUEUE)
    }

    /// `rows` users against `n_items` items.
    pub const fn launch(f: usize, rows: usize, n_items: usize, multiprocessors: u32) -> ScorerLaunch {
        partitioned((rows, block_users(f)), (n_items, NI), multiprocessors, BLOCK, shared_bytes(f))
    }
}

crate::kernel_args! { $ topk::SelectDense, entries topk_dense_kernels {
    rows: u32,
    /// Entries per row.
    n: u64,
    /// Floats between rows of `scores`.
    ld: u64,
    /// The dense score matrix (f32; [`EXCLUDED`] bits mark excluded items).
    scores: In<f32>,
    k: u32,
    /// rows × k, best first; unused slots u32::MAX and −∞.
    out_items: Out<u32>,
    out_scores: Out<f32>,
    /// Entries found per row (≤ k).
    out_counts: Out<u32>,
} }

crate::kernel_args! { $ topk::SelectCandidates, entries topk_candidates_kernels {
    rows: u32,
    /// Slots per row of the candidate lists.
    cap: u32,
    /// Candidates appended per row; above `cap`, the row gets count [`OVERFLOW`] and no results.
    counts: In<u32>,
    cand_scores: In<f32>,
    cand_items: In<u32>,
    k: u32,
    out_items: Out<u32>,
    out_scores: Out<f32>,
    out_counts: Out<u32>,
} }

crate::kernel_args! { $ topk::Threshold, entries topk_threshold_kernels {
    rows: u32,
    n: u64,
    ld: u64,
    /// Dense scores, as for [`SelectDense`].
    scores: In<f32>,
    /// k ≤ [`select::KEPT`] · [`select::BLOCK`].
    k: u32,
    /// Per row: a lower bound of its k-th best score (−∞ when fewer than k are kept).
    tau: Out<f32>,
} }

crate::kernel_args! { $ topk::MarkExcluded, entries topk_mark_excluded_kernels {
    rows: u32,
    /// Row r's excluded items are `items[indptr[r]..indptr[r + 1]]`, sorted.
    indptr: In<u32>,
    items: In<u32>,
    /// Column c of `scores` is item c·step.
    step: u32,
    n_cols: u64,
    ld: u64,
    /// Dense scores; excluded items' entries get the bits [`EXCLUDED`].
    scores: Out<f32>,
} }

crate::kernel_args! { $ topk::Rescore, entries topk_rescore_kernels {
    rows: u32,
    /// f % 4 == 0.
    f: u32,
    cap: u32,
    queries: In<f32>,
    items: In<f32>,
    counts: In<u32>,
    cand_items: In<u32>,
    /// The candidates' exact scores, in place of the approximate ones.
    cand_scores: Out<f32>,
} }

crate::kernel_args! { $ topk::ScoreSample, entries score_sample_kernels {
    rows: u32,
    queries: In<f32>,
    items: In<f32>,
    /// Column c is item c·step (c < n_cols).
    step: u32,
    n_cols: u64,
    tiles_per_block: u32,
    ld: u64,
    /// Scores of rows × sampled columns, at `out[row·ld + c]`.
    out: Out<f32>,
} }

crate::kernel_args! { $ topk::ScoreFilter, entries score_filter_kernels {
    rows: u32,
    queries: In<f32>,
    items: In<f32>,
    n_items: u64,
    tiles_per_block: u32,
    /// Per row: scores not below it are candidates.
    tau: In<f32>,
    /// The rows' sorted exclusion lists, as for [`MarkExcluded`].
    ex_indptr: In<u32>,
    ex_items: In<u32>,
    /// Candidate slots per row; `counts[row]` counts the appended (on past `cap`: overflow).
    cap: u32,
    counts: Out<u32>,
    cand_scores: Out<f32>,
    cand_items: Out<u32>,
} }

crate::kernel_args! { $ topk::ScoreFilterTensor, entries score_filter_tensor_kernels {
    rows: u32,
    queries: In<f32>,
    items: In<f32>,
    /// ‖y_i‖ rounded up, [`norms_len`] entries.
    norms: In<f32>,
    n_items: u64,
    tiles_per_block: u32,
    tau: In<f32>,
    /// Per row: [`tf32::SLACK_PER_NORM`]·‖q_u‖, rounded up.
    slack: In<f32>,
    ex_indptr: In<u32>,
    ex_items: In<u32>,
    cap: u32,
    counts: Out<u32>,
    /// Zeros, for `topk_rescore` to fill.
    cand_scores: Out<f32>,
    cand_items: Out<u32>,
} }
