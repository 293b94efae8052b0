//! Inference: exact top-K recommendations for a batch of users (issue 6).
//!
//! ```text
//! top_K(u) = the K items i ∉ E_u with the largest s_ui = q_u · y_i, best first, ties by lower i
//! ```
//!
//! * [`select`]: exact top-K of each row of a score matrix, or of each row's candidate list, by
//!   radix selection on 64-bit keys; and the fused filters' per-row thresholds τ (one read of a
//!   sample's scores, each thread keeping its four best keys, then the first two digits of that
//!   selection over the kept keys);
//! * [`score`]: fused scoring: register-tiled exact fp32 scores of item tiles, written densely
//!   for a sample of items, or kept only when at least a row's threshold (never writing the
//!   B × N score matrix);
//! * [`score_tf32`]: the fused filter on the tensor cores: TF32 `mma` scores, kept when within a
//!   proven error bound of the row's threshold, for exact re-scoring;
//! * [`score_wgmma`] (sm_90a builds only): the same filter with warpgroup `wgmma`s reading users
//!   and items from shared memory;
//! * [`queue`]: the filters' hits, queued in shared memory and appended to the rows' candidate
//!   lists a block at a time;
//! * [`exclude`]: marks each user's excluded items in a dense score matrix;
//! * [`rescore`]: exact scores of approximate candidates (after a TF32 GEMM or `score_tf32`).
//!
//! | backend | kernels |
//! |---|---|
//! | `gpu-fused` | [`score`] sample + filter, [`select`] |
//! | `gpu-fused-tf32` | [`score_tf32`] filter, [`rescore`], [`select`] |
//! | `gpu-fused-wgmma` | `score_wgmma` filter (sm_90a), [`rescore`], [`select`] |
//! | `gpu-tf32` | cuBLAS TF32 GEMM, [`select`], [`rescore`] |
//! | `gpu-sgemm` | cuBLAS SGEMM, [`exclude`], [`select`] (dense) |
//!
//! Same run, quoted from the results by `rustmf experiment quote` (`rustmf experiment run
//! benches/experiments/lfm1b-inference.toml`): one batch of 1000 users against 5.6M items, f = 64,
//! k = 100, beside the CPU scorers and PyTorch `mm` + `topk` on the same GPU.
//!
//! <!-- experiment-table: benches/results/lfm1b-inference/nvidia-h100-80gb-hbm3 only: batch=1000 -->
//! *infer cases*
//!
//! Every case: f=64, batch=1000, k=100, users=120322, items=5600000.
//!
//! | case | status | median | min – max | ± | n | rate | % of peak |
//! |---|---|---:|---:|---:|---:|---:|---:|
//! | backend=gpu-fused | measured | 17.755 ms | 17.754 ms – 17.785 ms | 0.1% | 3 | 40371.206 GFLOP/s |  |
//! | backend=gpu-fused-tf32 | measured | 4.702 ms | 4.702 ms – 4.718 ms | 0.2% | 3 | 152432.022 GFLOP/s |  |
//! | backend=gpu-fused-wgmma | measured | 5.908 ms | 5.861 ms – 5.936 ms | 0.6% | 3 | 121321.347 GFLOP/s |  |
//! | backend=gpu-sgemm | measured | 59.757 ms | 59.753 ms – 59.759 ms | 0.0% | 3 | 11995.249 GFLOP/s |  |
//! | backend=gpu-tf32 | measured | 50.836 ms | 50.805 ms – 50.878 ms | 0.1% | 3 | 14100.265 GFLOP/s |  |
//! | threads=0 backend=cpu-mt | measured | 597.773 ms | 597.145 ms – 599.495 ms | 0.2% | 3 | 1199.117 GFLOP/s |  |
//! | backend=cpu1 | measured | 8.054 s | 8.034 s – 8.166 s | 0.8% | 3 | 88.999 GFLOP/s |  |
//! | peer=torch-topk backend=torch-mm-topk | measured | 91.288 ms | 91.273 ms – 91.450 ms | 0.1% | 3 | 7852.093 GFLOP/s |  |
//!
//! ± is half the min–max range as a share of the median. Rates — infer (GFLOP/s): exact scoring FLOP (batch·items·f
//! FMAs) over the median batch time.
//! <!-- end experiment-table -->
//!
//! Keys. A score maps to a u32 that orders like the score ([`score_key`]; NaN ranks as −∞, as in
//! the CPU reference). The 64-bit key of an entry is `score_key << 32 | !item`, so larger keys
//! are better entries and equal scores rank the lower item first: every key is distinct, and the
//! K largest keys are exactly the answer. Key 0 means "no entry" (an excluded item).
//!
//! Entries. Each kernel's parameters are its struct in `rustmf_kernel_abi::topk`. The scorers'
//! entries, one per f, come from the contract's entry macros. The five kernels with one instance
//! keep their bodies in their `extern "ptx-kernel"` functions, the parameters written out in the
//! struct's order, and build the struct from them, so that a name or type that leaves the contract
//! does not compile: behind an entry macro a body is a call, which LLVM inlines with the struct as
//! a `noalias` argument, and that reorders these kernels' PTX.
pub mod exclude;
pub mod queue;
pub mod rescore;
pub mod score;
pub mod score_tf32;
#[cfg(target_feature = "sm_90a")]
pub mod score_wgmma;
pub mod select;

pub use rustmf_kernel_abi::topk::{EXCLUDED, K_MAX};

/// The values of a dense `rows × n` matrix with rows `ld` apart, the last row ending at its `n`-th
/// value: a view's length (computed only where debug assertions check it).
#[inline(always)]
pub fn dense_len(rows: u32, n: u64, ld: u64) -> usize {
    if rows == 0 {
        0
    } else {
        (rows as usize - 1) * ld as usize + n as usize
    }
}

/// Order-preserving u32 of a score (larger score, larger key), ranking as the CPU reference
/// does: NaN as −∞, −0 as +0 (so zeros tie and the lower item wins). Never 0.
#[inline(always)]
pub fn score_key(s: f32) -> u32 {
    // Selects, not branches: in selection loops, branches here held back the next loads.
    let b = if s.is_nan() { f32::NEG_INFINITY.to_bits() } else { s.to_bits() };
    let b = if b == 0x8000_0000 { 0 } else { b };
    // Negative: all bits flipped; otherwise the sign bit set.
    b ^ (((b as i32) >> 31) as u32 | 0x8000_0000)
}

/// The score of a key made by [`score_key`].
#[inline(always)]
pub fn key_score(k: u32) -> f32 {
    f32::from_bits(if k & 0x8000_0000 != 0 { k & 0x7fff_ffff } else { !k })
}

/// The 64-bit key of (score, item).
#[inline(always)]
pub fn entry_key(s: f32, item: u32) -> u64 {
    ((score_key(s) as u64) << 32) | (!item) as u64
}
