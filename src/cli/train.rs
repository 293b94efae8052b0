//! `rustmf train` and `rustmf eval`.
//!
//! ```text
//! rustmf train --device cpu --input shaped:netflix:0.01 --implicit --factors 64 --iterations 15 \
//!     --test-fraction 0.2 --out factors/
//! # benchmark: every combination of the comma-separated lists, per-iteration times
//! rustmf train --input shaped:netflix:0.05 --implicit --factors 64,100 --solver cholesky,cg \
//!     --threads 1,0 --iterations 4 --bench-out benches/results
//! ```
use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use rustmf_host::data::input::{holdout, load_input};
use rustmf_host::data::memory;
use rustmf_host::model::{AlsConfig, Confidence, EarlyStopping, EvalConfig, Hermitian, MatrixFree, Solver};
use rustmf_host::train as driver;
use rustmf_host::train::grid::{self, SolverChoice, TrainGrid};

use super::args::{hermitian, Device};

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
    /// Regularisation λ (default 0.1 implicit, 0.05 explicit; explicit is weighted-λ: λ·n_u).
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
    /// without forming A, the fastest) | cg-mf-users | cg-mf-items (matrix-free on one side only)
    /// (a comma-separated list with --bench-out).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "cholesky")]
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
    /// CPU threads, 0 = all cores (a comma-separated list with --bench-out).
    #[arg(long, value_delimiter = ',', default_value = "0")]
    #[arg(value_parser = super::args::count, allow_negative_numbers = true)]
    pub threads: Vec<usize>,
    /// Per-user hold-out fraction for the test set (0: no test set).
    #[arg(long, default_value_t = 0.0, value_parser = super::args::fraction, allow_negative_numbers = true)]
    pub test_fraction: f64,
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
    /// Write factors (.npy + .safetensors) and summary.json here.
    #[arg(long)]
    pub out: Option<PathBuf>,
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
}

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// Saved factors: a folder written by `train --out`, or a .safetensors file.
    #[arg(long)]
    pub factors: PathBuf,
    /// The same input and split settings as at training time.
    #[arg(long)]
    pub input: String,
    #[arg(long, default_value_t = 0.2, value_parser = super::args::fraction, allow_negative_numbers = true)]
    pub test_fraction: f64,
    #[arg(long, default_value_t = 42, value_parser = super::args::seed, allow_negative_numbers = true)]
    pub seed: u64,
    #[arg(long, conflicts_with = "explicit")]
    pub implicit: bool,
    #[arg(long)]
    pub explicit: bool,
    #[arg(long, default_value_t = 10, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub k: usize,
    #[arg(long, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub eval_users: Option<usize>,
    #[arg(long, default_value_t = 0, value_parser = super::args::count, allow_negative_numbers = true)]
    pub threads: usize,
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
}

fn solver(arg: SolverArg, steps: usize, tol: Option<f64>) -> SolverChoice {
    let matrix_free = match arg {
        SolverArg::CgMf => MatrixFree::Both,
        SolverArg::CgMfUsers => MatrixFree::Users,
        SolverArg::CgMfItems => MatrixFree::Items,
        _ => MatrixFree::Off,
    };
    let solver = match arg {
        SolverArg::Cholesky => Solver::Cholesky,
        SolverArg::Lu | SolverArg::CublasLu => Solver::Lu,
        SolverArg::Cg | SolverArg::CgMf | SolverArg::CgMfUsers | SolverArg::CgMfItems => Solver::Cg { steps, tol },
    };
    SolverChoice { solver, cublas_lu: arg == SolverArg::CublasLu, matrix_free }
}

