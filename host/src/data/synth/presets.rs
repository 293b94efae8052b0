//! Shapes and value models of the public datasets the presets imitate.

use super::{SynthConfig, Values};

/// Synthetic stand-ins with the shape (users × items, nnz) of well-known datasets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Preset {
    /// 3,000 × 2,000, 150K ratings 1..5: small enough for `rustmf demo` and tests.
    Demo,
    /// MovieLens-1M: 6,040 × 3,706, 1,000,209 ratings 1..5.
    Movielens1m,
    /// MovieLens-20M: 138,493 × 26,744, 20,000,263 ratings 0.5..5 in half steps.
    Movielens20m,
    /// Netflix Prize training set (probe excluded): 480,189 × 17,770, 99,072,112 ratings 1..5.
    Netflix,
    /// Yahoo! Music KDD Cup 2011 track 1: 1,000,990 × 624,961, 252,800,275 scores 0..100.
    Yahoo,
    /// LFM-1b user × track play counts: 120,322 × 5,600,000, 275M pairs (implicit).
    Lfm1b,
    /// Hugewiki: 50,082,603 × 39,780, ≈3.1B real values.
    Hugewiki,
}

pub const PRESETS: [Preset; 7] = [
    Preset::Demo,
    Preset::Movielens1m,
    Preset::Movielens20m,
    Preset::Netflix,
    Preset::Yahoo,
    Preset::Lfm1b,
    Preset::Hugewiki,
];

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Demo => "demo",
            Preset::Movielens1m => "movielens1m",
            Preset::Movielens20m => "movielens20m",
            Preset::Netflix => "netflix",
            Preset::Yahoo => "yahoo",
            Preset::Lfm1b => "lfm1b",
            Preset::Hugewiki => "hugewiki",
        }
    }

    /// Users, items and nnz at scale 1.
    pub fn shape(self) -> (usize, usize, usize) {
        match self {
            Preset::Demo => (3_000, 2_000, 150_000),
            Preset::Movielens1m => (6_040, 3_706, 1_000_209),
            Preset::Movielens20m => (138_493, 26_744, 20_000_263),
            Preset::Netflix => (480_189, 17_770, 99_072_112),
            Preset::Yahoo => (1_000_990, 624_961, 252_800_275),
            Preset::Lfm1b => (120_322, 5_600_000, 275_000_000),
            Preset::Hugewiki => (50_082_603, 39_780, 3_100_000_000),
        }
    }

    /// λ of the cuMF_als paper's Table II (weighted-λ explicit ALS) for the datasets it lists:
    /// Netflix 0.05, Yahoo! Music 1.4, Hugewiki 0.05.
    pub fn paper_lambda(self) -> Option<f32> {
        match self {
            Preset::Netflix | Preset::Hugewiki => Some(0.05),
            Preset::Yahoo => Some(1.4),
            _ => None,
        }
    }

    /// The preset's configuration with users and nnz multiplied by `scale` (items unchanged).
    pub fn config(self, scale: f64, seed: u64) -> SynthConfig {
        let (users, items, nnz) = self.shape();
        let stars = |lo, step, mean| Values::Explicit { lo, hi: 5.0, step, mean, signal_std: 0.9, noise_std: 0.5 };
        let (values, popularity_exponent, min_per_user) = match self {
            Preset::Demo => (stars(1.0, 1.0, 3.6), 0.8, 10),
            Preset::Movielens1m => (stars(1.0, 1.0, 3.58), 0.8, 20),
            Preset::Movielens20m => (stars(0.5, 0.5, 3.53), 1.0, 20),
            Preset::Netflix => (stars(1.0, 1.0, 3.6), 0.9, 1),
            Preset::Yahoo => (
                Values::Explicit { lo: 0.0, hi: 100.0, step: 10.0, mean: 50.0, signal_std: 25.0, noise_std: 15.0 },
                1.0,
                1,
            ),
            Preset::Lfm1b => (Values::Implicit { mean_plays: 4.0 }, 1.0, 1),
            Preset::Hugewiki => {
                (Values::Explicit { lo: 0.0, hi: 5.0, step: 0.0, mean: 2.5, signal_std: 1.0, noise_std: 0.3 }, 0.6, 1)
            }
        };
        let scaled = |n: usize| ((n as f64 * scale).round() as usize).max(1);
        SynthConfig {
            n_users: scaled(users),
            n_items: items,
            nnz: scaled(nnz),
            rank: if self == Preset::Demo { 8 } else { 16 },
            popularity_exponent,
            activity_sigma: 1.0,
            min_per_user,
            values,
            seed,
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        PRESETS
            .into_iter()
            .find(|p| p.name() == s.to_ascii_lowercase())
            .ok_or_else(|| format!("unknown preset {s:?}; one of {}", PRESETS.map(|p| p.name()).join(", ")))
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
