//! CPU implementation of [`Recommender`] for [`Factors`]: brute-force scoring, top-N with ties
//! broken by the lower item index, parallel over users (on the caller's rayon pool).

use anyhow::Result;
use rayon::prelude::*;

use super::kernels::dot32;
use super::metrics::{row_sorted, top_k_excluding};
use crate::als::{Factors, Recommender};
use crate::data::Csr;

/// `scores[i] = x · y_i` (fp32, fixed order) for every item.
pub fn score_user(factors: &Factors, x: &[f32], scores: &mut [f32]) {
    for (i, s) in scores.iter_mut().enumerate() {
        *s = dot32::<false>(x, factors.items.row(i));
    }
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
