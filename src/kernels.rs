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

/// Every kernel of the PTX for `target` ("sm_80", "sm_90a"), from the families' lists in
/// `rustmf-kernel-abi` (`registry::for_each_entry`). All are declared spill-free: the
/// register-tiled get_hermitian at f = 64 and f = 100 must be (issue 5), and none of the others
/// needs local memory either.
pub fn kernel_specs(target: &str) -> Vec<KernelSpec> {
    let mut specs = Vec::new();
    rustmf_kernel_abi::registry::for_each_entry(target, |entry| {
        specs.push(KernelSpec { name: entry.to_string(), spill_free: true })
    });
    specs
}

/// Opens GPU `ordinal` with the embedded kernels loaded.
#[cfg(feature = "gpu")]
pub fn open_gpu(ordinal: usize) -> Result<rustmf_host::gpu::Gpu, rustmf_host::gpu::GpuError> {
    rustmf_host::gpu::Gpu::open(ordinal, PTX)
}
