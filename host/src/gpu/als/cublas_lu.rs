//! The cuBLAS LU baseline solver ([`GpuSolver::CublasLu`](super::GpuSolver), the first seed's
//! design): a batch's systems factored in place by `cublasSgetrfBatched` (partial pivoting) and
//! solved in place in b by `cublasSgetrsBatched`; the solutions are then copied to their factor rows.
//!
//! A_u is symmetric, so its row-major storage is also its column-major storage, as cuBLAS reads it.
//! The device arrays of addresses (A_k, b_k for k < batch) are built once, for the full batch
//! size; a shorter last batch uses their beginning. After getrf the info array is read back: a
//! zero pivot is an error naming the row.
use crate::gpu::{Blas, CudaSlice, Gpu, GpuError};
use crate::model::Side;
use cudarc::driver::DevicePtr;

pub(super) struct CublasLu {
    a_ptrs: CudaSlice<u64>,
    b_ptrs: CudaSlice<u64>,
    pivots: CudaSlice<i32>,
    info: CudaSlice<i32>,
}

impl CublasLu {
    /// Addresses of the `batch` systems in `a` (f² f32 each) and right-hand sides in `b` (f each).
    pub fn new(gpu: &Gpu, a: &CudaSlice<u8>, b: &CudaSlice<f32>, f: usize, batch: usize) -> Result<CublasLu, GpuError> {
        let a0 = a.device_ptr(gpu.stream()).0;
        let b0 = b.device_ptr(gpu.stream()).0;
        let a_ptrs: Vec<u64> = (0..batch as u64).map(|k| a0 + k * (4 * f * f) as u64).collect();
        let b_ptrs: Vec<u64> = (0..batch as u64).map(|k| b0 + k * (4 * f) as u64).collect();
        Ok(CublasLu {
            a_ptrs: gpu.upload(&a_ptrs, "cuBLAS LU: addresses of the systems")?,
            b_ptrs: gpu.upload(&b_ptrs, "cuBLAS LU: addresses of the right-hand sides")?,
            pivots: gpu.alloc_zeros(batch * f, "cuBLAS LU: pivots")?,
            info: gpu.alloc_zeros(batch, "cuBLAS LU: info")?,
        })
    }

    /// Solves the first `n` systems (rows `begin..begin + n` of `side`) and writes the solutions
    /// to rows `begin..` of `x` (f per row). Overwrites A and b.
    #[allow(clippy::too_many_arguments)]
    pub fn solve(
        &mut self,
        gpu: &Gpu,
        blas: &Blas,
        f: usize,
        side: Side,
        begin: usize,
        n: usize,
        b: &CudaSlice<f32>,
        x: &mut CudaSlice<f32>,
    ) -> Result<(), GpuError> {
        // Safety: the addresses point into the batch's A and b, sized for `batch ≥ n` systems.
        unsafe { blas.getrf_batched(f, &self.a_ptrs, &mut self.pivots, &mut self.info, n) }?;
        let info = gpu.stream().clone_dtoh(&self.info.slice(..n)).map_err(|e| gpu.async_error(e))?;
        if let Some((k, &pivot)) = info.iter().enumerate().find(|(_, &i)| i != 0) {
            return Err(GpuError::SingularSystem {
                side: if side == Side::Users { "user" } else { "item" }.into(),
                row: begin + k,
                pivot,
            });
        }
        unsafe { blas.getrs_batched(f, &self.a_ptrs, &self.pivots, &self.b_ptrs, n) }?;
        let mut rows = x.slice_mut(begin * f..(begin + n) * f);
        gpu.stream()
            .memcpy_dtod(&b.slice(..n * f), &mut rows)
            .map_err(GpuError::driver("copying the cuBLAS LU solutions"))
    }
}
