//! Sums over the entries of a sparse matrix for the training objective and the test error
//! (`kernels-rs/src/loss.rs`; host side `host/src/gpu/als/loss.rs`).
use crate::{Entry, LaunchShape};

pub const BLOCK: u32 = 256;
pub const WARPS: usize = BLOCK as usize / 32;

/// Consecutive entries a warp takes at a time: the unit of the balance by entries.
pub const CHUNK: usize = 512;

/// The sums each warp writes, in this order.
pub const SUMS: usize = 3;
/// Σ (r − s)² (explicit), Σ over r > 0 of c·(1 − s)² − s² (implicit).
pub const DATA: usize = 0;
/// Σ |r − s| (explicit).
pub const ABSOLUTE: usize = 1;
/// Σ ‖x_u‖² + ‖θ_i‖² over the entries (explicit): the regularization weighted by n_u and n_i.
pub const NORMS: usize = 2;

pub const fn entry(f: usize) -> Entry {
    Entry::for_f("loss_entry_sums", f)
}

/// One warp per chunk of the `nnz` entries, in at most 8 blocks per SM (warps then loop over
/// chunks).
pub const fn launch(nnz: usize, multiprocessors: u32) -> LaunchShape {
    let warps = nnz.div_ceil(CHUNK);
    let most = 8 * multiprocessors as usize;
    let grid = warps.div_ceil(WARPS);
    let grid = if grid < 1 {
        1
    } else if grid > most {
        most
    } else {
        grid
    };
    LaunchShape { grid: grid as u32, block: BLOCK, shared_bytes: 0 }
}

/// The partial sums a launch of `shape` writes: [`SUMS`] per warp.
pub const fn partials(shape: LaunchShape) -> usize {
    shape.grid as usize * WARPS * SUMS
}

crate::kernel_args! { $ loss::EntrySums, entries entry_sums_kernels {
    n_rows: u32,
    nnz: u64,
    indptr: In<u64>,
    indices: In<u32>,
    values: In<f32>,
    /// The rows' factors (n_rows × f) and the columns' (unbounded: their count is not passed).
    x: In<f32>,
    theta: In<f32>,
    alpha: f32,
    eps: f32,
    mode: u32,
    /// [`SUMS`] per warp of the launch, warp by warp.
    partials: Out<f64>,
} }
