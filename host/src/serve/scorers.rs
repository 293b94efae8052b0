//! Every inference backend by name: the one place the CLI, the simulator and the benchmarks get
//! a [`Scorer`] from. GPU scorers join [`BACKENDS`] and [`make_scorer`] under
//! `#[cfg(feature = "gpu")]`.

use anyhow::{bail, Result};

use crate::cpu::CpuScorer;
use crate::infer::Scorer;
use crate::model::Matrix;

/// The accepted backend names, with what each is.
pub const BACKENDS: &[(&str, &str)] = &[
    ("cpu1", "CPU, 1 thread (alias: cpu)"),
    ("cpu-mt", "CPU, `threads` threads (0: all cores)"),
    ("gpu-fused", "GPU 0, fused exact scoring + top-K kernels (alias: gpu)"),
    ("gpu-sgemm", "GPU 0, cuBLAS SGEMM + top-K kernel"),
    ("gpu-tf32", "GPU 0, cuBLAS TF32 GEMM, 2k candidates re-scored exactly, top-K"),
    ("gpu-fused-tf32", "GPU 0, fused TF32 tensor-core filter within a proven error bound, exact re-scoring + top-K"),
    (
        "gpu-fused-wgmma",
        "GPU 0 (H100/H200), gpu-fused-tf32 with the filter's products as warpgroup wgmma from shared memory",
    ),
];

/// The scorer `spec` over `items` (n_items × f). `threads` is the CPU thread count of `cpu-mt`
/// (0: all cores).
pub fn make_scorer(spec: &str, items: &Matrix, threads: usize) -> Result<Box<dyn Scorer>> {
    Ok(match spec {
        "cpu1" | "cpu" => Box::new(CpuScorer::new(items, 1)?),
        "cpu-mt" => Box::new(CpuScorer::new(items, threads)?),
        #[cfg(feature = "gpu")]
        "gpu" | "gpu-fused" => {
            Box::new(crate::gpu::infer::open_scorer(0, items, crate::gpu::infer::GpuScoring::Fused)?)
        }
        #[cfg(feature = "gpu")]
        "gpu-sgemm" => Box::new(crate::gpu::infer::open_scorer(0, items, crate::gpu::infer::GpuScoring::Sgemm)?),
        #[cfg(feature = "gpu")]
        "gpu-tf32" => Box::new(crate::gpu::infer::open_scorer(0, items, crate::gpu::infer::GpuScoring::SgemmTf32)?),
        #[cfg(feature = "gpu")]
        "gpu-fused-tf32" => {
            Box::new(crate::gpu::infer::open_scorer(0, items, crate::gpu::infer::GpuScoring::FusedTf32)?)
        }
        #[cfg(feature = "gpu")]
        "gpu-fused-wgmma" => {
            Box::new(crate::gpu::infer::open_scorer(0, items, crate::gpu::infer::GpuScoring::FusedWgmma)?)
        }
        #[cfg(not(feature = "gpu"))]
        "gpu" | "gpu-fused" | "gpu-sgemm" | "gpu-tf32" | "gpu-fused-tf32" | "gpu-fused-wgmma" => {
            bail!("backend {spec}: this rustmf was built without the gpu feature")
        }
        _ => bail!(
            "unknown backend {spec:?}; accepted: {}",
            BACKENDS.iter().map(|(n, what)| format!("{n} ({what})")).collect::<Vec<_>>().join(", ")
        ),
    })
}
