//! `rustmf infer-bench`: time per batch of each inference backend (median, min/max, IQR through
//! `bench::Bench`), and each backend's answer checked against the reference on a subsample of
//! rows.
//!
//! ```text
//! rustmf infer-bench --backends cpu1,cpu-mt --batch 1000 --items 5600000 --factors 64 --k 100 \
//!     --repeats 5 --out benches/results/infer
//! ```

use std::path::PathBuf;

use anyhow::{Context, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rustmf_host::bench::flops::{gflop_per_s, scoring_flop};
use rustmf_host::bench::Bench;
use rustmf_host::infer::{self, Exclusions, Tolerance};
use rustmf_host::serve::make_scorer;

use super::args::ScorerBackendArg;
use super::infer_model::FactorArgs;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: FactorArgs,
    /// Comma-separated scorer backends. The first one's answer is the yardstick for the recall@k of the
    /// others over every row: list an exact one first.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "cpu1,cpu-mt")]
    pub backends: Vec<ScorerBackendArg>,
    /// Threads of cpu-mt (0: all cores).
    #[arg(long, default_value_t = 0, value_parser = super::args::count, allow_negative_numbers = true)]
    pub threads: usize,
    /// Query rows per batch (random users).
    #[arg(long, default_value_t = 1000, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub batch: usize,
    /// The batch's users instead of random ones: a 1-D `<i8` .npy file of user rows (what
    /// benches/python_api.py scores through the Python API, so both time the same queries).
    #[arg(long, conflicts_with = "batch")]
    pub user_rows: Option<PathBuf>,
    #[arg(long, default_value_t = 100, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub k: usize,
    /// Random items excluded per query row (0: no exclusion).
    #[arg(long, default_value_t = 0, value_parser = super::args::count, allow_negative_numbers = true)]
    pub exclude: usize,
    #[arg(long, default_value_t = 5, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub repeats: usize,
    /// Untimed runs before the timed ones (the first run, which is also checked, comes on top).
    #[arg(long, default_value_t = 0, value_parser = super::args::count, allow_negative_numbers = true)]
    pub warmup: usize,
    /// Rows of each answer checked against the reference (evenly spaced).
    #[arg(long, default_value_t = 8, value_parser = super::args::count, allow_negative_numbers = true)]
    pub check_rows: usize,
    #[arg(long, default_value = "benches/results/infer")]
    pub out: PathBuf,
    /// Result file name (`<name>.json`, `<name>.csv`).
    #[arg(long, default_value = "infer_bench")]
    pub name: String,
}

pub fn run(args: Args) -> Result<()> {
    infer::check_k(args.k)?;
    anyhow::ensure!(args.batch >= 1, "--batch must be ≥ 1");
    let (factors, desc) = args.model.load()?;
    let mut rng = StdRng::seed_from_u64(args.model.seed ^ 0xB47C);
    let users: Vec<usize> = match &args.user_rows {
        Some(path) => user_rows(path, factors.n_users())?,
        None => (0..args.batch).map(|_| rng.random_range(0..factors.n_users())).collect(),
    };
    let batch = users.len();
    let queries: Vec<f32> = users.iter().flat_map(|&u| factors.users.row(u).iter().copied()).collect();
    let exclude = random_exclusions(&mut rng, batch, args.exclude, factors.n_items())?;
    let check: Vec<usize> = (0..args.check_rows.min(batch)).map(|i| i * batch / args.check_rows.min(batch)).collect();

    let mut bench = Bench::new(&args.name);
    let mut failures = Vec::new();
    // The first backend's answer is the yardstick for the others' recall@k over every row.
    let mut yardstick: Option<(String, infer::TopK)> = None;
    for &ScorerBackendArg(backend) in &args.backends {
        let mut scorer = make_scorer(backend, &factors.items, args.threads, crate::kernels::PTX)?;
        let name = scorer.name();
        let got = scorer.top_k(&queries, exclude.as_ref(), args.k)?;
        let agreement = infer::compare_top_k(
            &got,
            &queries,
            &factors.items,
            exclude.as_ref(),
            &check,
            Tolerance::RoundingBound(2.0),
        )?;
        println!("{name}: reference check on {} rows: {agreement}", check.len());
        let recall = match &yardstick {
            Some((first, answer)) => {
                let r = infer::recall_at_k(&got, answer)?;
                println!("{name}: recall@{} against {first} over all {} rows: {r:.6}", args.k, batch);
                Some(serde_json::json!({ "against": first, "recall": r }))
            }
            None => None,
        };
        if !agreement.is_ok() {
            failures.push(format!("{name}: {agreement}"));
        }
        let params = serde_json::json!({
            "backend": backend.name(), "scorer": name, "batch": batch, "k": args.k,
            "excluded_per_row": args.exclude, "model": desc, "threads": args.threads,
        });
        let mut error = None;
        let case = bench.measure(&name, params, args.warmup, args.repeats, || {
            if let Err(e) = scorer.top_k(&queries, exclude.as_ref(), args.k) {
                error.get_or_insert(e);
            }
        });
        let median = case.summary.median_s;
        if let Some(e) = error {
            return Err(e.context(format!("{name} failed during the timed runs")));
        }
        let flop = scoring_flop(batch, factors.n_items(), factors.n_factors());
        bench.annotate_last(serde_json::json!({
            "gflop_per_s": gflop_per_s(flop, median),
            "items_scored_per_s": (batch * factors.n_items()) as f64 / median,
            "agreement": agreement,
            "recall_at_k_against_first_backend": recall,
        }));
        if yardstick.is_none() {
            yardstick = Some((name.clone(), got));
        }
    }
    bench.finish(&args.out)?;
    anyhow::ensure!(failures.is_empty(), "backends disagree with the reference:\n{}", failures.join("\n"));
    Ok(())
}

/// The user rows listed in the `<i8` .npy file `path`, each below `n_users`.
fn user_rows(path: &std::path::Path, n_users: usize) -> Result<Vec<usize>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let body = rustmf_host::io::parse_npy_vector(&bytes, "<i8", 8).with_context(|| path.display().to_string())?;
    let rows: Vec<i64> = body.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
    anyhow::ensure!(!rows.is_empty(), "{}: no users listed", path.display());
    rows.iter()
        .enumerate()
        .map(|(j, &u)| {
            anyhow::ensure!(
                u >= 0 && (u as usize) < n_users,
                "{}: entry {j} is user {u}, out of range (0..{n_users})",
                path.display()
            );
            Ok(u as usize)
        })
        .collect()
}

/// `per_row` distinct random items excluded in each of `rows` rows (`None` when 0).
fn random_exclusions(rng: &mut StdRng, rows: usize, per_row: usize, n_items: usize) -> Result<Option<Exclusions>> {
    if per_row == 0 {
        return Ok(None);
    }
    anyhow::ensure!(per_row < n_items, "--exclude {per_row} must be below the number of items ({n_items})");
    let lists: Vec<Vec<u32>> = (0..rows)
        .map(|_| rand::seq::index::sample(rng, n_items, per_row).into_iter().map(|i| i as u32).collect())
        .collect();
    Ok(Some(Exclusions::from_lists(&lists)?))
}
