//! ALS on the GPU: both half-steps run on the device, with the sparse matrix (CSR for the user
//! step, CSC for the item step) and both factor matrices resident there.
//!
//! One half-step for side s (users from items, or items from users):
//! 1. implicit feedback only: YᵀY of the fixed factors with cuBLAS (`Blas::gram`);
//! 2. for each batch of rows — sized so the batch's f×f systems fit in free GPU memory, or as the
//!    user set — get_hermitian + get_bias (version chosen by [`Hermitian`]) writes A and b,
//!    then a batched solver ([`GpuSolver`]) writes the new factor rows in place.
//!
//! Every phase is timed with CUDA events; [`Breakdown`] is the per-half-step breakdown.

mod backend;
mod shapes;

pub use backend::GpuBackend;
pub use shapes::{GpuSolver, Hermitian, SUPPORTED_F};

use super::{Blas, CudaSlice, EventTimer, Gpu, GpuError, Kernel};
use crate::als::{AlsConfig, Breakdown, Confidence, Factors, Matrix, Side};
use std::sync::Arc;
use crate::data::{Csr, Interactions};

/// How the GPU runs ALS.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GpuAlsOptions {
    pub hermitian: Hermitian,
    pub solver: GpuSolver,
    /// Rows per batch; `None`: as many as fit in 70% of the free GPU memory.
    pub batch_rows: Option<usize>,
}

impl Default for GpuAlsOptions {
    fn default() -> Self {
        GpuAlsOptions { hermitian: Hermitian::V5Pipelined, solver: GpuSolver::Cholesky, batch_rows: None }
    }
}

/// A sparse matrix on the device, rows by `indptr` (u64, so more than 2³² entries work).
struct DeviceRows {
    indptr: CudaSlice<u64>,
    indices: CudaSlice<u32>,
    values: CudaSlice<f32>,
    rows: usize,
}

impl DeviceRows {
    fn upload(gpu: &Gpu, m: &Csr, what: &str) -> Result<DeviceRows, GpuError> {
        let indptr: Vec<u64> = m.indptr().raw_storage().iter().map(|&p| p as u64).collect();
        Ok(DeviceRows {
            indptr: gpu.upload(&indptr, &format!("{what} row pointers"))?,
            indices: gpu.upload(m.indices(), &format!("{what} indices"))?,
            values: gpu.upload(m.data(), &format!("{what} values"))?,
            rows: m.outer_dims(),
        })
    }
}

/// GPU-resident ALS state for one training matrix.
pub struct GpuAls {
    gpu: Arc<Gpu>,
    blas: Blas,
    opts: GpuAlsOptions,
    f: usize,
    by_user: DeviceRows,
    by_item: DeviceRows,
    users: CudaSlice<f32>,
    items: CudaSlice<f32>,
    gram: CudaSlice<f32>,
    /// The batch's systems: f×f values each, f32 or f16.
    a: CudaSlice<u8>,
    b: CudaSlice<f32>,
    batch: usize,
    hermitian: Kernel,
    solve: Kernel,
}

impl GpuAls {
    /// Uploads `train` (CSR and CSC) and `start` (the initial factors) and sizes the batches.
    pub fn new(gpu: Arc<Gpu>, train: &Interactions, start: &Factors, opts: GpuAlsOptions) -> Result<GpuAls, GpuError> {
        let g = &*gpu;
        let f = start.n_factors();
        if !SUPPORTED_F.contains(&f) {
            return Err(GpuError::Unsupported(format!("GPU ALS has kernels for f ∈ {SUPPORTED_F:?}, not f = {f}")));
        }
        let half = opts.solver.half_storage();
        if half && !opts.hermitian.has_half_output() {
            return Err(GpuError::Unsupported(format!(
                "the fp16 CG solver needs a get_hermitian version with fp16 output (v3, v4 or v5), not v{}",
                opts.hermitian.number()
            )));
        }
        let by_user = DeviceRows::upload(g, &train.csr, "CSR (users × items)")?;
        let by_item = DeviceRows::upload(g, &train.csc, "CSC (items × users)")?;
        let users = g.upload(&start.users.data, "user factors")?;
        let items = g.upload(&start.items.data, "item factors")?;
        let gram = g.alloc_zeros::<f32>(f * f, "YᵀY")?;
        let bytes_a = f * f * if half { 2 } else { 4 };
        let rows = by_user.rows.max(by_item.rows).max(1);
        let batch = match opts.batch_rows {
            Some(b) => b.clamp(1, rows),
            None => {
                let (free, _) = g.memory()?;
                (free / 10 * 7 / (bytes_a + 4 * f)).clamp(1, rows)
            }
        };
        let (hermitian, solve) = (g.kernel(&opts.hermitian.kernel_name(f, half))?, g.kernel(&opts.solver.kernel_name(f))?);
        Ok(GpuAls {
            blas: Blas::new(g)?,
            opts,
            f,
            by_user,
            by_item,
            users,
            items,
            gram,
            a: g.alloc_zeros::<u8>(batch * bytes_a, "the batch's f×f systems")?,
            b: g.alloc_zeros::<f32>(batch * f, "the batch's right-hand sides")?,
            batch,
            hermitian,
            solve,
            gpu,
        })
    }

