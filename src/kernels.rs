//! The PTX of `kernels-rs`, compiled and embedded by `build.rs`, and the registry of kernels.
pub use rustmf_host::ptx::PtxImage;

include!(concat!(env!("OUT_DIR"), "/kernels.rs"));

/// What rustmf promises about each kernel, checked by `rustmf ptx-check` against `ptxas -v`:
/// a spill-free kernel must use no local memory (stack frame, spill stores or loads) on any
/// architecture. Every `.entry` in the PTX must be listed here, and nothing else.
pub struct KernelSpec {
    pub name: &'static str,
    pub spill_free: bool,
}

pub const KERNELS: &[KernelSpec] = &[
    KernelSpec { name: "prelude_check_index", spill_free: true },
    KernelSpec { name: "prelude_check_shared_reverse", spill_free: true },
    KernelSpec { name: "prelude_check_shared_vec4", spill_free: true },
    KernelSpec { name: "prelude_check_shuffles", spill_free: true },
    KernelSpec { name: "prelude_check_reductions", spill_free: true },
    KernelSpec { name: "prelude_check_fma", spill_free: true },
    KernelSpec { name: "prelude_check_f16_store", spill_free: true },
    KernelSpec { name: "prelude_check_f16_load", spill_free: true },
    KernelSpec { name: "prelude_check_ldg", spill_free: true },
];

/// Opens GPU `ordinal` with the embedded kernels loaded.
#[cfg(feature = "gpu")]
pub fn open_gpu(ordinal: usize) -> Result<rustmf_host::gpu::Gpu, rustmf_host::gpu::GpuError> {
    rustmf_host::gpu::Gpu::open(ordinal, PTX)
}
