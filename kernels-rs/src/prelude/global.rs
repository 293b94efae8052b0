//! Global memory: typed views of the kernel's buffers, and the read-only cached loads under them.
//!
//! `ld.global.nc` goes through the non-coherent (texture) path, which is the right one for data a
//! kernel reads many times and never writes — the item factors gathered by get_hermitian (cuMF
//! §III, Solution 2: cache-assisted reads).
//!
//! **Views.** A kernel's entry adapter turns each pointer argument into a view, once, with an
//! `unsafe` constructor whose contract is the launch's: [`Global<T>`] for a buffer no thread writes
//! during the kernel (plain loads with [`Global::get`], `ld.global.nc` with [`Global::ldg`] and its
//! 64-/128-bit and vector forms), [`GlobalMut<T>`] for one the kernel writes (stores, and plain
//! loads of what it holds). Kernel bodies then index views and take sub-views ([`Global::at`]);
//! they do no pointer arithmetic.
//!
//! **Checks.** Indexing is a safe call, checked against the view's length only when the kernels are
//! built with debug assertions (`-C debug-assertions`): an index out of range, or a misaligned
//! vector access, traps. Release builds carry no check and views no length (a release view is a
//! bare pointer), so a view compiles to exactly the load or store the raw pointer gave; there an
//! out-of-range index is undefined behaviour, as with `get_unchecked`. That is the trade this crate
//! makes for unchanged PTX: the kernels' index arithmetic is what the debug build checks, and the
//! `Shared<T>` windows stay checked always.
//!
//! **Lengths.** A view's length is what the launch guarantees, derived from the kernel's
//! arguments where it can be (`n_rows · f` for b, `row_begin + n_rows + 1` for indptr, ...).
//! Where the kernel is not given it (θ's row count, the number of nonzeros, scratch slots), the view
//! is made by [`Global::unbounded`] / [`GlobalMut::unbounded`], which says so: indexing it is
//! checked for nothing but its sub-views' arithmetic. Each constructor call names its reason.
//!
//! Two more cache operators for f32, for get_hermitian's phase measurement (cuMF Fig. 4):
//! [`Global::ldca`] (`ld.global.ca`, cached in L1 and L2) and [`Global::ldcg`] (`ld.global.cg`,
//! L2 only, bypassing L1).
//!
//! The free functions (`ldg_f32` ...) stay for code that holds raw pointers: `prelude_checks`,
//! which tests them, and the `cp.async` staging sources that v6 and the fused scorers keep raw
//! (through a view, LLVM selected addresses instead of indices and their PTX changed).
use super::shared::F32x4;
use core::arch::asm;
use core::marker::PhantomData;

/// # Safety
/// `p` points to a valid f32 in global memory that no thread writes during this kernel.
#[inline(always)]
pub unsafe fn ldg_f32(p: *const f32) -> f32 {
    let v: f32;
    asm!(
        "{{ .reg .u64 g; cvta.to.global.u64 g, {p}; ld.global.nc.f32 {v}, [g]; }}",
        p = in(reg64) p, v = out(reg32) v,
        options(readonly, nostack, preserves_flags)
    );
    v
}

/// # Safety
/// As for [`ldg_f32`].
#[inline(always)]
pub unsafe fn ldg_u32(p: *const u32) -> u32 {
    let v: u32;
    asm!(
        "{{ .reg .u64 g; cvta.to.global.u64 g, {p}; ld.global.nc.u32 {v}, [g]; }}",
        p = in(reg64) p, v = out(reg32) v,
        options(readonly, nostack, preserves_flags)
    );
    v
}

/// A f32 cached in L1 and L2 (`ld.global.ca`).
///
/// # Safety
/// As for [`ldg_f32`].
#[inline(always)]
pub unsafe fn ldca_f32(p: *const f32) -> f32 {
    let v: f32;
    asm!(
        "{{ .reg .u64 g; cvta.to.global.u64 g, {p}; ld.global.ca.f32 {v}, [g]; }}",
        p = in(reg64) p, v = out(reg32) v,
        options(readonly, nostack, preserves_flags)
    );
    v
}

