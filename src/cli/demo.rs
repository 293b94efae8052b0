//! `rustmf demo`: the main job end to end on the built-in synthetic dataset — generate planted
//! ratings, hold out 20% per user, train explicit ALS, report test RMSE against the planted noise
//! and a mean-rating baseline, and show a few recommendations.
use anyhow::Context;
use rustmf_host::data::split::{split, Holdout, SplitBy, SplitConfig};
use rustmf_host::data::synth::{generate, Preset};
use rustmf_host::model::{AlsConfig, Recommender, Solver};
use rustmf_host::train::{self, Backend};

use super::args::Device;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where ALS runs.
    #[arg(long, value_enum, default_value = "cpu")]
    device: Device,
    #[arg(long, default_value_t = 15, value_parser = super::args::count1, allow_negative_numbers = true)]
    iterations: usize,
    /// Latent factors (default 8, the demo data's planted rank, on the CPU; 32 on the GPU, whose
    /// kernels exist for f ∈ {32, 64, 96, 100, 128}).
    #[arg(long, value_parser = super::args::count1, allow_negative_numbers = true)]
    factors: Option<usize>,
    /// Weighted-λ regularization (λ·n_u·I).
    #[arg(long, default_value_t = 0.05, value_parser = super::args::non_negative_f32, allow_negative_numbers = true)]
    lambda: f32,
    /// CPU threads (0 = all cores).
    #[arg(long, default_value_t = 0, value_parser = super::args::count, allow_negative_numbers = true)]
    threads: usize,
    #[arg(long, default_value_t = 7, value_parser = super::args::seed, allow_negative_numbers = true)]
    seed: u64,
    /// Also write the training report as JSON here.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let data = generate(&Preset::Demo.config(1.0, args.seed));
    let planted = &data.planted;
    let whole = rustmf_host::data::Dataset { interactions: data.interactions, times: None };
    let parts = split(&whole, &SplitConfig { by: SplitBy::Random, holdout: Holdout::Fraction(0.2), seed: args.seed })?;
    let (train, test) = (&parts.train.interactions, &parts.test.interactions);
    println!(
        "demo data: {} users × {} items, {} train / {} test ratings (planted rank {}, noise σ = {:.2}, \
         best achievable RMSE ≈ {:.3})",
        train.n_users(),
        train.n_items(),
        train.nnz(),
        test.nnz(),
        planted.rank,
        planted.noise_std.unwrap_or(f64::NAN),
        planted.oracle_rmse.unwrap_or(f64::NAN),
    );

    let cfg = AlsConfig {
        factors: args.factors.unwrap_or(if args.device == Device::Gpu { 32 } else { 8 }),
        iterations: args.iterations,
        lambda: args.lambda,
        implicit: false,
        solver: Solver::Cholesky,
        seed: args.seed,
        ..AlsConfig::default()
    };
    let backend = match args.device {
        Device::Cpu => Backend::Cpu { threads: args.threads },
        Device::Gpu => Backend::Gpu { device: 0, options: Default::default(), kernels: crate::kernels::PTX },
    };
    let report = train::train(train, Some(test), &cfg, backend)?;
    println!("\n{:>4}  {:>10}  {:>10}  {:>14}", "iter", "time", "test RMSE", "objective");
    for it in &report.iterations {
        println!(
            "{:>4}  {:>8.1}ms  {:>10.4}  {:>14.2}",
            it.iteration,
            it.iteration_s * 1e3,
            it.test.as_ref().and_then(|m| m.rmse).unwrap_or(f64::NAN),
            it.objective.unwrap_or(f64::NAN)
        );
    }
    let mean = train.csr.data().iter().map(|&v| v as f64).sum::<f64>() / train.nnz() as f64;
    let baseline = (test.csr.data().iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / test.nnz() as f64).sqrt();
    let last = report.iterations.last().and_then(|i| i.test.as_ref()).and_then(|m| m.rmse).unwrap_or(f64::NAN);
    println!(
        "\ntest RMSE {last:.4} after {} iterations on {} (mean-rating baseline {baseline:.4}, planted optimum ≈ {:.4})",
        report.iterations.len(),
        report.backend,
        planted.oracle_rmse.unwrap_or(f64::NAN)
    );

    let factors = report.factors.as_ref().context("training returned no factors")?;
    println!("\nTop 5 unseen items for three users (item: predicted rating):");
    for user in [0usize, 1, 2] {
        let recs = factors.recommend(user, Some(&train.csr), 5)?;
        let list: Vec<String> = recs.iter().map(|(i, s)| format!("{i}: {s:.2}")).collect();
        println!("  user {user}: {}", list.join(", "));
    }
    let similar: Vec<String> = factors.similar_items(0, 5)?.iter().map(|(i, s)| format!("{i} ({s:.2})")).collect();
    println!("Items most similar to item 0 (cosine): {}", similar.join(", "));

    if let Some(path) = args.json {
        rustmf_host::bench::write_atomic(&path, serde_json::to_string_pretty(&report)?.as_bytes())?;
        println!("report written to {}", path.display());
    }
    Ok(())
}