pub fn train(args: TrainArgs) -> Result<()> {
    let args = *args.opts;
    let implicit = !args.explicit;
    let solvers: Vec<SolverChoice> = args.solver.iter().map(|&s| solver(s, args.cg_steps, args.cg_tol)).collect();
    let device = match args.device {
        Device::Cpu => grid::Device::Cpu,
        Device::Gpu => grid::Device::Gpu { fp16: args.fp16, batch_rows: args.batch_rows, kernels: crate::kernels::PTX },
    };
    let backend = device.backend(args.threads[0], args.hermitian[0], solvers[0])?;
    let confidence = match args.confidence {
        ConfidenceArg::Linear => Confidence::Linear,
        ConfidenceArg::Log => Confidence::Log { eps: args.eps },
    };
    let base = AlsConfig {
        factors: args.factors[0],
        iterations: args.iterations,
        lambda: args.lambda.unwrap_or(if implicit { 0.1 } else { 0.05 }),
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
    let (train, test) = if args.test_fraction > 0.0 {
        let (a, b) = holdout(data, args.test_fraction, args.seed)?;
        (a, Some(b))
    } else {
        (data, None)
    };
    if let Some(dir) = &args.bench_out {
        let grid = TrainGrid {
            device,
            factors: args.factors.clone(),
            solvers,
            threads: args.threads.clone(),
            hermitians: args.hermitian.clone(),
            warmup: args.bench_warmup,
        };
        grid.run(&args.bench_name, &args.input, &train, &base)?.finish(dir)?;
        return export_csr(args.export_csr.as_deref(), &train);
    }
    anyhow::ensure!(
        args.factors.len() == 1 && solvers.len() == 1 && args.threads.len() == 1 && args.hermitian.len() == 1,
        "lists of --factors/--solver/--threads/--hermitian need --bench-out"
    );
    let mut progress = driver::progress_bar(base.iterations);
    let report = driver::train_with(&train, test.as_ref(), &base, backend, None, &mut progress)?;
    let mut summary = serde_json::to_value(&report)?;
    summary["input"] = serde_json::json!(args.input);
    summary["test_fraction"] = serde_json::json!(args.test_fraction);
    if let (Some(test), true) = (&test, implicit) {
        let users = rustmf_host::cpu::metrics::eval_users(&test.csr, args.eval_users, args.seed);
        let pop = rustmf_host::cpu::metrics::popularity_metrics(&train.csr, &test.csr, args.k, &users);
        summary["popularity_baseline"] = serde_json::to_value(pop)?;
    }
    let text = serde_json::to_string_pretty(&summary)?;
    if let Some(dir) = &args.out {
        let md = HashMap::from([("rustmf_summary".to_string(), summary.to_string())]);
        let factors = report.factors.as_ref().context("no factors")?;
        let paths = rustmf_host::io::save_factors(dir, factors, &md)?;
        rustmf_host::bench::write_atomic(&dir.join("summary.json"), text.as_bytes())?;
        eprintln!(
            "wrote {} and summary.json",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    println!("{text}");
    export_csr(args.export_csr.as_deref(), &train)
}

/// `--export-csr`, written once training has succeeded, so that a failed run leaves nothing.
fn export_csr(dir: Option<&std::path::Path>, train: &rustmf_host::data::Interactions) -> Result<()> {
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

pub fn eval(args: EvalArgs) -> Result<()> {
    let implicit = !args.explicit;
    let data = load_input(&args.input, args.seed)?;
    anyhow::ensure!(args.test_fraction > 0.0, "--test-fraction must be > 0");
    let (train, test) = holdout(data, args.test_fraction, args.seed)?;
    let factors = rustmf_host::io::load_factors(&args.factors)?;
    anyhow::ensure!(
        factors.n_users() == train.n_users() && factors.n_items() == train.n_items(),
        "factors are {}×{} users×items, data is {}×{}",
        factors.n_users(),
        factors.n_items(),
        train.n_users(),
        train.n_items()
    );
    let cfg = AlsConfig {
        factors: factors.n_factors(),
        implicit,
        seed: args.seed,
        eval: EvalConfig { k: args.k, max_users: args.eval_users, every: 1 },
        ..AlsConfig::default()
    };
    let pool = rustmf_host::cpu::thread_pool(args.threads)?;
    let out = pool.install(|| -> Result<serde_json::Value> {
        let users = rustmf_host::cpu::metrics::eval_users(&test.csr, args.eval_users, args.seed);
        let m = rustmf_host::cpu::metrics::evaluate(&factors, &train.csr, &test.csr, &cfg, Some(&users));
        let mut v = serde_json::json!({ "factors": args.factors, "input": args.input, "test": m });
        if implicit {
            let pop = rustmf_host::cpu::metrics::popularity_metrics(&train.csr, &test.csr, args.k, &users);
            v["popularity_baseline"] = serde_json::to_value(pop)?;
        }
        Ok(v)
    })?;
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
