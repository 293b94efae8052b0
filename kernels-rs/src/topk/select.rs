//! Exact top-K of each row by radix selection, then a bitonic sort of the K selected.
//!
//! One block per row. The K largest 64-bit entry keys (see [`super`]) are found digit by digit,
//! most significant first (digits of 12, 12, 8 bits of the score key, then of the item): a
//! shared-memory histogram of the digit over the entries that match the digits chosen so far, a
//! block-wide scan of the bins from the top, and the bin where the count reaches the number still
//! needed becomes the next digit. It stops as soon as that bin holds exactly the number needed —
//! for real-valued scores after two or three passes — since every key is distinct. A last pass
//! gathers the entries whose leading digits are at least the chosen ones (exactly min(K, entries)),
//! and a bitonic sort puts them best first. Each pass reads the row once, so the row is read
//! 3–4 times, coalesced (four reads in flight per thread); nothing but the K results is written.
//!
//! The fused filters need only a threshold per row, a lower bound of its k-th best sampled score:
//! `topk_threshold` reads the row once, each thread keeping its four best keys, and runs the
//! first two digits over those 2048 keys in shared memory (no gather, no sort).
//!
//! Two entry sources: a dense row of scores (`topk_dense`, e.g. after cuBLAS SGEMM; item = column)
//! and a row's candidate list of (score, item) pairs (`topk_candidates`, after the fused scorer).
//!
//! Launch ([`select::launch`](rustmf_kernel_abi::topk::select::launch)): grid = rows, block =
//! 512 threads (40 registers on sm_90, 70 on sm_80), dynamic shared memory [`SHARED_BYTES`]
//! (16 KiB of histogram, 8 KiB of selected keys). Out: `items`, `scores` (rows × k, best first,
//! unused slots u32::MAX and −∞) and `counts` (entries found, ≤ k).
use super::{dense_len, entry_key, key_score, score_key, EXCLUDED, K_MAX};
use crate::prelude::*;
use rustmf_kernel_abi::topk::select::{BINS, BLOCK, KEPT, SHARED_BYTES, THRESHOLD_SHARED_BYTES};
use rustmf_kernel_abi::topk::{SelectCandidates, SelectDense, Threshold, OVERFLOW};

/// Digits of the 64-bit key, most significant first: (shift, width).
const DIGITS: [(u32, u32); 6] = [(52, 12), (40, 12), (32, 8), (20, 12), (8, 12), (0, 8)];

/// A row's entries: `len()` keys, 0 for "no entry". An entry is read (`load`) apart from
/// making its key (`key_of`), so that a loop can issue several reads before it uses any: made
/// together, each key's branches held back the next read.
trait Entries {
    type Raw: Copy;
    fn len(&self) -> usize;
    /// # Safety
    /// `i < self.len()`.
    unsafe fn load(&self, i: usize) -> Self::Raw;
    /// The key of entry `i`, read as `raw`.
    fn key_of(raw: Self::Raw, i: usize) -> u64;
    /// # Safety
    /// `i < self.len()`.
    #[inline(always)]
    unsafe fn key(&self, i: usize) -> u64 {
        Self::key_of(self.load(i), i)
    }
}

struct DenseRow {
    scores: Global<u32>,
    n: usize,
}

impl Entries for DenseRow {
    type Raw = u32;
    #[inline(always)]
    fn len(&self) -> usize {
        self.n
    }
    #[inline(always)]
    unsafe fn load(&self, i: usize) -> u32 {
        self.scores.ldg(i)
    }
    #[inline(always)]
    fn key_of(bits: u32, i: usize) -> u64 {
        if bits == EXCLUDED {
            0
        } else {
            entry_key(f32::from_bits(bits), i as u32)
        }
    }
}

struct CandidateRow {
    scores: Global<f32>,
    items: Global<u32>,
    n: usize,
}

impl Entries for CandidateRow {
    type Raw = (f32, u32);
    #[inline(always)]
    fn len(&self) -> usize {
        self.n
    }
    #[inline(always)]
    unsafe fn load(&self, i: usize) -> (f32, u32) {
        (self.scores.ldg(i), self.items.ldg(i))
    }
    #[inline(always)]
    fn key_of((score, item): (f32, u32), _: usize) -> u64 {
        ((score_key(score) as u64) << 32) | !item as u64
    }
}

/// Whether the leading `bits` bits of `key` equal `prefix`.
#[inline(always)]
fn matches(key: u64, prefix: u64, bits: u32) -> bool {
    bits == 0 || key >> (64 - bits) == prefix
}

