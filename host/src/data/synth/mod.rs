//! Synthetic interactions from a planted low-rank model: item popularity follows a power law
//! (Zipf-like, over a random order of the items), user activity is log-normal, and the items a
//! user interacts with are drawn by popularity without replacement. Values come from the planted
//! scores `x_uᵀy_i`: explicit ratings add Gaussian noise and are rounded and clipped to a scale;
//! implicit play counts are `1 + Poisson(λ)` with `λ` growing exponentially with the score.
//!
//! Every user (and every item factor) draws from its own RNG stream seeded from
//! `(seed, stream, index)`, so the output depends on the seed only, never on the thread count.

mod alias;
mod presets;
pub mod shaped;

pub use presets::{Preset, PRESETS};

use super::rows::{indptr_from_counts, row_blocks, split_entries};
use super::seeds::stream_rng;
use super::{Csr, IdMap, Interactions};
use alias::Alias;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_distr::{Distribution, Poisson, StandardNormal};
use rayon::prelude::*;

/// How values are made from planted scores.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Values {
    /// `clip(round_to_step(mean + x_uᵀy_i + N(0, noise_std²)), lo, hi)`; `step == 0` skips rounding.
    /// The planted scores `x_uᵀy_i` have standard deviation `signal_std`.
    Explicit { lo: f32, hi: f32, step: f32, mean: f32, signal_std: f32, noise_std: f32 },
    /// Play counts `1 + Poisson((mean_plays - 1)·exp(x_uᵀy_i - 1/2))` with unit-variance scores,
    /// so the average count is about `mean_plays`.
    Implicit { mean_plays: f64 },
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SynthConfig {
    pub n_users: usize,
    pub n_items: usize,
    /// Target number of interactions; the result has this many up to rounding (and at most
    /// `n_users × n_items`).
    pub nnz: usize,
    /// Rank of the planted model.
    pub rank: usize,
    /// Item of popularity rank `r` (0-based) has weight `(r + 1)^-popularity_exponent`.
    pub popularity_exponent: f64,
    /// Standard deviation of the log of user activity.
    pub activity_sigma: f64,
    /// Every user has at least this many interactions (capped by `n_items`).
    pub min_per_user: usize,
    pub values: Values,
    pub seed: u64,
}

/// Bytes a generated entry takes at the peak of [`generate`]: user, item and value (12), the
/// (key, position) sort order (16), and the CSR and CSC copies (16), rounded up.
const BYTES_PER_ENTRY: u128 = 48;

impl SynthConfig {
    /// Refuse a configuration whose data would not fit in the memory available now.
    pub fn check_memory(&self) -> Result<(), super::DataError> {
        let rows = (self.n_users as u128 + self.n_items as u128) * (self.rank as u128 * 4 + 24);
        let what = format!("{} × {} with {} interactions", self.n_users, self.n_items, self.nnz);
        super::memory::check(&what, self.nnz as u128 * BYTES_PER_ENTRY + rows)
            .map_err(|reason| super::DataError::Invalid { what: "synthetic data", reason })
    }

    /// [`Preset::config`]: the preset's shape with users and nnz multiplied by `scale`.
    pub fn preset(preset: Preset, scale: f64, seed: u64) -> SynthConfig {
        preset.config(scale, seed)
    }
}

/// The model behind the data, for tests and benchmarks that need to know what is achievable.
#[derive(Debug, Clone, PartialEq)]
pub struct Planted {
    pub rank: usize,
    /// Standard deviation of the noise added to explicit ratings (`None` for implicit data).
    pub noise_std: Option<f64>,
    /// RMSE of the noise-free planted predictions `clip(mean + x_uᵀy_i, lo, hi)` against the
    /// generated ratings: what a perfect model would reach (`None` for implicit data).
    pub oracle_rmse: Option<f64>,
    /// Mean added to planted scores (explicit) or 0.
    pub mean: f32,
    /// `n_users × rank`, row-major.
    pub user_factors: Vec<f32>,
    /// `n_items × rank`, row-major.
    pub item_factors: Vec<f32>,
}

#[derive(Debug, Clone)]
pub struct Synthetic {
    pub interactions: Interactions,
    pub planted: Planted,
}

const STREAM_ACTIVITY: u64 = 1;
const STREAM_POPULARITY: u64 = 2;
const STREAM_ITEMS: u64 = 3;
const STREAM_USERS: u64 = 4;
/// Fixed (thread-count independent) number of user blocks, so sums come out bit-identical.
const USER_BLOCKS: usize = 512;

