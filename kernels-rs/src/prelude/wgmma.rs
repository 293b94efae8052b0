//! Warpgroup-wide asynchronous matrix multiply on the tensor cores (`wgmma.mma_async`, sm_90a
//! only: H100/H200), in TF32, with both operands read from shared memory through descriptors.
//!
//! One `wgmma` is issued by the four warps of a warpgroup (128 threads, warps 4w..4w+3 of a
//! block) together; it multiplies a 64×8 tile A by an N×8 tile B (both K-major: the 8 values of
//! the reduction index are contiguous per row) into a 64×N fp32 accumulator spread over the
//! warpgroup's registers, N/2 per thread ([`Accumulator`], implemented for the N that kernels
//! use):
//!
//! ```text
//! D[m][n] (+)= Σ_k A[m][k] · B[n][k],   m < 64, n < N, k < 8
//! ```
//!
//! Accumulator layout (the `mma.m16n8` C layout, repeated over N/8 column blocks): warp w of the
//! warpgroup holds rows 16w..16w+15; its lane (g, t) = (lane / 4, lane % 4) holds
//! d[4j + 2h + c] = D[16w + g + 8h][8j + 2t + c] for j < N/8, h, c ∈ {0, 1}.
//!
//! Shared-memory layout ([`kmajor_offset`]): the tile is cut into "core matrices" of 8 rows × 4
//! TF32 (16 bytes per row, 128 contiguous bytes each, no swizzling). Core matrix (row group
//! r/8, 16-byte chunk k/4) of a tile with `kc` chunks per row lies at ((r/8)·kc + k/4)·128, so the
//! descriptor's leading-dimension offset (between core matrices adjacent along K) is 128 bytes
//! and its stride-dimension offset (between adjacent 8-row groups) kc·128 bytes; the k-step s
//! (k = 8s..8s+7) starts 256·s bytes further. A warp staging consecutive 16-byte chunks in the
//! order of [`kmajor_chunk`] writes 512 contiguous bytes: no bank conflicts.
//!
//! Ordering (PTX ISA, "Asynchronous Warpgroup Level Matrix Multiply-Accumulate"): shared memory
//! written by ordinary stores or `cp.async` must be made visible to the tensor cores' async
//! proxy ([`fence_proxy_async`], then a barrier) before a `wgmma` reads it; [`wgmma_fence`]
//! precedes the first `wgmma` that touches accumulators other instructions have used;
//! [`wgmma_commit`] closes a group of issued `wgmma`s and [`wgmma_wait`] waits for them. The
//! fence and the wait take the accumulators as operands, so the compiler cannot move their reads
//! or writes across them; [`wgmma_wait_others`] waits without touching any accumulator (for
//! freeing a shared-memory stage while the latest group still runs).
use core::arch::asm;

/// Byte offset of element (row, k) in a K-major tile of `kc` 16-byte chunks per row.
#[inline(always)]
pub const fn kmajor_offset(row: usize, k: usize, kc: usize) -> usize {
    ((row / 8) * kc + k / 4) * 128 + (row % 8) * 16 + (k % 4) * 4
}

/// The (row, chunk) that staging thread slot `idx` copies: 8 rows of one chunk, then the next
/// chunk, then the next 8-row group.
#[inline(always)]
pub const fn kmajor_chunk(idx: usize, kc: usize) -> (usize, usize) {
    ((idx / (8 * kc)) * 8 + idx % 8, (idx / 8) % kc)
}

/// Descriptor of the K-major, unswizzled operand whose first core matrix is at shared-window
/// address `addr`, with `kc` 16-byte chunks per row.
#[inline(always)]
pub const fn kmajor_desc(addr: u32, kc: u32) -> u64 {
    let (leading, stride) = (128u64, 128 * kc as u64);
    ((addr as u64 & 0x3ffff) >> 4) | ((leading >> 4) << 16) | ((stride >> 4) << 32)
}

/// Makes this thread's earlier shared-memory writes (stores, completed `cp.async`) visible to
/// the async proxy that `wgmma` reads through. A barrier must follow before another thread's
/// `wgmma` relies on them.
#[inline(always)]
pub fn fence_proxy_async() {
    unsafe { asm!("fence.proxy.async.shared::cta;", options(nostack)) };
}

/// Closes the group of `wgmma`s issued since the last commit.
#[inline(always)]
pub fn wgmma_commit() {
    unsafe { asm!("wgmma.commit_group.sync.aligned;", options(nostack)) };
}