/// One digit of the radix selection: among the row's entries whose leading `bits` bits equal
/// `prefix`, the bin of digit (shift, width) where the count from the top reaches `need`.
struct Digit {
    /// The bin (the digit's value), and the entries in bins above it and in it.
    value: u32,
    above: u32,
    in_bin: u32,
    /// Entries that matched the prefix.
    total: u32,
}

/// The histogram of one digit in shared memory (`hist`, 2^width bins), scanned from the top by the
/// whole block; `scratch` (32 words) and `state` (3 words) are shared scratch space. A thread
/// issues READS reads before it uses any: one at a time, the loop waited on each (`topk_dense`
/// and `topk_candidates` read 4, as 8 took `topk_candidates` from 39 to 88 registers).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn find_digit<E: Entries, const READS: usize>(
    e: &E,
    prefix: u64,
    bits: u32,
    (shift, width): (u32, u32),
    need: u32,
    hist: Shared<u32>,
    scratch: Shared<u32>,
    state: Shared<u32>,
) -> Digit {
    let tid = thread_idx();
    let bins = 1u32 << width;
    let mut b = tid;
    while b < bins {
        hist.store_unchecked(b, 0);
        b += BLOCK;
    }
    sync_threads();
    let count = |key: u64| {
        if key != 0 && matches(key, prefix, bits) {
            hist.atomic_add_unchecked((key >> shift) as u32 & (bins - 1), 1);
        }
    };
    let (n, stride) = (e.len(), BLOCK as usize);
    let mut i = tid as usize;
    while i + (READS - 1) * stride < n {
        let raw: [E::Raw; READS] = core::array::from_fn(|q| e.load(i + q * stride));
        for (q, &r) in raw.iter().enumerate() {
            count(E::key_of(r, i + q * stride));
        }
        i += READS * stride;
    }
    while i < n {
        count(e.key(i));
        i += stride;
    }
    sync_threads();
    // Thread t owns `per` consecutive bins counted from the top.
    let per = bins.div_ceil(BLOCK);
    let mut mine = 0;
    for q in 0..per {
        let r = tid * per + q;
        if r < bins {
            mine += hist.load_unchecked(bins - 1 - r);
        }
    }
    let (mut above, total) = block_exclusive_scan(mine, scratch);
    for q in 0..per {
        let r = tid * per + q;
        if r < bins {
            let h = hist.load_unchecked(bins - 1 - r);
            if above < need && need <= above + h {
                state.store(0, bins - 1 - r);
                state.store(1, above);
                state.store(2, h);
            }
            above += h;
        }
    }
    sync_threads();
    Digit { value: state.load(0), above: state.load(1), in_bin: state.load(2), total }
}

/// Selects, sorts and writes row `row`'s top k.
#[inline(always)]
unsafe fn select_row<E: Entries>(
    e: &E,
    k: u32,
    row: usize,
    items: GlobalMut<u32>,
    scores: GlobalMut<f32>,
    counts: GlobalMut<u32>,
) {
    let tid = thread_idx();
    let hist = Shared::<u32>::new(0, BINS);
    let chosen = Shared::<u64>::new(hist.end_offset(), K_MAX as u32);
    let scratch = Shared::<u32>::new(chosen.end_offset(), 32);
    // [0..3) the digit found (`find_digit`), [3] entries gathered.
    let state = Shared::<u32>::new(scratch.end_offset(), 4);
    if tid == 0 {
        state.store(3, 0);
    }

    let (mut prefix, mut bits, mut need, mut all) = (0u64, 0u32, k, false);
    for (pass, &(shift, width)) in DIGITS.iter().enumerate() {
        let d = find_digit::<_, 4>(e, prefix, bits, (shift, width), need, hist, scratch, state);
        if pass == 0 && d.total <= need {
            all = true;
            break;
        }
        need -= d.above;
        prefix = (prefix << width) | d.value as u64;
        bits += width;
        if d.in_bin == need {
            break;
        }
    }

    let mut i = tid as usize;
    while i < e.len() {
        let key = e.key(i);
        if key != 0 && (all || key >> (64 - bits) >= prefix) {
            let slot = state.atomic_add_unchecked(3, 1);
            if slot < K_MAX as u32 {
                chosen.store_unchecked(slot, key);
            }
        }
        i += BLOCK as usize;
    }
    sync_threads();
    let found = state.load(3);
    if found > k {
        trap();
    }
    bitonic_sort_descending(chosen, found, tid);

    let out = row * k as usize;
    let mut j = tid;
    while j < k {
        let (item, score) = if j < found {
            let key = chosen.load_unchecked(j);
            (!(key as u32), key_score((key >> 32) as u32))
        } else {
            (u32::MAX, f32::NEG_INFINITY)
        };
        items.set(out + j as usize, item);
        scores.set(out + j as usize, score);
        j += BLOCK;
    }
    if tid == 0 {
        counts.set(row, found);
    }
}

