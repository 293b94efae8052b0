//! Dynamic shared memory, with typed `ld.shared` / `st.shared`.
//!
//! Rust has no way to declare a variable in PTX's `.shared` state space, so the one dynamic
//! shared-memory array is declared in PTX (`.extern .shared`, sized by the launch) and addressed by
//! its 32-bit shared-window address. Loads and stores go through `asm!` with that address, so they
//! compile to `ld.shared` / `st.shared` rather than slower generic loads.
//!
//! A [`Shared<T>`] is a typed window into that array. Creating one checks, once, that the window
//! lies inside the dynamic shared memory the launch provided and is aligned; indexing through
//! `load`/`store` is then bounds-checked (a bad index traps), and the `*_unchecked` forms are for
//! hot loops whose indices are correct by construction.
use core::arch::{asm, global_asm};
use core::marker::PhantomData;

global_asm!(".extern .shared .align 16 .b8 rustmf_dynamic_shared[];");

/// Address of the dynamic shared-memory array in the shared window.
#[inline(always)]
fn base_address() -> u32 {
    let a: u32;
    unsafe { asm!("mov.u32 {}, rustmf_dynamic_shared;", out(reg32) a, options(pure, nomem, nostack)) };
    a
}

/// Bytes of dynamic shared memory this launch was given (`%dynamic_smem_size`).
#[inline(always)]
pub fn dynamic_shared_bytes() -> u32 {
    let n: u32;
    unsafe { asm!("mov.u32 {}, %dynamic_smem_size;", out(reg32) n, options(pure, nomem, nostack)) };
    n
}

/// A value that `ld.shared` / `st.shared` can move in one instruction.
pub trait SharedScalar: Copy {
    /// # Safety
    /// `addr` is a shared-window address inside the launch's shared memory, aligned for `Self`.
    unsafe fn ld_shared(addr: u32) -> Self;
    /// # Safety
    /// As for [`SharedScalar::ld_shared`].
    unsafe fn st_shared(addr: u32, v: Self);
}

impl SharedScalar for f32 {
    #[inline(always)]
    unsafe fn ld_shared(addr: u32) -> f32 {
        let v: f32;
        asm!("ld.shared.f32 {}, [{}];", out(reg32) v, in(reg32) addr, options(readonly, nostack, preserves_flags));
        v
    }
    #[inline(always)]
    unsafe fn st_shared(addr: u32, v: f32) {
        asm!("st.shared.f32 [{}], {};", in(reg32) addr, in(reg32) v, options(nostack, preserves_flags));
    }
}

impl SharedScalar for u32 {
    #[inline(always)]
    unsafe fn ld_shared(addr: u32) -> u32 {
        let v: u32;
        asm!("ld.shared.u32 {}, [{}];", out(reg32) v, in(reg32) addr, options(readonly, nostack, preserves_flags));
        v
    }
    #[inline(always)]
    unsafe fn st_shared(addr: u32, v: u32) {
        asm!("st.shared.u32 [{}], {};", in(reg32) addr, in(reg32) v, options(nostack, preserves_flags));
    }
}

impl SharedScalar for u64 {
    #[inline(always)]
    unsafe fn ld_shared(addr: u32) -> u64 {
        let v: u64;
        asm!("ld.shared.u64 {}, [{}];", out(reg64) v, in(reg32) addr, options(readonly, nostack, preserves_flags));
        v
    }
    #[inline(always)]
    unsafe fn st_shared(addr: u32, v: u64) {
        asm!("st.shared.u64 [{}], {};", in(reg32) addr, in(reg64) v, options(nostack, preserves_flags));
    }
}

/// Four f32 moved as one 128-bit access (`.v4.f32`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(16))]
pub struct F32x4(pub [f32; 4]);

/// `len` values of `T` starting `byte_offset` bytes into the block's dynamic shared memory.
#[derive(Clone, Copy)]
pub struct Shared<T> {
    addr: u32,
    len: u32,
    _t: PhantomData<T>,
}

impl<T: SharedScalar> Shared<T> {
    const SIZE: u32 = core::mem::size_of::<T>() as u32;

    /// The window `[byte_offset, byte_offset + len·size_of::<T>())`. Traps if it is misaligned or
    /// reaches past the dynamic shared memory of this launch.
    #[inline(always)]
    pub fn new(byte_offset: u32, len: u32) -> Self {
        let end = byte_offset as u64 + len as u64 * Self::SIZE as u64;
        if byte_offset % Self::SIZE != 0 || end > dynamic_shared_bytes() as u64 {
            super::trap();
        }
        Shared { addr: base_address() + byte_offset, len, _t: PhantomData }
    }

