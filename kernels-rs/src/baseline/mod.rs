//! The device half of the cuBLAS get_hermitian baseline (cuMF_als Fig. 7a: the hermitian as dense
//! GEMMs over gathered blocks). cuBLAS does the FLOPs; these kernels only move data around it:
//!
//! * [`gather`]: copies each row's weighted θ_i into a zero-padded dense block G_u and sums b_u;
//! * [`finish`]: adds the regularisation (and YᵀY, implicit) to A_u = G_uᵀG_u once the GEMM wrote it.
//!
//! Together with the host's `cublasSgemmGroupedBatched` they write exactly what every
//! get_hermitian version writes (`crate::hermitian`): the full symmetric A_u (f32, row-major)
//! and b_u, so any solver can follow.

pub mod finish;
pub mod gather;