/// Sorts `keys[0..n)` descending (n ≤ 1024), padding to a power of two with zeros; each thread
/// handles elements tid, tid + BLOCK, ….
#[inline(always)]
unsafe fn bitonic_sort_descending(keys: Shared<u64>, n: u32, tid: u32) {
    let p = n.next_power_of_two().max(2);
    let mut i = n + tid;
    while i < p {
        keys.store_unchecked(i, 0);
        i += BLOCK;
    }
    sync_threads();
    let mut size = 2;
    while size <= p {
        let mut stride = size / 2;
        while stride > 0 {
            let mut i = tid;
            while i < p {
                let j = i ^ stride;
                if j > i {
                    let (a, b) = (keys.load_unchecked(i), keys.load_unchecked(j));
                    if (a < b) == (i & size == 0) {
                        keys.store_unchecked(i, b);
                        keys.store_unchecked(j, a);
                    }
                }
                i += BLOCK;
            }
            sync_threads();
            stride /= 2;
        }
        size *= 2;
    }
}

/// Views of the selection's outputs: `rows × k` items and scores, `rows` counts.
///
/// # Safety
/// The launch's contract: the buffers hold that many values, written only by this kernel.
#[inline(always)]
unsafe fn outputs(
    rows: u32,
    k: u32,
    items: *mut u32,
    scores: *mut f32,
    counts: *mut u32,
) -> (GlobalMut<u32>, GlobalMut<f32>, GlobalMut<u32>) {
    let n = rows as usize * k as usize;
    (GlobalMut::new(items, n), GlobalMut::new(scores, n), GlobalMut::new(counts, rows as usize))
}

#[inline(always)]
fn check_launch(k: u32) {
    if block_dim() != BLOCK || k == 0 || k as usize > K_MAX || dynamic_shared_bytes() < SHARED_BYTES as u32 {
        trap();
    }
}

/// Top k of each row of the dense `rows × n` matrix `scores` (row stride `ld`; f32 bits,
/// [`EXCLUDED`] for excluded items).
#[no_mangle]
pub unsafe extern "ptx-kernel" fn topk_dense(
    rows: u32,
    n: u64,
    ld: u64,
    scores: *const f32,
    k: u32,
    out_items: *mut u32,
    out_scores: *mut f32,
    out_counts: *mut u32,
) {
    // The contract's parameters (kernels-abi), by name and type.
    let _ = SelectDense { rows, n, ld, scores, k, out_items, out_scores, out_counts };
    let scores = Global::new(scores, dense_len(rows, n, ld)).cast::<u32>();
    let (out_items, out_scores, out_counts) = outputs(rows, k, out_items, out_scores, out_counts);
    check_launch(k);
    let row = block_idx() as usize;
    if row < rows as usize {
        let e = DenseRow { scores: scores.at(row * ld as usize), n: n as usize };
        select_row(&e, k, row, out_items, out_scores, out_counts);
    }
}

/// Top k of each row's candidate list: `counts[r]` pairs at `cand_scores/cand_items[r·cap..]`.
/// A row with more than `cap` candidates lost some: it gets count [`OVERFLOW`] and no results
/// (the host recomputes it on the dense path).
#[no_mangle]
pub unsafe extern "ptx-kernel" fn topk_candidates(
    rows: u32,
    cap: u32,
    counts: *const u32,
    cand_scores: *const f32,
    cand_items: *const u32,
    k: u32,
    out_items: *mut u32,
    out_scores: *mut f32,
    out_counts: *mut u32,
) {
    // The contract's parameters (kernels-abi), by name and type.
    let _ = SelectCandidates { rows, cap, counts, cand_scores, cand_items, k, out_items, out_scores, out_counts };
    let counts = Global::new(counts, rows as usize);
    let (out_items, out_scores, out_counts) = outputs(rows, k, out_items, out_scores, out_counts);
    check_launch(k);
    let row = block_idx() as usize;
    if row >= rows as usize {
        return;
    }
    let n = counts.get(row);
    if n > cap {
        if thread_idx() == 0 {
            out_counts.set(row, OVERFLOW);
        }
        return;
    }
    let base = row * cap as usize;
    // Made here, not with the other views: their length's `cap as usize`, made first, moved that
    // of `base` up and changed the PTX.
    let slots = rows as usize * cap as usize;
    let (cand_scores, cand_items) = (Global::new(cand_scores, slots), Global::new(cand_items, slots));
    let e = CandidateRow { scores: cand_scores.at(base), items: cand_items.at(base), n: n as usize };
    select_row(&e, k, row, out_items, out_scores, out_counts);
}

