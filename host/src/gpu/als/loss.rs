//! The training objective and the test error of the factors on the device, so that per-iteration
//! metrics cost a pass over the entries instead of a download and a CPU pass (issue 19): the sums
//! of `kernels-rs/src/loss.rs` over the training CSR or the test matrix, and for implicit feedback
//! the grams XᵀX and YᵀY by cuBLAS. The definitions are the CPU reference's
//! (`cpu::als::step::objective`, `cpu::metrics::rmse_mae`).
use super::streamed::RowsView;
use super::{scalars, DeviceRows, GpuAls, Scalars, SideRows};
use crate::data::Csr;
use crate::gpu::{CudaSlice, CudaView, Gpu, GpuError, Kernel};
use crate::model::AlsConfig;
use rustmf_kernel_abi::hermitian::MODE_EXPLICIT;
use rustmf_kernel_abi::loss::{self, EntrySums, ABSOLUTE, DATA, NORMS, SUMS};

/// The loss kernel, its partial sums, a second gram and the test matrix.
pub(super) struct Loss {
    kernel: Kernel,
    partials: CudaSlice<f64>,
    /// XᵀX (implicit objective); YᵀY goes to the half-step's gram buffer.
    user_gram: CudaSlice<f32>,
    /// Whether [`GpuAls::set_test`] was called, and the test matrix (users × items) if it has
    /// entries.
    test_set: bool,
    test: Option<DeviceRows>,
}

impl Loss {
    pub(super) fn new(g: &Gpu, f: usize) -> Result<Loss, GpuError> {
        let most = loss::partials(loss::launch(usize::MAX, g.info.multiprocessors));
        Ok(Loss {
            kernel: g.entry(loss::entry(f))?,
            partials: g.alloc_zeros::<f64>(most, "the loss kernel's partial sums")?,
            user_gram: g.alloc_zeros::<f32>(f * f, "XᵀX")?,
            test_set: false,
            test: None,
        })
    }

    /// The kernel's sums over the entries of the `n_rows` rows of `rows` (rows' factors `x`,
    /// columns' `theta`).
    fn sums(
        &mut self,
        g: &Gpu,
        rows: &RowsView,
        n_rows: usize,
        x: &CudaView<f32>,
        theta: &CudaSlice<f32>,
        s: Scalars,
    ) -> Result<[f64; SUMS], GpuError> {
        let nnz = rows.nnz;
        let shape = loss::launch(nnz, g.info.multiprocessors);
        let args = EntrySums {
            n_rows: n_rows as u32,
            nnz: nnz as u64,
            indptr: g.input(&rows.indptr),
            indices: g.input(&rows.indices),
            values: g.input(&rows.values),
            x: g.input(x),
            theta: g.input(theta),
            alpha: s.alpha,
            eps: s.eps,
            mode: s.mode,
            partials: g.output(&mut self.partials),
        };
        // Safety: `rows` is a CSR of `n_rows` rows from 0 whose column indices are rows of `theta`;
        // `x` has a row per row; `partials` holds the most any launch writes.
        unsafe { g.launch_with(&self.kernel, &args, shape)? };
        let partials = g.download(&self.partials)?;
        let mut total = [0f64; SUMS];
        for warp in partials[..loss::partials(shape)].chunks_exact(SUMS) {
            for (t, v) in total.iter_mut().zip(warp) {
                *t += v;
            }
        }
        Ok(total)
    }
}

impl GpuAls {
    /// The training objective of the current factors (see `crate::model`), computed on the device
    /// over the entries of a resident side (the sums are the same over either), or over the user
    /// side's streamed batches.
    pub fn objective(&mut self, cfg: &AlsConfig) -> Result<f64, GpuError> {
        let s = scalars(cfg)?;
        let GpuAls { gpu, blas, loss, by_user, by_item, slots, users, items, gram, f, user_batches, .. } = self;
        let sums = match (&*by_user, &*by_item) {
            (SideRows::Resident(r), _) => {
                loss.sums(gpu, &RowsView::resident(r, 0), r.rows, &users.slice(..), items, s)?
            }
            (_, SideRows::Resident(r)) => {
                loss.sums(gpu, &RowsView::resident(r, 0), r.rows, &items.slice(..), users, s)?
            }
            (SideRows::Streamed(rows), _) => {
                let slots = slots.as_mut().expect("streamed rows have slots");
                let mut total = [0f64; SUMS];
                slots.fill(rows, 0)?;
                for (k, &(begin, n)) in user_batches.iter().enumerate() {
                    slots.fill(rows, k + 1)?;
                    let x = users.slice(begin * *f..(begin + n) * *f);
                    let part = loss.sums(gpu, &slots.view(gpu, rows, k)?, n, &x, items, s);
                    slots.release(gpu, k)?;
                    total.iter_mut().zip(part?).for_each(|(t, p)| *t += p);
                }
                total
            }
        };
        let lambda = cfg.lambda as f64;
        if !cfg.implicit {
            return Ok(sums[DATA] + lambda * sums[NORMS]);
        }
        let f = *f;
        blas.gram(items.len() / f, f, items, gram)?;
        blas.gram(users.len() / f, f, users, &mut loss.user_gram)?;
        let (yty, xtx) = (gpu.download(gram)?, gpu.download(&loss.user_gram)?);
        let inner: f64 = yty.iter().zip(&xtx).map(|(a, b)| *a as f64 * *b as f64).sum();
        let trace: f64 = (0..f).map(|j| yty[j * f + j] as f64 + xtx[j * f + j] as f64).sum();
        Ok(sums[DATA] + inner + lambda * trace)
    }

    /// Uploads the test matrix (users × items, the training matrix's shape) that
    /// [`GpuAls::test_rmse_mae`] measures on.
    pub fn set_test(&mut self, test: &Csr) -> Result<(), GpuError> {
        if test.rows() != self.by_user.rows() || test.cols() != self.by_item.rows() {
            return Err(GpuError::Unsupported(format!(
                "the test matrix is {}×{}, the training matrix {}×{}",
                test.rows(),
                test.cols(),
                self.by_user.rows(),
                self.by_item.rows()
            )));
        }
        self.loss.test = None;
        self.loss.test_set = true;
        if test.nnz() > 0 {
            self.loss.test = Some(DeviceRows::upload(&self.gpu, test, "test matrix")?);
        }
        Ok(())
    }

    /// RMSE and MAE of the current factors over every stored test value (0 and 0 with no test
    /// entries, as the CPU's), computed on the device; `None` before [`GpuAls::set_test`].
    pub fn test_rmse_mae(&mut self) -> Result<Option<(f64, f64)>, GpuError> {
        let GpuAls { gpu, loss, users, items, .. } = self;
        if !loss.test_set {
            return Ok(None);
        }
        let Some(test) = loss.test.take() else {
            return Ok(Some((0.0, 0.0)));
        };
        let explicit = Scalars { lambda: 0.0, alpha: 0.0, eps: 1.0, mode: MODE_EXPLICIT };
        let sums = loss.sums(gpu, &RowsView::resident(&test, 0), test.rows, &users.slice(..), items, explicit);
        let n = test.indices.len() as f64;
        loss.test = Some(test);
        let sums = sums?;
        Ok(Some(((sums[DATA] / n).sqrt(), sums[ABSOLUTE] / n)))
    }
}
