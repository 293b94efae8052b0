//! Names and launch shapes of the ALS kernels in `kernels-rs/src/hermitian` and `.../solve` (and
//! of the gather kernel of the cuBLAS baseline, `kernels-rs/src/baseline`).
//! These numbers restate the kernels' own constants (block sizes, tile tables, staging sizes);
//! a mismatch cannot go unnoticed, because every kernel checks its block size and the size of its
//! shared-memory windows and traps otherwise.
use crate::gpu::LaunchShape;

/// The factor counts kernels are specialized for.
pub const SUPPORTED_F: [usize; 5] = [32, 64, 96, 100, 128];

/// Items of θ a staging kernel (v2, v3) holds in shared memory at once.
const STAGED_ITEMS: usize = 32;

/// get_hermitian versions (see `kernels-rs/src/hermitian/mod.rs`), and the cuBLAS baseline
/// (gathered dense blocks and a grouped batched GEMM, `cublas_hermitian.rs`), numbered 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Hermitian {
    Cublas,
    V1Global,
    V2Shared,
    V3Tiled,
    V4Cached,
    V5Pipelined,
    V6Tensor,
    V7Balanced,
    V8Split,
    /// `wgmma` (sm_90a: H100/H200 only).
    V9Wgmma,
}

impl Hermitian {
    pub const ALL: [Hermitian; 10] = [
        Hermitian::Cublas,
        Hermitian::V1Global,
        Hermitian::V2Shared,
        Hermitian::V3Tiled,
        Hermitian::V4Cached,
        Hermitian::V5Pipelined,
        Hermitian::V6Tensor,
        Hermitian::V7Balanced,
        Hermitian::V8Split,
        Hermitian::V9Wgmma,
    ];

    pub fn number(self) -> u32 {
        match self {
            Hermitian::Cublas => 0,
            Hermitian::V1Global => 1,
            Hermitian::V2Shared => 2,
            Hermitian::V3Tiled => 3,
            Hermitian::V4Cached => 4,
            Hermitian::V5Pipelined => 5,
            Hermitian::V6Tensor => 6,
            Hermitian::V7Balanced => 7,
            Hermitian::V8Split => 8,
            Hermitian::V9Wgmma => 9,
        }
    }

    pub fn from_number(v: u32) -> Option<Hermitian> {
        Hermitian::ALL.into_iter().find(|h| h.number() == v)
    }

    /// "cublas", or "v" and the version number.
    pub fn name(self) -> String {
        match self {
            Hermitian::Cublas => "cublas".into(),
            v => format!("v{}", v.number()),
        }
    }

    /// Whether this version can write A as fp16 (for the fp16 CG solver).
    pub fn has_half_output(self) -> bool {
        matches!(
            self,
            Hermitian::V3Tiled
                | Hermitian::V4Cached
                | Hermitian::V5Pipelined
                | Hermitian::V6Tensor
                | Hermitian::V7Balanced
                | Hermitian::V8Split
                | Hermitian::V9Wgmma
        )
    }

    /// Whether the kernel takes the batch's rows in a given order (longest first), one more argument.
    pub fn takes_order(self) -> bool {
        self == Hermitian::V7Balanced
    }

    /// Whether the kernel takes work units (rows and pieces of long rows) and needs v8's finish kernel.
    pub fn splits_rows(self) -> bool {
        matches!(self, Hermitian::V8Split | Hermitian::V9Wgmma)
    }

    /// Whether the kernel is in the sm_90a PTX only (`wgmma`: H100/H200).
    pub fn needs_sm90a(self) -> bool {
        self == Hermitian::V9Wgmma
    }

    /// The version's kernel; for the cuBLAS baseline, its gather kernel.
    pub fn kernel_name(self, f: usize, half: bool) -> String {
        match self {
            Hermitian::Cublas => format!("baseline_gather_f{f}"),
            v => format!("hermitian_v{}_f{f}{}", v.number(), if half { "_half" } else { "" }),
        }
    }

    pub fn launch(self, f: usize, rows: usize) -> LaunchShape {
        let grid = rows as u32;
        let (t, g, block) = tiles(f);
        let nt = f / t;
        let reduction = (g - 1) * (nt * (nt + 1) / 2) * t * t;
        let (block, shared) = match self {
            Hermitian::Cublas => (f.next_multiple_of(32) as u32, 0),
            Hermitian::V1Global => (128, 0),
            Hermitian::V2Shared => (256, STAGED_ITEMS * (f + 2)),
            Hermitian::V3Tiled => (block, reduction.max(STAGED_ITEMS * (f + 2))),
            Hermitian::V4Cached => (block, reduction),
            Hermitian::V5Pipelined => (block, reduction.max(2 * STAGED_ITEMS * (f + 1))),
            Hermitian::V7Balanced | Hermitian::V8Split => (block, reduction.max(2 * STAGED_ITEMS * (f + 1)).max(f * f)),
            Hermitian::V6Tensor => return tensor_launch(f, rows),
            Hermitian::V9Wgmma => (128, wgmma_shared_floats(f)),
        };
        LaunchShape { grid, block, shared_bytes: 4 * shared as u32 }
    }
}

