//! Arithmetic. Rust does not contract `a * b + c` into one instruction, so kernels call [`fma`].

/// `a * b + c` with one rounding (`fma.rn.f32`).
#[inline(always)]
pub fn fma(a: f32, b: f32, c: f32) -> f32 {
    core::intrinsics::fmaf32(a, b, c)
}

/// Correctly rounded square root (`sqrt.rn.f32`).
#[inline(always)]
pub fn sqrt(x: f32) -> f32 {
    core::intrinsics::sqrtf32(x)
}

/// The larger of `a` and `b`, NaN when either is (`max.NaN.f32`, sm_80 and later; Rust's
/// `f32::max` returns the other operand).
#[inline(always)]
pub fn max_nan(a: f32, b: f32) -> f32 {
    let r: f32;
    unsafe {
        core::arch::asm!("max.NaN.f32 {}, {}, {};", out(reg32) r, in(reg32) a, in(reg32) b, options(pure, nomem, nostack))
    };
    r
}

/// As the first statement of a loop's body: asks ptxas not to unroll the loop (`.pragma
/// "nounroll"`, which PTX honours in a loop's header block), so that it does not issue the loads of
/// later iterations early and hold their values in registers.
#[inline(always)]
pub fn no_unroll() {
    unsafe { core::arch::asm!(".pragma \"nounroll\";", options(nomem, nostack, preserves_flags)) };
}

/// `v`, through an instruction the compiler cannot see through: as a loop bound it keeps LLVM
/// from unrolling the loop completely (and hoisting every load of the unrolled body).
#[inline(always)]
pub fn opaque(v: usize) -> usize {
    let r: u32;
    unsafe { core::arch::asm!("mov.u32 {}, {};", out(reg32) r, in(reg32) v as u32, options(nomem, nostack)) };
    r as usize
}
