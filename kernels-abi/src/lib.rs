//! The contract between rustmf's kernels and the host, written once and compiled for both sides:
//! `kernels-rs` (nvptx64) takes its parameters, tile tables and shared-memory sizes from here,
//! the host launches through the same definitions, and `build.rs`, `rustmf ptx-check` and the
//! tests enumerate the kernels from here.
//!
//! | module | holds |
//! |---|---|
//! | [`args`] | [`kernel_args!`]: per kernel signature a `#[repr(C)]` argument struct, device entries, host push |
//! | [`hermitian`] | get_hermitian: the version list, the register-tile table, each layout's block and shared memory |
//! | [`hermitian_phases`] | get_hermitian cut after its load, compute or write phase, per staging of θ (Fig. 4) |
//! | [`solve`] | the batched solvers and matrix-free CG |
//! | [`baseline`] | the data movement around the cuBLAS get_hermitian baseline |
//! | [`loss`] | the objective's and the test error's sums over a sparse matrix's entries |
//! | [`topk`] | inference: selection, exclusion, fused scorers |
//! | [`bounds`] | launch bounds (`.maxntid`, `.minnctapersm`) written into the PTX by `build.rs` |
//! | [`registry`] | every entry point of each PTX image, for `ptx-check` and the tests |
#![no_std]

pub mod args;
pub mod baseline;
pub mod bounds;
pub mod hermitian;
pub mod hermitian_phases;
pub mod loss;
pub mod registry;
pub mod solve;
pub mod topk;

pub use args::{In, KernelArgs, Out, Param, ParamSink};

use core::fmt;

/// Calls `$callback!($($args)*, [32, 64, 96, 100, 128])`: the factor counts every ALS and scoring
/// kernel is instantiated for, as macro tokens, so that device code can declare one entry per f.
#[macro_export]
macro_rules! with_supported_f {
    ($callback:ident!($($args:tt)*)) => {
        $callback! { $($args)* [32, 64, 96, 100, 128] }
    };
}

macro_rules! supported_f_array {
    ([$($f:literal),*]) => {
        [$($f),*]
    };
}

/// The factor counts f the kernels are specialized for.
pub const SUPPORTED_F: [usize; 5] = with_supported_f!(supported_f_array!());

/// Which PTX image has a kernel: every image, or only the sm_90a one (Hopper's `wgmma`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Image {
    Every,
    Sm90a,
}

impl Image {
    /// Whether the image built for `target` ("sm_80", "sm_90a") has the kernel.
    pub fn in_target(self, target: &str) -> bool {
        self == Image::Every || target == "sm_90a"
    }
}

/// A 1-D launch: `grid` blocks of `block` threads with `shared_bytes` of dynamic shared memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaunchShape {
    pub grid: u32,
    pub block: u32,
    pub shared_bytes: u32,
}

impl LaunchShape {
    /// One block per row of a batch of `rows`.
    pub const fn per_row(rows: usize, block: u32, shared_bytes: usize) -> LaunchShape {
        LaunchShape { grid: rows as u32, block, shared_bytes: shared_bytes as u32 }
    }

    /// Enough blocks of `block` threads to give each of `n` items a thread.
    pub const fn cover(n: usize, block: u32) -> LaunchShape {
        let grid = n.div_ceil(block as usize);
        LaunchShape { grid: if grid == 0 { 1 } else { grid as u32 }, block, shared_bytes: 0 }
    }

    pub const fn with_shared(self, shared_bytes: u32) -> LaunchShape {
        LaunchShape { shared_bytes, ..self }
    }

    pub const fn with_grid(self, grid: u32) -> LaunchShape {
        LaunchShape { grid, ..self }
    }
}

impl fmt::Display for LaunchShape {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "grid {} × block {}, {} B dynamic shared", self.grid, self.block, self.shared_bytes)
    }
}

/// The name of one entry point: `{family}` for kernels with one instance, else
/// `{family}_f{f}` and, for fp16 output, `{family}_f{f}_half`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub family: &'static str,
    pub f: Option<usize>,
    pub half: bool,
}

impl Entry {
    pub const fn single(family: &'static str) -> Entry {
        Entry { family, f: None, half: false }
    }

    pub const fn for_f(family: &'static str, f: usize) -> Entry {
        Entry { family, f: Some(f), half: false }
    }

    pub const fn half(self, half: bool) -> Entry {
        Entry { half, ..self }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, out: &mut fmt::Formatter) -> fmt::Result {
        out.write_str(self.family)?;
        if let Some(f) = self.f {
            write!(out, "_f{f}")?;
        }
        if self.half {
            out.write_str("_half")?;
        }
        Ok(())
    }
}
