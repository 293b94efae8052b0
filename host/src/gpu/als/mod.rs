//! ALS on the GPU: both half-steps run on the device, with both factor matrices resident there and
//! the sparse matrix (CSR for the user step, CSC for the item step) resident too — or, when it does
//! not fit (or `--gpu-memory` says so), a formed side's rows streamed batch by batch from
//! page-locked host memory (`streamed.rs`; the plan is `train::gpu_memory`).
//!
//! One half-step for side s (users from items, or items from users):
//! 1. implicit feedback only: YᵀY of the fixed factors with cuBLAS (`Blas::gram`);
//! 2. for each batch of rows — sized so the batch's f×f systems fit in free GPU memory, or as the
//!    user set — get_hermitian + get_bias (version chosen by [`Hermitian`]; the cuBLAS baseline in
//!    `cublas_hermitian.rs`) writes A and b, then a batched solver ([`GpuSolver`]; the cuBLAS LU
//!    baseline in `cublas_lu.rs`) writes the new factor rows in place;
//! 3. or, on the sides [`MatrixFree`] names (CG only), instead of 2: one kernel per half-step that
//!    runs CG with A_u applied through the row's entries, never formed
//!    (`kernels-rs/src/solve/cg_matrix_free.rs`).
//!
//! Every phase is timed with CUDA events; [`Breakdown`] is the per-half-step breakdown.
//! `loss.rs` computes the training objective and the test error from the factors on the device;
//! `fold_in.rs` solves new users' rows with the same kernels.
//! `phases.rs` times get_hermitian's own phases (load, compute, write: cuMF_als Fig. 4).

mod backend;
mod cublas_hermitian;
mod cublas_lu;
mod fold_in;
mod loss;
mod phases;
mod ranks;
mod schedule;
mod solver;
mod streamed;

pub use crate::model::Hermitian;
pub use backend::GpuBackend;
pub use fold_in::fold_in;
pub use phases::PhaseTimes;
pub use ranks::{Communicator, DataParallelAls, OneGpu};
pub use rustmf_kernel_abi::hermitian_phases::Staging;
pub use rustmf_kernel_abi::SUPPORTED_F;
pub use solver::GpuSolver;

use super::{Blas, CudaSlice, EventTimer, Gpu, GpuError, Kernel, StreamMarks};
use crate::data::{Csr, Interactions};
use crate::model::{AlsConfig, Breakdown, Confidence, Factors, Matrix, MatrixFree, Side};
use crate::train::gpu_memory::{Fit, GpuMemoryPlan, Streamed, TrainShape};
use cublas_hermitian::CublasHermitian;
use cublas_lu::CublasLu;
use rustmf_kernel_abi::hermitian::{
    finish_entry, Arguments, HermitianFinish, HermitianOrdered, HermitianRows, HermitianUnits, FINISH_BLOCK,
};
use rustmf_kernel_abi::solve::{matrix_free, MatrixFreeCg as MatrixFreeArgs, SolveCg, SolveDirect, Solver};
use rustmf_kernel_abi::LaunchShape;
use std::sync::Arc;
use streamed::{RowsView, SlotPair, StreamedRows};

/// How the GPU runs ALS.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GpuAlsOptions {
    pub hermitian: Hermitian,
    pub solver: GpuSolver,
    /// Rows per batch; `None`: as many as fit in 70% of the free GPU memory (40% with the cuBLAS
    /// hermitian, whose gather buffer takes most of the rest).
    pub batch_rows: Option<usize>,
    /// The sides solved by matrix-free CG (with [`GpuSolver::Cg`] only); the others form A.
    pub matrix_free: MatrixFree,
    /// GPU memory training may use, in bytes (`None`: what is free); sparse rows that do not fit
    /// in it are streamed.
    #[serde(default)]
    pub gpu_memory: Option<usize>,
    /// The rows of each side this run solves (`None`: all): one rank's share in data-parallel
    /// training (`ranks.rs`).
    #[serde(skip)]
    pub share: Option<Share>,
}

/// Rows `(first, end)` of each side one rank solves; its factor matrices are whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub users: (usize, usize),
    pub items: (usize, usize),
}

impl Share {
    fn of(&self, side: Side) -> (usize, usize) {
        match side {
            Side::Users => self.users,
            Side::Items => self.items,
        }
    }
}

