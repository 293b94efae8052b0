//! Warp shuffles and the reductions built on them. All shuffles use the full-warp member mask, so
//! all 32 lanes must execute the call together.
//!
//! The shuffles' `asm!` blocks are deliberately *not* `pure`: LLVM would then be free to sink a
//! shuffle whose result is used only under a condition into that condition's branch, where only
//! some lanes execute it (seen in this crate: the second stage of `block_sum` ended up inside
//! `if thread_idx() == 0` and summed garbage). A side-effecting block stays where it is written.
use super::index::{block_dim, lane_id, warp_id, WARP_SIZE};
use super::shared::Shared;
use super::sync::sync_threads;
use core::arch::asm;

const FULL_MASK: u32 = 0xffff_ffff;

/// A 32-bit value a shuffle can move.
pub trait Shuffle: Copy {
    fn to_bits32(self) -> u32;
    fn from_bits32(b: u32) -> Self;
}

impl Shuffle for u32 {
    #[inline(always)]
    fn to_bits32(self) -> u32 {
        self
    }
    #[inline(always)]
    fn from_bits32(b: u32) -> u32 {
        b
    }
}

impl Shuffle for f32 {
    #[inline(always)]
    fn to_bits32(self) -> u32 {
        self.to_bits()
    }
    #[inline(always)]
    fn from_bits32(b: u32) -> f32 {
        f32::from_bits(b)
    }
}

/// The value held by lane `lane_id − delta`; lanes below `delta` keep their own (`shfl.sync.up`).
#[inline(always)]
pub fn shfl_up<T: Shuffle>(v: T, delta: u32) -> T {
    let r: u32;
    unsafe {
        asm!("shfl.sync.up.b32 {}, {}, {}, 0x0, {};", out(reg32) r, in(reg32) v.to_bits32(),
             in(reg32) delta, in(reg32) FULL_MASK, options(nomem, nostack));
    }
    T::from_bits32(r)
}

/// Bit i set when lane i's `pred` is true (`vote.sync.ballot`).
#[inline(always)]
pub fn ballot(pred: bool) -> u32 {
    let r: u32;
    unsafe {
        asm!("{{ .reg .pred p; setp.ne.u32 p, {}, 0; vote.sync.ballot.b32 {}, p, {}; }}", in(reg32) pred as u32,
             out(reg32) r, in(reg32) FULL_MASK, options(nomem, nostack));
    }
    r
}

/// The value held by lane `lane_id ^ lane_mask` (`shfl.sync.bfly`).
#[inline(always)]
pub fn shfl_xor<T: Shuffle>(v: T, lane_mask: u32) -> T {
    let r: u32;
    unsafe {
        asm!("shfl.sync.bfly.b32 {}, {}, {}, 0x1f, {};", out(reg32) r, in(reg32) v.to_bits32(),
             in(reg32) lane_mask, in(reg32) FULL_MASK, options(nomem, nostack));
    }
    T::from_bits32(r)
}

/// The value held by lane `lane_id + delta`; lanes past 31 keep their own (`shfl.sync.down`).
#[inline(always)]
pub fn shfl_down<T: Shuffle>(v: T, delta: u32) -> T {
    let r: u32;
    unsafe {
        asm!("shfl.sync.down.b32 {}, {}, {}, 0x1f, {};", out(reg32) r, in(reg32) v.to_bits32(),
             in(reg32) delta, in(reg32) FULL_MASK, options(nomem, nostack));
    }
    T::from_bits32(r)
}

/// The value held by lane `src_lane % 32` (`shfl.sync.idx`).
#[inline(always)]
pub fn shfl_idx<T: Shuffle>(v: T, src_lane: u32) -> T {
    let r: u32;
    unsafe {
        asm!("shfl.sync.idx.b32 {}, {}, {}, 0x1f, {};", out(reg32) r, in(reg32) v.to_bits32(),
             in(reg32) src_lane, in(reg32) FULL_MASK, options(nomem, nostack));
    }
    T::from_bits32(r)
}

/// The f64 held by lane `lane_id ^ lane_mask`: its two 32-bit halves, each by [`shfl_xor`].
#[inline(always)]
pub fn shfl_xor_f64(v: f64, lane_mask: u32) -> f64 {
    let bits = v.to_bits();
    let low = shfl_xor(bits as u32, lane_mask);
    let high = shfl_xor((bits >> 32) as u32, lane_mask);
    f64::from_bits(((high as u64) << 32) | low as u64)
}

/// A value [`warp_sum`] adds across lanes: f32 (one shuffle) or f64 (two).
pub trait LaneSum: Copy + core::ops::Add<Output = Self> {
    /// The value of lane `lane_id ^ lane_mask`.
    fn from_lane(self, lane_mask: u32) -> Self;
}

impl LaneSum for f32 {
    #[inline(always)]
    fn from_lane(self, lane_mask: u32) -> f32 {
        shfl_xor(self, lane_mask)
    }
}

impl LaneSum for f64 {
    #[inline(always)]
    fn from_lane(self, lane_mask: u32) -> f64 {
        shfl_xor_f64(self, lane_mask)
    }
}

/// Sum over the 32 lanes, returned to every lane (butterfly: the same order of additions in every
/// lane, so all lanes get bit-identical results).
#[inline(always)]
pub fn warp_sum<T: LaneSum>(mut v: T) -> T {
    let mut m = WARP_SIZE / 2;
    while m > 0 {
        v = v + v.from_lane(m);
        m /= 2;
    }
    v
}

/// Maximum over the 32 lanes, returned to every lane.
#[inline(always)]
pub fn warp_max(mut v: f32) -> f32 {
    let mut m = WARP_SIZE / 2;
    while m > 0 {
        v = v.max(shfl_xor(v, m));
        m /= 2;
    }
    v
}

/// Sum over the whole block, returned to every thread. `scratch` holds one f32 per warp (at least
/// `ceil(block_dim / 32)`, at most 32). Every thread of the block must call it; it contains two
/// barriers, the second so that `scratch` may be reused right after.
#[inline(always)]
pub fn block_sum(v: f32, scratch: Shared<f32>) -> f32 {
    let warps = block_dim().div_ceil(WARP_SIZE);
    let w = warp_sum(v);
    if lane_id() == 0 {
        scratch.store(warp_id(), w);
    }
    sync_threads();
    let partial = if lane_id() < warps { scratch.load(lane_id()) } else { 0.0 };
    let total = warp_sum(partial);
    sync_threads();
    total
}

/// Exclusive prefix sum over the block in thread order, and the block's total, returned to every
/// thread. The block size is a multiple of 32; `scratch` holds one u32 per warp. Every thread of
/// the block must call it;
/// it contains two barriers, the second so that `scratch` may be reused right after.
#[inline(always)]
pub fn block_exclusive_scan(v: u32, scratch: Shared<u32>) -> (u32, u32) {
    let warps = block_dim().div_ceil(WARP_SIZE);
    let mut inclusive = v;
    let mut d = 1;
    while d < WARP_SIZE {
        let up = shfl_up(inclusive, d);
        if lane_id() >= d {
            inclusive += up;
        }
        d *= 2;
    }
    if lane_id() == WARP_SIZE - 1 {
        scratch.store(warp_id(), inclusive);
    }
    sync_threads();
    let mut below = 0;
    let mut total = 0;
    for w in 0..warps {
        let t = scratch.load(w);
        if w < warp_id() {
            below += t;
        }
        total += t;
    }
    sync_threads();
    (below + inclusive - v, total)
}
