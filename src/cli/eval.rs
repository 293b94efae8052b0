//! `rustmf eval`: test-set metrics of a model folder, on the test set recorded at training time
//! (`train --test-fraction` or `train --test`) or on `--test FILE`. Explicit or implicit comes from
//! the model; a test set that shares interactions with the training data is refused unless
//! `--allow-train-data` is given.
//!
//! ```text
//! rustmf eval --model model/                 # the recorded test set
//! rustmf eval --model model/ --test test.st  # any data cache with the model's ids
//! ```

use std::path::PathBuf;

use anyhow::{Context, Result};
use rustmf_host::data::input::{holdout, load_input};
use rustmf_host::data::{fingerprint, Interactions};
use rustmf_host::model::{DataRecord, EvalConfig, SplitRecord, TrainedModel};

use super::test_set::load_test_file;

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// The model folder written by `train --out`.
    #[arg(long, alias = "factors")]
    pub model: PathBuf,
    /// Evaluate on this data cache instead of the recorded test set (ids are matched by their
    /// external values; interactions with unknown users or items are left out).
    #[arg(long)]
    pub test: Option<PathBuf>,
    /// Evaluate even when the test set shares interactions with the training data.
    #[arg(long)]
    pub allow_train_data: bool,
    /// Cut-off of the ranking metrics (implicit models).
    #[arg(long, default_value_t = 10, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub k: usize,
    /// Evaluate ranking metrics on at most this many test users.
    #[arg(long, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub eval_users: Option<usize>,
    #[arg(long, default_value_t = 0, value_parser = super::args::count, allow_negative_numbers = true)]
    pub threads: usize,
    /// Print JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
}

pub fn eval(args: EvalArgs) -> Result<()> {
    let model = rustmf_host::io::load_model(&args.model)?;
    let (test, source) = test_set(&model, &args)?;
    let shared = model.seen.count_in(&test.csr);
    anyhow::ensure!(
        shared == 0 || args.allow_train_data,
        "{shared} of the {} interactions of the test set ({source}) are in the model's training data; this would \
         measure the fit, not the prediction. Pass --allow-train-data to evaluate anyway",
        test.nnz()
    );
    let info = &model.info;
    let cfg = rustmf_host::model::AlsConfig {
        eval: EvalConfig { k: args.k, max_users: args.eval_users, every: 1 },
        ..info.config.clone()
    };
    cfg.validate()?;
    let train = model.seen.to_csr(info.n_items)?;
    let pool = rustmf_host::cpu::thread_pool(args.threads)?;
    let (metrics, popularity) = pool.install(|| {
        let users = rustmf_host::cpu::metrics::eval_users(&test.csr, args.eval_users, cfg.seed);
        let m = rustmf_host::cpu::metrics::evaluate(&model.factors, &train, &test.csr, &cfg, Some(&users));
        let pop =
            cfg.implicit.then(|| rustmf_host::cpu::metrics::popularity_metrics(&train, &test.csr, args.k, &users));
        (m, pop)
    });
    if args.json {
        let out = serde_json::json!({
            "model": args.model, "test": source, "test_interactions": test.nnz(), "implicit": cfg.implicit,
            "shared_with_training": shared, "metrics": metrics, "popularity_baseline": popularity,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let kind = if cfg.implicit { "implicit" } else { "explicit" };
    println!("model {} ({kind}, f = {})", args.model.display(), info.factors);
    println!("test set: {source}, {} interactions", test.nnz());
    if shared > 0 {
        println!("warning: {shared} test interactions are in the training data (--allow-train-data)");
    }
    if let (Some(rmse), Some(mae)) = (metrics.rmse, metrics.mae) {
        println!("RMSE {rmse:.4}  MAE {mae:.4}");
    }
    for (name, r) in [("model", metrics.ranking.as_ref()), ("popularity", popularity.as_ref())] {
        if let Some(r) = r {
            println!(
                "{name:<10} precision@{k} {:.4}  recall@{k} {:.4}  MAP@{k} {:.4}  NDCG@{k} {:.4}  coverage {:.4}  \
                 ({} users)",
                r.precision,
                r.recall,
                r.map,
                r.ndcg,
                r.coverage,
                r.users,
                k = r.k
            );
        }
    }
    Ok(())
}

/// The test set to evaluate on and a description of where it came from.
fn test_set(model: &TrainedModel, args: &EvalArgs) -> Result<(Interactions, String)> {
    let (n_users, n_items) = (model.info.n_users, model.info.n_items);
    if let Some(path) = &args.test {
        let test = load_test_file(path, (&model.users, n_users), (&model.items, n_items))?;
        return Ok((test, path.display().to_string()));
    }
    match &model.info.split {
        SplitRecord::None => anyhow::bail!(
            "{} was trained on all of its input and records no test set (train with --test-fraction or --test); \
             pass --test FILE",
            args.model.display()
        ),
        SplitRecord::File { test } => {
            let path = PathBuf::from(&test.source);
            let x = load_test_file(&path, (&model.users, n_users), (&model.items, n_items))?;
            check_unchanged(test, &x, "the recorded test file")?;
            Ok((x, format!("the recorded test file {}", test.source)))
        }
        SplitRecord::Holdout { input, fraction, seed, test } => {
            let data = load_input(&input.source, *seed)
                .with_context(|| format!("loading the training input {} to take the held-out set", input.source))?;
            check_unchanged(input, &data, "the training input")?;
            let (_, x) = holdout(data, *fraction, *seed)?;
            check_unchanged(test, &x, "the held-out set")?;
            Ok((x, format!("{fraction} held out of {} (seed {seed})", input.source)))
        }
    }
}

fn check_unchanged(record: &DataRecord, x: &Interactions, what: &str) -> Result<()> {
    let found = fingerprint(x);
    anyhow::ensure!(
        found == record.fingerprint,
        "{what} {} has changed since training (fingerprint {found}, the model recorded {}); pass --test FILE",
        record.source,
        record.fingerprint
    );
    Ok(())
}
