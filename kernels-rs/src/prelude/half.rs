//! f16 storage with f32 arithmetic: values are widened on load and rounded to nearest on store
//! (`cvt.f32.f16` / `cvt.rn.f16.f32`). This is how the CG solver keeps A in half precision and
//! halves the bytes it reads (cuMF §IV-B).

/// # Safety
/// `p` points to a valid f16.
#[inline(always)]
pub unsafe fn load_f16(p: *const f16) -> f32 {
    *p as f32
}

/// Two consecutive f16 in one 32-bit load.
///
/// # Safety
/// `p[0..2]` are valid and `p` is 4-byte aligned.
#[inline(always)]
pub unsafe fn load_f16x2(p: *const f16) -> (f32, f32) {
    let w = *(p as *const u32);
    let lo = f16::from_bits(w as u16);
    let hi = f16::from_bits((w >> 16) as u16);
    (lo as f32, hi as f32)
}

/// Round `v` to the nearest f16 and store it.
///
/// # Safety
/// `p` points to writable memory for one f16.
#[inline(always)]
pub unsafe fn store_f16(p: *mut f16, v: f32) {
    *p = v as f16;
}
