//! `rustmf._rustmf`: the Rust half of the `rustmf` Python package. The Python half
//! (`python/rustmf/`) holds the `implicit`-compatible classes and turns scipy/numpy inputs into
//! the flat arrays these functions take; everything that computes is here, over `rustmf-host`.
//!
//! | item | file | does |
//! |------|------|------|
//! | `fit`, `init_factors` | `fit.rs` | ALS on the CPU or a GPU from a CSR matrix; rustmf's seeded start point |
//! | `fold_in` | `fit.rs` | new or changed users' factors from fixed item factors (CPU, exact) |
//! | `Scorer` | `scoring.rs` | top-k over item factors on a CPU or GPU scorer, kept open between calls |
//! | `Model`, `load_model` | `model_io.rs` | settings, ids, seen items; model folders as `train --out` writes |
//! | `ranking_metrics`, `holdout` | `evaluation.rs` | precision / recall / MAP / NDCG@k; per-user hold-out |
//! | `gpu_devices`, `GPU_FACTORS` | `lib.rs` | the usable GPUs (none without a driver); the f of the GPU kernels |
//! | `GpuError` | `errors.rs` | the exception for GPU failures (no driver, no device, out of memory) |
//!
//! Every input is checked here (shapes, ranges, finiteness) and a bad one raises `ValueError`
//! naming what and where; the GIL is released while Rust computes.

mod arrays;
mod errors;
mod evaluation;
mod fit;
mod model_io;
mod scoring;

use pyo3::prelude::*;

#[pymodule]
fn _rustmf(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("GPU_BUILD", cfg!(feature = "gpu"))?;
    m.add("GPU_FACTORS", rustmf_kernel_abi::SUPPORTED_F.to_vec())?;
    m.add("GpuError", m.py().get_type::<errors::GpuError>())?;
    m.add_function(wrap_pyfunction!(gpu_devices, m)?)?;
    m.add_function(wrap_pyfunction!(fit::fit, m)?)?;
    m.add_function(wrap_pyfunction!(fit::init_factors, m)?)?;
    m.add_function(wrap_pyfunction!(fit::fold_in, m)?)?;
    m.add_class::<scoring::Scorer>()?;
    m.add_class::<model_io::Model>()?;
    m.add_function(wrap_pyfunction!(model_io::load_model, m)?)?;
    m.add_function(wrap_pyfunction!(evaluation::ranking_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(evaluation::holdout, m)?)?;
    Ok(())
}

/// (ordinal, name, compute capability).
type GpuDevice = (usize, String, (u32, u32));

/// The GPUs rustmf can use, as [`GpuDevice`]s — empty where there is no
/// NVIDIA driver or no device; `reason` says why when empty.
#[pyfunction]
fn gpu_devices() -> (Vec<GpuDevice>, Option<String>) {
    #[cfg(feature = "gpu")]
    match rustmf::gpu::devices() {
        Ok(list) => (list.into_iter().map(|d| (d.ordinal, d.name, d.compute_capability)).collect(), None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    }
    #[cfg(not(feature = "gpu"))]
    (Vec::new(), Some("this rustmf was built without GPU support".into()))
}
