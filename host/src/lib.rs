//! rustmf host crate.
//!
//! | module   | owns |
//! |----------|------|
//! | `data`   | interactions (CSR + CSC + id maps), loaders, cache, synthetic data, splits |
//! | `als`    | the device-independent model API: configuration, factors, the backend trait |
//! | `cpu`    | the CPU reference backend (rayon): ALS solvers, metrics, recommend |
//! | `gpu`    | the CUDA runtime (cudarc, loaded at run time) and, later, the GPU backend |
//! | `bench`  | benchmark plumbing: metadata, repeats, median/spread, JSON/CSV, table |
//! | `infer`  | inference: the top-k scorer API, CPU baselines, the reference, the load simulator, plots |
//!
//! The host crate never depends on the device crate: it receives PTX text from the caller
//! (the root `rustmf` crate embeds it at build time) and launches kernels by name.

pub mod als;
pub mod bench;
pub mod cpu;
pub mod data;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod infer;
pub mod io;
pub mod ptx;