/// A f32 cached in L2 only, bypassing L1 (`ld.global.cg`).
///
/// # Safety
/// As for [`ldg_f32`].
#[inline(always)]
pub unsafe fn ldcg_f32(p: *const f32) -> f32 {
    let v: f32;
    asm!(
        "{{ .reg .u64 g; cvta.to.global.u64 g, {p}; ld.global.cg.f32 {v}, [g]; }}",
        p = in(reg64) p, v = out(reg32) v,
        options(readonly, nostack, preserves_flags)
    );
    v
}

/// Four consecutive f32 in one 128-bit read-only load.
///
/// # Safety
/// As for [`ldg_f32`], for `p[0..4]`, and `p` is 16-byte aligned.
#[inline(always)]
pub unsafe fn ldg_f32x4(p: *const f32) -> F32x4 {
    let (a, b, c, d): (f32, f32, f32, f32);
    asm!(
        "{{ .reg .u64 g; cvta.to.global.u64 g, {p}; ld.global.nc.v4.f32 {{{a}, {b}, {c}, {d}}}, [g]; }}",
        p = in(reg64) p, a = out(reg32) a, b = out(reg32) b, c = out(reg32) c, d = out(reg32) d,
        options(readonly, nostack, preserves_flags)
    );
    F32x4([a, b, c, d])
}

/// Two consecutive f32 in one 64-bit read-only load.
///
/// # Safety
/// As for [`ldg_f32`], for `p[0..2]`, and `p` is 8-byte aligned.
#[inline(always)]
pub unsafe fn ldg_f32x2(p: *const f32) -> [f32; 2] {
    let (a, b): (f32, f32);
    asm!(
        "{{ .reg .u64 g; cvta.to.global.u64 g, {p}; ld.global.nc.v2.f32 {{{a}, {b}}}, [g]; }}",
        p = in(reg64) p, a = out(reg32) a, b = out(reg32) b,
        options(readonly, nostack, preserves_flags)
    );
    [a, b]
}

/// `N` consecutive f32 with the widest read-only loads the alignment allows (see
/// `Shared::load_vec_unchecked`).
///
/// # Safety
/// As for [`ldg_f32`], for `p[0..N]`; `p` 16-byte aligned when `N % 4 == 0`, 8-byte when even.
#[inline(always)]
pub unsafe fn ldg_vec<const N: usize>(p: *const f32) -> [f32; N] {
    let mut v = [0.0f32; N];
    if N % 4 == 0 {
        for c in 0..N / 4 {
            v[4 * c..4 * c + 4].copy_from_slice(&ldg_f32x4(p.add(4 * c)).0);
        }
    } else if N % 2 == 0 {
        for c in 0..N / 2 {
            v[2 * c..2 * c + 2].copy_from_slice(&ldg_f32x2(p.add(2 * c)));
        }
    } else {
        for (c, x) in v.iter_mut().enumerate() {
            *x = ldg_f32(p.add(c));
        }
    }
    v
}

/// A plain value a view can hold: any bit pattern is a valid value, so a buffer may be read as
/// another element type of this list ([`Global::cast`]).
///
/// # Safety
/// Every bit pattern of `size_of::<Self>()` bytes is a valid `Self`, and its size is a power of two.
pub unsafe trait Element: Copy {}

unsafe impl Element for u8 {}
unsafe impl Element for u16 {}
unsafe impl Element for u32 {}
unsafe impl Element for u64 {}
unsafe impl Element for f16 {}
unsafe impl Element for f32 {}
unsafe impl Element for f64 {}

/// An element with a read-only cached load (`ld.global.nc`).
pub trait ReadOnly: Element {
    /// # Safety
    /// As for [`ldg_f32`].
    unsafe fn ldg(p: *const Self) -> Self;
}

impl ReadOnly for f32 {
    #[inline(always)]
    unsafe fn ldg(p: *const f32) -> f32 {
        ldg_f32(p)
    }
}

impl ReadOnly for u32 {
    #[inline(always)]
    unsafe fn ldg(p: *const u32) -> u32 {
        ldg_u32(p)
    }
}

/// The length of a view made without one: the kernel is not passed the buffer's size.
const UNBOUNDED: usize = usize::MAX;

/// Traps, in builds with debug assertions only, unless `i < len`.
#[inline(always)]
fn check_index(i: usize, len: usize) {
    #[cfg(debug_assertions)]
    if i >= len {
        super::trap();
    }
    #[cfg(not(debug_assertions))]
    let _ = (i, len);
}

