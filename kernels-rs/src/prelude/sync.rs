//! Barriers.
use core::arch::asm;

/// `barrier.sync 0`: every thread of the block waits here, and shared-memory writes made before it
/// are visible to all threads after it. Every thread of the block must reach a call.
///
/// This is the *non-aligned* barrier on purpose. `bar.sync` (what `_syncthreads` emits) means
/// `barrier.sync.aligned`: all threads of a warp must execute the very same instruction. LLVM,
/// unrolling a loop around a barrier, duplicated it into branches that threads of one warp took
/// differently (seen in this crate's Cholesky solver: it hung). The non-aligned form counts each
/// thread's arrival wherever it arrives, so such copies are harmless.
#[inline(always)]
pub fn sync_threads() {
    unsafe { asm!("barrier.sync 0;", options(nostack, preserves_flags)) }
}

/// `bar.warp.sync`: the 32 lanes of the warp reconverge and order their memory accesses.
#[inline(always)]
pub fn sync_warp() {
    unsafe { asm!("bar.warp.sync 0xffffffff;", options(nostack, preserves_flags)) }
}

/// Stop the kernel with an error the host sees as a failed launch.
#[inline(always)]
pub fn trap() -> ! {
    unsafe {
        asm!("trap;", options(nostack, noreturn));
    }
}
