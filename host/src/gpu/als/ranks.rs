//! Data-parallel ALS (issue 22): each rank solves its share of each side's rows — contiguous,
//! balanced by entries — with the single-GPU code (`GpuAlsOptions::share`), and after each
//! half-step the rows every rank solved are gathered into every rank's copy of the factors. A
//! [`Communicator`] moves them: [`OneGpu`] runs N logical ranks on one GPU with device-to-device
//! copies, so that every multi-rank path is tested on one GPU; NCCL across GPUs and hosts is not
//! built yet. Each rank computes YᵀY from its whole copy of the fixed factors, as one rank does,
//! so N ranks give one rank's factors bit for bit (with the same rows per batch).
use super::{GpuAls, GpuAlsOptions, Share};
use crate::data::{Csr, Interactions};
use crate::gpu::{CudaSlice, EventTimer, Gpu, GpuError};
use crate::model::{AlsConfig, Breakdown, Factors, Side};
use std::sync::Arc;

/// How the ranks exchange the rows they solved.
pub trait Communicator {
    /// Every rank's `factors` (rows of `f` values) receive rank r's rows `shares[r]` (`factors`
    /// holds this process's ranks, all of them for [`OneGpu`]).
    fn all_gather_rows(
        &self,
        factors: &mut [&mut CudaSlice<f32>],
        shares: &[(usize, usize)],
        f: usize,
    ) -> Result<(), GpuError>;
}

/// N logical ranks on one GPU: the gathers are device-to-device copies on its stream.
pub struct OneGpu {
    gpu: Arc<Gpu>,
}

impl Communicator for OneGpu {
    fn all_gather_rows(
        &self,
        factors: &mut [&mut CudaSlice<f32>],
        shares: &[(usize, usize)],
        f: usize,
    ) -> Result<(), GpuError> {
        for (from, &(first, end)) in shares.iter().enumerate() {
            let rows = first * f..end * f;
            for to in (0..factors.len()).filter(|&to| to != from) {
                let (src, dst) = if from < to {
                    let (a, b) = factors.split_at_mut(to);
                    (&*a[from], &mut *b[0])
                } else {
                    let (a, b) = factors.split_at_mut(from);
                    (&*b[0], &mut *a[to])
                };
                self.gpu
                    .stream()
                    .memcpy_dtod(&src.slice(rows.clone()), &mut dst.slice_mut(rows.clone()))
                    .map_err(GpuError::driver("gathering a rank's factor rows"))?;
            }
        }
        Ok(())
    }
}

/// The contiguous rows `(first, end)` of `m` for each of `ranks` ranks, cut at the row boundary
/// nearest to k/ranks of the entries (a rank may get no rows).
pub fn balanced_shares(m: &Csr, ranks: usize) -> Vec<(usize, usize)> {
    let ptr = m.indptr();
    let ptr = ptr.raw_storage();
    let rows = m.outer_dims();
    let mut cuts = vec![0];
    for k in 1..ranks {
        let target = m.nnz() as f64 * k as f64 / ranks as f64;
        let after = ptr.partition_point(|&p| (p as f64) < target).min(rows);
        let nearest = match after {
            0 => 0,
            r if target - ptr[r - 1] as f64 <= ptr[r] as f64 - target => r - 1,
            r => r,
        };
        cuts.push(nearest.max(*cuts.last().unwrap_or(&0)));
    }
    cuts.push(rows);
    cuts.windows(2).map(|w| (w[0], w[1])).collect()
}

/// ALS over N ranks, each a [`GpuAls`] solving its share.
pub struct DataParallelAls {
    ranks: Vec<GpuAls>,
    users: Vec<(usize, usize)>,
    items: Vec<(usize, usize)>,
    comm: Box<dyn Communicator>,
    f: usize,
}

impl DataParallelAls {
    /// `ranks` logical ranks on `gpu`, each with a whole copy of the data and the factors; without
    /// `opts.batch_rows`, each rank's batches are a `ranks`-th of what one run would take (they
    /// share the GPU's memory, and the same rows per batch keep v8's pieces the same on every rank).
    pub fn on_one_gpu(
        gpu: Arc<Gpu>,
        train: &Interactions,
        start: &Factors,
        opts: GpuAlsOptions,
        ranks: usize,
    ) -> Result<DataParallelAls, GpuError> {
        if ranks == 0 {
            return Err(GpuError::Unsupported("data-parallel training with 0 ranks".into()));
        }
        let batch_rows = match opts.batch_rows {
            Some(rows) => rows,
            None => (GpuAls::fit(&gpu, train, start.n_factors(), &opts)?.batch_rows / ranks).max(1),
        };
        let opts = GpuAlsOptions { batch_rows: Some(batch_rows), ..opts };
        let (users, items) = (balanced_shares(&train.csr, ranks), balanced_shares(&train.csc, ranks));
        let ranks = (0..ranks)
            .map(|r| {
                let share = Some(Share { users: users[r], items: items[r] });
                GpuAls::new(gpu.clone(), train, start, GpuAlsOptions { share, ..opts })
            })
            .collect::<Result<Vec<GpuAls>, GpuError>>()?;
        Ok(DataParallelAls { ranks, users, items, comm: Box::new(OneGpu { gpu }), f: start.n_factors() })
    }

    /// Every rank's half-step, then the gather; the phases added up over the ranks, the gather's
    /// time in `comm_s`.
    pub fn half_step(&mut self, side: Side, cfg: &AlsConfig) -> Result<Breakdown, GpuError> {
        let mut t = Breakdown::default();
        for rank in &mut self.ranks {
            let b = rank.half_step(side, cfg)?;
            t.gram_s += b.gram_s;
            t.hermitian_s += b.hermitian_s;
            t.solve_s += b.solve_s;
            t.total_s += b.total_s;
        }
        let shares = if side == Side::Users { &self.users } else { &self.items };
        let gpu = self.ranks[0].gpu.clone();
        let mut factors: Vec<&mut CudaSlice<f32>> = self.ranks.iter_mut().map(|r| r.target(side)).collect();
        let timer = EventTimer::new(&gpu)?;
        t.comm_s = timer.time(|| self.comm.all_gather_rows(&mut factors, shares, self.f))?;
        t.total_s += t.comm_s;
        Ok(t)
    }

    /// The factors (every rank holds them whole after a half-step).
    pub fn factors(&self) -> Result<Factors, GpuError> {
        self.ranks[0].factors()
    }

    /// Each rank's share of the rows.
    pub fn shares(&self) -> Vec<Share> {
        self.users.iter().zip(&self.items).map(|(&users, &items)| Share { users, items }).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::schedule::tests::rows;
    use super::*;

    #[test]
    fn shares_cover_the_rows_in_order_balanced_by_entries() {
        // Row lengths 1, 3, 0, 3, 2, 5, 1: 15 entries.
        assert_eq!(balanced_shares(&rows(), 1), vec![(0, 7)]);
        assert_eq!(balanced_shares(&rows(), 2), vec![(0, 4), (4, 7)]);
        assert_eq!(balanced_shares(&rows(), 3), vec![(0, 3), (3, 5), (5, 7)]);
        assert_eq!(balanced_shares(&rows(), 4), vec![(0, 2), (2, 4), (4, 5), (5, 7)]);
        let many = balanced_shares(&rows(), 20);
        assert_eq!(many.len(), 20);
        assert!(many.windows(2).all(|w| w[0].1 == w[1].0) && many[0].0 == 0 && many[19].1 == 7);
    }
}
