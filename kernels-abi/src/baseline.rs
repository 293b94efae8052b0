//! The data movement around cuBLAS for the cuBLAS get_hermitian baseline
//! (`kernels-rs/src/baseline/`, host side `host/src/gpu/als/cublas_hermitian.rs`): rows' weighted
//! θ gathered into zero-padded dense blocks for a grouped batched GEMM, then the regularization
//! (and YᵀY) added and the upper triangle mirrored.
use crate::{Entry, LaunchShape};

pub const fn gather_entry(f: usize) -> Entry {
    Entry::for_f("baseline_gather", f)
}

pub const fn finish_entry(f: usize) -> Entry {
    Entry::for_f("baseline_finish", f)
}

/// Gather: one block per row, f rounded up to whole warps.
pub const fn gather_launch(f: usize, rows: usize) -> LaunchShape {
    LaunchShape::per_row(rows, f.next_multiple_of(32) as u32, 0)
}

/// Threads per block of the finish kernel.
pub const FINISH_BLOCK: u32 = 256;

crate::kernel_args! { $ baseline::BaselineGather, entries baseline_gather_kernels {
    n_rows: u32,
    row_begin: u32,
    indptr: In<u64>,
    indices: In<u32>,
    values: In<f32>,
    theta: In<f32>,
    alpha: f32,
    eps: f32,
    mode: u32,
    /// First block row of each row in `gathered`, and the end.
    offsets: In<u64>,
    gathered: Out<f32>,
    b_out: Out<f32>,
} }

crate::kernel_args! { $ baseline::BaselineFinish, entries baseline_finish_kernels {
    n_rows: u32,
    row_begin: u32,
    indptr: In<u64>,
    gram: In<f32>,
    lambda: f32,
    mode: u32,
    a_out: Out<f32>,
} }