/// The keys the block's threads kept, in shared memory (0: none).
struct KeptKeys {
    keys: Shared<u32>,
}

impl Entries for KeptKeys {
    type Raw = u32;
    #[inline(always)]
    fn len(&self) -> usize {
        KEPT * BLOCK as usize
    }
    #[inline(always)]
    unsafe fn load(&self, i: usize) -> u32 {
        self.keys.load_unchecked(i as u32)
    }
    #[inline(always)]
    fn key_of(key: u32, _: usize) -> u64 {
        (key as u64) << 32
    }
}

/// τ_r of each dense row (the fused filters' thresholds): a lower bound of the row's k-th best
/// entry. One read of the row: each thread keeps the [`KEPT`] largest score keys of the entries
/// it reads (every 512th) in registers; the k-th largest of those 2048 keys is at most the row's
/// k-th best (they are k distinct entries), and equals it unless some thread read more than
/// four of the row's top k. Its first two radix digits over the kept keys, in shared memory,
/// give τ_r: the lowest score of the 24-bit key bin that holds it (within 2⁻¹⁵ of it,
/// relatively). −∞ when the kept keys are fewer than k: a row with fewer than k entries, or one
/// whose entries fall on few threads' strides (then every item is a candidate; a long row
/// overflows its list and is redone densely: still exact, only slower). Same
/// launch as `topk_dense` but with [`THRESHOLD_SHARED_BYTES`] (33 registers on sm_90, 63 on sm_80);
/// out: `tau` (rows).
#[no_mangle]
pub unsafe extern "ptx-kernel" fn topk_threshold(
    rows: u32,
    n: u64,
    ld: u64,
    scores: *const f32,
    k: u32,
    tau: *mut f32,
) {
    // The contract's parameters (kernels-abi), by name and type.
    let _ = Threshold { rows, n, ld, scores, k, tau };
    let (scores, tau) = (Global::new(scores, dense_len(rows, n, ld)).cast::<u32>(), GlobalMut::new(tau, rows as usize));
    if block_dim() != BLOCK
        || k == 0
        || k as usize > KEPT * BLOCK as usize
        || dynamic_shared_bytes() < THRESHOLD_SHARED_BYTES as u32
    {
        trap();
    }
    let row = block_idx() as usize;
    if row >= rows as usize {
        return;
    }
    let tid = thread_idx();
    let (row_scores, n, stride) = (scores.at(row * ld as usize), n as usize, BLOCK as usize);
    let key_of = |bits: u32| if bits == EXCLUDED { 0 } else { score_key(f32::from_bits(bits)) };
    // Descending; a key enters at the bottom and rises.
    let mut best = [0u32; KEPT];
    let mut keep = |key: u32| {
        if key > best[KEPT - 1] {
            best[KEPT - 1] = key;
            for j in (1..KEPT).rev() {
                if best[j] > best[j - 1] {
                    best.swap(j, j - 1);
                }
            }
        }
    };
    let mut i = tid as usize;
    // Eight reads in flight per thread: this pass is all the kernel reads from global memory.
    while i + 7 * stride < n {
        let raw: [u32; 8] = core::array::from_fn(|q| row_scores.ldg(i + q * stride));
        raw.into_iter().for_each(|bits| keep(key_of(bits)));
        i += 8 * stride;
    }
    while i < n {
        keep(key_of(row_scores.ldg(i)));
        i += stride;
    }
    let hist = Shared::<u32>::new(0, BINS);
    let kept = Shared::<u32>::new(hist.end_offset(), KEPT as u32 * BLOCK);
    let scratch = Shared::<u32>::new(kept.end_offset(), 32);
    let state = Shared::<u32>::new(scratch.end_offset(), 4);
    for (j, &key) in best.iter().enumerate() {
        kept.store_unchecked(tid * KEPT as u32 + j as u32, key);
    }
    let e = KeptKeys { keys: kept };
    let first = find_digit::<_, 8>(&e, 0, 0, DIGITS[0], k, hist, scratch, state);
    let t = if first.total < k {
        f32::NEG_INFINITY
    } else {
        let second =
            find_digit::<_, 8>(&e, first.value as u64, DIGITS[0].1, DIGITS[1], k - first.above, hist, scratch, state);
        // The score keys of the bin: 12 bits of the first digit, 12 of the second, any last 8.
        let edge = (first.value << 20) | (second.value << 8);
        if edge <= score_key(f32::NEG_INFINITY) {
            f32::NEG_INFINITY
        } else {
            key_score(edge)
        }
    };
    if tid == 0 {
        tau.set(row, t);
    }
}
