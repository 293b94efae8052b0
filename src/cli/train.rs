//! `rustmf train`.
//!
//! ```text
//! rustmf train --device cpu --input shaped:netflix:0.01 --implicit --factors 64 --iterations 15 \
//!     --test-fraction 0.2 --out model/
//! rustmf train --input train.st --test test.st --explicit --out model/   # the files of `data split`
//! # benchmark: every combination of the comma-separated lists, per-iteration times
//! rustmf train --input shaped:netflix:0.05 --implicit --factors 64,100 --solver cholesky,cg \
//!     --threads 1,0 --iterations 4 --bench-out benches/results
//! ```
use std::path::PathBuf;

use anyhow::{Context, Result};
use rustmf_host::data::input::{holdout, load_input, preset_of};
use rustmf_host::data::memory;
use rustmf_host::data::Interactions;
use rustmf_host::model::{
    AlsConfig, Confidence, DataRecord, EarlyStopping, EvalConfig, Hermitian, SeenItems, SplitRecord, TrainedModel,
};
use rustmf_host::train as driver;
use rustmf_host::train::gpu_memory::{GpuMemoryPlan, TrainShape};
use rustmf_host::train::grid::{self, SolverChoice, TrainGrid};

use super::args::{hermitian, Device};
use super::test_set::load_test_file;

/// `rustmf train` arguments (boxed: the options are many).
#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub opts: Box<TrainOpts>,
}

#[derive(clap::Args, Debug)]
pub struct TrainOpts {
    /// Where to train: cpu (the reference) or gpu.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: Device,
    /// Input: a data cache file, `synth:PRESET[:SCALE]` (the data layer's planted presets: demo,
    /// netflix, ...) or `shaped:netflix[:SCALE]` (the benchmarks' power-law generator, default
    /// scale 0.01).
    #[arg(long)]
    pub input: String,
    /// Number of latent factors f (a comma-separated list with --bench-out).
    #[arg(long, value_delimiter = ',', default_value = "64")]
    #[arg(value_parser = super::args::count1, allow_negative_numbers = true)]
    pub factors: Vec<usize>,
    #[arg(long, default_value_t = 15, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub iterations: usize,
    /// Regularisation λ (explicit is weighted-λ: λ·n_u). Default: explicit on the synthetic netflix,
    /// yahoo and hugewiki presets, the cuMF_als paper's Table II (0.05, 1.4, 0.05); else 0.05
    /// explicit, 0.1 implicit.
    #[arg(long, value_parser = super::args::non_negative_f32, allow_negative_numbers = true)]
    pub lambda: Option<f32>,
    /// Confidence scale α (implicit).
    #[arg(long, default_value_t = 1.0, value_parser = super::args::non_negative_f32, allow_negative_numbers = true)]
    pub alpha: f32,
    /// Implicit feedback (Hu, Koren & Volinsky) — the default.
    #[arg(long, conflicts_with = "explicit")]
    pub implicit: bool,
    /// Explicit ratings (weighted-λ ALS).
    #[arg(long)]
    pub explicit: bool,
    /// Confidence function: linear (1 + α r) or log (1 + α log(1 + r/eps)).
    #[arg(long, value_enum, default_value = "linear")]
    pub confidence: ConfidenceArg,
    #[arg(long, default_value_t = 1.0, value_parser = super::args::positive_f32, allow_negative_numbers = true)]
    pub eps: f32,
    /// cholesky | lu | cg | cublas-lu (GPU: cuBLAS batched LU, the baseline) | cg-mf (GPU: CG
    /// without forming A) | cg-mf-users | cg-mf-items (matrix-free on one side only) | auto (GPU:
    /// CG, matrix-free on the sides whose rows average fewer than 8·f entries, A formed on the
    /// others; on the CPU, cg) (a comma-separated list with --bench-out) [default: cholesky on the
    /// CPU, auto on the GPU].
    #[arg(long, value_enum, value_delimiter = ',')]
    pub solver: Vec<SolverArg>,
    #[arg(long, default_value_t = 3, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub cg_steps: usize,
    /// Stop CG early once ‖r‖ ≤ tol·‖b‖.
    #[arg(long, value_parser = super::args::positive, allow_negative_numbers = true)]
    pub cg_tol: Option<f64>,
    /// GPU: get_hermitian version 1–9 (9: H100/H200 only), or cublas (the baseline: gathered blocks and a batched GEMM)
    /// (a comma-separated list with --bench-out).
    #[arg(long, value_delimiter = ',', default_value = "8", value_parser = hermitian)]
    pub hermitian: Vec<Hermitian>,
    /// GPU, CG solver: keep A in fp16.
    #[arg(long)]
    pub fp16: bool,
    /// GPU: rows per batch (default: as many as fit in 70% of free GPU memory).
    #[arg(long, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub batch_rows: Option<usize>,
    /// GPU: use at most this many bytes of GPU memory (e.g. 20e9; default: what is free). The
    /// sparse rows of a side that do not fit are streamed from page-locked host memory, batch by
    /// batch (`rustmf plan` shows what fits).
    #[arg(long, value_parser = super::args::bytes)]
    pub gpu_memory: Option<usize>,
    /// CPU threads, 0 = all cores (a comma-separated list with --bench-out).
    #[arg(long, value_delimiter = ',', default_value = "0")]
    #[arg(value_parser = super::args::count, allow_negative_numbers = true)]
    pub threads: Vec<usize>,
    /// Per-user hold-out fraction for the test set (0: no test set). Recorded in the model, so
    /// that `eval` evaluates on the same held-out interactions.
    #[arg(long, default_value_t = 0.0, value_parser = super::args::fraction, allow_negative_numbers = true)]
    pub test_fraction: f64,
    /// The test set: a data cache with the same ids as the input (e.g. the `--test` of `data split`).
    /// Recorded in the model (path and fingerprint).
    #[arg(long, conflicts_with = "test_fraction")]
    pub test: Option<PathBuf>,
    /// Accept a test set that shares interactions with the training data.
    #[arg(long)]
    pub allow_train_data: bool,
    #[arg(long, default_value_t = 42, value_parser = super::args::seed, allow_negative_numbers = true)]
    pub seed: u64,
    /// Cut-off of the ranking metrics.
    #[arg(long, default_value_t = 10, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub k: usize,
    /// Evaluate ranking metrics on at most this many test users.
    #[arg(long, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub eval_users: Option<usize>,
    /// Early stopping patience (iterations without test improvement).
    #[arg(long, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub patience: Option<usize>,
    /// Skip the per-iteration training objective.
    #[arg(long)]
    pub no_objective: bool,
    /// Write the model folder here (factors as .npy and .safetensors, ids, seen items, model.json,
    /// manifest.json), replacing a model folder already there as a whole.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the training report as JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Benchmark mode: time every combination of --factors × --solver × --threads and write
    /// `<bench-name>.json/.csv` here (no test set, no objective).
    #[arg(long)]
    pub bench_out: Option<PathBuf>,
    #[arg(long, default_value = "cpu_als")]
    pub bench_name: String,
    /// Leading iterations of each benchmark run left out of the statistics.
    #[arg(long, default_value_t = 1, value_parser = super::args::count, allow_negative_numbers = true)]
    pub bench_warmup: usize,
    /// Also export the training matrix (indptr/indices/data .npy) here, for benches/implicit_cpu.py.
    #[arg(long)]
    pub export_csr: Option<PathBuf>,
    /// Print the GPU memory this run needs, buffer by buffer, against the GPU's free memory, and
    /// exit without training (`rustmf plan` does the same from a preset's shape).
    #[arg(long)]
    pub plan: bool,
}