/// Traps, in builds with debug assertions only, unless `i..i + n` lies in `0..len` and element `i`
/// of a buffer at `address` is aligned to `align` bytes.
#[inline(always)]
fn check_span<T>(address: *const T, i: usize, n: usize, len: usize, align: usize) {
    #[cfg(debug_assertions)]
    if i >= len || n > len - i || (address as usize + i * core::mem::size_of::<T>()) % align != 0 {
        super::trap();
    }
    #[cfg(not(debug_assertions))]
    let _ = (address, i, n, len, align);
}

/// The length of a sub-view from `offset` (checked in debug builds: `offset <= len`).
#[inline(always)]
fn rest(offset: usize, len: usize) -> usize {
    if cfg!(not(debug_assertions)) {
        return UNBOUNDED;
    }
    if offset > len {
        super::trap();
    }
    if len == UNBOUNDED {
        UNBOUNDED
    } else {
        len.wrapping_sub(offset)
    }
}

/// The length of `len` values of `T` read as values of `U`.
#[inline(always)]
fn cast_len<T, U>(address: *const T, len: usize) -> usize {
    let (t, u) = (core::mem::size_of::<T>(), core::mem::size_of::<U>());
    if cfg!(not(debug_assertions)) {
        return UNBOUNDED;
    }
    if address as usize % core::mem::align_of::<U>() != 0 {
        super::trap();
    }
    if len == UNBOUNDED {
        UNBOUNDED
    } else if t >= u {
        len.saturating_mul(t / u)
    } else {
        len / (u / t)
    }
}

/// `len` values of `T` in global memory that no thread writes while the kernel runs: the
/// kernel's inputs (θ, the sparse matrix, YᵀY, A and b for the solvers).
#[derive(Clone, Copy)]
pub struct Global<T> {
    ptr: *const T,
    /// Only in builds with debug assertions: a release view is a bare pointer, so that it
    /// compiles to what the pointer did.
    #[cfg(debug_assertions)]
    len: usize,
    _t: PhantomData<T>,
}

impl<T: Element> Global<T> {
    /// The buffer at `ptr`, `len` values long.
    ///
    /// # Safety
    /// `ptr[0..len]` is global memory holding values of `T`, aligned for `T`, alive and unwritten
    /// (by this kernel or anything else) until the kernel ends: the launch's contract. `len` may
    /// be 0 for a buffer the kernel does not read (then `ptr` may be null).
    #[inline(always)]
    pub unsafe fn new(ptr: *const T, len: usize) -> Self {
        Global::make(ptr, len)
    }

    /// No buffer: an argument this kernel does not read (null, length 0).
    #[inline(always)]
    pub fn empty() -> Self {
        Global::make(core::ptr::null(), 0)
    }

    /// A buffer whose length the kernel is not passed (θ's rows, the nonzeros): as [`Global::new`]
    /// for every index the kernel reads, which only the launch's contract bounds. Its indexing is
    /// not checked, even in debug builds.
    ///
    /// # Safety
    /// As for [`Global::new`], for every index the kernel computes from its arguments and data.
    #[inline(always)]
    pub unsafe fn unbounded(ptr: *const T) -> Self {
        Global::make(ptr, UNBOUNDED)
    }

    #[inline(always)]
    fn make(ptr: *const T, len: usize) -> Self {
        #[cfg(not(debug_assertions))]
        let _ = len;
        Global {
            ptr,
            #[cfg(debug_assertions)]
            len,
            _t: PhantomData,
        }
    }

    /// The length indices are checked against: the view's with debug assertions; in release
    /// builds views carry no length and nothing reads this.
    #[inline(always)]
    fn len(&self) -> usize {
        #[cfg(debug_assertions)]
        return self.len;
        #[cfg(not(debug_assertions))]
        UNBOUNDED
    }

    /// The sub-view from `offset` on (a row of a matrix, a system of a batch).
    #[inline(always)]
    pub fn at(&self, offset: usize) -> Self {
        Global::make(unsafe { self.ptr.add(offset) }, rest(offset, self.len()))
    }

    /// The same bytes as values of `U` (fp16 buffers passed as bytes or as their fp32 twin's type).
    /// Traps in debug builds if the view is not aligned for `U`.
    #[inline(always)]
    pub fn cast<U: Element>(self) -> Global<U> {
        Global::make(self.ptr as *const U, cast_len::<T, U>(self.ptr, self.len()))
    }

