//! rustmf host crate.
//!
//! Layers point one way: `train`, `serve`, `bench` → `cpu`, `gpu` → `model`, `infer` → `data`. A
//! module names only modules of the layers below it (`tests/layers.rs` checks the lower ones).
//!
//! | module   | owns |
//! |----------|------|
//! | `train`  | the training driver (evaluation, early stopping, progress) and ALS backend factory (`make_backend`) |
//! | `serve`  | every top-k scorer by name (`make_scorer`), the load simulator, its plots |
//! | `bench`  | benchmark plumbing: metadata, repeats, median/spread, JSON/CSV, table; FLOP counts and peaks |
//! | `cpu`    | CPU backend (rayon): `cpu::als` (ALS reference), `cpu::infer` (top-k, recommend), test-set metrics |
//! | `gpu`    | the CUDA runtime (cudarc, loaded at run time), `gpu::als` and `gpu::infer` |
//! | `model`  | the device-independent ALS model: configuration, factors, the backend traits, metric values |
//! | `infer`  | the device-independent top-k API (`Scorer`, `TopK`, `Exclusions`), the reference, selection |
//! | `data`   | interactions (CSR + CSC + id maps), loaders, cache, synthetic data, splits, `--input` specs |
//! | `io`     | factor files (safetensors) and CSR export |
//! | `ptx`    | the embedded PTX images handed over by the caller |
//!
//! The host crate never depends on the device crate: it receives PTX text from the caller
//! (the root `rustmf` crate embeds it at build time) and launches kernels through
//! `rustmf-kernel-abi` (`kernels-abi/`), the contract both sides compile: entry names, argument
//! structs (`Gpu::launch_with`), launch shapes.

pub mod bench;
pub mod cpu;
pub mod data;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod infer;
pub mod io;
pub mod model;
pub mod ptx;
pub mod serve;
pub mod train;
