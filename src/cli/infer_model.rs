//! The factors `serve-sim` and `infer-bench` run on: saved ones (`--model`) or random ones of a
//! given shape, seeded (the first seed's 120K users × 5.6M tracks × 64 by default).

use std::path::PathBuf;

use anyhow::Result;
use rustmf_host::model::{init_factors, Factors};

#[derive(clap::Args, Debug)]
pub struct FactorArgs {
    /// Saved factors (a folder written by `train --out`, or a .safetensors file). Without it,
    /// random N(0, 1/f) factors of the shape given by --items, --factors and --users.
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[arg(long, default_value_t = 5_600_000, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub items: usize,
    #[arg(long, default_value_t = 64, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub factors: usize,
    #[arg(long, default_value_t = 120_322, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub users: usize,
    /// Seed of the random factors and of everything else drawn at random.
    #[arg(long, default_value_t = 42, value_parser = super::args::seed, allow_negative_numbers = true)]
    pub seed: u64,
}

impl FactorArgs {
    /// The factors and a description of where they came from (for result files).
    pub fn load(&self) -> Result<(Factors, serde_json::Value)> {
        let t = std::time::Instant::now();
        let (factors, source) = match &self.model {
            Some(p) => (rustmf_host::io::load_factors(p)?, serde_json::json!({ "model": p })),
            None => {
                anyhow::ensure!(
                    self.items >= 1 && self.users >= 1 && self.factors >= 1,
                    "--items, --users and --factors must be ≥ 1"
                );
                let bytes = (self.users as u128 + self.items as u128) * self.factors as u128 * 4;
                let what =
                    format!("random factors for {} users and {} items × {}", self.users, self.items, self.factors);
                rustmf_host::data::memory::check(&what, bytes).map_err(anyhow::Error::msg)?;
                let f = init_factors(self.users, self.items, self.factors, self.seed, 1.0);
                (f, serde_json::json!({ "random_factors": "N(0, 1/f)", "seed": self.seed }))
            }
        };
        eprintln!(
            "factors: {} users × {} items × f = {} ({:.1} s)",
            factors.n_users(),
            factors.n_items(),
            factors.n_factors(),
            t.elapsed().as_secs_f64()
        );
        let desc = serde_json::json!({
            "source": source, "n_users": factors.n_users(), "n_items": factors.n_items(),
            "factors": factors.n_factors(),
        });
        Ok((factors, desc))
    }
}

/// Comma-separated list of values.
pub fn list<T: std::str::FromStr>(s: &str, what: &str) -> Result<Vec<T>> {
    s.split(',').map(|p| p.trim().parse::<T>().map_err(|_| anyhow::anyhow!("bad {what}: {p:?}"))).collect()
}
