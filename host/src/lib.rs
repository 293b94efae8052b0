//! rustmf host crate.
//!
//! Layers point one way: `experiment` → `train`, `serve`, `bench` → `cpu`, `gpu` → `model`,
//! `infer` → `data`. A module names only modules of the layers below it (`tests/layers.rs` checks
//! the lower ones).
//!
//! | module   | owns |
//! |----------|------|
//! | `experiment` | experiment specs (TOML grids), the runner, results with provenance, report, compare |
//! | `train`  | the training driver (evaluation, progress), backend factory (`make_backend`), bench grid |
//! | `serve`  | the top-k scorer factory (`ScorerBackend`, `make_scorer`), the load simulator, its plots |
//! | `bench`  | benchmark plumbing: metadata, repeats, median/spread, JSON/CSV, table; FLOP counts and peaks |
//! | `cpu`    | CPU backend (rayon): `cpu::als` (ALS reference, fold-in), `cpu::infer` (top-k, recommend), metrics |
//! | `gpu`    | the CUDA runtime (cudarc, loaded at run time), `gpu::als` and `gpu::infer` |
//! | `model`  | the device-independent ALS model: config, factors, backend traits, metric values, trained model |
//! | `infer`  | the device-independent top-k API (`Scorer`, `TopK`, `Exclusions`), the reference, selection |
//! | `data`   | interactions (CSR + CSC + id maps), loaders, cache, synthetic data, splits, `--input` specs |
//! | `io`     | factor files (.npy, safetensors), model folders (written as a whole, checksummed), CSR export |
//! | `fuzz`   | every reader of untrusted bytes as a function of bytes, for `fuzz/` and `tests/fuzz_corpus.rs` |
//! | `ptx`    | PTX images (the caller passes the ones it embeds) and the choice among them |
//!
//! The host crate never depends on the device crate: it receives PTX images as arguments
//! where a GPU is opened (the root `rustmf` crate embeds them at build time:
//! `rustmf::kernels::PTX`) and launches kernels through `rustmf-kernel-abi` (`kernels-abi/`),
//! the contract both sides compile: entry names, argument structs (`Gpu::launch_with`), launch
//! shapes.

pub mod bench;
pub mod cpu;
pub mod data;
pub mod experiment;
pub mod fuzz;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod infer;
pub mod io;
pub mod model;
pub mod ptx;
pub mod serve;
pub mod train;
