//! Appending filter hits to per-row candidate lists without stalling the warp that found them.
//!
//! A hit needs the row's exclusion list searched (a chain of dependent global loads) and a slot
//! from the row's global counter (an atomic that returns). Done in place, each hit stalls its
//! warp for thousands of cycles; with ~10⁴ hits per row that was most of the filters' time.
//!
//! So hits go to a block-wide queue in shared memory first: one shared atomic for the slot, then
//! three stores. Between tiles, when the queue is half full (and once at the end), the whole block
//! drains it: each thread takes entries, checks exclusions and appends them, so the latencies
//! of up to 256 hits overlap. A hit that finds the queue full (more than half its capacity in one
//! tile: masses of ties, or the best items of many users in one tile) is not kept: it marks its
//! row overflowed (count ≥ 2³¹, far above any capacity), and the host redoes that row densely.
//! Appending it in place instead would keep the whole in-place path in the hot loop's registers.
//!
//! Shared memory: [`queue_bytes`](rustmf_kernel_abi::topk::queue_bytes) for `cap` entries (12 B
//! each) and the counter.
use super::exclude::is_excluded;
use crate::prelude::*;

/// The count of a row whose hits did not all fit: above any list capacity, with room below 2³² for
/// the appends that may still come.
const OVERFLOWED: u32 = 1 << 31;

/// The rows' global candidate lists: `cap` slots per row, `counts[row]` entries appended (the
/// count goes on past `cap`, so the host sees the overflow).
pub struct Lists {
    /// The rows' sorted exclusion lists (`exclude::is_excluded`).
    pub ex_indptr: Global<u32>,
    pub ex_items: Global<u32>,
    pub cap: usize,
    pub counts: GlobalMut<u32>,
    pub scores: GlobalMut<f32>,
    pub items: GlobalMut<u32>,
}

impl Lists {
    /// The views of a scorer's list arguments for `rows` rows: `rows + 1` row pointers, the
    /// exclusion lists' items unbounded (their count is not passed), `rows` counts and `rows × cap`
    /// slots.
    ///
    /// # Safety
    /// The launch's contract: the buffers hold that many values; the lists are written only by
    /// this kernel, the exclusion lists by nothing while it runs.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn new(
        rows: usize,
        ex_indptr: *const u32,
        ex_items: *const u32,
        cap: usize,
        counts: *mut u32,
        scores: *mut f32,
        items: *mut u32,
    ) -> Self {
        Lists {
            ex_indptr: Global::new(ex_indptr, rows + 1),
            ex_items: Global::unbounded(ex_items),
            cap,
            counts: GlobalMut::new(counts, rows),
            scores: GlobalMut::new(scores, rows * cap),
            items: GlobalMut::new(items, rows * cap),
        }
    }

    /// Appends (score, item) to row `row` unless the item is excluded.
    #[inline(always)]
    pub fn append(&self, row: usize, item: u32, score: f32) {
        if !is_excluded(self.ex_indptr, self.ex_items, row, item) {
            let slot = self.counts.atomic_add(row, 1) as usize;
            if slot < self.cap {
                self.scores.set(row * self.cap + slot, score);
                self.items.set(row * self.cap + slot, item);
            }
        }
    }
}

/// The block's queue of hits (row, item, score) in shared memory.
#[derive(Clone, Copy)]
pub struct Queue {
    count: Shared<u32>,
    rows: Shared<u32>,
    items: Shared<u32>,
    scores: Shared<f32>,
}

impl Queue {
    /// A queue of `cap` entries at `byte_offset` of the dynamic shared memory
    /// ([`queue_bytes`](rustmf_kernel_abi::topk::queue_bytes)); the block must call
    /// [`Queue::clear`] before the first push.
    #[inline(always)]
    pub fn new(byte_offset: u32, cap: u32) -> Self {
        let count = Shared::<u32>::new(byte_offset, 1);
        let rows = Shared::<u32>::new(count.end_offset(), cap);
        let items = Shared::<u32>::new(rows.end_offset(), cap);
        let scores = Shared::<f32>::new(items.end_offset(), cap);
        Queue { count, rows, items, scores }
    }

    /// Empties the queue (thread 0; the caller synchronizes).
    #[inline(always)]
    pub fn clear(&self) {
        if thread_idx() == 0 {
            unsafe { self.count.store_unchecked(0, 0) };
        }
    }

    /// Queues a hit, or marks its row overflowed when the queue is full.
    #[inline(always)]
    pub unsafe fn push(&self, lists: &Lists, row: usize, item: u32, score: f32) {
        let slot = self.count.atomic_add_unchecked(0, 1);
        if slot < self.rows.len() {
            self.rows.store_unchecked(slot, row as u32);
            self.items.store_unchecked(slot, item);
            self.scores.store_unchecked(slot, score);
        } else {
            lists.counts.atomic_max(row, OVERFLOWED);
        }
    }

    /// Drains the queue into the lists if it is at least half full, or always when `all`. Every
    /// thread of the block calls it, after a `sync_threads()` that follows the last push.
    #[inline(always)]
    pub unsafe fn drain(&self, lists: &Lists, all: bool) {
        let queued = self.count.load_unchecked(0).min(self.rows.len());
        if queued == 0 || (!all && queued < self.rows.len() / 2) {
            return;
        }
        let mut e = thread_idx();
        while e < queued {
            lists.append(
                self.rows.load_unchecked(e) as usize,
                self.items.load_unchecked(e),
                self.scores.load_unchecked(e),
            );
            e += block_dim();
        }
        sync_threads();
        self.clear();
        sync_threads();
    }
}
