//! The CUDA runtime layer, on `cudarc` with dynamic loading: the binary links no CUDA library and
//! starts on any machine; `libcuda` and `libcublas` are opened when a GPU is first asked for.
//!
//! Layers, thinnest first:
//! * [`error`]: what can go wrong, in words a user can act on;
//! * [`device`]: which devices exist and what they are (no context is created);
//! * [`runtime`]: [`Gpu`], a context + stream + the loaded kernel module, with checked allocation
//!   and copies;
//! * [`launch`]: typed kernel launches that name the kernel when they fail;
//! * [`timer`]: CUDA-event timing on the runtime's stream;
//! * [`blas`]: a cuBLAS handle bound to the same stream; [`blas_batched`]: its batched calls
//!   (LU, grouped GEMM) for the baselines;
//! * [`als`]: ALS on the GPU with rustmf's kernels;
//! * [`infer`]: top-K recommendations on the GPU (SGEMM + selection, fused scoring).

pub mod als;
pub mod blas;
pub mod blas_batched;
pub mod device;
pub mod error;
pub mod infer;
pub mod launch;
pub mod runtime;
pub mod timer;

pub use blas::Blas;
pub use device::{devices, driver_version, DeviceInfo};
pub use error::GpuError;
pub use launch::{Kernel, LaunchShape};
pub use runtime::{Gpu, PinnedStaging, Words};
pub use timer::{EventTimer, StreamMarks};

/// Re-exported so that callers can build launch argument lists without naming cudarc's paths.
pub use cudarc::driver::{CudaSlice, CudaView, CudaViewMut, DeviceRepr, PushKernelArg};