    /// The raw address, for code that must still do its own address arithmetic (see v6's
    /// `issue`); dereferencing it is as `unsafe` as any pointer.
    #[inline(always)]
    pub fn as_ptr(&self) -> *const T {
        self.ptr
    }

    /// Element `i`, by a plain load (`ld.global` or `ld`, as the compiler chooses).
    #[inline(always)]
    pub fn get(&self, i: usize) -> T {
        check_index(i, self.len());
        unsafe { *self.ptr.add(i) }
    }

    /// The address of element `i`, for instructions that take one (`cp.async`). Checked in debug
    /// builds for `i..i + n` in the view and `align`-byte alignment.
    #[inline(always)]
    pub(crate) fn address(&self, i: usize, n: usize, align: usize) -> *const T {
        check_span(self.ptr, i, n, self.len(), align);
        unsafe { self.ptr.add(i) }
    }
}

impl<T: ReadOnly> Global<T> {
    /// Element `i` through the read-only cache (`ld.global.nc`).
    #[inline(always)]
    pub fn ldg(&self, i: usize) -> T {
        check_index(i, self.len());
        unsafe { T::ldg(self.ptr.add(i)) }
    }
}

impl Global<f32> {
    /// Element `i`, cached in L1 and L2 ([`ldca_f32`]).
    #[inline(always)]
    pub fn ldca(&self, i: usize) -> f32 {
        check_index(i, self.len());
        unsafe { ldca_f32(self.ptr.add(i)) }
    }

    /// Element `i`, cached in L2 only ([`ldcg_f32`]).
    #[inline(always)]
    pub fn ldcg(&self, i: usize) -> f32 {
        check_index(i, self.len());
        unsafe { ldcg_f32(self.ptr.add(i)) }
    }

    /// Elements `i..i + 2` in one 64-bit read-only load (element `i` 8-byte aligned).
    #[inline(always)]
    pub fn ldg2(&self, i: usize) -> [f32; 2] {
        check_span(self.ptr, i, 2, self.len(), 8);
        unsafe { ldg_f32x2(self.ptr.add(i)) }
    }

    /// Elements `i..i + 4` in one 128-bit read-only load (element `i` 16-byte aligned).
    #[inline(always)]
    pub fn ldg4(&self, i: usize) -> F32x4 {
        check_span(self.ptr, i, 4, self.len(), 16);
        unsafe { ldg_f32x4(self.ptr.add(i)) }
    }

    /// Elements `i..i + N` with the widest read-only loads the alignment allows ([`ldg_vec`]):
    /// element `i` 16-byte aligned when `N % 4 == 0`, 8-byte when `N` is even.
    #[inline(always)]
    pub fn ldg_vec<const N: usize>(&self, i: usize) -> [f32; N] {
        let align = if N % 4 == 0 {
            16
        } else if N % 2 == 0 {
            8
        } else {
            4
        };
        check_span(self.ptr, i, N, self.len(), align);
        unsafe { ldg_vec::<N>(self.ptr.add(i)) }
    }
}

impl Global<f16> {
    /// Element `i` widened to f32.
    #[inline(always)]
    pub fn get_widened(&self, i: usize) -> f32 {
        check_index(i, self.len());
        unsafe { super::half::load_f16(self.ptr.add(i)) }
    }
}

/// `len` values of `T` in global memory that this kernel writes (its outputs, a factor matrix it
/// updates in place); loads from it are plain loads, never `.nc`.
#[derive(Clone, Copy)]
pub struct GlobalMut<T> {
    ptr: *mut T,
    /// Only in builds with debug assertions: a release view is a bare pointer, so that it
    /// compiles to what the pointer did.
    #[cfg(debug_assertions)]
    len: usize,
    _t: PhantomData<T>,
}

impl<T: Element> GlobalMut<T> {
    /// The buffer at `ptr`, `len` values long.
    ///
    /// # Safety
    /// `ptr[0..len]` is global memory for values of `T`, aligned for `T`, alive until the kernel
    /// ends, that only this kernel accesses while it runs; the kernel's threads do not race on
    /// an element (the launch's contract and the kernel's own partition of the work).
    #[inline(always)]
    pub unsafe fn new(ptr: *mut T, len: usize) -> Self {
        GlobalMut::make(ptr, len)
    }

