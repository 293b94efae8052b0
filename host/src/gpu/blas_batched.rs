//! Batched cuBLAS calls of the baselines, every status checked: LU factorization and solve of many
//! small systems at once (`cublasSgetrfBatched` / `cublasSgetrsBatched`) and many Gram matrices
//! of different depths in one call (`cublasSgemmGroupedBatched`).
//!
//! cuBLAS takes the batch's operands as a device array of device addresses; these wrappers take
//! that array as a `u64` device buffer (or view), so the callers build it once and reuse it.
use super::{Blas, GpuError};
use cudarc::cublas::sys::{self, cublasOperation_t, cublasStatus_t};
use cudarc::driver::{DevicePtr, DevicePtrMut};

fn check(status: cublasStatus_t, context: impl FnOnce() -> String) -> Result<(), GpuError> {
    if status == cublasStatus_t::CUBLAS_STATUS_SUCCESS {
        Ok(())
    } else {
        Err(GpuError::Cublas { context: context(), status: format!("{status:?}") })
    }
}

fn int(v: usize, what: &str) -> Result<i32, GpuError> {
    i32::try_from(v).map_err(|_| GpuError::Unsupported(format!("{what} = {v} exceeds cuBLAS's 32-bit sizes")))
}

/// One group of [`Blas::grams_grouped`]: `count` Gram matrices of operands with `depth` columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GramGroup {
    pub depth: usize,
    pub count: usize,
}

impl Blas {
    /// LU factorization with partial pivoting, in place, of `batch` column-major n×n matrices
    /// whose addresses are `a_ptrs[0..batch]`. Writes the pivots (`pivots[k·n..]`) and
    /// `info[k]` = i > 0 when U(i, i) of matrix k is exactly zero (the matrix is singular).
    ///
    /// # Safety
    /// Each address in `a_ptrs[..batch]` points to n² f32 on this device; `pivots` holds batch·n
    /// values and `info` batch.
    pub unsafe fn getrf_batched<P: DevicePtr<u64>, V: DevicePtrMut<i32>, I: DevicePtrMut<i32>>(
        &self,
        n: usize,
        a_ptrs: &P,
        pivots: &mut V,
        info: &mut I,
        batch: usize,
    ) -> Result<(), GpuError> {
        assert!(
            a_ptrs.len() >= batch && pivots.len() >= batch * n && info.len() >= batch,
            "getrf_batched: buffers too small"
        );
        let stream = &self.stream;
        let (a, _ra) = a_ptrs.device_ptr(stream);
        let (p, _rp) = pivots.device_ptr_mut(stream);
        let (i, _ri) = info.device_ptr_mut(stream);
        let status = sys::cublasSgetrfBatched(
            *self.handle.handle(),
            int(n, "n")?,
            a as *const *mut f32,
            int(n, "lda")?,
            p as *mut i32,
            i as *mut i32,
            int(batch, "batch")?,
        );
        check(status, || format!("getrfBatched of {batch} matrices {n}×{n}"))
    }

    /// Solves A_k x = b_k for the factors [`Blas::getrf_batched`] left in `a_ptrs`, overwriting
    /// b_k (n values at the address `b_ptrs[k]`) with x_k.
    ///
    /// # Safety
    /// As for `getrf_batched`, with the same `pivots`; each address in `b_ptrs[..batch]` points to n f32.
    pub unsafe fn getrs_batched<P: DevicePtr<u64>, V: DevicePtr<i32>, B: DevicePtr<u64>>(
        &self,
        n: usize,
        a_ptrs: &P,
        pivots: &V,
        b_ptrs: &B,
        batch: usize,
    ) -> Result<(), GpuError> {
        assert!(
            a_ptrs.len() >= batch && b_ptrs.len() >= batch && pivots.len() >= batch * n,
            "getrs_batched: buffers too small"
        );
        let stream = &self.stream;
        let (a, _ra) = a_ptrs.device_ptr(stream);
        let (p, _rp) = pivots.device_ptr(stream);
        let (b, _rb) = b_ptrs.device_ptr(stream);
        let mut info = 0;
        let status = sys::cublasSgetrsBatched(
            *self.handle.handle(),
            cublasOperation_t::CUBLAS_OP_N,
            int(n, "n")?,
            1,
            a as *const *const f32,
            int(n, "lda")?,
            p as *const i32,
            b as *const *mut f32,
            int(n, "ldb")?,
            &mut info,
            int(batch, "batch")?,
        );
        check(status, || format!("getrsBatched of {batch} systems {n}×{n}"))?;
        if info != 0 {
            return Err(GpuError::Cublas {
                context: format!("getrsBatched of {batch} systems {n}×{n}"),
                status: format!("parameter {} is invalid", -info),
            });
        }
        Ok(())
    }

    /// C_k = M_k·M_kᵀ (f×f) for column-major operands M_k (f × depth, leading dimension f) at
    /// the addresses `m_ptrs[k]`, written to `c_ptrs[k]` — in one `cublasSgemmGroupedBatched`,
    /// the matrices ordered by `groups` (the first `groups[0].count` have depth `groups[0].depth`,
    /// and so on). The full square is computed: GEMM has no symmetric output.
    ///
    /// # Safety
    /// Each address points to device memory of the stated shape: f·depth f32 for M_k, f² for C_k.
    pub unsafe fn grams_grouped<M: DevicePtr<u64>, C: DevicePtr<u64>>(
        &self,
        f: usize,
        groups: &[GramGroup],
        m_ptrs: &M,
        c_ptrs: &C,
    ) -> Result<(), GpuError> {
        let total: usize = groups.iter().map(|g| g.count).sum();
        assert!(m_ptrs.len() >= total && c_ptrs.len() >= total, "grams_grouped: pointer arrays too small");
        let g = groups.len();
        let f32_ = int(f, "f")?;
        let depths = groups.iter().map(|x| int(x.depth, "depth")).collect::<Result<Vec<_>, _>>()?;
        let counts = groups.iter().map(|x| int(x.count, "group size")).collect::<Result<Vec<_>, _>>()?;
        let (ta, tb) = (vec![cublasOperation_t::CUBLAS_OP_N; g], vec![cublasOperation_t::CUBLAS_OP_T; g]);
        let (dims, ones, zeros) = (vec![f32_; g], vec![1.0f32; g], vec![0.0f32; g]);
        let stream = &self.stream;
        let (m, _rm) = m_ptrs.device_ptr(stream);
        let (c, _rc) = c_ptrs.device_ptr(stream);
        let status = sys::cublasSgemmGroupedBatched(
            *self.handle.handle(),
            ta.as_ptr(),
            tb.as_ptr(),
            dims.as_ptr(),
            dims.as_ptr(),
            depths.as_ptr(),
            ones.as_ptr(),
            m as *const *const f32,
            dims.as_ptr(),
            m as *const *const f32,
            dims.as_ptr(),
            zeros.as_ptr(),
            c as *const *mut f32,
            dims.as_ptr(),
            int(g, "group count")?,
            counts.as_ptr(),
        );
        check(status, || format!("gemmGroupedBatched of {total} Gram matrices {f}×{f} in {g} groups"))
    }
}
