//! rustmf: matrix factorization (ALS) on GPUs with hand-written Rust kernels.
//!
//! This root crate owns what is decided at build time — the PTX that `build.rs` compiles from
//! `kernels-rs` and embeds ([`kernels`]), the `ptxas` resource check ([`ptx_check`]) — and the CLI.
//! Everything else lives in `rustmf-host`, re-exported here.
pub mod cli;
pub mod kernels;
pub mod ptx_check;
pub use rustmf_host::*;
