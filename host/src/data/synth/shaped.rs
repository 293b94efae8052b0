//! Shape-matched synthetic implicit data for benchmarks.
//!
//! This is the ALS benchmarks' own generator (seeded, thread-count independent, dependency free)
//! so that `rustmf train --bench-out` and `benches/implicit_cpu.py` time exactly the same
//! matrix; the presets of [`super`] (planted low-rank, with noise) are the ones to
//! use for quality experiments.
//!
//! `netflix_shaped(scale, seed)`: `round(480,189·scale)` users × 17,770 items (all of Netflix's
//! items), about 171 interactions per user on average (Netflix: 100.5M / 480,189 ≈ 209 ratings,
//! 82.1M after keeping the implicit positives, ≈ 171) drawn from a log-normal activity
//! distribution (σ = 1), item popularity Zipf-like (`p_i ∝ (i + 10)^-0.9`) over a seeded item
//! permutation, values are play counts `1 + Geometric(0.5)`.

use rayon::prelude::*;

use crate::data::seeds::splitmix64;
use crate::data::{interactions_from_csr, Csr, Interactions};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(self.0)
    }
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.unit(), self.unit());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Power-law implicit data: `n_users × n_items`, mean `mean_per_user` interactions per user.
pub fn power_law(n_users: usize, n_items: usize, mean_per_user: f64, seed: u64) -> Interactions {
    // popularity CDF over a seeded permutation of the items
    let mut perm: Vec<u32> = (0..n_items as u32).collect();
    let mut rng = Rng(splitmix64(seed ^ 0xA5A5));
    for i in (1..n_items).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        perm.swap(i, j);
    }
    let mut cdf = Vec::with_capacity(n_items);
    let mut acc = 0.0;
    for r in 0..n_items {
        acc += (r as f64 + 10.0).powf(-0.9);
        cdf.push(acc);
    }
    let total = acc;
    let cap = (n_items / 4).max(1);
    // log-normal activity with the requested mean: E = exp(mu + σ²/2), σ = 1
    let mu = mean_per_user.ln() - 0.5;
    let rows: Vec<(Vec<u32>, Vec<f32>)> = (0..n_users)
        .into_par_iter()
        .with_min_len(256)
        .map(|u| {
            let mut rng = Rng(splitmix64(seed ^ splitmix64(u as u64 + 1)));
            let n = ((mu + rng.normal()).exp().round() as usize).clamp(1, cap);
            let mut items: Vec<u32> = Vec::with_capacity(n);
            let mut seen = std::collections::HashSet::with_capacity(n * 2);
            let mut tries = 0usize;
            while items.len() < n {
                tries += 1;
                let i = if tries < 50 * n {
                    let x = rng.unit() * total;
                    let r = cdf.partition_point(|c| *c < x).min(n_items - 1);
                    perm[r]
                } else {
                    (rng.next() % n_items as u64) as u32
                };
                if seen.insert(i) {
                    items.push(i);
                }
            }
            items.sort_unstable();
            let vals = items
                .iter()
                .map(|_| {
                    let mut c = 1.0f32;
                    while rng.unit() < 0.5 && c < 100.0 {
                        c += 1.0;
                    }
                    c
                })
                .collect();
            (items, vals)
        })
        .collect();
    let mut indptr = Vec::with_capacity(n_users + 1);
    indptr.push(0usize);
    let nnz: usize = rows.iter().map(|r| r.0.len()).sum();
    let (mut indices, mut data) = (Vec::with_capacity(nnz), Vec::with_capacity(nnz));
    for (i, v) in rows {
        indices.extend_from_slice(&i);
        data.extend_from_slice(&v);
        indptr.push(indices.len());
    }
    let csr = Csr::new((n_users, n_items), indptr, indices, data);
    interactions_from_csr(csr)
}

/// Netflix-shaped implicit data at `scale` (see the module docs).
pub fn netflix_shaped(scale: f64, seed: u64) -> Interactions {
    let users = ((480_189.0 * scale).round() as usize).max(1);
    power_law(users, 17_770, 82_100_000.0 / 480_189.0, seed)
}
