//! Atomic counters in shared and global memory (`atom.add.u32`), for histograms and for
//! appending to lists whose order does not matter; an atomic maximum (`red.max.u32`) for flags.
use super::shared::Shared;
use core::arch::asm;

impl Shared<u32> {
    /// Adds `v` to element `i` atomically; returns the old value.
    ///
    /// # Safety
    /// `i < self.len()`.
    #[inline(always)]
    pub unsafe fn atomic_add_unchecked(&self, i: u32, v: u32) -> u32 {
        let old: u32;
        asm!("atom.shared.add.u32 {}, [{}], {};", out(reg32) old, in(reg32) self.address(i), in(reg32) v, options(nostack, preserves_flags));
        old
    }
}

/// Adds `v` to `*p` atomically (device scope); returns the old value.
///
/// # Safety
/// `p` points to a u32 in global memory.
#[inline(always)]
pub unsafe fn atomic_add_global(p: *mut u32, v: u32) -> u32 {
    let old: u32;
    asm!("atom.global.add.u32 {}, [{}], {};", out(reg32) old, in(reg64) p, in(reg32) v, options(nostack, preserves_flags));
    old
}

/// Sets `*p` to the larger of itself and `v` atomically (device scope).
///
/// # Safety
/// `p` points to a u32 in global memory.
#[inline(always)]
pub unsafe fn atomic_max_global(p: *mut u32, v: u32) {
    asm!("red.global.max.u32 [{}], {};", in(reg64) p, in(reg32) v, options(nostack, preserves_flags));
}
