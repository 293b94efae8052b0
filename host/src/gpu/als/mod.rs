//! ALS on the GPU: both half-steps run on the device, with the sparse matrix (CSR for the user
//! step, CSC for the item step) and both factor matrices resident there.
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
mod schedule;
mod solver;

pub use crate::model::Hermitian;
pub use backend::GpuBackend;
pub use fold_in::fold_in;
pub use phases::PhaseTimes;
pub use rustmf_kernel_abi::hermitian_phases::Staging;
pub use rustmf_kernel_abi::SUPPORTED_F;
pub use solver::GpuSolver;

use super::{Blas, CudaSlice, EventTimer, Gpu, GpuError, Kernel};
use crate::data::{Csr, Interactions};
use crate::model::{AlsConfig, Breakdown, Confidence, Factors, Matrix, MatrixFree, Side};
use crate::train::gpu_memory::{GpuMemoryPlan, TrainShape};
use cublas_hermitian::CublasHermitian;
use cublas_lu::CublasLu;
use rustmf_kernel_abi::hermitian::{
    finish_entry, Arguments, HermitianFinish, HermitianOrdered, HermitianRows, HermitianUnits, FINISH_BLOCK,
};
use rustmf_kernel_abi::solve::{matrix_free, MatrixFreeCg as MatrixFreeArgs, SolveCg, SolveDirect, Solver};
use rustmf_kernel_abi::LaunchShape;
use std::sync::Arc;

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
}

