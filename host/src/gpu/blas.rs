//! cuBLAS on the runtime's stream: the baselines rustmf's kernels are compared with (the batched
//! calls are in [`super::blas_batched`]).
use super::error::GpuError;
use super::runtime::Gpu;
use cudarc::cublas::sys::{self, cublasOperation_t};
use cudarc::cublas::{CudaBlas, Gemm, GemmConfig};
use cudarc::driver::{CudaStream, DevicePtr, DevicePtrMut};
use std::sync::Arc;

pub struct Blas {
    pub(super) handle: CudaBlas,
    /// The runtime's stream, which the handle is bound to.
    pub(super) stream: Arc<CudaStream>,
}

impl Blas {
    pub fn new(gpu: &Gpu) -> Result<Blas, GpuError> {
        if !unsafe { sys::is_culib_present() } {
            return Err(GpuError::NoCublas);
        }
        let handle = CudaBlas::new(gpu.stream().clone())
            .map_err(|e| GpuError::Cublas { context: "creating a handle".into(), status: format!("{e:?}") })?;
        Ok(Blas { handle, stream: gpu.stream().clone() })
    }

    /// The loaded library's version, e.g. "13.0.2".
    pub fn version(&self) -> Result<String, GpuError> {
        let mut v = 0;
        let status = unsafe { sys::cublasGetVersion_v2(*self.handle.handle(), &mut v) };
        if status != sys::cublasStatus_t::CUBLAS_STATUS_SUCCESS {
            return Err(GpuError::Cublas { context: "cublasGetVersion".into(), status: format!("{status:?}") });
        }
        Ok(format!("{}.{}.{}", v / 10000, (v % 10000) / 100, v % 100))
    }

    /// gram (f × f) = YᵀY for Y (n × f, row-major): the implicit model's fixed term.
    ///
    /// Y row-major is Yᵀ column-major (f × n), so this is the column-major product M·Mᵀ with M = Yᵀ;
    /// the result is symmetric, so row- and column-major agree.
    pub fn gram<Y: DevicePtr<f32>, C: DevicePtrMut<f32>>(
        &self,
        n: usize,
        f: usize,
        y: &Y,
        gram: &mut C,
    ) -> Result<(), GpuError> {
        assert!(y.len() >= n * f && gram.len() >= f * f, "gram: buffers too small");
        let cfg = GemmConfig {
            transa: cublasOperation_t::CUBLAS_OP_N,
            transb: cublasOperation_t::CUBLAS_OP_T,
            m: f as i32,
            n: f as i32,
            k: n as i32,
            alpha: 1.0f32,
            lda: f as i32,
            ldb: f as i32,
            beta: 0.0f32,
            ldc: f as i32,
        };
        unsafe { self.handle.gemm(cfg, y, y, gram) }
            .map_err(|e| GpuError::Cublas { context: format!("gram {n}×{f}"), status: format!("{e:?}") })
    }

    /// C (m × n) = A (m × k) · B (k × n), all row-major and contiguous, in fp32.
    ///
    /// cuBLAS is column-major; a row-major C is a column-major Cᵀ = Bᵀ·Aᵀ, so the call swaps the
    /// operands instead of transposing anything.
    pub fn sgemm_row_major<A: DevicePtr<f32>, B: DevicePtr<f32>, C: DevicePtrMut<f32>>(
        &self,
        m: usize,
        n: usize,
        k: usize,
        a: &A,
        b: &B,
        c: &mut C,
    ) -> Result<(), GpuError> {
        self.gemm_row_major(m, n, k, a, b, false, c)
    }

    /// C (m × n) = A (m × k) · Bᵀ with B (n × k), all row-major and contiguous: the scores of m
    /// queries against n items stored one per row. Row-major B (n × k) is column-major Bᵀ, so it
    /// enters the swapped product transposed.
    pub fn sgemm_row_major_bt<A: DevicePtr<f32>, B: DevicePtr<f32>, C: DevicePtrMut<f32>>(
        &self,
        m: usize,
        n: usize,
        k: usize,
        a: &A,
        b: &B,
        c: &mut C,
    ) -> Result<(), GpuError> {
        self.gemm_row_major(m, n, k, a, b, true, c)
    }

    /// C = A·B (`b_rows_are_columns` false: B is k × n) or A·Bᵀ (true: B is n × k), row-major.
    #[allow(clippy::too_many_arguments)]
    fn gemm_row_major<A: DevicePtr<f32>, B: DevicePtr<f32>, C: DevicePtrMut<f32>>(
        &self,
        m: usize,
        n: usize,
        k: usize,
        a: &A,
        b: &B,
        b_rows_are_columns: bool,
        c: &mut C,
    ) -> Result<(), GpuError> {
        assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n, "sgemm: buffers too small");
        let (transa, lda) =
            if b_rows_are_columns { (cublasOperation_t::CUBLAS_OP_T, k) } else { (cublasOperation_t::CUBLAS_OP_N, n) };
        let cfg = GemmConfig {
            transa,
            transb: cublasOperation_t::CUBLAS_OP_N,
            m: n as i32,
            n: m as i32,
            k: k as i32,
            alpha: 1.0f32,
            lda: lda as i32,
            ldb: k as i32,
            beta: 0.0f32,
            ldc: n as i32,
        };
        let what = if b_rows_are_columns {
            format!("sgemm {m}×{k}·({n}×{k})ᵀ")
        } else {
            format!("sgemm {m}×{k}·{k}×{n}")
        };
        unsafe { self.handle.gemm(cfg, b, a, c) }
            .map_err(|e| GpuError::Cublas { context: what, status: format!("{e:?}") })
    }

    /// Lets SGEMM use the tensor cores in TF32 (`CUBLAS_TF32_TENSOR_OP_MATH`), or not.
    pub fn set_tf32(&self, on: bool) -> Result<(), GpuError> {
        let mode =
            if on { sys::cublasMath_t::CUBLAS_TF32_TENSOR_OP_MATH } else { sys::cublasMath_t::CUBLAS_DEFAULT_MATH };
        let status = unsafe { sys::cublasSetMathMode(*self.handle.handle(), mode) };
        if status != sys::cublasStatus_t::CUBLAS_STATUS_SUCCESS {
            return Err(GpuError::Cublas { context: "cublasSetMathMode".into(), status: format!("{status:?}") });
        }
        Ok(())
    }
}
