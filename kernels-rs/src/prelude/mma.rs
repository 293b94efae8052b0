//! Tensor cores through warp-wide `mma.sync` (sm_80+), in TF32, with the error-compensated split
//! that brings TF32 products back to fp32 accuracy ("3×TF32").
//!
//! TF32 keeps 10 of fp32's 23 mantissa bits. Splitting x = big + small, with big = tf32(x) and
//! small ≈ x − big in TF32 ([`split_tf32`]), keeps about 21 bits; then
//!
//! ```text
//! a·b ≈ big_a·big_b + big_a·small_b + small_a·big_b        (small_a·small_b, ~2⁻²², dropped)
//! ```
//!
//! is three TF32 products accumulated in fp32, with an error close to fp32's own rounding.
//!
//! Fragment layout of `m16n8k8` (PTX ISA, "Matrix fragments for mma.m16n8k8", .tf32), with
//! g = lane / 4 (the group) and t = lane % 4 (the thread in the group):
//!
//! | operand | element held by the lane |
//! |---------|--------------------------|
//! | A (16×8, row-major) | a0 = A[g][t], a1 = A[g+8][t], a2 = A[g][t+4], a3 = A[g+8][t+4] |
//! | B (8×8, column-major) | b0 = B[t][g], b1 = B[t+4][g] |
//! | C, D (16×8) | c0 = C[g][2t], c1 = C[g][2t+1], c2 = C[g+8][2t], c3 = C[g+8][2t+1] |
use core::arch::asm;

/// x rounded to TF32 (round to nearest, ties away; `cvt.rna.tf32.f32`), as the bits `mma` takes.
#[inline(always)]
pub fn to_tf32(x: f32) -> u32 {
    let r: u32;
    unsafe { asm!("cvt.rna.tf32.f32 {}, {};", out(reg32) r, in(reg32) x, options(pure, nomem, nostack)) };
    r
}

/// x = big + small, both TF32: the operands of a 3×TF32 product. big is x rounded to nearest
/// (|x − big| ≤ 2⁻¹¹|x|), small is the exact remainder truncated to TF32 by a mask (one
/// instruction; it loses at most 2⁻¹⁰ of the remainder, so x − big − small ≤ 2⁻²¹|x|).
#[inline(always)]
pub fn split_tf32(x: f32) -> (u32, u32) {
    let big = to_tf32(x);
    (big, (x - f32::from_bits(big)).to_bits() & TF32_MASK)
}

/// The bits of an f32 that TF32 keeps (sign, exponent, 10 mantissa bits).
pub const TF32_MASK: u32 = 0xffff_e000;

/// d += A·B for one 16×8×8 TF32 tile (fp32 accumulation). Every lane of the warp must call it
/// together with its own fragments (the instruction is `.aligned`); it is not marked `pure`, so
/// the compiler cannot sink it into a branch some lanes skip.
#[inline(always)]
pub fn mma_tf32(d: &mut [f32; 4], a: [u32; 4], b: [u32; 2]) {
    unsafe {
        asm!(
            "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {{{d0}, {d1}, {d2}, {d3}}}, {{{a0}, {a1}, {a2}, {a3}}}, {{{b0}, {b1}}}, {{{d0}, {d1}, {d2}, {d3}}};",
            d0 = inout(reg32) d[0], d1 = inout(reg32) d[1], d2 = inout(reg32) d[2], d3 = inout(reg32) d[3],
            a0 = in(reg32) a[0], a1 = in(reg32) a[1], a2 = in(reg32) a[2], a3 = in(reg32) a[3],
            b0 = in(reg32) b[0], b1 = in(reg32) b[1],
            options(nomem, nostack)
        );
    }
}

/// d += A·B to fp32 accuracy from split operands: three TF32 products, the small ones first.
#[inline(always)]
pub fn mma_3xtf32(d: &mut [f32; 4], a_big: [u32; 4], a_small: [u32; 4], b_big: [u32; 2], b_small: [u32; 2]) {
    mma_tf32(d, a_small, b_big);
    mma_tf32(d, a_big, b_small);
    mma_tf32(d, a_big, b_big);
}
