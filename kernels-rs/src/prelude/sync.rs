//! Barriers.
use core::arch::{asm, nvptx};

/// `bar.sync 0`: every thread of the block waits here, and shared-memory writes made before it are
/// visible to all threads after it. Every thread of the block must reach the same call.
#[inline(always)]
pub fn sync_threads() {
    unsafe { nvptx::_syncthreads() }
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