impl Default for GpuAlsOptions {
    fn default() -> Self {
        GpuAlsOptions {
            hermitian: Hermitian::DEFAULT,
            solver: GpuSolver::Cholesky,
            batch_rows: None,
            matrix_free: MatrixFree::Off,
            gpu_memory: None,
            share: None,
        }
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

/// A side's sparse rows: resident, or streamed through two slots.
enum SideRows {
    Resident(DeviceRows),
    Streamed(Box<StreamedRows>),
}

impl SideRows {
    fn rows(&self) -> usize {
        match self {
            SideRows::Resident(r) => r.rows,
            SideRows::Streamed(s) => s.rows,
        }
    }

    fn streamed(&self) -> Option<&StreamedRows> {
        match self {
            SideRows::Resident(_) => None,
            SideRows::Streamed(s) => Some(s),
        }
    }
}

/// How get_hermitian runs: one of rustmf's kernels, or the cuBLAS baseline.
enum HermitianStep {
    Kernel(Kernel),
    Cublas(Box<CublasHermitian>),
}

/// How the systems are solved: one of rustmf's kernels, or the cuBLAS LU baseline.
enum SolveStep {
    Kernel(Kernel),
    CublasLu(CublasLu),
}

/// GPU-resident ALS state for one training matrix.
pub struct GpuAls {
    gpu: Arc<Gpu>,
    blas: Blas,
    opts: GpuAlsOptions,
    f: usize,
    by_user: SideRows,
    by_item: SideRows,
    /// The slots streamed rows pass through (`None` when both sides are resident).
    slots: Option<SlotPair>,
    /// (first row, rows) of each batch of formed systems, users' and items'.
    user_batches: Vec<(usize, usize)>,
    item_batches: Vec<(usize, usize)>,
    users: CudaSlice<f32>,
    items: CudaSlice<f32>,
    gram: CudaSlice<f32>,
    /// The batch's systems: f×f values each, f32 or f16.
    a: CudaSlice<u8>,
    b: CudaSlice<f32>,
    batch: usize,
    /// Which rows the get_hermitian blocks take (v7, v8; `schedule.rs`).
    schedule: Schedule,
    hermitian: HermitianStep,
    solve: SolveStep,
    matrix_free: Option<MatrixFreeCg>,
    loss: loss::Loss,
}

/// Matrix-free CG: its kernel, and for each side it runs on, that side's rows longest first.
struct MatrixFreeCg {
    kernel: Kernel,
    users: Option<RowOrder>,
    items: Option<RowOrder>,
}

/// The rows of a side this run solves by decreasing length; the first `n_long` get a whole block
/// each.
struct RowOrder {
    order: CudaSlice<u32>,
    rows: u32,
    n_long: u32,
}

impl RowOrder {
    /// Rows `first..end` of `m`.
    fn upload(g: &Gpu, m: &Csr, (first, end): (usize, usize), what: &str) -> Result<RowOrder, GpuError> {
        let order: Vec<u32> =
            schedule::longest_first(m, &[(first, end - first)]).into_iter().map(|r| r + first as u32).collect();
        let n_long = schedule::long_rows(m, (first, end), schedule::MATRIX_FREE_LONG_ROW);
        // A device buffer cannot be empty; a rank with no rows of the side launches nothing.
        let stored = if order.is_empty() { &[0][..] } else { &order[..] };
        Ok(RowOrder {
            order: g.upload(stored, &format!("{what} by decreasing length"))?,
            rows: order.len() as u32,
            n_long: n_long as u32,
        })
    }
}

impl GpuAls {
    /// Uploads `train` (CSR and CSC, or what of them fits: `train::gpu_memory`) and `start` (the
    /// initial factors) and sizes the batches.
    pub fn new(gpu: Arc<Gpu>, train: &Interactions, start: &Factors, opts: GpuAlsOptions) -> Result<GpuAls, GpuError> {
        let fit = GpuAls::fit(&gpu, train, start.n_factors(), &opts)?;
        GpuAls::with_fit(gpu, train, start, opts, fit)
    }

    /// As [`GpuAls::new`] with what streams and the batch and slot sizes given (tests,
    /// benchmarks): streamed sides must form A with rustmf's kernels, and a slot must hold the
    /// side's longest row.
    pub fn with_fit(
        gpu: Arc<Gpu>,
        train: &Interactions,
        start: &Factors,
        opts: GpuAlsOptions,
        fit: Fit,
    ) -> Result<GpuAls, GpuError> {
        let g = &*gpu;
        let f = start.n_factors();
        if !SUPPORTED_F.contains(&f) {
            return Err(GpuError::Unsupported(format!("GPU ALS has kernels for f ∈ {SUPPORTED_F:?}, not f = {f}")));
        }
        let half = opts.solver.half_storage();
        if half && !opts.hermitian.has_half_output() {
            return Err(GpuError::Unsupported(format!(
                "the fp16 CG solver needs a get_hermitian version with fp16 output, not {}",
                opts.hermitian.name()
            )));
        }
        if opts.matrix_free != MatrixFree::Off && !matches!(opts.solver, GpuSolver::Cg { .. }) {
            return Err(GpuError::Unsupported(format!(
                "matrix-free is a way to run the fp32 CG solver, not {}",
                opts.solver.name()
            )));
        }
        if opts.hermitian.needs_sm90a()
            && opts.matrix_free != MatrixFree::Both
            && g.entry(opts.hermitian.entry(f, half)).is_err()
        {
            return Err(GpuError::Unsupported(format!(
                "get_hermitian {} uses wgmma, which only the sm_90a PTX has (H100/H200); this device ({}) \
                 runs the sm_{} PTX",
                opts.hermitian.name(),
                g.info.name,
                g.ptx_arch
            )));
        }
        let formed = opts.matrix_free != MatrixFree::Both;
        let cublas_hermitian = opts.hermitian == Hermitian::Cublas && formed;
        if opts.share.is_some() && (fit.streamed.any() || cublas_hermitian) {
            return Err(GpuError::Unsupported(
                "a rank's share of the rows with streamed rows or the cuBLAS get_hermitian (not built)".into(),
            ));
        }
        let share = |side: Side, m: &Csr| opts.share.map_or((0, m.outer_dims()), |s| s.of(side));
        let streamable = streamable(&opts);
        for (side, m) in [(Side::Users, &train.csr), (Side::Items, &train.csc)] {
            if !fit.streamed.covers(side) {
                continue;
            }
            if !streamable.covers(side) {
                return Err(GpuError::Unsupported(format!(
                    "the {side:?} side's rows cannot be streamed: it is solved matrix-free or by the cuBLAS baseline"
                )));
            }
            let longest = streamed::longest_row(m);
            if fit.slot_entries < longest {
                return Err(GpuError::Unsupported(format!(
                    "a streamed slot of {} entries cannot hold the {side:?} side's longest row ({longest} entries)",
                    fit.slot_entries
                )));
            }
        }
        // The cuBLAS baseline's gather buffer takes most of what its batches leave.
        let batch = if cublas_hermitian { (fit.batch_rows * 4 / 7).max(1) } else { fit.batch_rows };
        let side = |side: Side, m: &Csr, what: &str| -> Result<(SideRows, Vec<(usize, usize)>), GpuError> {
            if fit.streamed.covers(side) {
                let rows = StreamedRows::new(g, m, batch, fit.slot_entries, what)?;
                let batches = rows.batches.clone();
                return Ok((SideRows::Streamed(Box::new(rows)), batches));
            }
            let batches = schedule::uniform_batches(share(side, m), batch);
            Ok((SideRows::Resident(DeviceRows::upload(g, m, what)?), batches))
        };
        let (by_user, user_batches) = side(Side::Users, &train.csr, "CSR (users × items)")?;
        let (by_item, item_batches) = side(Side::Items, &train.csc, "CSC (items × users)")?;
        let slots = SlotPair::for_sides(g, [by_user.streamed(), by_item.streamed()])?;
        let users = g.upload(&start.users.data, "user factors")?;
        let items = g.upload(&start.items.data, "item factors")?;
        let gram = g.alloc_zeros::<f32>(f * f, "YᵀY")?;
        let bytes_a = f * f * if half { 2 } else { 4 };
        let a = g.alloc_zeros::<u8>(batch * bytes_a, "the batch's f×f systems")?;
        let b = g.alloc_zeros::<f32>(batch * f, "the batch's right-hand sides")?;
        let hermitian = if cublas_hermitian {
            HermitianStep::Cublas(Box::new(CublasHermitian::new(g, &train.csr, &train.csc, f, batch, &a)?))
        } else {
            HermitianStep::Kernel(g.entry(opts.hermitian.entry(f, half))?)
        };
        let schedule = if formed {
            // The batches the whole side is cut into (a rank's share has fewer): one v8 piece limit
            // for every rank, so that a row's pieces do not depend on the number of ranks.
            let side_batches = |side: Side, m: &Csr, batches: &[(usize, usize)]| match fit.streamed.covers(side) {
                true => batches.len(),
                false => m.outer_dims().div_ceil(batch.max(1)),
            };
            let batches = [
                (&user_batches[..], side_batches(Side::Users, &train.csr, &user_batches)),
                (&item_batches[..], side_batches(Side::Items, &train.csc, &item_batches)),
            ];
            Schedule::new(g, opts.hermitian, train, batches, fit.streamed, f, half)?
        } else {
            Schedule::Rows
        };
        let solve = match opts.solver.kernel() {
            Some(solver) => SolveStep::Kernel(g.entry(solver.entry(f))?),
            None => SolveStep::CublasLu(CublasLu::new(g, &a, &b, f, batch)?),
        };
        let matrix_free = match opts.matrix_free {
            MatrixFree::Off => None,
            m => Some(MatrixFreeCg {
                kernel: g.entry(matrix_free::entry(f))?,
                users: match m.covers(Side::Users) {
                    true => Some(RowOrder::upload(g, &train.csr, share(Side::Users, &train.csr), "users")?),
                    false => None,
                },
                items: match m.covers(Side::Items) {
                    true => Some(RowOrder::upload(g, &train.csc, share(Side::Items, &train.csc), "items")?),
                    false => None,
                },
            }),
        };
        Ok(GpuAls {
            blas: Blas::new(g)?,
            opts,
            f,
            by_user,
            by_item,
            slots,
            user_batches,
            item_batches,
            users,
            items,
            gram,
            a,
            b,
            batch,
            schedule,
            hermitian,
            solve,
            matrix_free,
            loss: loss::Loss::new(g, f)?,
            gpu,
        })
    }

    /// What of `train` stays resident in the memory `opts` allows, and the batch sizes.
    fn fit(g: &Gpu, train: &Interactions, f: usize, opts: &GpuAlsOptions) -> Result<Fit, GpuError> {
        let formed = opts.matrix_free != MatrixFree::Both;
        let plan = GpuMemoryPlan::new(
            TrainShape::of(train, None),
            f,
            opts.matrix_free,
            opts.solver.half_storage(),
            formed && opts.hermitian.arguments() == Arguments::Ordered,
        );
        let (free, total) = g.memory()?;
        let budget = opts.gpu_memory.map_or(free, |m| m.min(free));
        let streamable = streamable(opts);
        let longest = (streamed::longest_row(&train.csr), streamed::longest_row(&train.csc));
        plan.fit(budget, streamable, longest, opts.batch_rows).ok_or_else(|| {
            let least = plan.least_streamed_bytes(streamable);
            GpuError::OutOfMemory {
                what: format!(
                    "GPU ALS of {} × {} with {} entries at f = {f} ({:.2} GiB in core; about {:.2} GiB with \
                     the formed sides' rows streamed; `rustmf plan` lists the buffers)",
                    train.n_users(),
                    train.n_items(),
                    train.nnz(),
                    plan.minimum_bytes() as f64 / (1u64 << 30) as f64,
                    least as f64 / (1u64 << 30) as f64,
                ),
                needed: least,
                free: budget,
                total,
            }
        })
    }

    /// Rows per batch in use.
    pub fn batch_rows(&self) -> usize {
        self.batch
    }

    /// One ALS half-step on the device.
    pub fn half_step(&mut self, side: Side, cfg: &AlsConfig) -> Result<Breakdown, GpuError> {
        const GRAM: usize = 0;
        const HERMITIAN: usize = 1;
        const SOLVE: usize = 2;
        let gpu = self.gpu.clone();
        let mut marks = StreamMarks::start(&gpu)?;
        if cfg.implicit {
            self.fixed_gram(side)?;
            marks.end(GRAM)?;
        }
        let s = scalars(cfg)?;
        let mut t = Breakdown::default();
        if self.opts.matrix_free.covers(side) {
            self.solve_matrix_free(side, s)?;
            marks.end(SOLVE)?;
        } else {
            self.take_copies()?;
            self.fill(side, 0)?;
            for (k, (begin, n)) in self.batches(side).into_iter().enumerate() {
                self.fill(side, k + 1)?;
                self.hermitian_batch(side, k, begin, n, s)?;
                marks.end(HERMITIAN)?;
                self.solve_batch(side, begin, n)?;
                marks.end(SOLVE)?;
            }
        }
        ([t.gram_s, t.hermitian_s, t.solve_s], t.total_s) = marks.finish()?;
        (t.copy_s, t.copy_bytes) = self.take_copies()?;
        Ok(t)
    }

    /// Benchmarks: `repeats` timings (seconds) of get_hermitian + get_bias alone over every row of
    /// `side` (YᵀY, implicit, is computed first and not timed).
    pub fn time_hermitian(&mut self, side: Side, cfg: &AlsConfig, repeats: usize) -> Result<Vec<f64>, GpuError> {
        let gpu = self.gpu.clone();
        let timer = EventTimer::new(&gpu)?;
        if cfg.implicit {
            self.fixed_gram(side)?;
        }
        let s = scalars(cfg)?;
        let mut samples = vec![0.0; repeats];
        for (k, (begin, n)) in self.batches(side).into_iter().enumerate() {
            self.fill(side, k)?;
            for sample in samples.iter_mut() {
                *sample += timer.time(|| self.hermitian_batch(side, k, begin, n, s))?;
            }
        }
        Ok(samples)
    }

    /// Benchmarks: `repeats` timings (seconds) of the solver alone over every row of `side`.
    /// Before each timed solve the batch's systems are rebuilt and its factor rows restored
    /// (untimed), so every repeat solves the same systems from the same starting point.
    pub fn time_solve(&mut self, side: Side, cfg: &AlsConfig, repeats: usize) -> Result<Vec<f64>, GpuError> {
        let gpu = self.gpu.clone();
        let timer = EventTimer::new(&gpu)?;
        if cfg.implicit {
            self.fixed_gram(side)?;
        }
        let s = scalars(cfg)?;
        let f = self.f;
        let saved = gpu.stream().clone_dtod(self.target(side)).map_err(GpuError::driver("saving the factors"))?;
        let mut samples = vec![0.0; repeats];
        for (k, (begin, n)) in self.batches(side).into_iter().enumerate() {
            self.fill(side, k)?;
            for sample in samples.iter_mut() {
                let rows = begin * f..(begin + n) * f;
                gpu.stream()
                    .memcpy_dtod(&saved.slice(rows.clone()), &mut self.target(side).slice_mut(rows))
                    .map_err(GpuError::driver("restoring the factors"))?;
                self.hermitian_batch(side, k, begin, n, s)?;
                *sample += timer.time(|| self.solve_batch(side, begin, n))?;
            }
        }
        Ok(samples)
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

    /// Which sides' sparse rows are streamed in this run.
    pub fn streamed(&self) -> Streamed {
        Streamed {
            users: matches!(self.by_user, SideRows::Streamed(_)),
            items: matches!(self.by_item, SideRows::Streamed(_)),
        }
    }

    /// (first row, rows) of each batch of `side`.
    fn batches(&self, side: Side) -> Vec<(usize, usize)> {
        match side {
            Side::Users => self.user_batches.clone(),
            Side::Items => self.item_batches.clone(),
        }
    }

    /// Streamed sides: queues the copy of batch `k` of `side` (nothing past the last batch).
    fn fill(&mut self, side: Side, k: usize) -> Result<(), GpuError> {
        let rows = if side == Side::Users { &self.by_user } else { &self.by_item };
        match (rows.streamed(), &mut self.slots) {
            (Some(rows), Some(slots)) => slots.fill(rows, k),
            _ => Ok(()),
        }
    }

    /// Streamed sides: seconds and bytes of the copies since the last call.
    fn take_copies(&mut self) -> Result<(f64, usize), GpuError> {
        self.slots.as_mut().map_or(Ok((0.0, 0)), SlotPair::take_copies)
    }

    /// The resident rows of `side`, for the paths that read a whole side at once.
    fn resident_rows(&self, side: Side, what: &str) -> Result<&DeviceRows, GpuError> {
        match (side, &self.by_user, &self.by_item) {
            (Side::Users, SideRows::Resident(r), _) | (Side::Items, _, SideRows::Resident(r)) => Ok(r),
            _ => Err(GpuError::Unsupported(format!(
                "{what} reads every row of the {side:?} side at once; this run streams them (more GPU memory, \
                 or a larger --gpu-memory, keeps them resident)"
            ))),
        }
    }

    fn target(&mut self, side: Side) -> &mut CudaSlice<f32> {
        match side {
            Side::Users => &mut self.users,
            Side::Items => &mut self.items,
        }
    }

    /// YᵀY of the factors `side` is solved against (implicit feedback), with cuBLAS.
    fn fixed_gram(&mut self, side: Side) -> Result<(), GpuError> {
        let fixed = match side {
            Side::Users => &self.items,
            Side::Items => &self.users,
        };
        self.blas.gram(fixed.len() / self.f, self.f, fixed, &mut self.gram)
    }

    /// get_hermitian + get_bias of batch `k`, the `n` rows of `side` from `begin`: A and b. A
    /// streamed side's batch is read from its slot, which is released afterwards.
    fn hermitian_batch(&mut self, side: Side, k: usize, begin: usize, n: usize, s: Scalars) -> Result<(), GpuError> {
        let gpu = &*self.gpu;
        let (rows, fixed) = match side {
            Side::Users => (&self.by_user, &self.items),
            Side::Items => (&self.by_item, &self.users),
        };
        let view = match (rows, &self.slots) {
            (SideRows::Resident(r), _) => RowsView::resident(r, begin),
            (SideRows::Streamed(r), Some(slots)) => slots.view(gpu, r, k)?,
            (SideRows::Streamed(_), None) => unreachable!("streamed rows without slots"),
        };
        let kernel = match &mut self.hermitian {
            HermitianStep::Cublas(c) => {
                let SideRows::Resident(rows) = rows else {
                    return Err(GpuError::Unsupported("the cuBLAS get_hermitian with streamed rows".into()));
                };
                return c.run(gpu, &self.blas, side, begin, rows, fixed, &self.gram, s, &mut self.a, &mut self.b);
            }
            HermitianStep::Kernel(k) => &*k,
        };
        let (f, n32, begin32) = (self.f, n as u32, view.row_begin as u32);
        let (indptr, indices, values) = (gpu.input(&view.indptr), gpu.input(&view.indices), gpu.input(&view.values));
        let (theta, gram) = (gpu.input(fixed), gpu.input(&self.gram));
        let (a_out, b_out) = (gpu.output_as::<f32>(&mut self.a), gpu.output(&mut self.b));
        let Scalars { lambda, alpha, eps, mode } = s;
        let shape = self.opts.hermitian.launch(f, n);
        // Safety: the buffers are the side's sparse rows, the fixed factors and YᵀY, and the
        // batch's A and b, which hold `batch ≥ n` rows; the shape is the version's own.
        let launched = unsafe {
            match &mut self.schedule {
                Schedule::Rows => {
                    let args = HermitianRows {
                        n_rows: n32,
                        row_begin: begin32,
                        indptr,
                        indices,
                        values,
                        theta,
                        gram,
                        lambda,
                        alpha,
                        eps,
                        mode,
                        a_out,
                        b_out,
                    };
                    gpu.launch_with(kernel, &args, shape)
                }
                Schedule::Order { users, items } => {
                    let order = if side == Side::Users { &*users } else { &*items };
                    let order = gpu.input(&order.slice(begin - view.row_begin..));
                    let args = HermitianOrdered {
                        n_rows: n32,
                        row_begin: begin32,
                        indptr,
                        indices,
                        values,
                        theta,
                        gram,
                        lambda,
                        alpha,
                        eps,
                        mode,
                        a_out,
                        b_out,
                        order,
                    };
                    gpu.launch_with(kernel, &args, shape)
                }
                Schedule::Split { users, items, finish, partial_a, partial_b } => {
                    let plan = &(if side == Side::Users { &*users } else { &*items })[k];
                    let units = HermitianUnits {
                        n_units: plan.n_units as u32,
                        indptr,
                        indices,
                        values,
                        theta,
                        gram,
                        lambda,
                        alpha,
                        eps,
                        mode,
                        a_out,
                        b_out,
                        work: gpu.input(&plan.units),
                        partial_a: gpu.output(partial_a),
                        partial_b: gpu.output(partial_b),
                    };
                    gpu.launch_with(kernel, &units, shape.with_grid(plan.n_units as u32))?;
                    let pieces = HermitianFinish {
                        n_split: plan.n_split as u32,
                        row_begin: begin32,
                        indptr,
                        gram,
                        lambda,
                        mode,
                        a_out,
                        b_out,
                        splits: gpu.input(&plan.splits),
                        partial_a: gpu.input(partial_a),
                        partial_b: gpu.input(partial_b),
                    };
                    match plan.n_split {
                        0 => Ok(()),
                        n_split => gpu.launch_with(finish, &pieces, LaunchShape::per_row(n_split, FINISH_BLOCK, 0)),
                    }
                }
            }
        };
        if let (SideRows::Streamed(_), Some(slots)) = (rows, &self.slots) {
            slots.release(gpu, k)?;
        }
        launched
    }

    /// Solves the batch's systems into rows `begin..begin + n` of the factors of `side`.
    fn solve_batch(&mut self, side: Side, begin: usize, n: usize) -> Result<(), GpuError> {
        let gpu = &*self.gpu;
        let target = match side {
            Side::Users => &mut self.users,
            Side::Items => &mut self.items,
        };
        let kernel = match &mut self.solve {
            SolveStep::CublasLu(lu) => return lu.solve(gpu, &self.blas, self.f, side, begin, n, &self.b, target),
            SolveStep::Kernel(k) => &*k,
        };
        let (n32, row_begin) = (n as u32, begin as u32);
        let (b, x) = (gpu.input(&self.b), gpu.output(target));
        let shape = Solver::launch(self.f, n);
        // Safety: A and b hold the batch's `n` systems; x is the side's factor matrix.
        unsafe {
            match self.opts.solver {
                GpuSolver::Cg { steps, tol } | GpuSolver::CgHalf { steps, tol } => gpu.launch_with(
                    kernel,
                    &SolveCg { n: n32, row_begin, a: gpu.input_as(&self.a), b, x, steps, tol },
                    shape,
                ),
                GpuSolver::Cholesky | GpuSolver::Lu | GpuSolver::CublasLu => {
                    gpu.launch_with(kernel, &SolveDirect { n: n32, row_begin, a: gpu.input_as(&self.a), b, x }, shape)
                }
            }
        }
    }
}

impl GpuAls {
    /// Matrix-free CG over every row of `side`, in place.
    fn solve_matrix_free(&mut self, side: Side, s: Scalars) -> Result<(), GpuError> {
        self.resident_rows(side, "matrix-free CG")?;
        let GpuAls { gpu, by_user, by_item, users, items, gram, matrix_free, opts, f, .. } = self;
        let mf = matrix_free.as_ref().ok_or_else(|| GpuError::Unsupported("no matrix-free CG in this run".into()))?;
        let (rows, fixed, target, order) = match (side, &*by_user, &*by_item) {
            (Side::Users, SideRows::Resident(rows), _) => (rows, &*items, users, &mf.users),
            (Side::Items, _, SideRows::Resident(rows)) => (rows, &*users, items, &mf.items),
            _ => unreachable!("checked by resident_rows above"),
        };
        let order = order
            .as_ref()
            .ok_or_else(|| GpuError::Unsupported(format!("{side:?} are not solved matrix-free in this run")))?;
        let GpuSolver::Cg { steps, tol } = opts.solver else {
            return Err(GpuError::Unsupported(format!("matrix-free CG with solver {}", opts.solver.name())));
        };
        if order.rows == 0 {
            return Ok(());
        }
        let shape =
            matrix_free::launch(*f, order.rows as usize, order.n_long as usize, s.mode != 0, gpu.info.multiprocessors);
        let args = MatrixFreeArgs {
            n_rows: order.rows,
            n_long: order.n_long,
            indptr: gpu.input(&rows.indptr),
            indices: gpu.input(&rows.indices),
            values: gpu.input(&rows.values),
            theta: gpu.input(fixed),
            gram: gpu.input(gram),
            lambda: s.lambda,
            alpha: s.alpha,
            eps: s.eps,
            mode: s.mode,
            order: gpu.input(&order.order),
            x: gpu.output(target),
            steps,
            tol,
        };
        // Safety: `order` lists `rows` rows of the side once each, the first `n_long` of them the
        // long ones; `gram` holds YᵀY; `target` is the side's factor matrix.
        unsafe { gpu.launch_with(&mf.kernel, &args, shape) }
    }
}

/// The scalars of a half-step, as the kernels take them.
#[derive(Clone, Copy)]
struct Scalars {
    lambda: f32,
    alpha: f32,
    eps: f32,
    mode: u32,
}

/// How the get_hermitian blocks are given rows.
enum Schedule {
    /// Block k takes batch row k (v1–v6, the cuBLAS baseline).
    Rows,
    /// v7: each batch's rows longest first, per side.
    Order { users: CudaSlice<u32>, items: CudaSlice<u32> },
    /// v8: per side, one plan per batch; scratch for the pieces' partial sums.
    Split {
        users: Vec<DevicePlan>,
        items: Vec<DevicePlan>,
        finish: Kernel,
        partial_a: CudaSlice<f32>,
        partial_b: CudaSlice<f32>,
    },
}

/// A [`schedule::SplitPlan`] on the device.
struct DevicePlan {
    units: CudaSlice<u64>,
    n_units: usize,
    splits: CudaSlice<u32>,
    n_split: usize,
}

impl Schedule {
    /// The schedule of `hermitian` over the users' and items' `batches` (each with the number of
    /// batches of the whole side, which sets v8's piece limit); the work plans of `streamed` sides
    /// count entries from each batch's first (its slot's).
    fn new(
        g: &Gpu,
        hermitian: Hermitian,
        train: &Interactions,
        batches: [(&[(usize, usize)], usize); 2],
        streamed: Streamed,
        f: usize,
        half: bool,
    ) -> Result<Schedule, GpuError> {
        let [(user_batches, user_side_batches), (item_batches, item_side_batches)] = batches;
        if hermitian.arguments() == Arguments::Ordered {
            // Indexed by row: the rows before a rank's share have no entry of their own.
            let order = |m: &Csr, batches: &[(usize, usize)], what: &str| {
                let mut order = vec![0; batches.first().map_or(0, |b| b.0)];
                order.extend(schedule::longest_first(m, batches));
                if order.is_empty() {
                    order.push(0); // a device buffer cannot be empty; with no batch nothing reads it
                }
                g.upload(&order, what)
            };
            return Ok(Schedule::Order {
                users: order(&train.csr, user_batches, "users by decreasing length")?,
                items: order(&train.csc, item_batches, "items by decreasing length")?,
            });
        }
        if hermitian.arguments() == Arguments::Rows {
            return Ok(Schedule::Rows);
        }
        let mut slots = 1;
        let mut side = |m: &Csr, batches: &[(usize, usize)], side_batches: usize, streamed: bool, what: &str| {
            let limit = schedule::piece_limit(m.nnz() / side_batches.max(1), g.info.multiprocessors as usize);
            let indptr = m.indptr();
            let ptr = indptr.raw_storage();
            batches
                .iter()
                .map(|&(begin, n)| {
                    let plan = schedule::split_plan(m, begin, n, limit);
                    let plan = if streamed { plan.rebased(ptr[begin]) } else { plan };
                    slots = slots.max(plan.slots);
                    // A device buffer cannot be empty; with no split row the finish kernel is not launched.
                    let splits = if plan.splits.is_empty() { vec![0; 3] } else { plan.splits.clone() };
                    Ok(DevicePlan {
                        units: g.upload(&plan.units, &format!("{what}: work units"))?,
                        n_units: plan.units.len() / 3,
                        splits: g.upload(&splits, &format!("{what}: split rows"))?,
                        n_split: plan.splits.len() / 3,
                    })
                })
                .collect::<Result<Vec<DevicePlan>, GpuError>>()
        };
        let users = side(&train.csr, user_batches, user_side_batches, streamed.users, "users")?;
        let items = side(&train.csc, item_batches, item_side_batches, streamed.items, "items")?;
        Ok(Schedule::Split {
            users,
            items,
            finish: g.entry(finish_entry(f, half))?,
            partial_a: g.alloc_zeros::<f32>(slots * f * f, "partial sums of split rows (A)")?,
            partial_b: g.alloc_zeros::<f32>(slots * f, "partial sums of split rows (b)")?,
        })
    }
}

/// The sides whose rows may stream: those that form A with rustmf's kernels (the cuBLAS baseline
/// gathers from the resident matrices; matrix-free CG reads a whole side at once).
fn streamable(opts: &GpuAlsOptions) -> Streamed {
    match opts.hermitian {
        Hermitian::Cublas => Streamed::NONE,
        _ => Streamed::formed(opts.matrix_free),
    }
}

/// The half-step's scalar kernel arguments.
fn scalars(cfg: &AlsConfig) -> Result<Scalars, GpuError> {
    let (mode, eps) = match (cfg.implicit, cfg.confidence) {
        (false, _) => (0, 1.0),
        (true, Confidence::Linear) => (1, 1.0),
        (true, Confidence::Log { eps }) => (2, eps),
        (true, Confidence::Proportional) => {
            return Err(GpuError::Unsupported(
                "the confidence c = α·r (implicit's convention) is supported on the CPU only; \
                 the GPU kernels use c = 1 + α·r"
                    .into(),
            ))
        }
    };
    Ok(Scalars { lambda: cfg.lambda, alpha: cfg.alpha, eps, mode })
}
