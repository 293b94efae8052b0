//! get_hermitian + get_bias (cuMF_als §II–III; `kernels-rs/src/hermitian/`): the version list,
//! the three argument lists the versions take, and each version's launch layout.
//!
//! Adding a version: write `kernels-rs/src/hermitian/vN_name.rs` (ending in
//! `hermitian_kernels!(N, ..)`) and add one line to [`hermitian_versions!`]. The device crate
//! declares its module from that line; the host's `--hermitian N`, the tests, `kernel-bench`,
//! `ptx-check` and the launch shapes read [`VERSIONS`].
use crate::{Entry, Image, LaunchShape};

/// `mode`: explicit feedback (weighted-λ).
pub const MODE_EXPLICIT: u32 = 0;
/// `mode`: implicit feedback, confidence c = 1 + α·r.
pub const MODE_IMPLICIT_LINEAR: u32 = 1;
/// `mode`: implicit feedback, confidence c = 1 + α·ln(1 + r/ε).
pub const MODE_IMPLICIT_LOG: u32 = 2;

/// Every get_hermitian version, one line each:
/// `number module arguments layout image fp16-output "change" "paper section"`.
/// `arguments` names the signature ([`HermitianRows`], [`HermitianOrdered`], [`HermitianUnits`]),
/// `layout` the [`Layout`] that gives block and shared memory, `image` the PTX images that have
/// it ([`Image`]), `fp16-output` whether it also writes A in fp16 (`_half` entries).
#[macro_export]
macro_rules! hermitian_versions {
    ($callback:ident!) => {
        $callback! {
            1 v1_global Rows Global Every fp32 "every output entry summed straight from global memory" "§II, eq. 2 (direct)";
            2 v2_shared Rows Shared Every fp32 "θ of 32 items staged in shared memory, coalesced" "§III (staging)";
            3 v3_tiled Rows Tiled Every fp16 "each thread a T×T register tile of A_u" "§III, Solution 1";
            4 v4_cached Rows Cached Every fp16 "tiles fed by read-only cached loads, no staging" "§III, Solution 2";
            5 v5_pipelined Rows Pipelined Every fp16 "tiles fed by double-buffered cp.async staging" "beyond the paper";
            6 v6_tensor Rows Tensor Every fp16 "mma.sync 3×TF32 on the tensor cores" "beyond the paper";
            7 v7_balanced Ordered Balanced Every fp16 "v5, longest rows first, coalesced A_u stores" "§III (load balance)";
            8 v8_split Units Balanced Every fp16 "v7, long rows split over blocks, a finish kernel" "beyond the paper";
            9 v9_wgmma Units Wgmma Sm90a fp16 "wgmma 3×TF32 on v8's work units (H100/H200)" "beyond the paper";
        }
    };
}

/// The argument list a version takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arguments {
    /// [`HermitianRows`]: block k computes batch row k.
    Rows,
    /// [`HermitianOrdered`]: block k computes the k-th row of `order` (longest first).
    Ordered,
    /// [`HermitianUnits`]: block k computes work unit k (a row or a piece of a long one); pieces
    /// are added up by the finish kernel ([`HermitianFinish`]).
    Units,
}

/// One get_hermitian version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub number: u32,
    /// File under `kernels-rs/src/hermitian/`, without `.rs`.
    pub module: &'static str,
    /// Its entry points' family, `hermitian_v{number}`.
    pub family: &'static str,
    pub arguments: Arguments,
    pub layout: Layout,
    pub image: Image,
    /// Whether it writes A in fp16 too (for the fp16 CG solver).
    pub half_output: bool,
    pub change: &'static str,
    pub paper: &'static str,
}

macro_rules! version_table {
    ($($number:literal $module:ident $arguments:ident $layout:ident $image:ident $output:ident
       $change:literal $paper:literal;)*) => {
        /// Every version, by number.
        pub const VERSIONS: &[Version] = &[$(Version {
            number: $number,
            module: stringify!($module),
            arguments: Arguments::$arguments,
            layout: Layout::$layout,
            image: Image::$image,
            family: concat!("hermitian_v", $number),
            half_output: half_output!($output),
            change: $change,
            paper: $paper,
        }),*];
    };
}

macro_rules! half_output {
    (fp16) => {
        true
    };
    (fp32) => {
        false
    };
}

hermitian_versions!(version_table!);

impl Version {
    pub fn by_number(number: u32) -> Option<&'static Version> {
        VERSIONS.iter().find(|v| v.number == number)
    }

    pub fn entry(&self, f: usize, half: bool) -> Entry {
        Entry::for_f(self.family, f).half(half)
    }

    /// Block size and dynamic shared memory at f, one block per row (or work unit) of `rows`.
    pub fn launch(&self, f: usize, rows: usize) -> LaunchShape {
        let (block, shared) = self.layout.block_and_shared(f);
        LaunchShape::per_row(rows, block, shared)
    }
}