/// Generate the dataset described by `cfg`.
pub fn generate(cfg: &SynthConfig) -> Synthetic {
    assert!(cfg.n_users <= u32::MAX as usize && cfg.n_items <= u32::MAX as usize, "shape exceeds u32 indices");
    assert!(cfg.n_items > 0 && cfg.rank > 0, "need at least one item and rank ≥ 1");
    let r = cfg.rank;
    let signal_std = match cfg.values {
        Values::Explicit { signal_std, .. } => signal_std as f64,
        Values::Implicit { .. } => 1.0,
    };
    // Each factor entry ~ N(0, s²) with s⁴·rank = signal variance.
    let factor_std = (signal_std / (r as f64).sqrt()).sqrt() as f32;
    let normal_row = |row: &mut [f32], rng: &mut SmallRng| {
        row.iter_mut().for_each(|x| *x = factor_std * rng.sample::<f32, _>(StandardNormal));
    };

    let mut item_factors = vec![0f32; cfg.n_items * r];
    item_factors
        .par_chunks_mut(r)
        .enumerate()
        .for_each(|(i, row)| normal_row(row, &mut stream_rng(cfg.seed, STREAM_ITEMS, i as u64)));
    let popularity = Alias::new(item_weights(cfg));
    let indptr = indptr_from_counts(activity(cfg));

    let nnz = indptr[cfg.n_users];
    let mut indices = vec![0u32; nnz];
    let mut data = vec![0f32; nnz];
    let mut user_factors = vec![0f32; cfg.n_users * r];
    let blocks = row_blocks(&indptr, USER_BLOCKS);
    let mut factor_parts = Vec::with_capacity(blocks.len());
    let mut rest = &mut user_factors[..];
    for b in &blocks {
        let (head, tail) = rest.split_at_mut(b.len() * r);
        factor_parts.push(head);
        rest = tail;
    }
    let sums: Vec<f64> = split_entries(&mut indices, &indptr, &blocks)
        .into_par_iter()
        .zip(split_entries(&mut data, &indptr, &blocks))
        .zip(factor_parts)
        .zip(blocks.par_iter())
        .map(|(((idx, val), factors), users)| {
            let mut seen = vec![false; cfg.n_items];
            let mut items = Vec::new();
            let mut sse = 0.0;
            let base = indptr[users.start];
            for (k, u) in users.clone().enumerate() {
                let mut rng = stream_rng(cfg.seed, STREAM_USERS, u as u64);
                let x = &mut factors[k * r..(k + 1) * r];
                normal_row(x, &mut rng);
                let (lo, hi) = (indptr[u] - base, indptr[u + 1] - base);
                popularity.distinct(hi - lo, &mut rng, &mut seen, &mut items);
                idx[lo..hi].copy_from_slice(&items);
                for (v, &i) in val[lo..hi].iter_mut().zip(&items) {
                    let y = &item_factors[i as usize * r..(i as usize + 1) * r];
                    let score: f32 = x.iter().zip(y).map(|(a, b)| a * b).sum();
                    let (value, err) = make_value(cfg.values, score, &mut rng);
                    *v = value;
                    sse += err;
                }
            }
            sse
        })
        .collect();

    let (noise_std, oracle_rmse, mean) = match cfg.values {
        Values::Explicit { noise_std, mean, .. } => {
            (Some(noise_std as f64), Some((sums.iter().sum::<f64>() / nnz.max(1) as f64).sqrt()), mean)
        }
        Values::Implicit { .. } => (None, None, 0.0),
    };
    let csr = Csr::try_new((cfg.n_users, cfg.n_items), indptr, indices, data)
        .map_err(|e| e.3)
        .expect("sorted distinct items per user form a valid CSR matrix");
    Synthetic {
        interactions: Interactions::from_csr(csr, IdMap::Identity, IdMap::Identity),
        planted: Planted { rank: r, noise_std, oracle_rmse, mean, user_factors, item_factors },
    }
}

impl Planted {
    /// RMSE of the noise-free planted predictions `clip(mean + x_uᵀy_i, lo, hi)` on `entries` (a
    /// held-out part of the generated data): the test RMSE a perfect model would reach there.
    /// `None` for implicit data.
    pub fn oracle_rmse_on(&self, values: Values, entries: &Csr) -> Option<f64> {
        let Values::Explicit { lo, hi, mean, .. } = values else { return None };
        let r = self.rank;
        let sse: f64 = (0..entries.rows())
            .into_par_iter()
            .map(|u| {
                let x = &self.user_factors[u * r..(u + 1) * r];
                let range = entries.indptr().outer_inds_sz(u);
                let items = &entries.indices()[range.clone()];
                items
                    .iter()
                    .zip(&entries.data()[range])
                    .map(|(&i, &v)| {
                        let y = &self.item_factors[i as usize * r..(i as usize + 1) * r];
                        let score: f32 = x.iter().zip(y).map(|(a, b)| a * b).sum();
                        ((v - (mean + score).clamp(lo, hi)) as f64).powi(2)
                    })
                    .sum::<f64>()
            })
            .sum();
        Some((sse / entries.nnz().max(1) as f64).sqrt())
    }
}

