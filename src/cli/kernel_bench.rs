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
    #[arg(long, default_value_t = 100)]
    factors: usize,
    /// Implicit feedback (default: explicit, as Netflix).
    #[arg(long)]
    implicit: bool,
    /// Regularisation λ (default 0.05 explicit, 0.1 implicit).
    #[arg(long)]
    lambda: Option<f32>,
    /// Confidence scale α (implicit, linear confidence).
    #[arg(long, default_value_t = 1.0)]
    alpha: f32,
    /// get_hermitian versions, comma-separated: version numbers (or v1, v2, …) and cublas;
    /// default: every version this GPU runs (v9 needs an H100/H200).
    #[arg(long, value_delimiter = ',', value_parser = super::args::hermitian)]
    hermitian: Vec<Hermitian>,
    /// CG steps of the bandwidth measurement.
    #[arg(long, default_value_t = 3)]
    cg_steps: u32,
    /// Skip the CG bandwidth measurement.
    #[arg(long)]
    no_cg: bool,
    /// Timed repeats per case (after --warmup untimed ones).
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// GPU rows per batch (default: as many as fit).
    #[arg(long)]
    batch_rows: Option<usize>,
    #[arg(long, default_value_t = 42)]
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
    use rustmf_host::bench::flops::{cg_bytes, fp32_fma_peak, gb_per_s, gflop_per_s, hermitian_flop, percent_of_peak};
    use rustmf_host::bench::{Bench, Summary};
    use rustmf_host::data::input::load_input;
    use rustmf_host::data::Interactions;
    use rustmf_host::gpu::als::{GpuAls, GpuAlsOptions, GpuSolver};
    use rustmf_host::gpu::{CudaSlice, EventTimer, Gpu, GpuError};
    use rustmf_host::model::Hermitian;
    use rustmf_host::model::{init_factors, AlsConfig, Confidence, Factors, Side, Solver};
    use serde_json::json;
    use std::sync::Arc;

    /// Largest single device-to-device copy of the bandwidth reference.
    const COPY_CHUNK: usize = 1 << 30;

    /// What the run measures on, shared by the cases.
    struct Setup<'a> {
        gpu: Arc<Gpu>,
        data: &'a Interactions,
        start: Factors,
        cfg: AlsConfig,
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
        let setup = Setup { gpu, data: &data, start, cfg, args: &args };

        let mut bench = Bench::new(&args.name);
        let cuda = rustmf_host::gpu::driver_version().unwrap_or_default();
        bench.set_gpu(&setup.gpu.info.name, "", &cuda);
        let i = &setup.gpu.info;
        let (peak, how) = fp32_fma_peak(i.multiprocessors, i.compute_capability, i.sm_clock_khz);
        println!("fp32 FMA peak: {how}");
        let flop = hermitian_flop(data.nnz(), args.factors);
        let mut table = vec![format!(
            "{:<22} {:>10} {:>10} {:>10} {:>10} {:>8}",
            "get_hermitian", "median ms", "min ms", "max ms", "GFLOP/s", "% peak"
        )];
        let mut failed = Vec::new();
        for v in versions {
            match hermitian_case(&setup, v) {
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
                match cg_case(&setup, solver) {
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
            "input": s.args.input, "n_users": s.data.n_users(), "n_items": s.data.n_items(), "nnz": s.data.nnz(),
            "factors": s.cfg.factors, "implicit": s.cfg.implicit, "lambda": s.cfg.lambda, "alpha": s.cfg.alpha,
            "repeats": s.args.repeats, "warmup": s.args.warmup,
        });
        p.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
        p
    }

    fn open_als(s: &Setup, hermitian: Hermitian, solver: GpuSolver) -> Result<GpuAls, GpuError> {
        GpuAls::new(
            s.gpu.clone(),
            s.data,
            &s.start,
            GpuAlsOptions { hermitian, solver, batch_rows: s.args.batch_rows, ..Default::default() },
        )
    }

    /// Seconds per repeat of get_hermitian over both sides (users then items), per-side medians.
    fn hermitian_case(s: &Setup, v: Hermitian) -> Result<(Vec<f64>, serde_json::Value)> {
        let mut als = open_als(s, v, GpuSolver::Cholesky)?;
        let mut per_side = Vec::new();
        for side in [Side::Users, Side::Items] {
            als.time_hermitian(side, &s.cfg, s.args.warmup)?;
            per_side.push(als.time_hermitian(side, &s.cfg, s.args.repeats)?);
        }
        let samples: Vec<f64> = per_side[0].iter().zip(&per_side[1]).map(|(u, i)| u + i).collect();
        let extra = json!({
            "users_median_s": Summary::of(&per_side[0]).median_s,
            "items_median_s": Summary::of(&per_side[1]).median_s,
            "rows_per_batch": als.batch_rows(),
        });
        Ok((samples, extra))
    }

    /// Seconds per repeat of the CG solver over both sides, its bandwidth and a copy's.
    fn cg_case(s: &Setup, solver: GpuSolver) -> Result<(Vec<f64>, serde_json::Value)> {
        let mut als = open_als(s, Hermitian::version(5), solver)?;
        let mut per_side = Vec::new();
        for side in [Side::Users, Side::Items] {
            als.time_solve(side, &s.cfg, s.args.warmup)?;
            per_side.push(als.time_solve(side, &s.cfg, s.args.repeats)?);
        }
        drop(als);
        let samples: Vec<f64> = per_side[0].iter().zip(&per_side[1]).map(|(u, i)| u + i).collect();
        let (f, steps) = (s.cfg.factors as f64, s.args.cg_steps as f64);
        let systems = (s.data.n_users() + s.data.n_items()) as f64;
        let (dram, modelled) = cg_bytes(systems, f, steps, solver.half_storage());
        let t = Summary::of(&samples).median_s;
        let copy = Summary::of(&copy_time(&s.gpu, dram as usize / 2, s.args.warmup, s.args.repeats)?).median_s;
        Ok((
            samples,
            json!({
                "systems": systems, "steps": steps, "dram_bytes": dram, "dram_gb_per_s": gb_per_s(dram, t),
                "a_per_step_bytes": modelled, "a_per_step_gb_per_s": gb_per_s(modelled, t),
                "memcpy_bytes_copied": (dram as usize / 2), "memcpy_median_s": copy,
                "memcpy_gb_per_s": gb_per_s(dram, copy),
            }),
        ))
    }

    /// Seconds per repeat of copying `bytes` device-to-device, in copies of at most 1 GiB.
    fn copy_time(gpu: &Gpu, bytes: usize, warmup: usize, repeats: usize) -> Result<Vec<f64>> {
        let chunk = bytes.clamp(1, COPY_CHUNK);
        let src: CudaSlice<u8> = gpu.alloc_zeros(chunk, "the copy benchmark's source")?;
        let mut dst: CudaSlice<u8> = gpu.alloc_zeros(chunk, "the copy benchmark's destination")?;
        let timer = EventTimer::new(gpu)?;
        let mut copy_all = || {
            let mut left = bytes;
            while left > 0 {
                let n = left.min(chunk);
                gpu.stream()
                    .memcpy_dtod(&src.slice(..n), &mut dst.slice_mut(..n))
                    .map_err(|source| GpuError::Driver { context: "device-to-device copy".into(), source })?;
                left -= n;
            }
            Ok(())
        };
        for _ in 0..warmup {
            timer.time(&mut copy_all)?;
        }
        let samples = (0..repeats).map(|_| timer.time(&mut copy_all)).collect::<Result<Vec<f64>, GpuError>>()?;
        Ok(samples)
    }
}
