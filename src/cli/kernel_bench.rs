//! `rustmf kernel-bench`: the kernels alone, against cuBLAS and the hardware (cuMF_als Fig. 7).
//!
//! * get_hermitian (+ get_bias) of every version asked for — by default every [`Hermitian`]
//!   version, the cuBLAS baseline included — over all rows of both half-steps: time, GFLOP/s of
//!   the useful work (nnz·f(f+1)/2 FMAs per side, 2 flops each; cuBLAS computes the full square
//!   and its padding on top) and % of the GPU's fp32 FMA peak (Fig. 7a);
//! * the CG solvers (fp32 and fp16 A) over all rows of both sides: bandwidth achieved against a
//!   device-to-device copy of as many bytes (Fig. 7b).
//!
//! ```text
//! rustmf kernel-bench --input synth:netflix:1 --factors 100 --hermitian cublas,5,3 --repeats 5 \
//!     --out benches/results/gpu
//! ```
use anyhow::Result;
use rustmf_host::model::Hermitian;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input, as for `train`: a data cache file, `synth:PRESET[:SCALE]` or `shaped:netflix[:SCALE]`.
    #[arg(long, default_value = "synth:netflix:1")]
    input: String,
    #[arg(long, default_value_t = 100, value_parser = super::args::count1, allow_negative_numbers = true)]
    factors: usize,
    /// Implicit feedback (default: explicit, as Netflix).
    #[arg(long)]
    implicit: bool,
    /// Regularisation λ (default 0.05 explicit, 0.1 implicit).
    #[arg(long, value_parser = super::args::non_negative_f32, allow_negative_numbers = true)]
    lambda: Option<f32>,
    /// Confidence scale α (implicit, linear confidence).
    #[arg(long, default_value_t = 1.0, value_parser = super::args::non_negative_f32, allow_negative_numbers = true)]
    alpha: f32,
    /// get_hermitian versions, comma-separated: version numbers (or v1, v2, …) and cublas;
    /// default: every version this GPU runs (v9 needs an H100/H200).
    #[arg(long, value_delimiter = ',', value_parser = super::args::hermitian)]
    hermitian: Vec<Hermitian>,
    /// CG steps of the bandwidth measurement.
    #[arg(long, default_value_t = 3, value_parser = cg_steps, allow_negative_numbers = true)]
    cg_steps: u32,
    /// Skip the CG bandwidth measurement.
    #[arg(long)]
    no_cg: bool,
    /// Timed repeats per case (after --warmup untimed ones).
    #[arg(long, default_value_t = 5, value_parser = super::args::count1, allow_negative_numbers = true)]
    repeats: usize,
    #[arg(long, default_value_t = 1, value_parser = super::args::count, allow_negative_numbers = true)]
    warmup: usize,
    /// GPU rows per batch (default: as many as fit).
    #[arg(long, value_parser = super::args::count1, allow_negative_numbers = true)]
    batch_rows: Option<usize>,
    #[arg(long, default_value_t = 42, value_parser = super::args::seed, allow_negative_numbers = true)]
    seed: u64,
    /// Write `<name>.json` and `<name>.csv` here.
    #[arg(long, default_value = "bench-results")]
    out: std::path::PathBuf,
    #[arg(long, default_value = "kernel-bench")]
    name: String,
}

#[cfg(not(feature = "gpu"))]
pub fn run(_: Args) -> Result<()> {
    anyhow::bail!("this rustmf was built without GPU support (--no-default-features)")
}

#[cfg(feature = "gpu")]
pub fn run(args: Args) -> Result<()> {
    gpu::run(args)
}

#[cfg(feature = "gpu")]
mod gpu {
    use super::Args;
    use anyhow::Result;
    use rustmf_host::bench::flops::{fp32_fma_peak, gflop_per_s, hermitian_flop, percent_of_peak};
    use rustmf_host::bench::{Bench, Summary};
    use rustmf_host::data::input::load_input;
    use rustmf_host::experiment::kernels::{cg_case, hermitian_case, KernelSetup};
    use rustmf_host::gpu::als::GpuSolver;
    use rustmf_host::model::Hermitian;
    use rustmf_host::model::{init_factors, AlsConfig, Confidence, Solver};
    use serde_json::json;
    use std::sync::Arc;

