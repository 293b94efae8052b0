//! The one place an ALS backend is built by kind: every backend is named here and nowhere below.

use anyhow::Result;

use crate::model::{AlsBackend, GpuOptions};
use crate::ptx::PtxImage;

/// Which backend [`train`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The CPU reference; `threads = 0` uses every core, `1` is the single-threaded baseline.
    Cpu { threads: usize },
    /// rustmf's kernels on GPU `device`, from the PTX images the program embeds
    /// (`rustmf::kernels::PTX`).
    Gpu { device: usize, options: GpuOptions, kernels: &'static [PtxImage] },
}

/// Build the backend object.
pub fn make_backend(backend: Backend) -> Result<Box<dyn AlsBackend>> {
    match backend {
        Backend::Cpu { threads } => Ok(Box::new(crate::cpu::CpuBackend::new(threads)?)),
        #[cfg(feature = "gpu")]
        Backend::Gpu { device, options, kernels } => {
            Ok(Box::new(crate::gpu::als::GpuBackend::open(device, options, kernels)?))
        }
        #[cfg(not(feature = "gpu"))]
        Backend::Gpu { .. } => anyhow::bail!("this rustmf was built without GPU support (--no-default-features)"),
    }
}
