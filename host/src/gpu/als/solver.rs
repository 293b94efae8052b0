//! The solvers the GPU runs: rustmf's kernel families of `rustmf-kernel-abi`, or the cuBLAS
//! baseline.
use rustmf_kernel_abi::solve;

/// Batched solvers (`kernels-rs/src/solve/`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum GpuSolver {
    Cholesky,
    Lu,
    /// At most `steps` CG iterations from the current factors; stop once ‖r‖ ≤ tol·‖b‖.
    Cg {
        steps: u32,
        tol: f32,
    },
    /// CG with A stored in fp16.
    CgHalf {
        steps: u32,
        tol: f32,
    },
    /// The cuBLAS baseline: LU with partial pivoting, `cublasSgetrfBatched` + `cublasSgetrsBatched`.
    CublasLu,
}

impl GpuSolver {
    pub fn half_storage(self) -> bool {
        matches!(self, GpuSolver::CgHalf { .. })
    }

    /// The solver's kernel family; None for the cuBLAS baseline, which is library calls.
    pub fn kernel(self) -> Option<solve::Solver> {
        match self {
            GpuSolver::Cholesky => Some(solve::Solver::Cholesky),
            GpuSolver::Lu => Some(solve::Solver::Lu),
            GpuSolver::Cg { .. } => Some(solve::Solver::Cg),
            GpuSolver::CgHalf { .. } => Some(solve::Solver::CgHalf),
            GpuSolver::CublasLu => None,
        }
    }

    pub fn name(self) -> String {
        match self {
            GpuSolver::Cholesky => "cholesky".into(),
            GpuSolver::Lu => "lu".into(),
            GpuSolver::Cg { steps, .. } => format!("cg{steps}"),
            GpuSolver::CgHalf { steps, .. } => format!("cg{steps}-fp16"),
            GpuSolver::CublasLu => "cublas-lu".into(),
        }
    }
}
