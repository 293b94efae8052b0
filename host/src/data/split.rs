//! Train/test splits per user: a random hold-out, or the latest interactions by timestamp.
//! Every user keeps at least one training interaction. Train and test never share an entry and
//! keep the full shape and id maps of the input.

use super::rows::{balanced_row_blocks, indptr_from_counts, split_entries};
use super::seeds::stream_rng;
use super::{Csr, DataError, Dataset, Interactions};
use rayon::prelude::*;

/// How many of a user's `n` interactions go to test (capped at `n - 1`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Holdout {
    /// Leave-k-out.
    Count(usize),
    /// `round(fraction × n)`.
    Fraction(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SplitBy {
    /// Uniformly at random (seeded, per user).
    Random,
    /// The latest by timestamp (ties: higher item index first); needs timestamps.
    Time,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SplitConfig {
    pub by: SplitBy,
    pub holdout: Holdout,
    /// Used by [`SplitBy::Random`].
    pub seed: u64,
}

#[derive(Debug, Clone)]
pub struct Split {
    pub train: Dataset,
    pub test: Dataset,
}

const STREAM_SPLIT: u64 = 11;

impl Holdout {
    fn of(self, n: usize) -> usize {
        let k = match self {
            Holdout::Count(k) => k,
            Holdout::Fraction(f) => (f * n as f64).round() as usize,
        };
        k.min(n.saturating_sub(1))
    }
}

pub fn split(d: &Dataset, cfg: &SplitConfig) -> Result<Split, DataError> {
    if let Holdout::Fraction(f) = cfg.holdout {
        if !(0.0..=1.0).contains(&f) {
            return Err(DataError::Invalid { what: "split", reason: format!("fraction {f} outside 0..=1") });
        }
    }
    let times = match (cfg.by, &d.times) {
        (SplitBy::Time, None) => {
            return Err(DataError::Invalid {
                what: "split",
                reason: "a time split needs timestamps; this dataset has none".into(),
            })
        }
        (_, t) => t.as_deref(),
    };
    let x = &d.interactions;
    let ptr = x.user_ptr();
    let blocks = balanced_row_blocks(ptr);
    let mut test_mask = vec![false; x.nnz()];
    split_entries(&mut test_mask, ptr, &blocks).into_par_iter().zip(blocks.par_iter()).for_each(|(mask, users)| {
        let base = ptr[users.start];
        for u in users.clone() {
            let (lo, hi) = (ptr[u] - base, ptr[u + 1] - base);
            let row = &mut mask[lo..hi];
            let k = cfg.holdout.of(row.len());
            match times {
                Some(t) if cfg.by == SplitBy::Time => {
                    let t = &t[ptr[u]..ptr[u + 1]];
                    let mut order: Vec<usize> = (0..row.len()).collect();
                    order.sort_unstable_by_key(|&e| std::cmp::Reverse((t[e], e)));
                    order[..k].iter().for_each(|&e| row[e] = true);
                }
                _ => {
                    let mut rng = stream_rng(cfg.seed, STREAM_SPLIT, u as u64);
                    rand::seq::index::sample(&mut rng, row.len(), k).iter().for_each(|e| row[e] = true);
                }
            }
        }
    });
    Ok(Split { train: select(d, &test_mask, false), test: select(d, &test_mask, true) })
}

/// The entries whose mask equals `keep`.
fn select(d: &Dataset, mask: &[bool], keep: bool) -> Dataset {
    let x = &d.interactions;
    let ptr = x.user_ptr();
    let counts =
        (0..x.n_users()).into_par_iter().map(|u| mask[ptr[u]..ptr[u + 1]].iter().filter(|&&m| m == keep).count());
    let new_ptr = indptr_from_counts(counts.collect::<Vec<_>>());
    let nnz = new_ptr[x.n_users()];
    let blocks = balanced_row_blocks(ptr);
    let mut indices = vec![0u32; nnz];
    let mut data = vec![0f32; nnz];
    let mut times = d.times.as_ref().map(|_| vec![0i64; nnz]);
    let time_parts: Vec<Option<&mut [i64]>> = match &mut times {
        Some(t) => split_entries(t, &new_ptr, &blocks).into_iter().map(Some).collect(),
        None => blocks.iter().map(|_| None).collect(),
    };
    split_entries(&mut indices, &new_ptr, &blocks)
        .into_par_iter()
        .zip(split_entries(&mut data, &new_ptr, &blocks))
        .zip(time_parts)
        .zip(blocks.par_iter())
        .for_each(|(((idx, val), mut tim), users)| {
            let mut out = 0;
            for e in ptr[users.start]..ptr[users.end] {
                if mask[e] == keep {
                    idx[out] = x.csr.indices()[e];
                    val[out] = x.csr.data()[e];
                    if let (Some(t), Some(src)) = (&mut tim, &d.times) {
                        t[out] = src[e];
                    }
                    out += 1;
                }
            }
        });
    let csr = Csr::try_new((x.n_users(), x.n_items()), new_ptr, indices, data)
        .map_err(|e| e.3)
        .expect("a subset of a valid CSR matrix is valid");
    Dataset { interactions: Interactions::from_csr(csr, x.users.clone(), x.items.clone()), times }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synth::{generate, Preset};

    #[test]
    fn leave_two_out_keeps_one_for_training() {
        let x = Interactions::from_entries(
            3,
            4,
            &[(0, 0, 1.0), (0, 1, 1.0), (0, 2, 1.0), (1, 3, 1.0), (2, 0, 1.0), (2, 1, 1.0)],
            Default::default(),
        )
        .unwrap();
        let s = split(&x.into(), &SplitConfig { by: SplitBy::Random, holdout: Holdout::Count(2), seed: 1 }).unwrap();
        let per_user = |d: &Dataset| d.interactions.user_ptr().windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>();
        assert_eq!(per_user(&s.train), vec![1, 1, 1]);
        assert_eq!(per_user(&s.test), vec![2, 0, 1]);
    }

    #[test]
    fn time_split_holds_out_the_latest() {
        let x =
            Interactions::from_entries(1, 4, &[(0, 0, 1.0), (0, 1, 2.0), (0, 2, 3.0), (0, 3, 4.0)], Default::default())
                .unwrap();
        let d = Dataset { interactions: x, times: Some(vec![40, 10, 30, 20]) };
        let s = split(&d, &SplitConfig { by: SplitBy::Time, holdout: Holdout::Fraction(0.5), seed: 0 }).unwrap();
        assert_eq!(s.test.interactions.csr.indices(), &[0, 2]);
        assert_eq!(s.test.times.as_deref(), Some(&[40, 30][..]));
        assert_eq!(s.train.interactions.csr.indices(), &[1, 3]);
        let none = split(
            &d.interactions.clone().into(),
            &SplitConfig { by: SplitBy::Time, holdout: Holdout::Count(1), seed: 0 },
        );
        assert!(none.unwrap_err().to_string().contains("needs timestamps"));
    }

    #[test]
    fn random_split_is_seeded() {
        let d: Dataset = generate(&Preset::Demo.config(0.05, 3)).interactions.into();
        let cfg = SplitConfig { by: SplitBy::Random, holdout: Holdout::Fraction(0.2), seed: 5 };
        let (a, b) = (split(&d, &cfg).unwrap(), split(&d, &cfg).unwrap());
        assert_eq!(a.test.interactions, b.test.interactions);
        let c = split(&d, &SplitConfig { seed: 6, ..cfg }).unwrap();
        assert_ne!(a.test.interactions.csr, c.test.interactions.csr);
    }
}
