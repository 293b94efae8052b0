//! Warpgroup-wide asynchronous matrix multiply on the tensor cores (`wgmma.mma_async`, sm_90a
//! only: H100/H200), in TF32, with both operands read from shared memory through descriptors.
//!
//! One `wgmma` is issued by the four warps of a warpgroup (128 threads, warps 4w..4w+3 of a
//! block) together; it multiplies a 64×8 tile A by an N×8 tile B (both K-major: the 8 values of
//! the reduction index are contiguous per row) into a 64×N fp32 accumulator spread over the
//! warpgroup's registers:
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
//! or writes across them.
use core::arch::asm;

/// `asm!` with the 32 accumulators of an m64n64 tile as its first operands, `{0}`..`{31}` (in
/// place), then `rest`.
macro_rules! asm_with_accumulators {
    ($d:ident, $($template:literal),+; $($rest:tt)*) => {
        asm!($($template),+, inout(reg32) $d[0], inout(reg32) $d[1], inout(reg32) $d[2], inout(reg32) $d[3], inout(reg32) $d[4], inout(reg32) $d[5], inout(reg32) $d[6], inout(reg32) $d[7], inout(reg32) $d[8], inout(reg32) $d[9], inout(reg32) $d[10], inout(reg32) $d[11], inout(reg32) $d[12], inout(reg32) $d[13], inout(reg32) $d[14], inout(reg32) $d[15], inout(reg32) $d[16], inout(reg32) $d[17], inout(reg32) $d[18], inout(reg32) $d[19], inout(reg32) $d[20], inout(reg32) $d[21], inout(reg32) $d[22], inout(reg32) $d[23], inout(reg32) $d[24], inout(reg32) $d[25], inout(reg32) $d[26], inout(reg32) $d[27], inout(reg32) $d[28], inout(reg32) $d[29], inout(reg32) $d[30], inout(reg32) $d[31], $($rest)*)
    };
}

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

/// Orders earlier register and shared-memory accesses before the next `wgmma` (all 128 threads).
#[inline(always)]
pub fn wgmma_fence(d: &mut [f32; 32]) {
    unsafe { asm_with_accumulators!(d, "wgmma.fence.sync.aligned; // {0} {1} {2} {3} {4} {5} {6} {7} {8} {9} {10} {11} {12} {13} {14} {15} {16} {17} {18} {19} {20} {21} {22} {23} {24} {25} {26} {27} {28} {29} {30} {31}"; options(nostack)) };
}

/// Closes the group of `wgmma`s issued since the last commit.
#[inline(always)]
pub fn wgmma_commit() {
    unsafe { asm!("wgmma.commit_group.sync.aligned;", options(nostack)) };
}

/// Waits until at most `N` committed groups are pending; `d` is complete when N = 0.
#[inline(always)]
pub fn wgmma_wait<const N: u32>(d: &mut [f32; 32]) {
    unsafe {
        asm_with_accumulators!(d, "wgmma.wait_group.sync.aligned {n}; // {0} {1} {2} {3} {4} {5} {6} {7} {8} {9} {10} {11} {12} {13} {14} {15} {16} {17} {18} {19} {20} {21} {22} {23} {24} {25} {26} {27} {28} {29} {30} {31}";
            n = const N, options(nostack))
    };
}

/// d (+)= A·Bᵀ for a 64×8 tile A and a 64×8 tile B given by their descriptors (the sum is kept
/// only when `accumulate`; otherwise d is overwritten). Issued asynchronously: d is valid after
/// [`wgmma_commit`] and [`wgmma_wait`]. All 128 threads of the warpgroup call it together.
///
/// # Safety
/// The descriptors point at tiles laid out as the module says, inside the launch's shared memory,
/// made visible by [`fence_proxy_async`] and a barrier.
#[inline(always)]
pub unsafe fn wgmma_m64n64k8_tf32(d: &mut [f32; 32], a: u64, b: u64, accumulate: bool) {
    asm_with_accumulators!(d,
        "{{ .reg .pred p; setp.ne.b32 p, {acc}, 0;",
        "wgmma.mma_async.sync.aligned.m64n64k8.f32.tf32.tf32 {{{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11}, {12}, {13}, {14}, {15}, {16}, {17}, {18}, {19}, {20}, {21}, {22}, {23}, {24}, {25}, {26}, {27}, {28}, {29}, {30}, {31}}}, {a}, {b}, p, 1, 1; }}";
        a = in(reg64) a, b = in(reg64) b, acc = in(reg32) accumulate as u32, options(nostack));
}
