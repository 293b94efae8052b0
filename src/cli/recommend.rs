//! `rustmf recommend`: the top-k items for users of a model folder, by their original ids; for a
//! new user from a file of their interactions (fold-in); or for every user into files (`--all`).
//! Items the user has in the training data (recorded in the model) are left out unless
//! `--include-seen` is given.
//!
//! Explicit models predict ratings, and a prediction can fall outside the scale of the training
//! ratings (say 5.3 on 1–5). Such scores are printed as they are and marked `*` (JSON:
//! `outside_rating_range`), with a note saying how many; `--clamp` clamps them to the range instead.
//! Ranks are computed on the unclamped scores.
//!
//! ```text
//! rustmf recommend --model model/ --users alice,bob --k 10
//! rustmf recommend --model model/ --new-user carol.csv      # lines of item_id[,rating]
//! rustmf recommend --model model/ --all --out recs/
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rustmf_host::cpu::als::UserRow;
use rustmf_host::infer::{Exclusions, TopK};
use rustmf_host::model::{AlsConfig, Matrix, TrainedModel};
use rustmf_host::serve::make_scorer;

use super::args::ScorerBackendArg;
use super::recommend_all::write_all;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["users", "new_user", "all"])))]
pub struct Args {
    /// The model folder written by `train --out`.
    #[arg(long)]
    pub model: PathBuf,
    /// Comma-separated user ids, as in the training data.
    #[arg(long)]
    pub users: Option<String>,
    /// A user who was not in training: a file of `item_id[,rating]` lines (original item ids;
    /// the rating defaults to 1 for implicit models; `#` starts a comment). Their factors are
    /// folded in from the item factors (one exact ALS half-step row), on the GPU with a GPU
    /// --backend.
    #[arg(long)]
    pub new_user: Option<PathBuf>,
    /// Every user of the model: writes `top_items.npy`, `top_scores.npy` and `recommendations.csv`
    /// to --out.
    #[arg(long, requires = "out")]
    pub all: bool,
    /// With --all: the output folder (written as a whole, with a manifest).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, default_value_t = 10, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub k: usize,
    /// Keep the items the user already has in the training data (or in the --new-user file).
    #[arg(long)]
    pub include_seen: bool,
    /// Explicit models: clamp predicted ratings to the range of the training ratings.
    #[arg(long)]
    pub clamp: bool,
    /// The scorer backend.
    #[arg(long, value_enum, default_value = "cpu-mt")]
    pub backend: ScorerBackendArg,
    /// Threads of cpu-mt and of the fold-in (0: all cores).
    #[arg(long, default_value_t = 0, value_parser = super::args::count, allow_negative_numbers = true)]
    pub threads: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Who the recommendations are for: their printed names, factor rows and excluded items.
struct Queries {
    names: Vec<String>,
    factors: Vec<f32>,
    exclude: Vec<Vec<u32>>,
}

pub fn run(args: Args) -> Result<()> {
    let model = rustmf_host::io::load_model(&args.model)?;
    if args.all {
        let out = args.out.as_deref().context("--all needs --out")?;
        let same = |a: &Path, b: &Path| std::fs::canonicalize(a).ok().is_some_and(|a| Some(a) == b.canonicalize().ok());
        anyhow::ensure!(!same(out, &args.model), "--out {} is the model folder; choose another", out.display());
        return write_all(&model, out, &args);
    }
    let queries = match (&args.users, &args.new_user) {
        (Some(users), _) => known_users(&model, users)?,
        (None, Some(file)) => new_user(&model, file, &args)?,
        (None, None) => anyhow::bail!("give --users, --new-user or --all"),
    };
    let top = score(&model, &args, &queries.factors, &queries.exclude)?;
    print(&model, &args, &queries.names, &top)
}

/// Top-k of `queries` (rows of f values), leaving out `exclude[r]` unless `--include-seen`.
pub fn score(model: &TrainedModel, args: &Args, queries: &[f32], exclude: &[Vec<u32>]) -> Result<TopK> {
    let exclude = if args.include_seen { None } else { Some(Exclusions::from_lists(exclude)?) };
    let mut scorer = make_scorer(args.backend.0, &model.factors.items, args.threads, crate::kernels::PTX)?;
    scorer.top_k(queries, exclude.as_ref(), args.k)
}

fn known_users(model: &TrainedModel, list: &str) -> Result<Queries> {
    let names: Vec<String> = list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    anyhow::ensure!(!names.is_empty(), "--users lists no user ids");
    let rows = names.iter().map(|id| model.user_index(id)).collect::<Result<Vec<_>>>()?;
    let factors = rows.iter().flat_map(|&u| model.factors.users.row(u).iter().copied()).collect();
    let exclude = rows.iter().map(|&u| model.seen.row(u).to_vec()).collect();
    Ok(Queries { names, factors, exclude })
}

/// The new user's factors, folded in where the scorer runs (GPU or CPU).
fn new_user(model: &TrainedModel, file: &Path, args: &Args) -> Result<Queries> {
    let row = read_new_user(model, file)?;
    let items: Vec<u32> = row.iter().map(|e| e.0).collect();
    let (factors, config) = (&model.factors.items, &model.info.config);
    let folded = if args.backend.0.on_gpu() {
        fold_in_on_gpu(factors, row, config)?
    } else {
        rustmf_host::cpu::als::fold_in(factors, &[row], config, args.threads)?
    };
    let name = format!("new user ({})", file.display());
    Ok(Queries { names: vec![name], factors: folded.data, exclude: vec![items] })
}

#[cfg(feature = "gpu")]
fn fold_in_on_gpu(items: &Matrix, row: UserRow, config: &AlsConfig) -> Result<Matrix> {
    let gpu = std::sync::Arc::new(crate::kernels::open_gpu(0)?);
    rustmf_host::gpu::als::fold_in(gpu, items, &[row], config)
}

#[cfg(not(feature = "gpu"))]
fn fold_in_on_gpu(_: &Matrix, _: UserRow, _: &AlsConfig) -> Result<Matrix> {
    anyhow::bail!("a GPU scorer: this rustmf was built without the gpu feature")
}

/// The `item_id[,rating]` lines of a new user's file, in the model's item indices.
fn read_new_user(model: &TrainedModel, file: &Path) -> Result<Vec<(u32, f32)>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut row = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let at = || format!("{}:{}", file.display(), n + 1);
        let (id, value) = match line.split_once(',') {
            Some((id, v)) => {
                let v: f32 =
                    v.trim().parse().map_err(|_| anyhow::anyhow!("{}: rating {:?} is not a number", at(), v))?;
                anyhow::ensure!(v.is_finite(), "{}: rating {v} is not finite", at());
                (id.trim(), v)
            }
            None if model.info.config.implicit => (line, 1.0),
            None => anyhow::bail!("{}: the model is explicit: write `item_id,rating`", at()),
        };
        let item = model.item_index(id).with_context(at)?;
        row.push((item as u32, value));
    }
    anyhow::ensure!(!row.is_empty(), "{}: no interactions (lines of item_id[,rating])", file.display());
    Ok(row)
}