    /// A buffer whose length the kernel is not passed (scratch slots, rows named by work units):
    /// as [`GlobalMut::new`] for every index the kernel writes. Not checked, even in debug builds.
    ///
    /// # Safety
    /// As for [`GlobalMut::new`], for every index the kernel computes from its arguments and data.
    #[inline(always)]
    pub unsafe fn unbounded(ptr: *mut T) -> Self {
        GlobalMut::make(ptr, UNBOUNDED)
    }

    #[inline(always)]
    fn make(ptr: *mut T, len: usize) -> Self {
        #[cfg(not(debug_assertions))]
        let _ = len;
        GlobalMut {
            ptr,
            #[cfg(debug_assertions)]
            len,
            _t: PhantomData,
        }
    }

    /// The length indices are checked against: the view's with debug assertions; in release
    /// builds views carry no length and nothing reads this.
    #[inline(always)]
    fn len(&self) -> usize {
        #[cfg(debug_assertions)]
        return self.len;
        #[cfg(not(debug_assertions))]
        UNBOUNDED
    }

    /// The sub-view from `offset` on.
    #[inline(always)]
    pub fn at(&self, offset: usize) -> Self {
        GlobalMut::make(unsafe { self.ptr.add(offset) }, rest(offset, self.len()))
    }

    /// The same bytes as values of `U` (the fp16 A of the `_half` entries, passed typed as f32).
    /// Traps in debug builds if the view is not aligned for `U`.
    #[inline(always)]
    pub fn cast<U: Element>(self) -> GlobalMut<U> {
        GlobalMut::make(self.ptr as *mut U, cast_len::<T, U>(self.ptr, self.len()))
    }

    /// Element `i`, by a plain load.
    #[inline(always)]
    pub fn get(&self, i: usize) -> T {
        check_index(i, self.len());
        unsafe { *self.ptr.add(i) }
    }

    /// Stores `v` to element `i`.
    #[inline(always)]
    pub fn set(&self, i: usize, v: T) {
        check_index(i, self.len());
        unsafe { *self.ptr.add(i) = v }
    }
}

impl GlobalMut<f32> {
    /// Elements `i..i + 4` in one 128-bit plain load (element `i` 16-byte aligned).
    #[inline(always)]
    pub fn get4(&self, i: usize) -> F32x4 {
        check_span(self.ptr, i, 4, self.len(), 16);
        unsafe { *(self.ptr.add(i) as *const F32x4) }
    }

    /// Stores elements `i..i + 4` in one 128-bit store (element `i` 16-byte aligned).
    #[inline(always)]
    pub fn set4(&self, i: usize, v: F32x4) {
        check_span(self.ptr, i, 4, self.len(), 16);
        unsafe { *(self.ptr.add(i) as *mut F32x4) = v }
    }
}

impl GlobalMut<f16> {
    /// Rounds `v` to the nearest f16 and stores it to element `i`.
    #[inline(always)]
    pub fn set_rounded(&self, i: usize, v: f32) {
        check_index(i, self.len());
        unsafe { super::half::store_f16(self.ptr.add(i), v) }
    }

    /// Rounds four values to f16 and stores them to elements `i..i + 4` in one 64-bit store
    /// (element `i` 8-byte aligned).
    #[inline(always)]
    pub fn set_rounded4(&self, i: usize, v: [f32; 4]) {
        check_span(self.ptr, i, 4, self.len(), 8);
        unsafe { super::half::store_f16x4(self.ptr.add(i), v) }
    }
}

impl GlobalMut<u32> {
    /// Adds `v` to element `i` atomically (device scope); returns the old value.
    #[inline(always)]
    pub fn atomic_add(&self, i: usize, v: u32) -> u32 {
        check_index(i, self.len());
        unsafe { super::atomic::atomic_add_global(self.ptr.add(i), v) }
    }

    /// Sets element `i` to the larger of itself and `v` atomically (device scope).
    #[inline(always)]
    pub fn atomic_max(&self, i: usize, v: u32) {
        check_index(i, self.len());
        unsafe { super::atomic::atomic_max_global(self.ptr.add(i), v) }
    }
}