/// v8's finish kernel, which adds up the pieces of split rows (v8 and v9).
pub fn finish_entry(f: usize, half: bool) -> Entry {
    Entry::for_f("hermitian_v8_finish", f).half(half)
}

/// Block size of the finish kernel.
pub const FINISH_BLOCK: u32 = 256;

/// Items whose θ rows a staging version holds in shared memory at once.
pub const STAGED_ITEMS: usize = 32;

/// The register-tiled layout of v3, v4, v5, v7, v8 at one f: T×T tiles, G item groups, block size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tiles {
    pub t: usize,
    pub groups: usize,
    pub block: u32,
}

/// | f   | T  | tiles | G  | block | registers in the tile |
/// |-----|----|-------|----|-------|------------------------|
/// | 32  | 8  | 10    | 12 | 128   | 64 |
/// | 64  | 8  | 36    | 3  | 128   | 64 |
/// | 96  | 8  | 78    | 1  | 96    | 64 |
/// | 100 | 10 | 55    | 2  | 128   | 100 |
/// | 128 | 8  | 136   | 1  | 160   | 64 |
pub const fn tiles(f: usize) -> Tiles {
    match f {
        32 => Tiles { t: 8, groups: 12, block: 128 },
        64 => Tiles { t: 8, groups: 3, block: 128 },
        96 => Tiles { t: 8, groups: 1, block: 96 },
        100 => Tiles { t: 10, groups: 2, block: 128 },
        128 => Tiles { t: 8, groups: 1, block: 160 },
        _ => panic!("no register-tile layout for this f"),
    }
}

impl Tiles {
    /// Floats to add up the groups' partial tiles through shared memory.
    pub const fn reduction_floats(self, f: usize) -> usize {
        let nt = f / self.t;
        (self.groups - 1) * (nt * (nt + 1) / 2) * self.t * self.t
    }
}

/// How a version lays out a block: its threads and dynamic shared memory, per f.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// v1: 128 threads, no shared memory.
    Global,
    /// v2: 256 threads, θ of [`STAGED_ITEMS`] items and their two weights.
    Shared,
    /// v3: [`tiles`]; one staging buffer or the groups' reduction.
    Tiled,
    /// v4: [`tiles`]; the groups' reduction only.
    Cached,
    /// v5: [`tiles`]; two staging buffers or the reduction.
    Pipelined,
    /// v6: 32·G·⌈⌈f/16⌉/2⌉ threads; two staging buffers, weights and split operands, or A_u.
    Tensor,
    /// v7, v8: v5's, or A_u (f² floats) if larger.
    Balanced,
    /// v9: one warpgroup; two stages of big and small TF32 parts, or A_u and b_u.
    Wgmma,
}

impl Layout {
    /// (threads per block, dynamic shared-memory bytes) at f.
    pub const fn block_and_shared(self, f: usize) -> (u32, usize) {
        match self {
            Layout::Global => (V1_BLOCK, 0),
            Layout::Shared => (V2_BLOCK, 4 * STAGED_ITEMS * (f + 2)),
            Layout::Tiled => (tiles(f).block, bytes_of_larger(STAGED_ITEMS * (f + 2), tiles(f).reduction_floats(f))),
            Layout::Cached => (tiles(f).block, 4 * tiles(f).reduction_floats(f)),
            Layout::Pipelined => (tiles(f).block, pipelined_shared_bytes(f)),
            Layout::Balanced => (tiles(f).block, bytes_of_larger(pipelined_shared_bytes(f) / 4, f * f)),
            Layout::Tensor => (32 * (tensor::groups(f) * tensor::roles(f)) as u32, tensor::shared_bytes(f)),
            Layout::Wgmma => (wgmma::BLOCK, wgmma::shared_bytes(f)),
        }
    }
}

/// Bytes of the larger of two float counts (two uses of the same shared memory).
const fn bytes_of_larger(a: usize, b: usize) -> usize {
    4 * if a > b { a } else { b }
}

/// v1's block size.
pub const V1_BLOCK: u32 = 128;

/// v2's block size.
pub const V2_BLOCK: u32 = 256;

/// v2: lower-triangle entries each thread owns, ⌈f(f+1)/2 / block⌉.
pub const fn v2_entries_per_thread(f: usize) -> usize {
    (f * (f + 1) / 2).div_ceil(V2_BLOCK as usize)
}

const fn pipelined_shared_bytes(f: usize) -> usize {
    bytes_of_larger(2 * STAGED_ITEMS * (f + 1), tiles(f).reduction_floats(f))
}

/// v6's constants (`v6_tensor.rs`).
pub mod tensor {
    use super::STAGED_ITEMS;