    #[inline(always)]
    pub fn len(&self) -> u32 {
        self.len
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Shared-window address of element `i` (for instructions that take one, like `cp.async`).
    #[inline(always)]
    pub fn address(&self, i: u32) -> u32 {
        self.addr + i * Self::SIZE
    }

    /// Byte offset just past this window: where the next window of a layout can start.
    #[inline(always)]
    pub fn end_offset(&self) -> u32 {
        self.addr - base_address() + self.len * Self::SIZE
    }

    #[inline(always)]
    pub fn load(&self, i: u32) -> T {
        if i >= self.len {
            super::trap();
        }
        unsafe { self.load_unchecked(i) }
    }

    #[inline(always)]
    pub fn store(&self, i: u32, v: T) {
        if i >= self.len {
            super::trap();
        }
        unsafe { self.store_unchecked(i, v) }
    }

    /// # Safety
    /// `i < self.len()`.
    #[inline(always)]
    pub unsafe fn load_unchecked(&self, i: u32) -> T {
        T::ld_shared(self.addr + i * Self::SIZE)
    }

    /// # Safety
    /// `i < self.len()`.
    #[inline(always)]
    pub unsafe fn store_unchecked(&self, i: u32, v: T) {
        T::st_shared(self.addr + i * Self::SIZE, v)
    }
}

impl Shared<f32> {
    /// Elements `i..i+4` in one 128-bit load. Traps unless `i` is a multiple of 4 inside the window
    /// and the window starts 16-byte aligned.
    #[inline(always)]
    pub fn load4(&self, i: u32) -> F32x4 {
        self.check4(i);
        unsafe { self.load4_unchecked(i) }
    }

    #[inline(always)]
    pub fn store4(&self, i: u32, v: F32x4) {
        self.check4(i);
        unsafe { self.store4_unchecked(i, v) }
    }

    /// # Safety
    /// `i % 4 == 0`, `i + 4 <= self.len()`, and the window starts 16-byte aligned.
    #[inline(always)]
    pub unsafe fn load4_unchecked(&self, i: u32) -> F32x4 {
        let (a, b, c, d): (f32, f32, f32, f32);
        asm!(
            "ld.shared.v4.f32 {{{}, {}, {}, {}}}, [{}];",
            out(reg32) a, out(reg32) b, out(reg32) c, out(reg32) d,
            in(reg32) self.addr + i * 4,
            options(readonly, nostack, preserves_flags)
        );
        F32x4([a, b, c, d])
    }

    /// # Safety
    /// As for [`Shared::load4_unchecked`].
    #[inline(always)]
    pub unsafe fn store4_unchecked(&self, i: u32, v: F32x4) {
        asm!(
            "st.shared.v4.f32 [{}], {{{}, {}, {}, {}}};",
            in(reg32) self.addr + i * 4,
            in(reg32) v.0[0], in(reg32) v.0[1], in(reg32) v.0[2], in(reg32) v.0[3],
            options(nostack, preserves_flags)
        );
    }

    /// Elements `i..i+2` in one 64-bit load. Traps unless `i` is even, inside the window, and the
    /// window starts 8-byte aligned.
    #[inline(always)]
    pub fn load2(&self, i: u32) -> [f32; 2] {
        if i % 2 != 0 || i + 2 > self.len || self.addr % 8 != 0 {
            super::trap();
        }
        unsafe { self.load2_unchecked(i) }
    }

    /// # Safety
    /// `i % 2 == 0`, `i + 2 <= self.len()`, and the window starts 8-byte aligned.
    #[inline(always)]
    pub unsafe fn load2_unchecked(&self, i: u32) -> [f32; 2] {
        let (a, b): (f32, f32);
        asm!(
            "ld.shared.v2.f32 {{{}, {}}}, [{}];",
            out(reg32) a, out(reg32) b,
            in(reg32) self.addr + i * 4,
            options(readonly, nostack, preserves_flags)
        );
        [a, b]
    }

    /// `N` consecutive elements from `i` with the widest loads the alignment allows: 128-bit when
    /// `N` and `i` are multiples of 4, 64-bit when they are even, else scalar.
    ///
    /// # Safety
    /// `i + N <= self.len()`, `i` a multiple of 4 (of 2) when `N` is, and the window 16-byte aligned.
    #[inline(always)]
    pub unsafe fn load_vec_unchecked<const N: usize>(&self, i: u32) -> [f32; N] {
        let mut v = [0.0f32; N];
        if N % 4 == 0 {
            for c in 0..N / 4 {
                let q = self.load4_unchecked(i + 4 * c as u32);
                v[4 * c..4 * c + 4].copy_from_slice(&q.0);
            }
        } else if N % 2 == 0 {
            for c in 0..N / 2 {
                let q = self.load2_unchecked(i + 2 * c as u32);
                v[2 * c..2 * c + 2].copy_from_slice(&q);
            }
        } else {
            for (c, x) in v.iter_mut().enumerate() {
                *x = self.load_unchecked(i + c as u32);
            }
        }
        v
    }

    #[inline(always)]
    fn check4(&self, i: u32) {
        if i % 4 != 0 || i + 4 > self.len || self.addr % 16 != 0 {
            super::trap();
        }
    }
}
