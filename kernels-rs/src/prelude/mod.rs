//! The device prelude: everything a kernel needs besides plain Rust arithmetic.
//!
//! | module     | what |
//! |------------|------|
//! | [`index`]  | thread / block / grid indices, lane and warp ids |
//! | [`sync`]   | block barrier, warp barrier, trap |
//! | [`shared`] | dynamic shared memory with typed `ld.shared` / `st.shared` (scalar, 64- and 128-bit) |
//! | [`warp`]   | shuffles (xor, down, idx) and warp / block reductions |
//! | [`math`]   | fused multiply-add, square root, NaN-propagating maximum, loops kept rolled (`opaque`, `no_unroll`) |
//! | [`half`]   | f16 ⇄ f32 on load and store |
//! | [`async_copy`] | global → shared copies (`cp.async`) for double buffering, from a [`Global<f32>`] or an address |
//! | [`global`] | views of global memory: [`Global<T>`] (`ld.global.nc`/`.ca`/`.cg`), [`GlobalMut<T>`]; debug-checked |
//! | [`atomic`] | atomic add on shared and global u32 (histograms, appending to lists), global max |
//! | [`mma`]    | tensor-core `mma.sync` in TF32, and the 3×TF32 split for fp32 accuracy |
//! | [`wgmma`]  | warpgroup `wgmma` in TF32 from shared memory (sm_90a), its operand layout and fences |
//!
//! Indices and shuffles are safe functions. Kernel bodies reach global memory through the views of
//! [`global`]: their constructors are `unsafe` (the launch's contract: pointer and length, called
//! once in each entry adapter), their indexing is safe and checked in builds with debug
//! assertions. Everything else that dereferences an address is `unsafe`, with the condition the
//! caller must meet written on it: the `Shared::*_unchecked` forms, the raw-pointer loads and
//! stores (`ldg_f32`, `store_f16`, `cp_async_16`, ...) that the views are made of.

pub mod async_copy;
pub mod atomic;
pub mod global;
pub mod half;
pub mod index;
pub mod math;
pub mod mma;
pub mod shared;
pub mod sync;
pub mod warp;
pub mod wgmma;

pub use async_copy::{
    cp_async_16, cp_async_16_or_zero, cp_async_4, cp_async_4_or_zero, cp_async_commit, cp_async_wait,
};
pub use atomic::{atomic_add_global, atomic_max_global};
pub use global::{
    ldca_f32, ldcg_f32, ldg_f32, ldg_f32x2, ldg_f32x4, ldg_u32, ldg_vec, Element, Global, GlobalMut, ReadOnly,
};
pub use half::{load_f16, load_f16x2, store_f16, store_f16x4};
pub use index::{block_dim, block_idx, global_index, grid_dim, grid_stride, lane_id, thread_idx, warp_id, WARP_SIZE};
pub use math::{fma, max_nan, no_unroll, opaque, sqrt};
pub use mma::{mma_3xtf32, mma_tf32, split_tf32, to_tf32};
pub use shared::{dynamic_shared_bytes, F32x4, Shared};
pub use sync::{sync_threads, sync_warp, trap};
pub use warp::{
    ballot, block_exclusive_scan, block_sum, shfl_down, shfl_idx, shfl_up, shfl_xor, shfl_xor_f64, warp_max, warp_sum,
    LaneSum,
};