    /// Row stride of staged θ: the smallest ≥ f that is 8 mod 32.
    pub const fn stride(f: usize) -> usize {
        f + (40 - f % 32) % 32
    }

    /// Row stride of the split operands: the smallest ≥ 16·⌈f/16⌉ that is 8 mod 32.
    pub const fn split_stride(f: usize) -> usize {
        stride(f.div_ceil(16) * 16)
    }

    /// 16×16 super-rows of A_u.
    pub const fn super_rows(f: usize) -> usize {
        f.div_ceil(16)
    }

    /// Warp roles: each takes two super-rows.
    pub const fn roles(f: usize) -> usize {
        super_rows(f).div_ceil(2)
    }

    /// Item groups (4, 2, 1, 1, 1 for f = 32, 64, 96, 100, 128).
    pub const fn groups(f: usize) -> usize {
        match f {
            32 => 4,
            64 => 2,
            _ => 1,
        }
    }

    /// Two staging buffers (θ and values), the chunk's weights and its split operands, or the
    /// f×f copy of A_u, whichever is larger.
    pub const fn shared_bytes(f: usize) -> usize {
        let s = STAGED_ITEMS;
        let staging = 2 * s * (stride(f) + 1) + 2 * s + 2 * s * split_stride(f);
        let a = f * f;
        4 * if staging > a { staging } else { a }
    }
}

/// v9's constants (`v9_wgmma.rs`).
pub mod wgmma {
    /// One warpgroup.
    pub const BLOCK: u32 = 128;
    /// Items per stage.
    pub const KC: usize = 32;

    /// Rows of Z that hold data: f, the b_u row, zeros to a multiple of 8.
    pub const fn padded(f: usize) -> usize {
        (f + 1).div_ceil(8) * 8
    }

    /// Rows of a stage: [`padded`], and at least one 64-row window.
    pub const fn stage_rows(f: usize) -> usize {
        if padded(f) > 64 {
            padded(f)
        } else {
            64
        }
    }

    /// Accumulator registers per thread of tile t (N/2 for its N = P − 64t columns; 0: no tile).
    pub const fn tile_registers(f: usize, t: usize) -> usize {
        if padded(f) > 64 * t {
            (padded(f) - 64 * t) / 2
        } else {
            0
        }
    }

    /// Two stages of big and small parts, or A_u's f×f and b_u's f floats.
    pub const fn shared_bytes(f: usize) -> usize {
        let stages = 4 * stage_rows(f) * KC;
        let epilogue = f * f + f;
        4 * if stages > epilogue { stages } else { epilogue }
    }
}

crate::kernel_args! { $ hermitian::HermitianRows, entries hermitian_rows_kernels {
    n_rows: u32,
    row_begin: u32,
    /// Row pointers of the sparse matrix (CSR for users, CSC for items).
    indptr: In<u64>,
    indices: In<u32>,
    values: In<f32>,
    /// The fixed factors, n_fixed × f row-major.
    theta: In<f32>,
    /// YᵀY (f×f), read in implicit modes only.
    gram: In<f32>,
    lambda: f32,
    alpha: f32,
    eps: f32,
    mode: u32,
    /// A_u of batch row k at `k·f²` (f32, or f16 for `_half` entries).
    a_out: Out<f32>,
    b_out: Out<f32>,
} }

crate::kernel_args! { $ hermitian::HermitianOrdered, entries hermitian_ordered_kernels {
    n_rows: u32,
    row_begin: u32,
    indptr: In<u64>,
    indices: In<u32>,
    values: In<f32>,
    theta: In<f32>,
    gram: In<f32>,
    lambda: f32,
    alpha: f32,
    eps: f32,
    mode: u32,
    a_out: Out<f32>,
    b_out: Out<f32>,
    /// The batch's rows in the order its blocks take them (longest first).
    order: In<u32>,
} }

crate::kernel_args! { $ hermitian::HermitianUnits, entries hermitian_units_kernels {
    n_units: u32,
    indptr: In<u64>,
    indices: In<u32>,
    values: In<f32>,
    theta: In<f32>,
    gram: In<f32>,
    lambda: f32,
    alpha: f32,
    eps: f32,
    mode: u32,
    a_out: Out<f32>,
    b_out: Out<f32>,
    /// Work units, three u64 each (`v8_split.rs`).
    work: In<u64>,
    partial_a: Out<f32>,
    partial_b: Out<f32>,
} }

crate::kernel_args! { $ hermitian::HermitianFinish, entries hermitian_finish_kernels {
    n_split: u32,
    row_begin: u32,
    indptr: In<u64>,
    gram: In<f32>,
    lambda: f32,
    mode: u32,
    a_out: Out<f32>,
    b_out: Out<f32>,
    /// Split rows, three u32 each (`v8_split.rs`).
    splits: In<u32>,
    partial_a: In<f32>,
    partial_b: In<f32>,
} }