impl Default for GpuAlsOptions {
    fn default() -> Self {
        GpuAlsOptions {
            hermitian: Hermitian::DEFAULT,
            solver: GpuSolver::Cholesky,
            batch_rows: None,
            matrix_free: MatrixFree::Off,
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
    by_user: DeviceRows,
    by_item: DeviceRows,
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

/// All rows of a side by decreasing length; the first `n_long` get a whole block each.
struct RowOrder {
    order: CudaSlice<u32>,
    n_long: u32,
}

impl RowOrder {
    fn upload(g: &Gpu, m: &Csr, what: &str) -> Result<RowOrder, GpuError> {
        Ok(RowOrder {
            order: g.upload(&schedule::longest_first(m, m.outer_dims()), &format!("{what} by decreasing length"))?,
            n_long: schedule::long_rows(m, schedule::MATRIX_FREE_LONG_ROW) as u32,
        })
    }
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
        let plan = GpuMemoryPlan::new(
            TrainShape::of(train, None),
            f,
            opts.matrix_free,
            half,
            opts.matrix_free != MatrixFree::Both && opts.hermitian.arguments() == Arguments::Ordered,
        );
        let (free, total) = g.memory()?;
        if plan.minimum_bytes() > free {
            return Err(GpuError::OutOfMemory {
                what: format!(
                    "GPU ALS of {} × {} with {} entries at f = {f} (`rustmf plan` lists the buffers; \
                     streaming what does not fit is not implemented)",
                    train.n_users(),
                    train.n_items(),
                    train.nnz()
                ),
                needed: plan.minimum_bytes(),
                free,
                total,
            });
        }
        let by_user = DeviceRows::upload(g, &train.csr, "CSR (users × items)")?;
        let by_item = DeviceRows::upload(g, &train.csc, "CSC (items × users)")?;
        let users = g.upload(&start.users.data, "user factors")?;
        let items = g.upload(&start.items.data, "item factors")?;
        let gram = g.alloc_zeros::<f32>(f * f, "YᵀY")?;
        let bytes_a = f * f * if half { 2 } else { 4 };
        let rows = by_user.rows.max(by_item.rows).max(1);
        let formed = opts.matrix_free != MatrixFree::Both;
        let cublas_hermitian = opts.hermitian == Hermitian::Cublas && formed;
        let batch = match opts.batch_rows {
            _ if !formed => 1,
            Some(b) => b.clamp(1, rows),
            None => {
                let (free, _) = g.memory()?;
                let share = if cublas_hermitian { 4 } else { 7 };
                (free / 10 * share / (bytes_a + 4 * f)).clamp(1, rows)
            }
        };
        let a = g.alloc_zeros::<u8>(batch * bytes_a, "the batch's f×f systems")?;
        let b = g.alloc_zeros::<f32>(batch * f, "the batch's right-hand sides")?;
        let hermitian = if cublas_hermitian {
            HermitianStep::Cublas(Box::new(CublasHermitian::new(g, &train.csr, &train.csc, f, batch, &a)?))
        } else {
            HermitianStep::Kernel(g.entry(opts.hermitian.entry(f, half))?)
        };
        let schedule = if formed { Schedule::new(g, opts.hermitian, train, batch, f, half)? } else { Schedule::Rows };
        let solve = match opts.solver.kernel() {
            Some(solver) => SolveStep::Kernel(g.entry(solver.entry(f))?),
            None => SolveStep::CublasLu(CublasLu::new(g, &a, &b, f, batch)?),
        };
        let matrix_free = match opts.matrix_free {
            MatrixFree::Off => None,
            m => Some(MatrixFreeCg {
                kernel: g.entry(matrix_free::entry(f))?,
                users: if m.covers(Side::Users) { Some(RowOrder::upload(g, &train.csr, "users")?) } else { None },
                items: if m.covers(Side::Items) { Some(RowOrder::upload(g, &train.csc, "items")?) } else { None },
            }),
        };
        Ok(GpuAls {
            blas: Blas::new(g)?,
            opts,
            f,
            by_user,
            by_item,
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

    /// Rows per batch in use.
    pub fn batch_rows(&self) -> usize {
        self.batch
    }

    /// One ALS half-step on the device.
    pub fn half_step(&mut self, side: Side, cfg: &AlsConfig) -> Result<Breakdown, GpuError> {
        let gpu = self.gpu.clone();
        let (timer, whole) = (EventTimer::new(&gpu)?, EventTimer::new(&gpu)?);
        whole.start()?;
        let mut t = Breakdown::default();
        if cfg.implicit {
            t.gram_s = timer.time(|| self.fixed_gram(side))?;
        }
        let s = scalars(cfg)?;
        if self.opts.matrix_free.covers(side) {
            t.solve_s = timer.time(|| self.solve_matrix_free(side, s))?;
            t.total_s = whole.stop()?;
            return Ok(t);
        }
        let mut begin = 0;
        while begin < self.side_rows(side) {
            let n = self.batch.min(self.side_rows(side) - begin);
            t.hermitian_s += timer.time(|| self.hermitian_batch(side, begin, n, s))?;
            t.solve_s += timer.time(|| self.solve_batch(side, begin, n))?;
            begin += n;
        }
        t.total_s = whole.stop()?;
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
        for (begin, n) in self.batches(side) {
            for sample in samples.iter_mut() {
                *sample += timer.time(|| self.hermitian_batch(side, begin, n, s))?;
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
        for (begin, n) in self.batches(side) {
            for sample in samples.iter_mut() {
                let rows = begin * f..(begin + n) * f;
                gpu.stream()
                    .memcpy_dtod(&saved.slice(rows.clone()), &mut self.target(side).slice_mut(rows))
                    .map_err(GpuError::driver("restoring the factors"))?;
                self.hermitian_batch(side, begin, n, s)?;
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

    fn side_rows(&self, side: Side) -> usize {
        match side {
            Side::Users => self.by_user.rows,
            Side::Items => self.by_item.rows,
        }
    }

    /// (first row, rows) of each batch of `side`.
    fn batches(&self, side: Side) -> Vec<(usize, usize)> {
        let rows = self.side_rows(side);
        (0..rows).step_by(self.batch).map(|b| (b, self.batch.min(rows - b))).collect()
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

    /// get_hermitian + get_bias of the batch of `n` rows from `begin`: A and b.
    fn hermitian_batch(&mut self, side: Side, begin: usize, n: usize, s: Scalars) -> Result<(), GpuError> {
        let gpu = &*self.gpu;
        let (rows, fixed) = match side {
            Side::Users => (&self.by_user, &self.items),
            Side::Items => (&self.by_item, &self.users),
        };
        let kernel = match &mut self.hermitian {
            HermitianStep::Cublas(c) => {
                return c.run(gpu, &self.blas, side, begin, rows, fixed, &self.gram, s, &mut self.a, &mut self.b)
            }
            HermitianStep::Kernel(k) => &*k,
        };
        let (f, n32, begin32) = (self.f, n as u32, begin as u32);
        let (indptr, indices, values) = (gpu.input(&rows.indptr), gpu.input(&rows.indices), gpu.input(&rows.values));
        let (theta, gram) = (gpu.input(fixed), gpu.input(&self.gram));
        let (a_out, b_out) = (gpu.output_as::<f32>(&mut self.a), gpu.output(&mut self.b));
        let Scalars { lambda, alpha, eps, mode } = s;
        let shape = self.opts.hermitian.launch(f, n);
        // Safety: the buffers are the side's sparse rows, the fixed factors and YᵀY, and the
        // batch's A and b, which hold `batch ≥ n` rows; the shape is the version's own.
        unsafe {
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
                    let order = gpu.input(if side == Side::Users { &*users } else { &*items });
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
                    let plan = &(if side == Side::Users { &*users } else { &*items })[begin / self.batch];
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
                    if plan.n_split == 0 {
                        return Ok(());
                    }
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
                    gpu.launch_with(finish, &pieces, LaunchShape::per_row(plan.n_split, FINISH_BLOCK, 0))
                }
            }
        }
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
        let GpuAls { gpu, by_user, by_item, users, items, gram, matrix_free, opts, f, .. } = self;
        let mf = matrix_free.as_ref().ok_or_else(|| GpuError::Unsupported("no matrix-free CG in this run".into()))?;
        let (rows, fixed, target, order) = match side {
            Side::Users => (&*by_user, &*items, users, &mf.users),
            Side::Items => (&*by_item, &*users, items, &mf.items),
        };
        let order = order
            .as_ref()
            .ok_or_else(|| GpuError::Unsupported(format!("{side:?} are not solved matrix-free in this run")))?;
        let GpuSolver::Cg { steps, tol } = opts.solver else {
            return Err(GpuError::Unsupported(format!("matrix-free CG with solver {}", opts.solver.name())));
        };
        let shape = matrix_free::launch(*f, rows.rows, order.n_long as usize, s.mode != 0, gpu.info.multiprocessors);
        let args = MatrixFreeArgs {
            n_rows: rows.rows as u32,
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
        // Safety: `order` lists every row of the side once, the first `n_long` of them the long
        // ones; `gram` holds YᵀY; `target` is the side's factor matrix.
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
    fn new(
        g: &Gpu,
        hermitian: Hermitian,
        train: &Interactions,
        batch: usize,
        f: usize,
        half: bool,
    ) -> Result<Schedule, GpuError> {
        if hermitian.arguments() == Arguments::Ordered {
            return Ok(Schedule::Order {
                users: g.upload(&schedule::longest_first(&train.csr, batch), "users by decreasing length")?,
                items: g.upload(&schedule::longest_first(&train.csc, batch), "items by decreasing length")?,
            });
        }
        if hermitian.arguments() == Arguments::Rows {
            return Ok(Schedule::Rows);
        }
        let mut slots = 1;
        let mut side = |m: &Csr, what: &str| -> Result<Vec<DevicePlan>, GpuError> {
            let limit = schedule::piece_limit(m.nnz(), g.info.multiprocessors as usize);
            (0..m.outer_dims())
                .step_by(batch)
                .map(|begin| {
                    let plan = schedule::split_plan(m, begin, batch.min(m.outer_dims() - begin), limit);
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
                .collect()
        };
        let users = side(&train.csr, "users")?;
        let items = side(&train.csc, "items")?;
        Ok(Schedule::Split {
            users,
            items,
            finish: g.entry(finish_entry(f, half))?,
            partial_a: g.alloc_zeros::<f32>(slots * f * f, "partial sums of split rows (A)")?,
            partial_b: g.alloc_zeros::<f32>(slots * f, "partial sums of split rows (b)")?,
        })
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