/// A score as reported: clamped with `--clamp`, and whether it lies outside the training ratings.
pub fn reported(model: &TrainedModel, clamp: bool, score: f32) -> (f32, bool) {
    match model.info.rating_range {
        Some((lo, hi)) if clamp => (score.clamp(lo, hi), false),
        _ => (score, model.outside_rating_range(score)),
    }
}

fn print(model: &TrainedModel, args: &Args, names: &[String], top: &TopK) -> Result<()> {
    let mut outside = 0;
    let mut rows = Vec::new();
    for (r, name) in names.iter().enumerate() {
        let items: Vec<String> = top.row_items(r).iter().map(|&i| model.items.label(i as usize)).collect();
        let scores: Vec<(f32, bool)> = top.row_scores(r).iter().map(|&s| reported(model, args.clamp, s)).collect();
        outside += scores.iter().filter(|s| s.1).count();
        rows.push((name, items, scores));
    }
    if args.json {
        let users: Vec<serde_json::Value> = rows
            .iter()
            .map(|(name, items, scores)| {
                serde_json::json!({
                    "user": name, "items": items, "scores": scores.iter().map(|s| s.0).collect::<Vec<_>>(),
                    "outside_rating_range": scores.iter().map(|s| s.1).collect::<Vec<_>>(),
                })
            })
            .collect();
        let out = serde_json::json!({
            "rating_range": model.info.rating_range, "clamped": args.clamp, "recommendations": users,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for (name, items, scores) in &rows {
            println!("user {name}:");
            for (rank, (item, (s, out))) in items.iter().zip(scores).enumerate() {
                println!("  {:>4}. item {item:<16} score {s:.4}{}", rank + 1, if *out { " *" } else { "" });
            }
        }
    }
    if let (true, Some((lo, hi))) = (outside > 0, model.info.rating_range) {
        eprintln!(
            "note: {outside} predicted ratings (marked *) are outside the training ratings' range {lo}–{hi}; \
             --clamp clamps them"
        );
    }
    Ok(())
}

/// The user factor rows `rows` of `users`, for scoring.
pub fn rows_of(users: &Matrix, rows: std::ops::Range<usize>) -> &[f32] {
    &users.data[rows.start * users.cols..rows.end * users.cols]
}
