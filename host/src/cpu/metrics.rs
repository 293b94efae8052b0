//! Test-set metrics, parallel over users (run inside a rayon pool to bound the threads).
//!
//! * Explicit: RMSE and MAE of `x_uᵀy_i` over every stored test rating.
//! * Implicit, for every evaluated user with at least one relevant test item (stored value > 0),
//!   ranking all items except the user's training items (descending score, ties by lower index):
//!   - Precision@K = hits / K
//!   - Recall@K = hits / min(|relevant|, K)
//!   - MAP@K: AP@K = Σ_{j≤K, hit at j} (hits in top j / j) / min(|relevant|, K)
//!   - NDCG@K with binary gains: DCG = Σ_{hit at j} 1/log2(j+1), IDCG = Σ_{j ≤ min(|rel|,K)} 1/log2(j+1)
//!   - coverage: distinct items in all top-K lists / number of items.
//!
//!   Each is the mean over evaluated users. Per-user values are summed in user order (thread-count
//!   independent).
//!
//! The popularity baseline scores each item by its number of positive training interactions.

use rayon::prelude::*;

use super::als::dot_mixed;
use super::infer::{row_sorted, score_user, top_k_excluding};
use crate::data::Csr;
use crate::model::{AlsConfig, Factors, Metrics, RankingMetrics};

/// RMSE and MAE of the factors' predictions over every stored value of `test` (CSR users × items).
pub fn rmse_mae(factors: &Factors, test: &Csr) -> (f64, f64) {
    let per_user: Vec<(f64, f64)> = (0..test.rows())
        .into_par_iter()
        .with_min_len(256)
        .map(|u| {
            let range = test.indptr().outer_inds_sz(u);
            let x = factors.users.row(u);
            let mut se = 0.0;
            let mut ae = 0.0;
            for (&i, &r) in test.indices()[range.clone()].iter().zip(&test.data()[range]) {
                let e = r as f64 - dot_mixed(x, factors.items.row(i as usize));
                se += e * e;
                ae += e.abs();
            }
            (se, ae)
        })
        .collect();
    let n = test.nnz().max(1) as f64;
    let (se, ae) = per_user.iter().fold((0.0, 0.0), |(a, b), (c, d)| (a + c, b + d));
    ((se / n).sqrt(), ae / n)
}

/// Users with at least one relevant (value > 0) test item; at most `max` of them, evenly spaced
/// from a seed-dependent offset when there are more.
pub fn eval_users(test: &Csr, max: Option<usize>, seed: u64) -> Vec<u32> {
    let all: Vec<u32> = (0..test.rows())
        .filter(|&u| {
            let range = test.indptr().outer_inds_sz(u);
            test.data()[range].iter().any(|v| *v > 0.0)
        })
        .map(|u| u as u32)
        .collect();
    match max {
        Some(m) if m < all.len() && m > 0 => {
            let step = all.len() as f64 / m as f64;
            let off = (seed % 1_000_003) as f64 / 1_000_003.0 * step;
            (0..m).map(|j| all[((off + j as f64 * step) as usize).min(all.len() - 1)]).collect()
        }
        _ => all,
    }
}

/// Per-user ranking metrics of a top-K list against the sorted relevant items.
pub fn user_metrics(rec: &[u32], relevant: &[u32], k: usize) -> (f64, f64, f64, f64) {
    let denom = relevant.len().min(k);
    if denom == 0 {
        return (0.0, 0.0, 0.0, 0.0);
    }
    let (mut hits, mut ap, mut dcg) = (0usize, 0.0f64, 0.0f64);
    for (j, item) in rec.iter().take(k).enumerate() {
        if relevant.binary_search(item).is_ok() {
            hits += 1;
            ap += hits as f64 / (j + 1) as f64;
            dcg += 1.0 / ((j + 2) as f64).log2();
        }
    }
    let idcg: f64 = (0..denom).map(|j| 1.0 / ((j + 2) as f64).log2()).sum();
    (hits as f64 / k as f64, hits as f64 / denom as f64, ap / denom as f64, dcg / idcg)
}

