//! `rustmf serve-sim`: the load simulator (`rustmf_host::serve::sim`) for each backend over a ramp
//! of offered rates; writes `serve-sim.json`/`.csv` after every rate and the plots after every
//! backend (all atomically, so Ctrl-C leaves complete files of what was finished). Every backend
//! is opened once before the first result is written, so one that cannot start (no GPU) fails the
//! command without leaving the results of the others.
//!
//! ```text
//! rustmf serve-sim --backends cpu1,cpu-mt --items 200000 --rates 5,10,20,50,100,200 \
//!     --requests-per-rate 2000 --max-batch 1000 --max-wait-ms 2 --slo-ms 100 --out sim/
//! ```

use std::path::PathBuf;

use anyhow::{Context, Result};
use rustmf_host::bench::Metadata;
use rustmf_host::infer;
use rustmf_host::serve::sim::{self, MeasuredService, Requests, ServiceModel, SimConfig, SimReport};
use rustmf_host::serve::{make_scorer, plot};

use super::args::ScorerBackendArg;
use super::infer_model::{list, FactorArgs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub model: FactorArgs,
    /// Comma-separated scorer backends.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "cpu1,cpu-mt")]
    pub backends: Vec<ScorerBackendArg>,
    /// Threads of cpu-mt (0: all cores).
    #[arg(long, default_value_t = 0, value_parser = super::args::count, allow_negative_numbers = true)]
    pub threads: usize,
    /// Offered rates (requests/s), comma-separated.
    #[arg(long, default_value = "10,20,50,100,200,500,1000,2000,5000")]
    pub rates: String,
    /// Requests per rate (default 2000 unless --duration-s is given).
    #[arg(long, conflicts_with = "duration_s", value_parser = super::args::count1, allow_negative_numbers = true)]
    pub requests_per_rate: Option<usize>,
    /// Arrivals spanning this many seconds at each rate (rate × duration requests).
    #[arg(long, value_parser = super::args::positive, allow_negative_numbers = true)]
    pub duration_s: Option<f64>,
    #[arg(long, default_value_t = 1000, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub max_batch: usize,
    /// A batch launches once its oldest request has waited this long (or it is full) and the
    /// server is free; 0: as soon as the server is free.
    #[arg(long, default_value_t = 2.0, value_parser = super::args::non_negative, allow_negative_numbers = true)]
    pub max_wait_ms: f64,
    /// Most waiting requests; arrivals over it are dropped.
    #[arg(long, default_value_t = 10_000, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub queue_cap: usize,
    /// Requests slower than this are counted late.
    #[arg(long, default_value_t = 100.0, value_parser = super::args::positive, allow_negative_numbers = true)]
    pub slo_ms: f64,
    #[arg(long, default_value_t = 100, value_parser = super::args::count1, allow_negative_numbers = true)]
    pub k: usize,
    #[arg(long, default_value = "serve-sim")]
    pub out: PathBuf,
    /// Skip the plots.
    #[arg(long)]
    pub no_plots: bool,
}

pub fn run(args: Args) -> Result<()> {
    let config = SimConfig {
        rates: list(&args.rates, "--rates")?,
        requests: match args.duration_s {
            Some(d) => Requests::Duration(d),
            None => Requests::PerRate(args.requests_per_rate.unwrap_or(2000)),
        },
        max_batch: args.max_batch,
        max_wait_s: args.max_wait_ms / 1e3,
        queue_cap: args.queue_cap,
        slo_s: args.slo_ms / 1e3,
        seed: args.model.seed,
    };
    config.validate()?;
    infer::check_k(args.k)?;
    let (factors, desc) = args.model.load()?;
    for &ScorerBackendArg(backend) in &args.backends {
        make_scorer(backend, &factors.items, args.threads, crate::kernels::PTX)
            .with_context(|| format!("backend {} (nothing was written)", backend.name()))?;
    }
    let mut report = SimReport {
        meta: Metadata::collect(),
        params: serde_json::json!({ "model": desc, "k": args.k, "threads": args.threads }),
        config,
        backends: Vec::new(),
    };
    for &ScorerBackendArg(backend) in &args.backends {
        let scorer = make_scorer(backend, &factors.items, args.threads, crate::kernels::PTX)?;
        let mut service = MeasuredService::new(scorer, &factors.users, args.k)?;
        let name = service.name();
        let full: Vec<u32> = (0..report.config.max_batch).map(|i| (i % factors.n_users()) as u32).collect();
        let warm = service.serve(&full)? + service.serve(&full[..1])?;
        eprintln!("[{name}] warm-up: one full batch and one single request, {warm:.3} s");
        report.backends.push(sim::BackendResult { backend: name.clone(), rates: Vec::new() });
        for i in 0..report.config.rates.len() {
            let r = sim::simulate_rate(&report.config, i, factors.n_users(), &mut service)?;
            eprintln!("{}", sim::progress_line(&name, &r));
            report.backends.last_mut().expect("pushed above").rates.push(r);
            sim::write_outputs(&args.out, &report)?;
        }
        if !args.no_plots {
            plot::write_plots(&args.out, &report)?;
        }
    }
    print_table(&report);
    eprintln!(
        "wrote serve-sim.json, serve-sim.csv{} to {}",
        if args.no_plots { "" } else { " and plots" },
        args.out.display()
    );
    Ok(())
}

fn print_table(report: &SimReport) {
    println!(
        "{:<22} {:>9} {:>9} {:>9} {:>9} {:>10} {:>8} {:>8} {:>7} {:>6}",
        "backend", "offered/s", "p50 ms", "p95 ms", "p99 ms", "served/s", "dropped", "late", "batch", "util"
    );
    for b in &report.backends {
        for r in &b.rates {
            println!(
                "{:<22} {:>9.1} {:>9.2} {:>9.2} {:>9.2} {:>10.1} {:>8} {:>8} {:>7.1} {:>5.0}%",
                b.backend,
                r.offered_rps,
                r.p50_ms,
                r.p95_ms,
                r.p99_ms,
                r.throughput_rps,
                r.dropped,
                r.late,
                r.mean_batch,
                r.utilization * 100.0
            );
        }
    }
}
