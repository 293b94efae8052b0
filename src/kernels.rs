//! The PTX of `kernels-rs`, compiled and embedded by `build.rs`, and the registry of kernels.
pub use rustmf_host::ptx::PtxImage;

include!(concat!(env!("OUT_DIR"), "/kernels.rs"));

/// What rustmf promises about each kernel, checked by `rustmf ptx-check` against `ptxas -v`:
/// a spill-free kernel must use no local memory (stack frame, spill stores or loads) on any
/// architecture. Every `.entry` in the PTX must be listed here, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelSpec {
    pub name: String,
    pub spill_free: bool,
}

/// The factor counts the ALS kernels are specialized for.
pub const ALS_FACTORS: [usize; 5] = [32, 64, 96, 100, 128];

const PRELUDE_CHECKS: [&str; 12] = [
    "prelude_check_cp_async",
    "prelude_check_index",
    "prelude_check_shared_reverse",
    "prelude_check_shared_vec4",
    "prelude_check_vec2",
    "prelude_check_shuffles",
    "prelude_check_reductions",
    "prelude_check_fma",
    "prelude_check_f16_store",
    "prelude_check_f16_load",
    "prelude_check_ldg",
    "prelude_check_mma_3xtf32",
];

/// ALS kernel families, each instantiated once per f in [`ALS_FACTORS`] as `<family>_f<f>`.
const ALS_FAMILIES: [&str; 23] = [
    "hermitian_v1",
    "hermitian_v2",
    "hermitian_v3",
    "hermitian_v4",
    "hermitian_v5",
    "hermitian_v6",
    "hermitian_v7",
    "hermitian_v8",
    "hermitian_v8_finish",
    "solve_cholesky",
    "solve_lu",
    "solve_cg",
    "solve_cg_half",
    "solve_cg_matrix_free",
    "hermitian_v3_half",
    "hermitian_v4_half",
    "hermitian_v5_half",
    "hermitian_v6_half",
    "hermitian_v7_half",
    "hermitian_v8_half",
    "hermitian_v8_finish_half",
    "baseline_gather",
    "baseline_finish",
];

/// Inference kernels (kernels-rs/src/topk): selection and exclusion marking, then the fused
/// scorers, one per f in [`ALS_FACTORS`] as `<family>_f<f>`.
const TOPK_KERNELS: [&str; 5] =
    ["topk_dense", "topk_candidates", "topk_threshold", "topk_mark_excluded", "topk_rescore"];
const SCORE_FAMILIES: [&str; 3] = ["score_sample", "score_filter", "score_filter_tf32"];
/// Kernels only the sm_90a image has (`wgmma`): a prelude check, get_hermitian v9 and a scorer
/// family.
const SM90A_PRELUDE_CHECKS: [&str; 1] = ["prelude_check_wgmma_tf32"];
const SM90A_ALS_FAMILIES: [&str; 2] = ["hermitian_v9", "hermitian_v9_half"];
const SM90A_SCORE_FAMILIES: [&str; 1] = ["score_filter_wgmma"];

/// Every kernel of the PTX for `target` ("sm_80", "sm_90a"; the sm_90a image has the `wgmma`
/// kernels too). All are declared spill-free: the register-tiled get_hermitian at f = 64 and
/// f = 100 must be (issue 5), and none of the others needs local memory either.
pub fn kernel_specs(target: &str) -> Vec<KernelSpec> {
    let sm90a = target == "sm_90a";
    let prelude = PRELUDE_CHECKS.iter().map(|n| n.to_string());
    let als_families = ALS_FAMILIES.iter().chain(SM90A_ALS_FAMILIES.iter().filter(|_| sm90a));
    let als = als_families.flat_map(|family| {
        ALS_FACTORS.iter().map(move |f| match family.strip_suffix("_half") {
            Some(h) if h.starts_with("hermitian") => format!("{h}_f{f}_half"),
            _ => format!("{family}_f{f}"),
        })
    });
    let topk = TOPK_KERNELS.iter().map(|n| n.to_string());
    let score = SCORE_FAMILIES.iter().flat_map(|family| ALS_FACTORS.iter().map(move |f| format!("{family}_f{f}")));
    let wgmma_checks = SM90A_PRELUDE_CHECKS.iter().filter(|_| sm90a).map(|n| n.to_string());
    let wgmma_score = SM90A_SCORE_FAMILIES
        .iter()
        .filter(|_| sm90a)
        .flat_map(|family| ALS_FACTORS.iter().map(move |f| format!("{family}_f{f}")));
    prelude
        .chain(als)
        .chain(topk)
        .chain(score)
        .chain(wgmma_checks)
        .chain(wgmma_score)
        .map(|name| KernelSpec { name, spill_free: true })
        .collect()
}

/// Makes the embedded PTX available to backends opened by name (`als::Backend::Gpu`).
pub fn register() {
    rustmf_host::ptx::register_embedded(PTX);
}

/// Opens GPU `ordinal` with the embedded kernels loaded.
#[cfg(feature = "gpu")]
pub fn open_gpu(ordinal: usize) -> Result<rustmf_host::gpu::Gpu, rustmf_host::gpu::GpuError> {
    register();
    rustmf_host::gpu::Gpu::open(ordinal, PTX)
}
