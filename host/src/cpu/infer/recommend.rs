//! CPU implementation of [`Recommender`] for [`Factors`]: brute-force scoring, top-N with ties
//! broken by the lower item index, parallel over users (on the caller's rayon pool).

use anyhow::Result;
use rayon::prelude::*;

use crate::cpu::kernels::dot32;
use crate::data::Csr;
use crate::model::{Factors, Recommender};

/// `scores[i] = x · y_i` (fp32, fixed order) for every item.
pub fn score_user(factors: &Factors, x: &[f32], scores: &mut [f32]) {
    for (i, s) in scores.iter_mut().enumerate() {
        *s = dot32::<false>(x, factors.items.row(i));
    }
}

/// Sort key: score descending (NaN last), then lower index first.
#[inline]
fn rank_cmp(a: &(f32, u32), b: &(f32, u32)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// The top `k` items of `scores` (index = item) skipping the sorted list `exclude`, written into
/// `out` as (item, score), best first; ties by lower item index; NaN scores rank last.
pub fn top_k_excluding(scores: &[f32], exclude: &[u32], k: usize, out: &mut Vec<(u32, f32)>) {
    let mut cand: Vec<(f32, u32)> = Vec::with_capacity(scores.len());
    let mut e = 0;
    for (i, &s) in scores.iter().enumerate() {
        while e < exclude.len() && (exclude[e] as usize) < i {
            e += 1;
        }
        if e < exclude.len() && exclude[e] as usize == i {
            continue;
        }
        cand.push((if s.is_nan() { f32::NEG_INFINITY } else { s }, i as u32));
    }
    out.clear();
    if k == 0 || cand.is_empty() {
        return;
    }
    if cand.len() > k {
        cand.select_nth_unstable_by(k - 1, rank_cmp);
        cand.truncate(k);
    }
    cand.sort_unstable_by(rank_cmp);
    out.extend(cand.iter().map(|&(s, i)| (i, s)));
}

/// Sorted copy of the column indices of row `u` (sprs keeps them sorted; this does not rely on it).
pub(crate) fn row_sorted(m: &Csr, u: usize) -> Vec<u32> {
    let range = m.indptr().outer_inds_sz(u);
    let mut v = m.indices()[range].to_vec();
    v.sort_unstable();
    v
}

impl Recommender for Factors {
    fn recommend_batch(&self, users: &[u32], exclude: Option<&Csr>, n: usize) -> Result<Vec<Vec<(u32, f32)>>> {
        if let Some(&u) = users.iter().find(|&&u| u as usize >= self.n_users()) {
            anyhow::bail!("user {u} out of range ({} users)", self.n_users());
        }
        if let Some(e) = exclude {
            anyhow::ensure!(
                e.is_csr() && e.cols() == self.n_items(),
                "exclude must be a CSR users × {} matrix",
                self.n_items()
            );
        }
        Ok(users
            .par_iter()
            .map_init(
                || vec![0f32; self.n_items()],
                |scores, &u| {
                    score_user(self, self.users.row(u as usize), scores);
                    let ex = match exclude {
                        Some(e) if (u as usize) < e.rows() => row_sorted(e, u as usize),
                        _ => Vec::new(),
                    };
                    let mut out = Vec::with_capacity(n);
                    top_k_excluding(scores, &ex, n, &mut out);
                    out
                },
            )
            .collect())
    }

    fn similar_items(&self, item: usize, n: usize) -> Result<Vec<(u32, f32)>> {
        anyhow::ensure!(item < self.n_items(), "item {item} out of range ({} items)", self.n_items());
        let q = self.items.row(item);
        let qn = dot32::<false>(q, q).sqrt();
        let scores: Vec<f32> = (0..self.n_items())
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let y = self.items.row(i);
                let d = qn * dot32::<false>(y, y).sqrt();
                if d > 0.0 {
                    dot32::<false>(q, y) / d
                } else {
                    0.0
                }
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        top_k_excluding(&scores, &[item as u32], n, &mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_ties_and_exclusion() {
        let scores = [0.5, 0.9, 0.9, f32::NAN, 0.1, 0.9];
        let mut out = Vec::new();
        top_k_excluding(&scores, &[2], 3, &mut out);
        assert_eq!(out.iter().map(|t| t.0).collect::<Vec<_>>(), vec![1, 5, 0]);
        top_k_excluding(&scores, &[0, 1, 2, 4, 5], 3, &mut out);
        assert_eq!(out.iter().map(|t| t.0).collect::<Vec<_>>(), vec![3]);
    }
}
