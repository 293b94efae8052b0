//! Subcommands of the `rustmf` binary, one file each.
use clap::{Parser, Subcommand};

mod args;
pub mod data;
pub mod demo;
pub mod eval;
pub mod experiment;
pub mod infer_bench;
mod infer_model;
pub mod info;
pub mod kernel_bench;
mod outputs;
pub mod plan;
pub mod ptx_check;
pub mod recommend;
mod recommend_all;
pub mod serve_sim;
pub mod similar;
mod test_set;
pub mod train;

#[derive(Parser, Debug)]
#[command(name = "rustmf", version, about = "Matrix factorization (ALS) on GPUs with Rust kernels")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Devices found, kernel toolchain used at build time, PTX targets embedded, CUDA/cuBLAS versions.
    Info(info::Args),
    /// Registers, shared memory, stack and spills of every kernel (ptxas -v), for sm_80 and sm_90a.
    PtxCheck(ptx_check::Args),
    /// Convert, generate, split and describe datasets.
    Data(data::Args),
    /// Train ALS factors.
    Train(train::TrainArgs),
    /// The GPU memory a training run needs, buffer by buffer, and whether it fits.
    Plan(plan::Args),
    /// Evaluate a model on its recorded test set, or on --test FILE.
    Eval(eval::EvalArgs),
    /// Train on the built-in synthetic dataset and print metrics and a few recommendations.
    Demo(demo::Args),
    /// Top-k recommendations for users of a model (by their ids), a new user, or every user.
    Recommend(recommend::Args),
    /// The items most similar to given items (cosine of the item factors).
    Similar(similar::Args),
    /// Load simulation: Poisson arrivals, micro-batching, latency percentiles per backend and rate.
    ServeSim(serve_sim::Args),
    /// Time per batch of each inference backend, checked against the reference.
    InferBench(infer_bench::Args),
    /// Time get_hermitian versions (cuBLAS baseline included) against the fp32 peak, and CG's
    /// bandwidth against a device-to-device copy (cuMF_als Fig. 7).
    KernelBench(kernel_bench::Args),
    /// Experiments as files: run a spec's grid (resumable), report its figures and table, compare two results.
    Experiment(experiment::Args),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info(a) => info::run(a),
        Command::PtxCheck(a) => ptx_check::run(a),
        Command::Data(a) => data::run(a),
        Command::Train(a) => train::train(a),
        Command::Plan(a) => plan::run(a),
        Command::Eval(a) => eval::eval(a),
        Command::Demo(a) => demo::run(a),
        Command::Recommend(a) => recommend::run(a),
        Command::Similar(a) => similar::run(a),
        Command::ServeSim(a) => serve_sim::run(a),
        Command::InferBench(a) => infer_bench::run(a),
        Command::KernelBench(a) => kernel_bench::run(a),
        Command::Experiment(a) => experiment::run(a),
    }
}
