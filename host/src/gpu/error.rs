//! GPU errors that say what happened and what to do.
use cudarc::driver::{sys::CUresult, DriverError};

const GIB: f64 = (1u64 << 30) as f64;

#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error(
        "no CUDA driver found (libcuda.so could not be loaded): install the NVIDIA driver, or run on the CPU \
         (train, demo: --device cpu; recommend: --backend cpu-mt; serve-sim, infer-bench: --backends cpu1,cpu-mt)"
    )]
    NoDriver,
    #[error("the CUDA driver found no GPU ({0})")]
    NoDevice(String),
    #[error("GPU {ordinal} does not exist: {count} device(s) found")]
    BadOrdinal { ordinal: usize, count: usize },
    #[error("no cuBLAS library found (libcublas.so.13 could not be loaded): install the CUDA 13 libraries")]
    NoCublas,
    #[error(
        "out of GPU memory: {what} needs {:.2} GiB, {:.2} GiB free of {:.2} GiB",
        *needed as f64 / GIB,
        *free as f64 / GIB,
        *total as f64 / GIB
    )]
    OutOfMemory { what: String, needed: usize, free: usize, total: usize },
    #[error("no embedded PTX runs on {device} (compute capability {major}.{minor}); built for {archs}")]
    NoPtxForDevice { device: String, major: u32, minor: u32, archs: String },
    #[error("loading the sm_{arch} PTX module failed: {source}")]
    ModuleLoad { arch: u32, source: DriverError },
    #[error("kernel `{0}` is not in the loaded PTX module")]
    MissingKernel(String),
    #[error("launching kernel `{kernel}` ({shape}) failed: {source}")]
    Launch { kernel: String, shape: String, source: DriverError },
    #[error(
        "GPU work failed{}: {source}",
        last_kernel.as_ref().map(|k| format!(" (last kernel launched: `{k}`)")).unwrap_or_default()
    )]
    Async { last_kernel: Option<String>, source: DriverError },
    #[error("{0}")]
    Unsupported(String),
    #[error("{context}: {source}")]
    Driver { context: String, source: DriverError },
    #[error("the system of {side} {row} is singular (cuBLAS getrf: U({pivot},{pivot}) = 0); is λ > 0?")]
    SingularSystem { side: String, row: usize, pivot: i32 },
    #[error("cuBLAS {context}: {status}")]
    Cublas { context: String, status: String },
}

impl GpuError {
    pub(crate) fn driver(context: impl Into<String>) -> impl FnOnce(DriverError) -> GpuError {
        let context = context.into();
        move |source| GpuError::Driver { context, source }
    }

    pub(crate) fn is_out_of_memory(e: &DriverError) -> bool {
        e.0 == CUresult::CUDA_ERROR_OUT_OF_MEMORY
    }
}
