//! Asynchronous global → shared copies (`cp.async`, sm_80+): the copy engine moves the bytes while
//! the threads keep computing, so a kernel can stage the next tile during the current one
//! (double buffering) instead of waiting for its loads before every barrier.
//!
//! Usage: issue copies, `cp_async_commit()` closes a group; `cp_async_wait::<N>()` waits until at
//! most N groups are still in flight (so `N = 1` with two buffers: the older one has landed). The
//! waited-for data is visible to the issuing thread only: follow with `sync_threads()` before
//! other threads read it.
//!
//! The `Shared<f32>` methods (`cp_async_16_unchecked` ...) take the source as a [`Global`] view and
//! an index (checked in debug builds); the free functions take a raw address.
use super::global::Global;
use super::shared::Shared;
use core::arch::asm;

/// Copies 16 bytes (`src[0..4]`) to `dst[i..i+4]`, bypassing L1 (`.cg`).
///
/// # Safety
/// `src` is 16-byte aligned global memory holding 4 readable f32; `i % 4 == 0`, `i + 4 <= dst.len()`,
/// and the window starts 16-byte aligned.
#[inline(always)]
pub unsafe fn cp_async_16(dst: Shared<f32>, i: u32, src: *const f32) {
    asm!(
        "{{ .reg .u64 g; cvta.to.global.u64 g, {src}; cp.async.cg.shared.global [{dst}], [g], 16; }}",
        dst = in(reg32) dst.address(i), src = in(reg64) src,
        options(nostack, preserves_flags)
    );
}

/// Copies 4 bytes (`*src`) to `dst[i]` (`.ca`: the 4-byte form must go through L1).
///
/// # Safety
/// `src` is 4-byte aligned readable global memory; `i < dst.len()`.
#[inline(always)]
pub unsafe fn cp_async_4(dst: Shared<f32>, i: u32, src: *const f32) {
    asm!(
        "{{ .reg .u64 g; cvta.to.global.u64 g, {src}; cp.async.ca.shared.global [{dst}], [g], 4; }}",
        dst = in(reg32) dst.address(i), src = in(reg64) src,
        options(nostack, preserves_flags)
    );
}

/// As [`cp_async_16`] when `copy`, else writes four zeros to `dst[i..i+4]` (`src-size` 0: the
/// copy engine zero-fills; `src` is not read).
///
/// # Safety
/// As for [`cp_async_16`] (`src` aligned even when not read).
#[inline(always)]
pub unsafe fn cp_async_16_or_zero(dst: Shared<f32>, i: u32, src: *const f32, copy: bool) {
    asm!(
        "{{ .reg .u64 g; cvta.to.global.u64 g, {src}; cp.async.cg.shared.global [{dst}], [g], 16, {n}; }}",
        dst = in(reg32) dst.address(i), src = in(reg64) src, n = in(reg32) if copy { 16u32 } else { 0 },
        options(nostack, preserves_flags)
    );
}

/// As [`cp_async_4`] when `copy`, else writes a zero to `dst[i]`.
///
/// # Safety
/// As for [`cp_async_4`].
#[inline(always)]
pub unsafe fn cp_async_4_or_zero(dst: Shared<f32>, i: u32, src: *const f32, copy: bool) {
    asm!(
        "{{ .reg .u64 g; cvta.to.global.u64 g, {src}; cp.async.ca.shared.global [{dst}], [g], 4, {n}; }}",
        dst = in(reg32) dst.address(i), src = in(reg64) src, n = in(reg32) if copy { 4u32 } else { 0 },
        options(nostack, preserves_flags)
    );
}

/// Closes the group of copies issued since the last commit.
#[inline(always)]
pub fn cp_async_commit() {
    unsafe { asm!("cp.async.commit_group;", options(nostack, preserves_flags)) }
}

/// Waits until at most `N` committed groups of this thread are still in flight.
#[inline(always)]
pub fn cp_async_wait<const N: u32>() {
    unsafe { asm!("cp.async.wait_group {n};", n = const N, options(nostack, preserves_flags)) }
}

impl Shared<f32> {
    /// [`cp_async_16`] from `src[j..j + 4]` to `self[i..i + 4]`.
    ///
    /// # Safety
    /// `i % 4 == 0`, `i + 4 <= self.len()`, the window starts 16-byte aligned (the shared side is
    /// unchecked, as in [`Shared::store4_unchecked`]); `src[j]` is 16-byte aligned.
    #[inline(always)]
    pub unsafe fn cp_async_16_unchecked(&self, i: u32, src: Global<f32>, j: usize) {
        cp_async_16(*self, i, src.address(j, 4, 16))
    }

    /// [`cp_async_4`] from `src[j]` to `self[i]`.
    ///
    /// # Safety
    /// `i < self.len()`.
    #[inline(always)]
    pub unsafe fn cp_async_4_unchecked(&self, i: u32, src: Global<f32>, j: usize) {
        cp_async_4(*self, i, src.address(j, 1, 4))
    }

    /// [`cp_async_16_or_zero`] from `src[j..j + 4]` (not read, but still in the view and aligned,
    /// when `!copy`) to `self[i..i + 4]`.
    ///
    /// # Safety
    /// As for [`Shared::cp_async_16_unchecked`].
    #[inline(always)]
    pub unsafe fn cp_async_16_or_zero_unchecked(&self, i: u32, src: Global<f32>, j: usize, copy: bool) {
        cp_async_16_or_zero(*self, i, src.address(j, 4, 16), copy)
    }

    /// [`cp_async_4_or_zero`] from `src[j]` (not read, but still in the view, when `!copy`) to
    /// `self[i]`.
    ///
    /// # Safety
    /// As for [`Shared::cp_async_4_unchecked`].
    #[inline(always)]
    pub unsafe fn cp_async_4_or_zero_unchecked(&self, i: u32, src: Global<f32>, j: usize, copy: bool) {
        cp_async_4_or_zero(*self, i, src.address(j, 1, 4), copy)
    }
}