/// Register-tile size T, item groups G and block size of v3/v4 (the table in `v3_tiled.rs`).
fn tiles(f: usize) -> (usize, usize, u32) {
    match f {
        32 => (8, 12, 128),
        64 => (8, 3, 128),
        96 => (8, 1, 96),
        100 => (10, 2, 128),
        128 => (8, 1, 160),
        _ => panic!("no get_hermitian kernels for f = {f} (supported: {SUPPORTED_F:?})"),
    }
}

/// v6's shape (the constants of `v6_tensor.rs`): 32·G·⌈NT/2⌉ threads with NT = ⌈f/16⌉ super-rows
/// and G item groups (4, 2, 1, 1, 1 for f = 32, 64, 96, 100, 128); shared memory for two staging
/// buffers of 32 items (θ rows at a stride ≡ 8 mod 32, and values), the chunk's weights and its
/// split operands, or the f×f copy of A_u, whichever is larger.
fn tensor_launch(f: usize, rows: usize) -> LaunchShape {
    let roles = f.div_ceil(16).div_ceil(2);
    let groups = match f {
        32 => 4,
        64 => 2,
        _ => 1,
    };
    let stride = |f: usize| f + (40 - f % 32) % 32;
    let items = 32;
    let floats = (2 * items * (stride(f) + 1) + 2 * items + 2 * items * stride(f.div_ceil(16) * 16)).max(f * f);
    LaunchShape { grid: rows as u32, block: 32 * (groups * roles) as u32, shared_bytes: 4 * floats as u32 }
}

/// v9's shared memory in floats (`v9_wgmma.rs`): two stages of 32 items × the operand's rows
/// (f + 1 rounded up to 8, at least 64), big and small parts; or A_u and b_u, if larger.
fn wgmma_shared_floats(f: usize) -> usize {
    let rows = (f + 1).next_multiple_of(8).max(64);
    (4 * rows * 32).max(f * f + f)
}

/// Batched solvers (see `kernels-rs/src/solve/mod.rs`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum GpuSolver {
    Cholesky,
    Lu,
    /// At most `steps` CG iterations from the current factors; stop once ‖r‖ ≤ tol·‖b‖.
    Cg {
        steps: u32,
        tol: f32,
    },
    /// CG with A stored in fp16.
    CgHalf {
        steps: u32,
        tol: f32,
    },
    /// The cuBLAS baseline: LU with partial pivoting, `cublasSgetrfBatched` + `cublasSgetrsBatched`.
    CublasLu,
}

impl GpuSolver {
    pub fn half_storage(self) -> bool {
        matches!(self, GpuSolver::CgHalf { .. })
    }

    /// The solver's kernel; None for the cuBLAS baseline, which is library calls.
    pub fn kernel_name(self, f: usize) -> Option<String> {
        let family = match self {
            GpuSolver::Cholesky => "cholesky",
            GpuSolver::Lu => "lu",
            GpuSolver::Cg { .. } => "cg",
            GpuSolver::CgHalf { .. } => "cg_half",
            GpuSolver::CublasLu => return None,
        };
        Some(format!("solve_{family}_f{f}"))
    }

    pub fn launch(self, f: usize, rows: usize) -> LaunchShape {
        LaunchShape {
            grid: rows as u32,
            block: f.div_ceil(32) as u32 * 32,
            shared_bytes: 4 * (f * f + 2 * f + 32) as u32,
        }
    }

    pub fn name(self) -> String {
        match self {
            GpuSolver::Cholesky => "cholesky".into(),
            GpuSolver::Lu => "lu".into(),
            GpuSolver::Cg { steps, .. } => format!("cg{steps}"),
            GpuSolver::CgHalf { steps, .. } => format!("cg{steps}-fp16"),
            GpuSolver::CublasLu => "cublas-lu".into(),
        }
    }
}

/// Warps per block of matrix-free CG (`kernels-rs/src/solve/cg_matrix_free.rs`: `BLOCK` / 32).
const MATRIX_FREE_WARPS: usize = 8;

/// Matrix-free CG over `rows` rows, the first `n_long` of them a block each and the rest a warp
/// each, in at most 8 blocks per SM (blocks loop over the teams); dynamic shared memory for three
/// f-vectors per warp, and YᵀY + λI in implicit modes.
pub fn matrix_free_launch(f: usize, rows: usize, n_long: usize, implicit: bool, multiprocessors: u32) -> LaunchShape {
    let teams = n_long + (rows - n_long).div_ceil(MATRIX_FREE_WARPS);
    let grid = teams.clamp(1, 8 * multiprocessors as usize) as u32;
    let shared_bytes = (4 * (3 * MATRIX_FREE_WARPS * f + if implicit { f * f } else { 0 })) as u32;
    LaunchShape { grid, block: 32 * MATRIX_FREE_WARPS as u32, shared_bytes }
}
