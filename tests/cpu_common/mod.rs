//! Small data builders for the CPU reference tests (no dependency on the data layer's synth).
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rustmf::data::Interactions;

/// Interactions from (user, item, value) triplets (duplicates are summed).
pub fn interactions(n_users: usize, n_items: usize, triplets: &[(u32, u32, f32)]) -> Interactions {
    rustmf::data::interactions_from_triplets(n_users, n_items, triplets)
}

pub fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Planted rank-`rank` explicit ratings `r = x_uᵀy_i + N(0, noise²)` with `x, y ~ N(0, 1/sqrt(rank))`
/// entries (so the signal has unit variance), each (u, i) observed with probability `density`;
/// a fraction `test_fraction` of the observations goes to the test set. Returns (train, test).
pub fn planted_explicit(
    n_users: usize,
    n_items: usize,
    rank: usize,
    density: f64,
    noise: f64,
    test_fraction: f64,
    seed: u64,
) -> (Interactions, Interactions) {
    let mut rng = StdRng::seed_from_u64(seed);
    let s = 1.0 / (rank as f64).sqrt().sqrt();
    let x: Vec<f64> = (0..n_users * rank).map(|_| normal(&mut rng) * s).collect();
    let y: Vec<f64> = (0..n_items * rank).map(|_| normal(&mut rng) * s).collect();
    let (mut tr, mut te) = (Vec::new(), Vec::new());
    for u in 0..n_users {
        for i in 0..n_items {
            if rng.random::<f64>() >= density {
                continue;
            }
            let signal: f64 = (0..rank).map(|k| x[u * rank + k] * y[i * rank + k]).sum();
            let r = (signal + noise * normal(&mut rng)) as f32;
            if rng.random::<f64>() < test_fraction {
                te.push((u as u32, i as u32, r));
            } else {
                tr.push((u as u32, i as u32, r));
            }
        }
    }
    (interactions(n_users, n_items, &tr), interactions(n_users, n_items, &te))
}

/// Planted implicit data: users and items each belong to one of `groups` groups (a rank-`groups`
/// preference matrix); every user plays `per_user` distinct items, each from its own group with
/// probability `p_in` (else uniformly), with play counts 1..=5. Per user, `test_per_user` of the
/// items go to the test set. Returns (train, test).
pub fn planted_implicit(
    n_users: usize,
    n_items: usize,
    groups: usize,
    per_user: usize,
    p_in: f64,
    test_per_user: usize,
    seed: u64,
) -> (Interactions, Interactions) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut tr, mut te) = (Vec::new(), Vec::new());
    for u in 0..n_users {
        let g = u % groups;
        let mut chosen = std::collections::BTreeSet::new();
        while chosen.len() < per_user {
            let i = if rng.random::<f64>() < p_in {
                // items of group g are i ≡ g (mod groups)
                let k = rng.random_range(0..n_items / groups);
                k * groups + g
            } else {
                rng.random_range(0..n_items)
            };
            chosen.insert(i);
        }
        let mut items: Vec<usize> = chosen.into_iter().collect();
        // shuffle, then the first test_per_user go to test
        for j in (1..items.len()).rev() {
            let k = rng.random_range(0..=j);
            items.swap(j, k);
        }
        for (j, i) in items.into_iter().enumerate() {
            let v = rng.random_range(1..=5) as f32;
            if j < test_per_user {
                te.push((u as u32, i as u32, v));
            } else {
                tr.push((u as u32, i as u32, v));
            }
        }
    }
    (interactions(n_users, n_items, &tr), interactions(n_users, n_items, &te))
}

/// Random sparse data (each entry present with probability `density`, values 1..=5).
pub fn random(n_users: usize, n_items: usize, density: f64, seed: u64) -> Interactions {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut t = Vec::new();
    for u in 0..n_users {
        for i in 0..n_items {
            if rng.random::<f64>() < density {
                t.push((u as u32, i as u32, rng.random_range(1..=5) as f32));
            }
        }
    }
    interactions(n_users, n_items, &t)
}