/// `--confidence`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfidenceArg {
    Linear,
    Log,
}

/// `--solver`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolverArg {
    Cholesky,
    Lu,
    Cg,
    CublasLu,
    CgMf,
    CgMfUsers,
    CgMfItems,
    Auto,
}

fn solver(arg: SolverArg, steps: usize, tol: Option<f64>) -> Result<SolverChoice> {
    let name = clap::ValueEnum::to_possible_value(&arg).context("every --solver value has a name")?;
    SolverChoice::from_name(name.get_name(), steps, tol)
}

pub fn train(args: TrainArgs) -> Result<()> {
    let args = *args.opts;
    let implicit = !args.explicit;
    let solvers: Vec<SolverChoice> = solver_args(args.device, &args.solver)
        .iter()
        .map(|&s| solver(s, args.cg_steps, args.cg_tol))
        .collect::<Result<_>>()?;
    let device = match args.device {
        Device::Cpu => grid::Device::Cpu,
        Device::Gpu => grid::Device::Gpu {
            fp16: args.fp16,
            batch_rows: args.batch_rows,
            gpu_memory: args.gpu_memory,
            kernels: crate::kernels::PTX,
        },
    };
    let confidence = match args.confidence {
        ConfidenceArg::Linear => Confidence::Linear,
        ConfidenceArg::Log => Confidence::Log { eps: args.eps },
    };
    let base = AlsConfig {
        factors: args.factors[0],
        iterations: args.iterations,
        lambda: args.lambda.unwrap_or_else(|| default_lambda(&args.input, implicit)),
        implicit,
        alpha: args.alpha,
        confidence,
        solver: solvers[0].solver,
        seed: args.seed,
        init_scale: 0.1,
        compute_objective: !args.no_objective,
        eval: EvalConfig { k: args.k, max_users: args.eval_users, every: 1 },
        early_stopping: args.patience.map(|p| EarlyStopping { patience: p, min_delta: 0.0 }),
    };
    base.validate()?;
    check_memory(&base, &args.factors, &args.threads, (0, 0))?;
    let t = std::time::Instant::now();
    let data = load_input(&args.input, args.seed)?;
    check_memory(&base, &args.factors, &args.threads, (data.n_users(), data.n_items()))?;
    if implicit {
        refuse_negative(&data, &args.input)?;
    }
    eprintln!(
        "input {}: {} users × {} items, {} interactions ({:.1} s)",
        args.input,
        data.n_users(),
        data.n_items(),
        data.nnz(),
        t.elapsed().as_secs_f64()
    );
    let (train, test, split) = split_input(&args, data)?;
    let load_s = t.elapsed().as_secs_f64();
    if args.plan {
        let choice = solvers[0];
        let shape = TrainShape::of(&train, test.as_ref());
        let plan = GpuMemoryPlan::for_solver(shape, args.factors[0], choice, args.fp16, args.hermitian[0]);
        let choice = choice.for_data(train.n_users(), train.n_items(), train.nnz(), args.factors[0]);
        println!("GPU memory of `{}` at f = {}, {}:", args.input, args.factors[0], choice.name());
        print!("{}", plan.table(super::plan::gpu_free_memory()));
        return Ok(());
    }
    if let Some(dir) = &args.bench_out {
        let grid = TrainGrid {
            device,
            factors: args.factors.clone(),
            solvers,
            threads: args.threads.clone(),
            hermitians: args.hermitian.clone(),
            warmup: args.bench_warmup,
        };
        let base = AlsConfig { compute_objective: false, ..base };
        grid.run(&args.bench_name, &args.input, &train, &base)?.finish(dir)?;
        return export_csr(args.export_csr.as_deref(), &train);
    }
    anyhow::ensure!(
        args.factors.len() == 1 && solvers.len() == 1 && args.threads.len() == 1 && args.hermitian.len() == 1,
        "lists of --factors/--solver/--threads/--hermitian need --bench-out"
    );
    let mut progress = driver::progress(base.iterations);
    let mut on_iteration = |log: &driver::IterationLog| {
        progress(log);
        Ok(())
    };
    let solver = solvers[0].for_data(train.n_users(), train.n_items(), train.nnz(), base.factors);
    let backend = device.backend(args.threads[0], args.hermitian[0], solver)?;
    let report = driver::train_with(&train, test.as_ref(), &base, backend, None, &mut on_iteration)?;
    let mut summary = serde_json::to_value(&report)?;
    summary["input"] = serde_json::json!(args.input);
    summary["split"] = serde_json::to_value(&split)?;
    // From the command's start: reading (and splitting) the input, then training's own clock.
    summary["load_s"] = load_s.into();
    summary["first_iteration_from_command_s"] = (load_s + report.first_iteration_s).into();
    if let (Some(test), true) = (&test, implicit) {
        let users = rustmf_host::cpu::metrics::eval_users(&test.csr, args.eval_users, args.seed);
        let pop = rustmf_host::cpu::metrics::popularity_metrics(&train.csr, &test.csr, args.k, &users);
        summary["popularity_baseline"] = serde_json::to_value(pop)?;
    }
    if let Some(dir) = &args.out {
        let factors = report.factors.clone().context("the training run returned no factors")?;
        let model = TrainedModel::new(factors, &train, &source_of(&args.input), &base, split, summary.clone())?;
        rustmf_host::io::save_model(dir, &model)?;
        eprintln!("wrote the model folder {}", dir.display());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", driver::summary_text(&report));
        println!(
            "reading the input took {load_s:.2} s: the first iteration ended {:.2} s after the command started",
            load_s + report.first_iteration_s
        );
    }
    export_csr(args.export_csr.as_deref(), &train)
}