/// Orders earlier register and shared-memory accesses before the next `wgmma` on `d` (all 128
/// threads).
#[inline(always)]
pub fn wgmma_fence(d: &mut impl Accumulator) {
    d.fence();
}

/// Waits until at most `N` committed groups are pending; `d` is complete when N = 0.
#[inline(always)]
pub fn wgmma_wait<const N: u32>(d: &mut impl Accumulator) {
    d.wait::<N>();
}

/// Waits until at most `N` committed groups are pending, with no accumulator as operand: for
/// knowing that older groups have finished reading shared memory while the accumulators of the
/// newer ones stay in flight.
#[inline(always)]
pub fn wgmma_wait_others<const N: u32>() {
    unsafe { asm!("wgmma.wait_group.sync.aligned {n};", n = const N, options(nostack)) };
}

/// d (+)= A·Bᵀ for a 64×8 tile A and an N×8 tile B given by their descriptors, N fixed by the
/// accumulator's size (the sum is kept only when `accumulate`; otherwise d is overwritten).
/// Issued asynchronously: d is valid after [`wgmma_commit`] and [`wgmma_wait`]. All 128 threads
/// of the warpgroup call it together.
///
/// # Safety
/// The descriptors point at tiles laid out as the module says, inside the launch's shared memory,
/// made visible by [`fence_proxy_async`] and a barrier.
#[inline(always)]
pub unsafe fn wgmma_tf32(d: &mut impl Accumulator, a: u64, b: u64, accumulate: bool) {
    d.mma_tf32(a, b, accumulate);
}

/// The fp32 accumulators of one 64×N tile: N/2 registers per thread (`[f32; N / 2]`). The empty
/// tile `[f32; 0]` does nothing, so a kernel can be written for a fixed number of tiles of which
/// some are absent at a given f.
pub trait Accumulator {
    fn fence(&mut self);
    fn wait<const N: u32>(&mut self);
    /// # Safety
    /// As [`wgmma_tf32`].
    unsafe fn mma_tf32(&mut self, a: u64, b: u64, accumulate: bool);
}

impl Accumulator for [f32; 0] {
    #[inline(always)]
    fn fence(&mut self) {}
    #[inline(always)]
    fn wait<const N: u32>(&mut self) {}
    #[inline(always)]
    unsafe fn mma_tf32(&mut self, _: u64, _: u64, _: bool) {}
}

/// Implements [`Accumulator`] for `[f32; R]` with the `wgmma` shape m64n(2R)k8: every register is
/// an operand (`{0}`..`{R−1}`) of the fence, the wait (in a comment there) and the multiply.
macro_rules! accumulators {
    ($($r:literal => $shape:literal: [$first:literal $(, $i:literal)*];)*) => {$(
        impl Accumulator for [f32; $r] {
            #[inline(always)]
            fn fence(&mut self) {
                unsafe {
                    asm!(concat!("wgmma.fence.sync.aligned; // {", stringify!($first), "}" $(, " {", stringify!($i), "}")*),
                        inout(reg32) self[$first] $(, inout(reg32) self[$i])*, options(nostack))
                };
            }

            #[inline(always)]
            fn wait<const N: u32>(&mut self) {
                unsafe {
                    asm!(concat!("wgmma.wait_group.sync.aligned {n}; // {", stringify!($first), "}" $(, " {", stringify!($i), "}")*),
                        inout(reg32) self[$first] $(, inout(reg32) self[$i])*, n = const N, options(nostack))
                };
            }

            #[inline(always)]
            unsafe fn mma_tf32(&mut self, a: u64, b: u64, accumulate: bool) {
                asm!(
                    "{{ .reg .pred p; setp.ne.b32 p, {acc}, 0;",
                    concat!("wgmma.mma_async.sync.aligned.", $shape, ".f32.tf32.tf32 {{{", stringify!($first), "}" $(, ", {", stringify!($i), "}")*, "}}, {a}, {b}, p, 1, 1; }}"),
                    inout(reg32) self[$first] $(, inout(reg32) self[$i])*,
                    a = in(reg64) a, b = in(reg64) b, acc = in(reg32) accumulate as u32, options(nostack));
            }
        }
    )*};
}

accumulators! {
    4 => "m64n8k8": [0, 1, 2, 3];
    20 => "m64n40k8": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    32 => "m64n64k8": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31];
    36 => "m64n72k8": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];
    52 => "m64n104k8": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51];
    68 => "m64n136k8": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67];
}
