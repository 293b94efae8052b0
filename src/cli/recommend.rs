//! `rustmf recommend`: the top-k items for given users from saved factors, optionally without the
//! items each user has in the training data.
//!
//! ```text
//! rustmf train --input synth:demo --out model/
//! rustmf recommend --model model/ --users 1,5,9 --k 10 --exclude-train synth:demo
//! ```

use std::path::PathBuf;

use anyhow::Result;
use rustmf_host::infer::Exclusions;
use rustmf_host::serve::make_scorer;

use super::args::ScorerBackendArg;
use super::infer_model::list;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Saved factors: a folder written by `train --out`, or a .safetensors file.
    #[arg(long)]
    pub model: PathBuf,
    /// Comma-separated user indices (rows of the user factors).
    #[arg(long)]
    pub users: String,
    #[arg(long, default_value_t = 10, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub k: usize,
    /// Leave out each user's training items: the dataset as `train --input` takes it.
    #[arg(long)]
    pub exclude_train: Option<String>,
    /// The hold-out fraction the model was trained with (the training part is excluded).
    #[arg(long, default_value_t = 0.0, value_parser = super::args::fraction, allow_negative_numbers = true)]
    pub test_fraction: f64,
    /// The seed the model was trained (and split) with.
    #[arg(long, default_value_t = 42, value_parser = super::args::seed, allow_negative_numbers = true)]
    pub seed: u64,
    /// The scorer backend.
    #[arg(long, value_enum, default_value = "cpu-mt")]
    pub backend: ScorerBackendArg,
    /// Threads of cpu-mt (0: all cores).
    #[arg(long, default_value_t = 0, value_parser = super::args::count, allow_negative_numbers = true)]
    pub threads: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let factors = rustmf_host::io::load_factors(&args.model)?;
    let users: Vec<u32> = list(&args.users, "--users")?;
    if let Some(&u) = users.iter().find(|&&u| u as usize >= factors.n_users()) {
        anyhow::bail!("user {u} is out of range: the model has {} users", factors.n_users());
    }
    let exclude = match &args.exclude_train {
        Some(spec) => {
            let data = rustmf_host::data::input::load_input(spec, args.seed)?;
            let train = if args.test_fraction > 0.0 {
                rustmf_host::data::input::holdout(data, args.test_fraction, args.seed)?.0
            } else {
                data
            };
            anyhow::ensure!(
                train.n_items() == factors.n_items(),
                "{spec} has {} items, the model {}",
                train.n_items(),
                factors.n_items()
            );
            Some(Exclusions::from_csr_rows(&train.csr, &users)?)
        }
        None => None,
    };
    let queries: Vec<f32> = users.iter().flat_map(|&u| factors.users.row(u as usize).iter().copied()).collect();
    let mut scorer = make_scorer(args.backend.0, &factors.items, args.threads, crate::kernels::PTX)?;
    let top = scorer.top_k(&queries, exclude.as_ref(), args.k)?;
    if args.json {
        let rows: Vec<serde_json::Value> = users
            .iter()
            .enumerate()
            .map(|(r, u)| serde_json::json!({ "user": u, "items": top.row_items(r), "scores": top.row_scores(r) }))
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    for (r, u) in users.iter().enumerate() {
        println!("user {u}:");
        for (rank, (i, s)) in top.row_items(r).iter().zip(top.row_scores(r)).enumerate() {
            println!("  {:>4}. item {i:<10} score {s:.5}", rank + 1);
        }
    }
    Ok(())
}