/// `--export-csr`, written once training has succeeded, so that a failed run leaves nothing.
fn export_csr(dir: Option<&std::path::Path>, train: &Interactions) -> Result<()> {
    if let Some(dir) = dir {
        rustmf_host::io::export_csr(dir, &train.csr)?;
        eprintln!("exported the training matrix to {}", dir.display());
    }
    Ok(())
}

/// Refuse before reading data (`shape` (0, 0)) what f alone cannot fit, and after reading it what
/// the factors of its users and items cannot.
fn check_memory(base: &AlsConfig, factors: &[usize], threads: &[usize], shape: (usize, usize)) -> Result<()> {
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (&f, &t) in factors.iter().flat_map(|f| threads.iter().map(move |t| (f, t))) {
        let t = if t == 0 { all } else { t };
        let bytes = AlsConfig { factors: f, ..base.clone() }.host_bytes(shape.0, shape.1, t);
        let what = match shape {
            (0, 0) => format!("--factors {f} with {t} threads"),
            (u, i) => format!("--factors {f} for {u} users and {i} items with {t} threads"),
        };
        memory::check(&what, bytes).map_err(anyhow::Error::msg)?;
    }
    Ok(())
}

/// Implicit feedback reads values as confidences, which cannot be negative.
fn refuse_negative(data: &rustmf_host::data::Interactions, input: &str) -> Result<()> {
    if let Some(n) = data.negative_values() {
        anyhow::bail!(
            "{input}: implicit feedback needs values ≥ 0, but {} are negative (the first: user {}, item {}, value {}); \
             train with --explicit, or remove them from the data",
            n.count,
            data.users.label(n.user),
            data.items.label(n.item),
            n.value
        );
    }
    Ok(())
}

