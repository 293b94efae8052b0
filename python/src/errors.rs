//! Rust errors as Python exceptions: `ValueError` for bad input, `rustmf.GpuError` (a
//! `RuntimeError`) when the GPU fails or is missing, `OSError` for files, `RuntimeError` else.

use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::PyErr;

create_exception!(
    rustmf,
    GpuError,
    PyRuntimeError,
    "The GPU could not be used: no NVIDIA driver or CUDA 13 libraries, no device, out of memory, or a failed kernel."
);

/// An input the caller got wrong: `ValueError` with the whole context chain.
pub fn bad_input(e: anyhow::Error) -> PyErr {
    PyValueError::new_err(format!("{e:#}"))
}

/// A failure while computing or storing: `GpuError`, `OSError` or `RuntimeError` by its cause.
pub fn failed(e: anyhow::Error) -> PyErr {
    let msg = format!("{e:#}");
    if is_gpu(&e) {
        return GpuError::new_err(msg);
    }
    if e.chain().any(|c| c.is::<std::io::Error>()) {
        return PyOSError::new_err(msg);
    }
    PyRuntimeError::new_err(msg)
}

#[cfg(feature = "gpu")]
fn is_gpu(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<rustmf::gpu::GpuError>())
}

#[cfg(not(feature = "gpu"))]
fn is_gpu(e: &anyhow::Error) -> bool {
    format!("{e}").contains("without GPU support")
}
