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

/// Four values rounded to f16 and stored as one 64-bit access.
///
/// # Safety
/// `p[0..4]` is writable and `p` is 8-byte aligned.
#[inline(always)]
pub unsafe fn store_f16x4(p: *mut f16, v: [f32; 4]) {
    #[repr(C, align(8))]
    struct F16x4([f16; 4]);
    *(p as *mut F16x4) = F16x4([v[0] as f16, v[1] as f16, v[2] as f16, v[3] as f16]);
}