/// `--solver`, or its default on `device`: the fastest with exact-solver accuracy on the GPU
/// (matrix-free CG), Cholesky (the reference) on the CPU.
fn solver_args(device: Device, given: &[SolverArg]) -> Vec<SolverArg> {
    match (given, device) {
        ([], Device::Gpu) => vec![SolverArg::Auto],
        ([], Device::Cpu) => vec![SolverArg::Cholesky],
        _ => given.to_vec(),
    }
}

/// The λ used without `--lambda` (see its help).
fn default_lambda(input: &str, implicit: bool) -> f32 {
    let paper = if implicit { None } else { preset_of(input).and_then(|p| p.paper_lambda()) };
    paper.unwrap_or(if implicit { 0.1 } else { 0.05 })
}

/// An input spec as a model records it: files by their absolute path, so that `eval` finds them
/// from any folder.
fn source_of(input: &str) -> String {
    std::fs::canonicalize(input).map(|p| p.display().to_string()).unwrap_or_else(|_| input.to_string())
}

/// Training data, test data and the record of how they were split, from `--test` or `--test-fraction`.
fn split_input(args: &TrainOpts, data: Interactions) -> Result<(Interactions, Option<Interactions>, SplitRecord)> {
    let (train, test, split) = match &args.test {
        Some(path) => {
            let test = load_test_file(path, (&data.users, data.n_users()), (&data.items, data.n_items()))?;
            let source = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()).display().to_string();
            let split = SplitRecord::File { test: DataRecord::of(&source, &test) };
            (data, Some(test), split)
        }
        None if args.test_fraction > 0.0 => {
            let input = DataRecord::of(&source_of(&args.input), &data);
            let (train, test) = holdout(data, args.test_fraction, args.seed)?;
            let test_record = DataRecord::of("held out of the input", &test);
            let split =
                SplitRecord::Holdout { input, fraction: args.test_fraction, seed: args.seed, test: test_record };
            (train, Some(test), split)
        }
        None => (data, None, SplitRecord::None),
    };
    if let Some(test) = &test {
        let shared = SeenItems::from_csr(&train.csr).count_in(&test.csr);
        anyhow::ensure!(
            shared == 0 || args.allow_train_data,
            "{shared} of the {} test interactions are also in the training data; pass --allow-train-data to \
             train with such a test set anyway",
            test.nnz()
        );
    }
    Ok((train, test, split))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_device_and_the_paper() {
        assert_eq!(solver_args(Device::Gpu, &[]), [SolverArg::Auto]);
        assert_eq!(solver_args(Device::Cpu, &[]), [SolverArg::Cholesky]);
        assert_eq!(solver_args(Device::Gpu, &[SolverArg::Lu, SolverArg::Cg]), [SolverArg::Lu, SolverArg::Cg]);
        assert_eq!(default_lambda("synth:yahoo:0.01", false), 1.4);
        assert_eq!(default_lambda("synth:hugewiki", false), 0.05);
        assert_eq!(default_lambda("shaped:netflix:0.1", false), 0.05);
        assert_eq!(default_lambda("synth:yahoo", true), 0.1);
        assert_eq!(default_lambda("synth:demo", false), 0.05);
        assert_eq!(default_lambda("ratings.st", true), 0.1);
    }
}
