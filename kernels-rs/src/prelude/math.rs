//! Arithmetic. Rust does not contract `a * b + c` into one instruction, so kernels call [`fma`].

/// `a * b + c` with one rounding (`fma.rn.f32`).
#[inline(always)]
pub fn fma(a: f32, b: f32, c: f32) -> f32 {
    core::intrinsics::fmaf32(a, b, c)
}