    /// Rows per batch in use.
    pub fn batch_rows(&self) -> usize {
        self.batch
    }

    /// One ALS half-step on the device.
    pub fn half_step(&mut self, side: Side, cfg: &AlsConfig) -> Result<Breakdown, GpuError> {
        let f = self.f;
        let timer = EventTimer::new(&self.gpu)?;
        let whole = EventTimer::new(&self.gpu)?;
        whole.start()?;
        let mut t = Breakdown::default();
        let (rows, fixed, target) = match side {
            Side::Users => (&self.by_user, &self.items, &mut self.users),
            Side::Items => (&self.by_item, &self.users, &mut self.items),
        };
        let mode: u32 = match (cfg.implicit, cfg.confidence) {
            (false, _) => 0,
            (true, Confidence::Linear) => 1,
            (true, Confidence::Log { .. }) => 2,
        };
        let eps = match cfg.confidence {
            Confidence::Log { eps } => eps,
            Confidence::Linear => 1.0,
        };
        if cfg.implicit {
            let n_fixed = fixed.len() / f;
            let (blas, gram) = (&self.blas, &mut self.gram);
            t.gram_s = timer.time(|| blas.gram(n_fixed, f, fixed, gram))?;
        }
        let mut begin = 0;
        while begin < rows.rows {
            let n = self.batch.min(rows.rows - begin);
            let (n32, begin32) = (n as u32, begin as u32);
            let (hk, sk) = (&self.hermitian, &self.solve);
            let (a, b, gram) = (&mut self.a, &mut self.b, &self.gram);
            t.hermitian_s += timer.time(|| unsafe {
                self.gpu
                    .launch(hk)
                    .arg(&n32).arg(&begin32).arg(&rows.indptr).arg(&rows.indices).arg(&rows.values)
                    .arg(fixed).arg(gram).arg(&cfg.lambda).arg(&cfg.alpha).arg(&eps).arg(&mode)
                    .arg(&mut *a).arg(&mut *b)
                    .run(self.opts.hermitian.launch(f, n))
            })?;
            t.solve_s += timer.time(|| unsafe {
                let mut launch = self.gpu.launch(sk);
                launch.arg(&n32).arg(&begin32).arg(&*a).arg(&*b).arg(&mut *target);
                let (steps, tol) = match self.opts.solver {
                    GpuSolver::Cg { steps, tol } | GpuSolver::CgHalf { steps, tol } => (steps, tol),
                    GpuSolver::Cholesky | GpuSolver::Lu => (0, 0.0),
                };
                if steps > 0 {
                    launch.arg(&steps).arg(&tol);
                }
                launch.run(self.opts.solver.launch(f, n))
            })?;
            begin += n;
        }
        t.total_s = whole.stop()?;
        Ok(t)
    }

    /// The current factors, copied to the host.
    pub fn factors(&self) -> Result<Factors, GpuError> {
        let f = self.f;
        let users = self.gpu.download(&self.users)?;
        let items = self.gpu.download(&self.items)?;
        Ok(Factors {
            users: Matrix { rows: users.len() / f, cols: f, data: users },
            items: Matrix { rows: items.len() / f, cols: f, data: items },
        })
    }
}