/// Ranking metrics for any scorer: `score(u, &mut scores)` fills one score per item.
pub fn ranking_metrics_with<S>(
    train: &Csr,
    test: &Csr,
    k: usize,
    users: &[u32],
    n_items: usize,
    score: S,
) -> RankingMetrics
where
    S: Fn(usize, &mut [f32]) + Sync,
{
    type PerUser = ((f64, f64, f64, f64), Vec<(u32, f32)>);
    let per_user: Vec<PerUser> = users
        .par_iter()
        .map_init(
            || vec![0f32; n_items],
            |scores, &u| {
                let u = u as usize;
                score(u, scores);
                let exclude = if u < train.rows() { row_sorted(train, u) } else { Vec::new() };
                let mut top = Vec::with_capacity(k);
                top_k_excluding(scores, &exclude, k, &mut top);
                let range = test.indptr().outer_inds_sz(u);
                let mut relevant: Vec<u32> = test.indices()[range.clone()]
                    .iter()
                    .zip(&test.data()[range])
                    .filter(|(_, v)| **v > 0.0)
                    .map(|(i, _)| *i)
                    .collect();
                relevant.sort_unstable();
                let rec: Vec<u32> = top.iter().map(|t| t.0).collect();
                (user_metrics(&rec, &relevant, k), top)
            },
        )
        .collect();
    let mut m = RankingMetrics { k, users: per_user.len(), ..Default::default() };
    let mut seen = vec![false; n_items];
    for ((p, r, ap, nd), top) in &per_user {
        m.precision += p;
        m.recall += r;
        m.map += ap;
        m.ndcg += nd;
        for (i, _) in top {
            seen[*i as usize] = true;
        }
    }
    let n = per_user.len().max(1) as f64;
    m.precision /= n;
    m.recall /= n;
    m.map /= n;
    m.ndcg /= n;
    m.coverage = seen.iter().filter(|s| **s).count() as f64 / n_items.max(1) as f64;
    m
}

/// Ranking metrics of ALS factors.
pub fn ranking_metrics(factors: &Factors, train: &Csr, test: &Csr, k: usize, users: &[u32]) -> RankingMetrics {
    ranking_metrics_with(train, test, k, users, factors.n_items(), |u, scores| {
        score_user(factors, factors.users.row(u), scores)
    })
}

/// Popularity of each item: its number of positive training interactions.
pub fn popularity(train: &Csr) -> Vec<f32> {
    let mut pop = vec![0f32; train.cols()];
    for (&i, &v) in train.indices().iter().zip(train.data()) {
        if v > 0.0 {
            pop[i as usize] += 1.0;
        }
    }
    pop
}

/// Ranking metrics of the popularity baseline (same protocol as [`ranking_metrics`]).
pub fn popularity_metrics(train: &Csr, test: &Csr, k: usize, users: &[u32]) -> RankingMetrics {
    let pop = popularity(train);
    ranking_metrics_with(train, test, k, users, train.cols(), |_, scores| scores.copy_from_slice(&pop))
}

/// The metrics `train` logs: RMSE/MAE (explicit) or ranking metrics at
/// `cfg.eval.k` (implicit) on `users` (default: every user with a relevant test item).
pub fn evaluate(factors: &Factors, train: &Csr, test: &Csr, cfg: &AlsConfig, users: Option<&[u32]>) -> Metrics {
    if cfg.implicit {
        let owned;
        let users = match users {
            Some(u) => u,
            None => {
                owned = eval_users(test, None, cfg.seed);
                &owned
            }
        };
        Metrics { ranking: Some(ranking_metrics(factors, train, test, cfg.eval.k, users)), ..Default::default() }
    } else {
        let (rmse, mae) = rmse_mae(factors, test);
        Metrics { rmse: Some(rmse), mae: Some(mae), ..Default::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_metrics_hand_computed() {
        // top-5 = [3, 1, 7, 2, 9], relevant = {1, 2, 4}; hits at ranks 2 and 4
        let (p, r, ap, nd) = user_metrics(&[3, 1, 7, 2, 9], &[1, 2, 4], 5);
        assert!((p - 2.0 / 5.0).abs() < 1e-12);
        assert!((r - 2.0 / 3.0).abs() < 1e-12);
        assert!((ap - (1.0 / 2.0 + 2.0 / 4.0) / 3.0).abs() < 1e-12);
        let dcg = 1.0 / 3f64.log2() + 1.0 / 5f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2() + 1.0 / 4f64.log2();
        assert!((nd - dcg / idcg).abs() < 1e-12);
        // more relevant items than k: recall denominator is k
        let (p, r, ap, nd) = user_metrics(&[0, 1], &[0, 1, 2, 3], 2);
        assert_eq!((p, r, ap, nd), (1.0, 1.0, 1.0, 1.0));
    }
}
