//! `rustmf plan`: the GPU memory a training run needs, buffer by buffer, before anything is
//! loaded or uploaded (`rustmf_host::train::gpu_memory`).
//!
//! ```text
//! rustmf plan --preset hugewiki --factors 256                  # one table, against GPU 0's free memory
//! rustmf plan --preset netflix,yahoo,lfm1b,hugewiki --factors 64,100,256 --markdown --gpu-memory 80e9
//! ```
use anyhow::{Context, Result};
use rustmf_host::data::synth::Preset;
use rustmf_host::model::Hermitian;
use rustmf_host::train::gpu_memory::{GpuMemoryPlan, Streamed, TrainShape};
use rustmf_host::train::grid::SolverChoice;
use rustmf_kernel_abi::SUPPORTED_F;

use super::train::SolverArg;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Synthetic presets by shape, NAME or NAME:SCALE (comma-separated): demo, movielens1m,
    /// movielens20m, netflix, yahoo, lfm1b, hugewiki.
    #[arg(long, value_delimiter = ',', required = true)]
    preset: Vec<String>,
    /// Latent factors f (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "100")]
    factors: Vec<usize>,
    /// The GPU solver (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "cg-mf")]
    solver: Vec<SolverArg>,
    /// CG solvers on formed A: store A in fp16.
    #[arg(long)]
    fp16: bool,
    /// Hold out this fraction of the entries as a test set kept on the GPU.
    #[arg(long, default_value_t = 0.0)]
    test_fraction: f64,
    /// Compare with this many bytes (e.g. 80e9) instead of GPU 0's free memory.
    #[arg(long, value_parser = super::args::bytes)]
    gpu_memory: Option<usize>,
    /// One Markdown table row per combination instead of the buffer lists.
    #[arg(long)]
    markdown: bool,
}

pub fn run(args: Args) -> Result<()> {
    anyhow::ensure!(
        (0.0..1.0).contains(&args.test_fraction),
        "--test-fraction {} is not in [0, 1)",
        args.test_fraction
    );
    let free = args.gpu_memory.or_else(gpu_free_memory);
    let gib = |b: usize| b as f64 / (1u64 << 30) as f64;
    if args.markdown {
        let against = free.map(|f| format!("fits {:.1} GiB", gib(f))).unwrap_or_else(|| "fits".into());
        let columns = "| preset | users × items | entries | f | solver | resident GiB | minimum GiB | streamed ≈ GiB";
        println!("{columns} | {against} |");
        println!("|---|---:|---:|---:|---|---:|---:|---:|---|");
    }
    for spec in &args.preset {
        let (preset, scale) = parse_preset(spec)?;
        let synth = preset.config(scale, 0);
        let (users, items, nnz) = (synth.n_users, synth.n_items, synth.nnz);
        let test_nnz = (nnz as f64 * args.test_fraction).round() as usize;
        let shape = TrainShape { users, items, nnz: nnz - test_nnz, test_nnz };
        for &f in &args.factors {
            for &solver in &args.solver {
                let name = clap::ValueEnum::to_possible_value(&solver).context("every --solver value has a name")?;
                let choice = SolverChoice::from_name(name.get_name(), 3, None)?;
                let plan = GpuMemoryPlan::for_solver(shape, f, choice, args.fp16, Hermitian::DEFAULT);
                if args.markdown {
                    let mut fits = free.map(|b| plan.verdict(b)).unwrap_or("").to_string();
                    if !SUPPORTED_F.contains(&f) {
                        fits += " (memory only: no GPU kernels for this f yet)";
                    }
                    let streamable = Streamed::formed(choice.matrix_free);
                    let streamed = if streamable.any() {
                        format!("{:.1}", gib(plan.least_streamed_bytes(streamable)))
                    } else {
                        "—".into()
                    };
                    println!(
                        "| {spec} | {users} × {items} | {} | {f} | {} | {:.1} | {:.1} | {streamed} | {fits} |",
                        shape.nnz,
                        choice.name(),
                        gib(plan.resident_bytes()),
                        gib(plan.minimum_bytes())
                    );
                } else {
                    println!(
                        "{spec}: {users} × {items}, {} entries (+{test_nnz} test), f = {f}, {}{}:",
                        shape.nnz,
                        choice.name(),
                        if args.fp16 && plan.per_batch_row > 0 { ", A in fp16 where formed" } else { "" }
                    );
                    print!("{}", plan.table(free));
                    if !SUPPORTED_F.contains(&f) {
                        println!("  (memory only: GPU training has kernels for f ∈ {SUPPORTED_F:?})");
                    }
                }
            }
        }
    }
    Ok(())
}

fn parse_preset(spec: &str) -> Result<(Preset, f64)> {
    let (name, scale) = match spec.split_once(':') {
        Some((n, s)) => (n, s.parse::<f64>().with_context(|| format!("preset {spec:?}: scale {s:?} is not a number"))?),
        None => (spec, 1.0),
    };
    anyhow::ensure!(scale > 0.0 && scale.is_finite(), "preset {spec:?}: the scale must be positive");
    Ok((name.parse::<Preset>().map_err(anyhow::Error::msg)?, scale))
}

/// GPU 0's free memory, if there is a usable GPU.
#[cfg(feature = "gpu")]
pub(crate) fn gpu_free_memory() -> Option<usize> {
    let gpu = crate::kernels::open_gpu(0).ok()?;
    gpu.memory().ok().map(|(free, _)| free)
}

#[cfg(not(feature = "gpu"))]
pub(crate) fn gpu_free_memory() -> Option<usize> {
    None
}
