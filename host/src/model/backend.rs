//! The traits every backend implements: [`AlsBackend`] (training) and [`Recommender`] (recommend API).

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::{AlsConfig, Factors};
use crate::data::{Csr, Interactions};

/// Which factor matrix a half-step recomputes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    /// Users from items (rows of the CSR matrix).
    Users,
    /// Items from users (rows of the CSC matrix).
    Items,
}

/// Where a backend's half-step time went, for backends that can tell (seconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// YᵀY of the fixed factors (implicit feedback).
    pub gram_s: f64,
    /// get_hermitian + get_bias.
    pub hermitian_s: f64,
    pub solve_s: f64,
    /// The whole half-step.
    pub total_s: f64,
    /// GPU, streamed rows: the host→device copies of the side's batches, added up (they run on a
    /// copy stream beside the phases above; waits for them fall in `hermitian_s`).
    pub copy_s: f64,
    /// GPU, streamed rows: the bytes those copies moved.
    pub copy_bytes: usize,
    /// Data-parallel GPU training: gathering the rows each rank solved (in `total_s` too).
    #[serde(default)]
    pub comm_s: f64,
}

impl Breakdown {
    /// Time not in the named phases (launch gaps, synchronization, transfers). On the GPU the
    /// phases are timed back to back on the stream (`gpu::StreamMarks`), so a gap falls in the
    /// phase after it and this is about 0.
    pub fn other_s(&self) -> f64 {
        (self.total_s - self.gram_s - self.hermitian_s - self.solve_s - self.comm_s).max(0.0)
    }
}

/// A compute backend for ALS. Backends that keep the factors elsewhere (the GPU) take them in
/// [`AlsBackend::begin`] and hand them back in [`AlsBackend::fetch`]; between the two, the host
/// copy is stale.
pub trait AlsBackend {
    fn name(&self) -> String;
    /// Called once before the first half-step, with the test matrix (if any) that
    /// [`AlsBackend::test_rmse_mae`] measures on.
    fn begin(
        &mut self,
        _train: &Interactions,
        _test: Option<&Interactions>,
        _start: &Factors,
        _cfg: &AlsConfig,
    ) -> Result<()> {
        Ok(())
    }
    /// Recompute every row of `side` against the other side's factors.
    fn half_step(
        &mut self,
        side: Side,
        train: &Interactions,
        factors: &mut Factors,
        cfg: &AlsConfig,
    ) -> Result<Option<Breakdown>>;
    /// Bring `factors` up to date on the host.
    fn fetch(&mut self, _factors: &mut Factors) -> Result<()> {
        Ok(())
    }
    /// The training objective of the backend's current factors on `train` (see the module docs).
    /// `factors` is the host copy: a backend that keeps its own (the GPU) computes from those,
    /// so that no fetch is needed.
    fn objective(&mut self, train: &Interactions, factors: &Factors, cfg: &AlsConfig) -> Result<f64>;
    /// Test RMSE and MAE of the backend's current factors on the test matrix given to
    /// [`AlsBackend::begin`], where the backend computes them itself; `None`: the caller computes
    /// them from fetched factors.
    fn test_rmse_mae(&mut self) -> Result<Option<(f64, f64)>> {
        Ok(None)
    }
}

/// The recommend API every backend's model implements.
///
/// Rankings are by descending score, ties broken by the lower item index; items a user has
/// in `exclude` (typically the training matrix, CSR users × items) are never returned.
pub trait Recommender {
    /// Top-`n` items for `user`.
    fn recommend(&self, user: usize, exclude: Option<&Csr>, n: usize) -> Result<Vec<(u32, f32)>> {
        Ok(self.recommend_batch(&[user as u32], exclude, n)?.pop().unwrap_or_default())
    }
    /// Top-`n` items for each of `users`.
    fn recommend_batch(&self, users: &[u32], exclude: Option<&Csr>, n: usize) -> Result<Vec<Vec<(u32, f32)>>>;
    /// The `n` items most similar to `item` by cosine of the item factors (the item itself excluded).
    fn similar_items(&self, item: usize, n: usize) -> Result<Vec<(u32, f32)>>;
}