    /// The measurements' setup and the arguments (for the parameters of each case).
    struct Setup<'a> {
        kernels: KernelSetup<'a>,
        args: &'a Args,
    }

    pub fn run(args: Args) -> Result<()> {
        let mut versions: Vec<Hermitian> =
            if args.hermitian.is_empty() { Hermitian::all().collect() } else { args.hermitian.clone() };
        anyhow::ensure!(args.repeats > 0, "--repeats must be at least 1");
        let t = std::time::Instant::now();
        let data = load_input(&args.input, args.seed)?;
        eprintln!(
            "input {}: {} × {}, {} nnz ({:.1} s)",
            args.input,
            data.n_users(),
            data.n_items(),
            data.nnz(),
            t.elapsed().as_secs_f64()
        );
        let gpu = Arc::new(crate::kernels::open_gpu(0)?);
        if args.hermitian.is_empty() {
            versions.retain(|h| {
                let runs = !h.needs_sm90a() || gpu.entry(h.entry(args.factors, false)).is_ok();
                if !runs {
                    eprintln!(
                        "get_hermitian {h} left out: it uses wgmma, in the sm_90a PTX only (H100/H200); \
                         this GPU runs the sm_{} PTX",
                        gpu.ptx_arch
                    );
                }
                runs
            });
        }
        let cfg = AlsConfig {
            factors: args.factors,
            lambda: args.lambda.unwrap_or(if args.implicit { 0.1 } else { 0.05 }),
            implicit: args.implicit,
            alpha: args.alpha,
            confidence: Confidence::Linear,
            solver: Solver::Cholesky,
            seed: args.seed,
            ..AlsConfig::default()
        };
        let start = init_factors(data.n_users(), data.n_items(), args.factors, args.seed, cfg.init_scale);
        let kernels = KernelSetup {
            gpu,
            data: &data,
            start: &start,
            cfg: &cfg,
            batch_rows: args.batch_rows,
            warmup: args.warmup,
            repeats: args.repeats,
        };
        let setup = Setup { kernels, args: &args };

        let mut bench = Bench::new(&args.name);
        let cuda = rustmf_host::gpu::driver_version().unwrap_or_default();
        bench.set_gpu(&setup.kernels.gpu.info.name, "", &cuda);
        let i = &setup.kernels.gpu.info;
        let (peak, how) = fp32_fma_peak(i.multiprocessors, i.compute_capability, i.sm_clock_khz);
        println!("fp32 FMA peak: {how}");
        let flop = hermitian_flop(data.nnz(), args.factors);
        let mut table = vec![format!(
            "{:<22} {:>10} {:>10} {:>10} {:>10} {:>8}",
            "get_hermitian", "median ms", "min ms", "max ms", "GFLOP/s", "% peak"
        )];
        let mut failed = Vec::new();
        for v in versions {
            match hermitian_case(&setup.kernels, v) {
                Ok((samples, extra)) => {
                    let m = Summary::of(&samples);
                    let gflops = gflop_per_s(flop, m.median_s);
                    let percent = percent_of_peak(gflops, peak);
                    table.push(format!(
                        "{:<22} {:>10.2} {:>10.2} {:>10.2} {:>10.0} {:>7.1}%",
                        v.name(),
                        m.median_s * 1e3,
                        m.min_s * 1e3,
                        m.max_s * 1e3,
                        gflops,
                        percent
                    ));
                    let mut extra = extra;
                    extra["useful_gflop_per_s"] = json!(gflops);
                    extra["percent_of_fp32_fma_peak"] = json!(percent);
                    extra["fp32_fma_peak_gflop_per_s"] = json!(peak / 1e9);
                    extra["peak_computed_as"] = json!(how);
                    bench.record(
                        &format!("hermitian {}", v.name()),
                        params(&setup, json!({ "hermitian": v.name(), "useful_flop": flop })),
                        samples,
                        extra,
                    );
                }
                Err(e) => {
                    eprintln!("hermitian {}: {e:#}", v.name());
                    failed.push(format!("hermitian {}", v.name()));
                }
            }
        }
        if !args.no_cg {
            table.push(String::new());
            table.push(format!(
                "{:<22} {:>10} {:>10} {:>12} {:>14} {:>12} {:>8}",
                "CG (A read once)", "median ms", "DRAM GB", "CG GB/s", "A/step GB/s", "memcpy GB/s", "CG/copy"
            ));
            for (name, solver) in [
                ("cg", GpuSolver::Cg { steps: args.cg_steps, tol: 0.0 }),
                ("cg-fp16", GpuSolver::CgHalf { steps: args.cg_steps, tol: 0.0 }),
            ] {
                match cg_case(&setup.kernels, solver, args.cg_steps) {
                    Ok((samples, extra)) => {
                        let m = Summary::of(&samples);
                        let get = |k: &str| extra[k].as_f64().unwrap_or(f64::NAN);
                        table.push(format!(
                            "{:<22} {:>10.2} {:>10.2} {:>12.0} {:>14.0} {:>12.0} {:>7.0}%",
                            format!("{name}, {} steps", args.cg_steps),
                            m.median_s * 1e3,
                            get("dram_bytes") / 1e9,
                            get("dram_gb_per_s"),
                            get("a_per_step_gb_per_s"),
                            get("memcpy_gb_per_s"),
                            100.0 * get("dram_gb_per_s") / get("memcpy_gb_per_s")
                        ));
                        bench.record(
                            &format!("solve {}", solver.name()),
                            params(&setup, json!({ "solver": solver.name() })),
                            samples,
                            extra,
                        );
                    }
                    Err(e) => {
                        eprintln!("{name}: {e:#}");
                        failed.push(name.to_string());
                    }
                }
            }
            table.push(
                "CG GB/s: DRAM bytes the kernel moves (A once into shared memory, b, x read and written) per second;\n\
                 A/step GB/s: as if A were read every step (the paper's model); memcpy: a device-to-device copy\n\
                 moving as many bytes (half read, half written)."
                    .into(),
            );
        }
        println!("{}", table.join("\n"));
        bench.finish(&args.out)?;
        anyhow::ensure!(failed.is_empty(), "failed: {}", failed.join(", "));
        Ok(())
    }

    fn params(s: &Setup, extra: serde_json::Value) -> serde_json::Value {
        let mut p = json!({
            "input": s.args.input, "n_users": s.kernels.data.n_users(), "n_items": s.kernels.data.n_items(),
            "nnz": s.kernels.data.nnz(), "factors": s.kernels.cfg.factors, "implicit": s.kernels.cfg.implicit,
            "lambda": s.kernels.cfg.lambda, "alpha": s.kernels.cfg.alpha,
            "repeats": s.args.repeats, "warmup": s.args.warmup,
        });
        p.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
        p
    }
}

/// `--cg-steps`: an integer in 1..=u32::MAX.
fn cg_steps(s: &str) -> Result<u32, String> {
    let v = super::args::count1(s)?;
    u32::try_from(v).map_err(|_| format!("must be ≤ {}, got {s}", u32::MAX))
}
