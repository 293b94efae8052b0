//! Work counts of the timed kernels, the rates they give and the hardware peaks they are compared
//! with.

/// Useful FLOPs of get_hermitian over both half-steps: `nnz·f(f+1)/2` FMAs per side (the lower
/// triangle), 2 FLOPs each.
pub fn hermitian_flop(nnz: usize, f: usize) -> f64 {
    2.0 * 2.0 * nnz as f64 * (f * (f + 1) / 2) as f64
}

/// FLOPs of exact top-k scoring: `batch·n_items·f` FMAs, 2 FLOPs each.
pub fn scoring_flop(batch: usize, n_items: usize, f: usize) -> f64 {
    2.0 * (batch * n_items * f) as f64
}

/// DRAM bytes of the CG solver over `systems` f×f systems: what it moves (A once into shared
/// memory, b and x read, x written) and the paper's model (A read every one of `steps` steps).
pub fn cg_bytes(systems: f64, f: f64, steps: f64, half_storage: bool) -> (f64, f64) {
    let a_bytes = f * f * if half_storage { 2.0 } else { 4.0 };
    let vectors = 3.0 * 4.0 * f;
    (systems * (a_bytes + vectors), systems * (a_bytes * steps + vectors))
}

/// The fp32 FMA peak in FLOP/s of a GPU, and how it was computed.
pub fn fp32_fma_peak(multiprocessors: u32, compute_capability: (u32, u32), sm_clock_khz: u32) -> (f64, String) {
    // FP32 lanes per SM: 64 on sm_80 (A100), 128 on sm_86 and later (H100/H200: sm_90).
    let lanes = if compute_capability == (8, 0) { 64 } else { 128 };
    let ghz = sm_clock_khz as f64 / 1e6;
    let peak = multiprocessors as f64 * lanes as f64 * 2.0 * ghz * 1e9;
    let how = format!(
        "{multiprocessors} SMs × {lanes} fp32 lanes × 2 flop/FMA × {ghz:.3} GHz \
         (max SM clock, CU_DEVICE_ATTRIBUTE_CLOCK_RATE) = {:.1} TFLOP/s",
        peak / 1e12
    );
    (peak, how)
}

pub fn gflop_per_s(flop: f64, seconds: f64) -> f64 {
    flop / seconds / 1e9
}

pub fn tflop_per_s(flop: f64, seconds: f64) -> f64 {
    flop / seconds / 1e12
}

pub fn gb_per_s(bytes: f64, seconds: f64) -> f64 {
    bytes / seconds / 1e9
}

/// A rate in GFLOP/s as a percentage of a peak in FLOP/s.
pub fn percent_of_peak(gflop_per_s: f64, peak_flop_per_s: f64) -> f64 {
    100.0 * gflop_per_s * 1e9 / peak_flop_per_s
}
