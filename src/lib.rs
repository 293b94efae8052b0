//! rustmf: matrix factorization (ALS) on GPUs with hand-written Rust kernels.
//!
//! This root crate owns the build-time pieces (the PTX embedded by `build.rs`) and the CLI;
//! everything else lives in `rustmf-host`, re-exported here.
pub mod cli;
pub use rustmf_host::*;
