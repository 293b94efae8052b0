//! Read-only cached global loads: `ld.global.nc` goes through the non-coherent (texture) path,
//! which is the right one for data a kernel reads many times and never writes — the item factors
//! gathered by get_hermitian (cuMF §III, Solution 2: cache-assisted reads).
use super::shared::F32x4;
use core::arch::asm;

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
