//! The CPU backend: ALS ([`als`]: half-steps with Cholesky / LU / CG, objective), inference
//! ([`infer`]: top-k scoring, recommend) and the test-set metrics ([`metrics`]).
//!
//! Parallel over rows with rayon on a local [`rayon::ThreadPool`] (`threads = 1` is the
//! single-threaded baseline, `0` every core). Each row is solved by one thread with a fixed
//! operation order and every reduction (`YᵀY`, objective, metrics) combines fixed-size chunks
//! in chunk order, so the factors are bit-identical across thread counts for a given seed.
//!
//! The inner loops are portable Rust that the autovectoriser handles; the row-level functions
//! are compiled twice and the AVX2+FMA copy is picked at run time when the CPU has it
//! (`RUSTMF_CPU_ISA=base` forces the baseline copy, e.g. to compare).

pub mod als;
pub mod infer;
pub mod kernels;
pub mod metrics;

use std::sync::OnceLock;

use anyhow::Result;

pub use als::CpuBackend;
pub use infer::CpuScorer;

/// Which compiled copy of the inner loops runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    Base,
    Avx2Fma,
}

/// The instruction set used by the CPU backend on this machine (detected once;
/// `RUSTMF_CPU_ISA=base` forces the baseline).
pub fn isa() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        if std::env::var("RUSTMF_CPU_ISA").map(|v| v.eq_ignore_ascii_case("base")).unwrap_or(false) {
            return Isa::Base;
        }
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                return Isa::Avx2Fma;
            }
        }
        Isa::Base
    })
}

/// A rayon pool with `threads` threads (`0`: one per available core).
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool> {
    let n = if threads == 0 { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) } else { threads };
    Ok(rayon::ThreadPoolBuilder::new().num_threads(n).thread_name(|i| format!("rustmf-cpu-{i}")).build()?)
}
