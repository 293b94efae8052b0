//! Every inference backend: the one place the CLI, the simulator and the benchmarks get a
//! [`Scorer`] from. GPU scorers are built under `#[cfg(feature = "gpu")]`; without it they are an
//! error.

use anyhow::Result;

use crate::cpu::CpuScorer;
use crate::infer::Scorer;
use crate::model::Matrix;
use crate::ptx::PtxImage;

/// A top-k scorer backend. [`name`](Self::name) is its spelling on the command line and in result
/// files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScorerBackend {
    Cpu1,
    CpuMt,
    GpuFused,
    GpuSgemm,
    GpuTf32,
    GpuFusedTf32,
    GpuFusedWgmma,
}

/// Query rows per call of a scorer when a caller scores many (`recommend --all`, the Python
/// package's batched `recommend`): enough to fill a GPU, few enough to bound the result buffers.
pub const SCORE_BATCH_ROWS: usize = 4096;

impl ScorerBackend {
    /// The backend named `name` or one of its [`aliases`](Self::aliases).
    pub fn from_name(name: &str) -> Result<ScorerBackend> {
        Self::ALL.into_iter().find(|b| b.name() == name || b.aliases().contains(&name)).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|b| b.name()).collect();
            anyhow::anyhow!("unknown inference backend {name:?} (known: {})", names.join(", "))
        })
    }

    pub const ALL: [ScorerBackend; 7] = [
        ScorerBackend::Cpu1,
        ScorerBackend::CpuMt,
        ScorerBackend::GpuFused,
        ScorerBackend::GpuSgemm,
        ScorerBackend::GpuTf32,
        ScorerBackend::GpuFusedTf32,
        ScorerBackend::GpuFusedWgmma,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ScorerBackend::Cpu1 => "cpu1",
            ScorerBackend::CpuMt => "cpu-mt",
            ScorerBackend::GpuFused => "gpu-fused",
            ScorerBackend::GpuSgemm => "gpu-sgemm",
            ScorerBackend::GpuTf32 => "gpu-tf32",
            ScorerBackend::GpuFusedTf32 => "gpu-fused-tf32",
            ScorerBackend::GpuFusedWgmma => "gpu-fused-wgmma",
        }
    }

    /// Whether the backend runs on the GPU.
    pub fn on_gpu(self) -> bool {
        !matches!(self, ScorerBackend::Cpu1 | ScorerBackend::CpuMt)
    }

    /// Other accepted spellings of [`name`](Self::name).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            ScorerBackend::Cpu1 => &["cpu"],
            ScorerBackend::GpuFused => &["gpu"],
            _ => &[],
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ScorerBackend::Cpu1 => "CPU, 1 thread",
            ScorerBackend::CpuMt => "CPU, `threads` threads (0: all cores)",
            ScorerBackend::GpuFused => "GPU 0, fused exact scoring + top-K kernels",
            ScorerBackend::GpuSgemm => "GPU 0, cuBLAS SGEMM + top-K kernel",
            ScorerBackend::GpuTf32 => "GPU 0, cuBLAS TF32 GEMM, 2k candidates re-scored exactly, top-K",
            ScorerBackend::GpuFusedTf32 => {
                "GPU 0, fused TF32 tensor-core filter within a proven error bound, exact re-scoring + top-K"
            }
            ScorerBackend::GpuFusedWgmma => {
                "GPU 0 (H100/H200), gpu-fused-tf32 with the filter's products as warpgroup wgmma from shared memory"
            }
        }
    }
}

impl std::fmt::Display for ScorerBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The scorer `backend` over `items` (n_items × f). `threads` is the CPU thread count of
/// [`ScorerBackend::CpuMt`] (0: all cores); GPU backends load `kernels`, the PTX images the
/// program embeds (`rustmf::kernels::PTX`).
pub fn make_scorer(
    backend: ScorerBackend,
    items: &Matrix,
    threads: usize,
    kernels: &'static [PtxImage],
) -> Result<Box<dyn Scorer>> {
    #[cfg(feature = "gpu")]
    use crate::gpu::infer::{open_scorer, GpuScoring};
    Ok(match backend {
        ScorerBackend::Cpu1 => Box::new(CpuScorer::new(items, 1)?),
        ScorerBackend::CpuMt => Box::new(CpuScorer::new(items, threads)?),
        #[cfg(feature = "gpu")]
        ScorerBackend::GpuFused => Box::new(open_scorer(0, items, GpuScoring::Fused, kernels)?),
        #[cfg(feature = "gpu")]
        ScorerBackend::GpuSgemm => Box::new(open_scorer(0, items, GpuScoring::Sgemm, kernels)?),
        #[cfg(feature = "gpu")]
        ScorerBackend::GpuTf32 => Box::new(open_scorer(0, items, GpuScoring::SgemmTf32, kernels)?),
        #[cfg(feature = "gpu")]
        ScorerBackend::GpuFusedTf32 => Box::new(open_scorer(0, items, GpuScoring::FusedTf32, kernels)?),
        #[cfg(feature = "gpu")]
        ScorerBackend::GpuFusedWgmma => Box::new(open_scorer(0, items, GpuScoring::FusedWgmma, kernels)?),
        #[cfg(not(feature = "gpu"))]
        gpu => {
            let _ = kernels;
            anyhow::bail!("backend {gpu}: this rustmf was built without the gpu feature")
        }
    })
}