/// Value for a planted score, and its squared distance from the noise-free prediction.
fn make_value(values: Values, score: f32, rng: &mut SmallRng) -> (f32, f64) {
    match values {
        Values::Explicit { lo, hi, step, mean, noise_std, .. } => {
            let clean = (mean + score).clamp(lo, hi);
            let noisy = mean + score + noise_std * rng.sample::<f32, _>(StandardNormal);
            let rounded = if step > 0.0 { lo + ((noisy - lo) / step).round() * step } else { noisy };
            let v = rounded.clamp(lo, hi);
            (v, ((v - clean) as f64).powi(2))
        }
        Values::Implicit { mean_plays } => {
            let lambda = (mean_plays - 1.0) * (score as f64 - 0.5).exp();
            let extra = if lambda > 0.0 { Poisson::new(lambda).expect("λ > 0").sample(rng) as f32 } else { 0.0 };
            (1.0 + extra, 0.0)
        }
    }
}

/// Power-law weights over a random order of the items.
fn item_weights(cfg: &SynthConfig) -> Vec<f64> {
    let mut order: Vec<u32> = (0..cfg.n_items as u32).collect();
    order.shuffle(&mut stream_rng(cfg.seed, STREAM_POPULARITY, 0));
    let mut w = vec![0.0; cfg.n_items];
    for (rank, &i) in order.iter().enumerate() {
        w[i as usize] = (rank as f64 + 1.0).powf(-cfg.popularity_exponent);
    }
    w
}

/// Interactions per user: log-normal activity scaled so that the total meets `cfg.nnz`.
fn activity(cfg: &SynthConfig) -> Vec<usize> {
    let z: Vec<f64> = (0..cfg.n_users as u64)
        .into_par_iter()
        .map(|u| (cfg.activity_sigma * stream_rng(cfg.seed, STREAM_ACTIVITY, u).sample::<f64, _>(StandardNormal)).exp())
        .collect();
    let floor = cfg.min_per_user.min(cfg.n_items);
    let count = |c: f64, zu: f64| ((c * zu).round() as usize).clamp(floor, cfg.n_items);
    let total = |c: f64| z.par_iter().map(|&zu| count(c, zu)).sum::<usize>();
    let (mut lo, mut hi) = (0.0, 1.0);
    while total(hi) < cfg.nnz && hi < 1e18 {
        hi *= 2.0;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if total(mid) < cfg.nnz {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let c = if cfg.nnz.abs_diff(total(lo)) < cfg.nnz.abs_diff(total(hi)) { lo } else { hi };
    z.iter().map(|&zu| count(c, zu)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SynthConfig {
        let mut c = Preset::Demo.config(0.1, 7);
        c.n_items = 300;
        c
    }

    #[test]
    fn same_seed_same_data() {
        let a = generate(&small());
        let b = generate(&small());
        assert_eq!(a.interactions, b.interactions);
        assert_eq!(a.planted, b.planted);
        let mut other = small();
        other.seed = 8;
        assert_ne!(generate(&other).interactions.csr, a.interactions.csr);
    }

    #[test]
    fn explicit_values_lie_on_the_scale() {
        let s = generate(&small());
        assert!(s.interactions.csr.data().iter().all(|&v| (1.0..=5.0).contains(&v) && v.fract() == 0.0));
        let rmse = s.planted.oracle_rmse.unwrap();
        assert!(rmse > 0.3 && rmse < 0.8, "{rmse}");
    }

    #[test]
    fn oracle_rmse_on_every_entry_is_the_generators() {
        let c = small();
        let s = generate(&c);
        let all = s.planted.oracle_rmse_on(c.values, &s.interactions.csr).unwrap();
        let given = s.planted.oracle_rmse.unwrap();
        assert!((all - given).abs() < 1e-9 * given.max(1.0), "{all} vs {given}");
        let mut first_half = s.interactions.csr.clone();
        first_half.data_mut().iter_mut().step_by(2).for_each(|v| *v += 1.0);
        assert!(s.planted.oracle_rmse_on(c.values, &first_half).unwrap() > given);
    }

    #[test]
    fn implicit_counts_average_near_the_target() {
        let mut c = small();
        c.values = Values::Implicit { mean_plays: 4.0 };
        let s = generate(&c);
        let d = s.interactions.csr.data();
        let mean = d.iter().map(|&v| v as f64).sum::<f64>() / d.len() as f64;
        assert!(d.iter().all(|&v| v >= 1.0 && v.fract() == 0.0));
        assert!((mean - 4.0).abs() < 0.5, "{mean}");
    }
}
