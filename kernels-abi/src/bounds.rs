//! Launch bounds (CUDA's `__launch_bounds__`), which Rust cannot attach to a kernel: `build.rs`
//! writes `.maxntid` (threads per block) and `.minnctapersm` (blocks per SM) after the parameter
//! list of every entry whose name starts with a listed prefix, so ptxas keeps it within
//! 65536 / (threads · blocks) registers; the first matching bound counts.
//!
//! * The fused filters need two 256-thread blocks per SM to hide their latencies (128 registers;
//!   they took 132 and 167). The exact filter's shared memory admits two blocks only at f = 32 and
//!   64 (at f ≥ 96 it needs over 114 KiB), so only those are bounded, and only on sm_90: on sm_80
//!   it does not fit 128 registers without spilling a few bytes.
//! * get_hermitian v7 and v8 at f = 64 keep v5's four 128-thread blocks per SM (128 registers;
//!   they took 133).
//! * Matrix-free CG, a latency-bound gather, keeps two 256-thread blocks per SM on sm_90 (it took
//!   128–133 registers); on sm_80 the bound made f = 96 spill 4 bytes, so there it is left alone.
//! * The `wgmma` filter (sm_90a only) keeps two 256-thread blocks per SM (127 registers at f = 64).

/// Bounds for the entries whose names start with `prefix`, on the listed architectures
/// (compute capability × 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaunchBound {
    pub prefix: &'static str,
    pub archs: &'static [u32],
    pub threads: u32,
    pub blocks_per_sm: u32,
}

pub const LAUNCH_BOUNDS: [LaunchBound; 7] = [
    LaunchBound { prefix: "score_filter_tf32_", archs: &[80, 90], threads: 256, blocks_per_sm: 2 },
    LaunchBound { prefix: "score_filter_wgmma_", archs: &[90], threads: 256, blocks_per_sm: 2 },
    LaunchBound { prefix: "solve_cg_matrix_free_", archs: &[90], threads: 256, blocks_per_sm: 2 },
    LaunchBound { prefix: "score_filter_f32", archs: &[90], threads: 256, blocks_per_sm: 2 },
    LaunchBound { prefix: "score_filter_f64", archs: &[90], threads: 256, blocks_per_sm: 2 },
    LaunchBound { prefix: "hermitian_v7_f64", archs: &[80, 90], threads: 128, blocks_per_sm: 4 },
    LaunchBound { prefix: "hermitian_v8_f64", archs: &[80, 90], threads: 128, blocks_per_sm: 4 },
];

/// The bound for entry `name` on architecture `arch`, if any.
pub fn launch_bound(name: &str, arch: u32) -> Option<&'static LaunchBound> {
    LAUNCH_BOUNDS.iter().find(|b| name.starts_with(b.prefix)).filter(|b| b.archs.contains(&arch))
}
