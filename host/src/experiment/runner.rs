//! `experiment run`: every case of a spec in one process, with progress lines; datasets generated
//! or loaded once; cases already measured at the same revision on the same machine skipped;
//! results written after every case.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::cases::{expand, matches_filter, quick, Case, Work};
use super::results::{slug, Provenance, Rate, Record, ResultsFile, Stats, Status};
use super::spec::{DeviceName, Spec};
use crate::bench::flops::{gflop_per_s, scoring_flop};
use crate::bench::{fmt_seconds, Summary};
use crate::data::input::{holdout, load_input};
use crate::data::synth::{self, Planted, SynthConfig, Values};
use crate::data::Interactions;
use crate::infer::{self, Tolerance};
use crate::model::{init_factors, AlsConfig, EvalConfig, Factors};
use crate::ptx::PtxImage;
use crate::serve::make_scorer;
use crate::serve::sim::{self, MeasuredService, ServiceModel};
use crate::train::gpu_memory::{GpuMemoryPlan, TrainShape};
use crate::train::grid::{self, TrainGrid};

use super::peers::{PeerOutcome, PeerRunner, PeerState};
use super::spec::PeerName;

/// How to run a spec.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Results go to `<out>/<experiment>/<machine>/` (default `benches/results`).
    pub out: PathBuf,
    /// Only cases whose id holds every word of this filter.
    pub only: Option<String>,
    /// The PTX images the program embeds (`rustmf::kernels::PTX`), for GPU cases.
    pub kernels: &'static [PtxImage],
    /// Where the spec came from (recorded).
    pub spec_file: String,
    /// `--quick`: one small case per figure ([`Spec::quick`], [`quick`]) into `<experiment>-quick/`.
    pub quick: bool,
    /// The peers' side-car ([`super::peers`]): the Python interpreter and `benches/peers.py`.
    pub peers: PeerRunner,
}

impl RunOptions {
    /// Options with the defaults: no filter, not quick, peers through `python3 benches/peers.py`
    /// (or `$RUSTMF_PYTHON` and `$RUSTMF_PEERS`).
    pub fn new(out: impl Into<PathBuf>, kernels: &'static [PtxImage], spec_file: impl Into<String>) -> RunOptions {
        RunOptions {
            out: out.into(),
            only: None,
            kernels,
            spec_file: spec_file.into(),
            quick: false,
            peers: PeerRunner::from_env(),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// The results folder.
    pub dir: PathBuf,
    pub cases: usize,
    pub measured: usize,
    /// Already measured at this revision on this machine.
    pub already: usize,
    /// Not runnable here (recorded with the reason).
    pub skipped: usize,
    pub failed: usize,
}

/// The GPU of this run, if the spec needs one and there is one.
struct GpuState {
    /// Why GPU cases cannot run here.
    unavailable: Option<String>,
    #[cfg(feature = "gpu")]
    gpu: Option<std::sync::Arc<crate::gpu::Gpu>>,
}

impl GpuState {
    #[cfg(not(feature = "gpu"))]
    fn probe(_: &mut Provenance, _: &'static [PtxImage]) -> GpuState {
        GpuState { unavailable: Some("this rustmf was built without the gpu feature".into()) }
    }

    #[cfg(feature = "gpu")]
    fn probe(p: &mut Provenance, kernels: &'static [PtxImage]) -> GpuState {
        use crate::bench::flops::fp32_fma_peak;
        use crate::gpu::{driver_version, Blas, Gpu};
        if kernels.is_empty() {
            return GpuState { unavailable: Some("no PTX embedded in this build".into()), gpu: None };
        }
        match Gpu::open(0, kernels) {
            Ok(gpu) => {
                let i = &gpu.info;
                p.gpu = Some(i.name.clone());
                p.compute_capability = Some(format!("{}{}", i.compute_capability.0, i.compute_capability.1));
                p.multiprocessors = Some(i.multiprocessors);
                p.sm_clock_mhz = Some(i.sm_clock_khz as f64 / 1e3);
                p.cuda_driver_api = driver_version().ok();
                p.cublas = Blas::new(&gpu).and_then(|b| b.version()).ok();
                let (peak, how) = fp32_fma_peak(i.multiprocessors, i.compute_capability, i.sm_clock_khz);
                p.fp32_peak_tflop_per_s = Some(peak / 1e12);
                p.peak_computed_as = Some(how);
                GpuState { unavailable: None, gpu: Some(std::sync::Arc::new(gpu)) }
            }
            Err(e) => GpuState { unavailable: Some(format!("no GPU: {e}")), gpu: None },
        }
    }
}

/// Run `spec` (its text `spec_text`, recorded with the results).
pub fn run(spec: &Spec, spec_text: &str, opts: &RunOptions) -> Result<RunSummary> {
    let quick_spec;
    let spec = if opts.quick {
        quick_spec = spec.quick();
        &quick_spec
    } else {
        spec
    };
    let all = expand(spec);
    let all = if opts.quick { quick(spec, &all) } else { all };
    let cases: Vec<Case> = all.into_iter().filter(|c| matches_filter(&c.id, opts.only.as_deref())).collect();
    let mut prov = Provenance::collect();
    let gpu = if cases.iter().any(|c| c.work.needs_gpu()) {
        GpuState::probe(&mut prov, opts.kernels)
    } else {
        GpuState {
            unavailable: Some("not probed".into()),
            #[cfg(feature = "gpu")]
            gpu: None,
        }
    };
    let machine = slug(prov.machine());
    let dir = opts.out.join(&spec.name).join(&machine);
    let mut file = if dir.join(ResultsFile::JSON).is_file() {
        ResultsFile::load(&dir).context("the results to resume from")?
    } else {
        ResultsFile {
            experiment: spec.name.clone(),
            description: spec.description.clone(),
            machine: machine.clone(),
            spec_file: opts.spec_file.clone(),
            spec_toml: spec_text.to_string(),
            updated: prov.date.clone(),
            records: Vec::new(),
        }
    };
    file.description = spec.description.clone();
    file.spec_file = opts.spec_file.clone();
    file.spec_toml = spec_text.to_string();
    eprintln!(
        "experiment {}: {} cases on {} (revision {}{}) → {}",
        spec.name,
        cases.len(),
        prov.machine(),
        prov.git_revision,
        gpu.unavailable
            .as_deref()
            .filter(|_| cases.iter().any(|c| c.work.needs_gpu()))
            .map(|r| format!("; {r}"))
            .unwrap_or_default(),
        dir.display()
    );
    let mut ctx = Shared {
        spec,
        prov: &prov,
        gpu: &gpu,
        kernels: opts.kernels,
        data: HashMap::new(),
        planted: HashMap::new(),
        splits: HashMap::new(),
        factors: HashMap::new(),
        peers: PeerState::new(&opts.peers),
    };
    let mut summary = RunSummary { dir: dir.clone(), cases: cases.len(), ..Default::default() };
    let start = Instant::now();
    for (i, case) in cases.iter().enumerate() {
        let n = format!("[{}/{}]", i + 1, cases.len());
        if let Some(r) = file.record(&case.id).filter(|r| same_measurement(r, &prov)) {
            summary.already += 1;
            eprintln!("{n} {}: already measured at {} ({})", case.id, r.provenance.git_revision, r.provenance.date);
            continue;
        }
        eprintln!("{n} {} …", case.id);
        let t = Instant::now();
        let mut record = ctx.run_case(case);
        record.wall_s = t.elapsed().as_secs_f64();
        let what = match (record.status, &record.summary) {
            (Status::Measured, Some(m)) => {
                summary.measured += 1;
                format!(
                    "median {} (min {}, max {}, n {})",
                    fmt_seconds(m.median_s),
                    fmt_seconds(m.min_s),
                    fmt_seconds(m.max_s),
                    m.n
                )
            }
            (Status::Skipped, _) => {
                summary.skipped += 1;
                format!("skipped: {}", record.reason.as_deref().unwrap_or(""))
            }
            _ => {
                summary.failed += 1;
                format!("FAILED: {}", record.reason.as_deref().unwrap_or(""))
            }
        };
        eprintln!("{n} {what} — case {:.1} s, elapsed {:.1} s", record.wall_s, start.elapsed().as_secs_f64());
        file.upsert(record);
        file.updated = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        file.save(&dir)?;
    }
    ctx.peers.clean_up();
    if summary.already == cases.len() && !dir.join(ResultsFile::JSON).is_file() {
        file.save(&dir)?;
    }
    eprintln!(
        "experiment {}: {} measured, {} already measured, {} skipped, {} failed ({:.1} s) → {}",
        spec.name,
        summary.measured,
        summary.already,
        summary.skipped,
        summary.failed,
        start.elapsed().as_secs_f64(),
        dir.join(ResultsFile::JSON).display()
    );
    Ok(summary)
}

/// Whether `r` was measured at this revision on this machine (an unknown revision never is).
fn same_measurement(r: &Record, now: &Provenance) -> bool {
    r.status == Status::Measured
        && now.git_revision != "unknown"
        && r.provenance.git_revision == now.git_revision
        && r.provenance.machine() == now.machine()
}

/// What the cases share: datasets and factors made once.
struct Shared<'a> {
    spec: &'a Spec,
    prov: &'a Provenance,
    gpu: &'a GpuState,
    #[allow(dead_code)]
    kernels: &'static [PtxImage],
    data: HashMap<String, (String, Interactions)>,
    /// The planted model behind each preset dataset, kept when a case holds out a test set.
    planted: HashMap<String, (Planted, Values)>,
    /// (train, test) of a dataset at a test fraction, keyed `name@fraction`.
    splits: HashMap<String, (Interactions, Interactions)>,
    factors: HashMap<(usize, usize, usize), Factors>,
    peers: PeerState,
}

/// A measured case's samples, parameters, derived numbers and rate.
struct Measured {
    samples: Vec<f64>,
    params: serde_json::Value,
    extra: serde_json::Value,
    rate: Option<Rate>,
}

impl Shared<'_> {
    fn run_case(&mut self, case: &Case) -> Record {
        let mut provenance = self.prov.clone();
        provenance.date = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut r = Record {
            id: case.id.clone(),
            kind: case.kind.to_string(),
            dims: case.dims.clone(),
            status: Status::Skipped,
            reason: None,
            samples_s: Vec::new(),
            summary: None,
            rate: None,
            params: serde_json::Value::Null,
            extra: serde_json::Value::Null,
            wall_s: 0.0,
            provenance,
        };
        if case.work.needs_gpu() {
            if let Some(why) = &self.gpu.unavailable {
                r.reason = Some(format!("needs a GPU: {why}"));
                return r;
            }
        }
        match self.measure(case) {
            Ok(m) => {
                r.status = Status::Measured;
                r.summary = Some(Stats::from(Summary::of(&m.samples)));
                r.samples_s = m.samples;
                r.params = m.params;
                r.extra = m.extra;
                r.rate = m.rate;
            }
            Err(e) => match e.downcast::<Skip>() {
                Ok(Skip(why)) => r.reason = Some(why),
                Err(e) => {
                    r.status = Status::Failed;
                    r.reason = Some(format!("{e:#}"));
                }
            },
        }
        r
    }

    /// The dataset `name`, loaded or generated on first use; its input spec.
    fn dataset(&mut self, name: &str) -> Result<&(String, Interactions)> {
        if !self.data.contains_key(name) {
            let d = self.spec.datasets.iter().find(|d| d.name == name).context("unknown dataset")?;
            let input = d.input()?;
            let t = Instant::now();
            let data = match d.preset()? {
                Some((preset, scale)) => {
                    let cfg = SynthConfig::preset(preset, scale, self.spec.seed);
                    let synthetic = synth::generate(&cfg);
                    self.planted.insert(name.to_string(), (synthetic.planted, cfg.values));
                    synthetic.interactions
                }
                None => load_input(&input, self.spec.seed).with_context(|| format!("dataset {name} ({input})"))?,
            };
            eprintln!(
                "  dataset {name} ({input}): {} × {}, {} nnz ({:.1} s, reused by later cases)",
                data.n_users(),
                data.n_items(),
                data.nnz(),
                t.elapsed().as_secs_f64()
            );
            self.data.insert(name.to_string(), (input, data));
        }
        Ok(&self.data[name])
    }

    /// (train, test) of dataset `name` with `fraction` of each user's interactions held out, made
    /// once; the planted model's test RMSE there, for explicit presets.
    fn split(&mut self, name: &str, fraction: f64) -> Result<(&Interactions, &Interactions, Option<f64>)> {
        let key = format!("{name}@{fraction}");
        if !self.splits.contains_key(&key) {
            let seed = self.spec.seed;
            let whole = self.dataset(name)?.1.clone();
            let parts = holdout(whole, fraction, seed).with_context(|| format!("holding out {fraction} of {name}"))?;
            eprintln!("  dataset {name}: {} held out for testing, {} to train", parts.1.nnz(), parts.0.nnz());
            self.splits.insert(key.clone(), parts);
        }
        let (train, test) = &self.splits[&key];
        let oracle = self.planted.get(name).and_then(|(p, values)| p.oracle_rmse_on(*values, &test.csr));
        Ok((train, test, oracle))
    }

    fn peak_percent(&self, tflop_per_s: f64) -> Option<f64> {
        self.prov.fp32_peak_tflop_per_s.map(|p| 100.0 * tflop_per_s / p)
    }

    fn measure(&mut self, case: &Case) -> Result<Measured> {
        match case.work.clone() {
            Work::Train {
                dataset,
                device,
                feedback,
                factors,
                lambda,
                alpha,
                solver,
                hermitian,
                fp16,
                threads,
                batch_rows,
                test_fraction,
                with_metrics,
                gpu_memory,
            } => {
                let (spec, kernels) = (self.spec, self.kernels);
                let input = self.dataset(&dataset)?.0.clone();
                let (data, test, oracle) = match test_fraction {
                    Some(x) => {
                        let (train, test, oracle) = self.split(&dataset, x)?;
                        (train, Some(test), oracle)
                    }
                    None => (&self.data[&dataset].1, None, None),
                };
                let grid = TrainGrid {
                    device: match device {
                        DeviceName::Cpu => grid::Device::Cpu,
                        DeviceName::Gpu => grid::Device::Gpu {
                            fp16,
                            batch_rows,
                            gpu_memory: (gpu_memory < 1.0).then(|| {
                                let shape = TrainShape::of(data, test);
                                let plan = GpuMemoryPlan::for_solver(shape, factors, solver, fp16, hermitian);
                                (plan.minimum_bytes() as f64 * gpu_memory) as usize
                            }),
                            kernels,
                        },
                    },
                    factors: vec![factors],
                    solvers: vec![solver],
                    threads: vec![threads],
                    hermitians: vec![hermitian],
                    warmup: case.warmup,
                };
                let base = AlsConfig {
                    factors,
                    iterations: case.warmup + case.repeats,
                    lambda,
                    implicit: feedback.implicit(),
                    alpha,
                    solver: solver.solver,
                    seed: spec.seed,
                    compute_objective: with_metrics,
                    eval: EvalConfig { every: 1, ..EvalConfig::default() },
                    ..AlsConfig::default()
                };
                let bench = grid.run_evaluated(&spec.name, &input, data, test, &base)?;
                let mut c = bench.cases.into_iter().next().context("the training grid recorded no case")?;
                if test.is_some() {
                    let threshold = spec.train.as_ref().and_then(|t| t.threshold_over_oracle);
                    convergence(&mut c.extra, oracle, threshold);
                }
                let rate = c.extra["hermitian_tflop_per_s"].as_f64().map(|t| Rate {
                    value: t,
                    unit: "TFLOP/s".into(),
                    what: "get_hermitian's useful FLOP (nnz·f(f+1)/2 FMAs per side) over its median time".into(),
                    percent_of_peak: self.peak_percent(t),
                });
                Ok(Measured { samples: c.samples_s, params: c.params, extra: c.extra, rate })
            }
            Work::Hermitian { .. } | Work::Cg { .. } | Work::Phases { .. } => self.kernel(case),
            Work::Peer { peer, args, dataset, factors } => {
                let why_not = self.peers.available(peer);
                if let Some(why) = why_not {
                    return Err(Skip(why).into());
                }
                let mut args = args;
                if let Some(name) = dataset {
                    let seed = self.spec.seed;
                    self.dataset(&name)?;
                    let (input, data) = &self.data[&name];
                    let dir = self.peers.export_csr(&name, seed, &data.csr)?;
                    args["csr"] = dir.display().to_string().into();
                    args["input"] = input.clone().into();
                }
                if let Some((users, items, f)) = factors {
                    let seed = self.spec.seed;
                    let fs = self
                        .factors
                        .entry((users, items, f))
                        .or_insert_with(|| init_factors(users, items, f, seed, 1.0));
                    let files = self.peers.export_factors((users, items, f), seed, fs)?;
                    args["users_npy"] = files.0.display().to_string().into();
                    args["items_npy"] = files.1.display().to_string().into();
                }
                let out = match self.peers.measure(peer, &args)? {
                    PeerOutcome::Skipped(why) => return Err(Skip(why).into()),
                    PeerOutcome::Measured { samples, params, extra } => Measured { samples, params, extra, rate: None },
                };
                let rate = match (peer, out.samples.is_empty()) {
                    (PeerName::TorchTopk, false) => {
                        let (b, n, f) = (args["batch"].as_u64(), factors.map(|x| x.1), factors.map(|x| x.2));
                        let (b, n, f) = (b.unwrap_or(0) as usize, n.unwrap_or(0), f.unwrap_or(0));
                        let g = gflop_per_s(scoring_flop(b, n, f), Summary::of(&out.samples).median_s);
                        Some(Rate {
                            value: g,
                            unit: "GFLOP/s".into(),
                            what: "exact scoring FLOP (batch·items·f FMAs) over the median batch time".into(),
                            percent_of_peak: None,
                        })
                    }
                    _ => None,
                };
                Ok(Measured { rate, ..out })
            }
            Work::Serve { backend, users, items, factors, k, threads, config, rate_index } => {
                let seed = self.spec.seed;
                let f = self
                    .factors
                    .entry((users, items, factors))
                    .or_insert_with(|| init_factors(users, items, factors, seed, 1.0));
                let scorer = make_scorer(backend, &f.items, threads, self.kernels)?;
                let mut service = Recorded { inner: MeasuredService::new(scorer, &f.users, k)?, times: Vec::new() };
                let full: Vec<u32> = (0..config.max_batch).map(|i| (i % users) as u32).collect();
                service.serve(&full)?;
                service.serve(&full[..1])?;
                service.times.clear();
                let r = sim::simulate_rate(&config, rate_index, users, &mut service)?;
                anyhow::ensure!(!service.times.is_empty(), "no batch was served");
                Ok(Measured {
                    params: serde_json::json!({
                        "backend": backend.name(), "scorer": service.inner.name(), "k": k, "threads": threads,
                        "n_users": users, "n_items": items, "factors": factors,
                        "model": "random N(0, 1/f) factors", "simulation": config,
                        "samples": "service time of each batch",
                    }),
                    extra: serde_json::json!({
                        "p50_ms": r.p50_ms, "p95_ms": r.p95_ms, "p99_ms": r.p99_ms, "max_ms": r.max_ms,
                        "mean_ms": r.mean_ms, "throughput_rps": r.throughput_rps, "goodput_rps": r.goodput_rps,
                        "arrived": r.arrived, "completed": r.completed, "dropped": r.dropped, "late": r.late,
                        "mean_batch": r.mean_batch, "utilization": r.utilization,
                    }),
                    rate: None,
                    samples: service.times,
                })
            }
            Work::Infer { backend, users, items, factors, batch, k, threads } => {
                let seed = self.spec.seed;
                let f = self
                    .factors
                    .entry((users, items, factors))
                    .or_insert_with(|| init_factors(users, items, factors, seed, 1.0));
                let mut rng = StdRng::seed_from_u64(seed ^ 0xB47C);
                let rows: Vec<usize> = (0..batch).map(|_| rng.random_range(0..users)).collect();
                let queries: Vec<f32> = rows.iter().flat_map(|&u| f.users.row(u).iter().copied()).collect();
                let check: Vec<usize> =
                    (0..case.check_rows.min(batch)).map(|i| i * batch / case.check_rows.min(batch)).collect();
                let mut scorer = make_scorer(backend, &f.items, threads, self.kernels)?;
                let got = scorer.top_k(&queries, None, k)?;
                let agreement =
                    infer::compare_top_k(&got, &queries, &f.items, None, &check, Tolerance::RoundingBound(2.0))?;
                anyhow::ensure!(agreement.is_ok(), "{}: disagrees with the reference: {agreement}", scorer.name());
                for _ in 0..case.warmup {
                    scorer.top_k(&queries, None, k)?;
                }
                let mut samples = Vec::with_capacity(case.repeats);
                for _ in 0..case.repeats {
                    let t = Instant::now();
                    std::hint::black_box(scorer.top_k(&queries, None, k)?);
                    samples.push(t.elapsed().as_secs_f64());
                }
                let median = Summary::of(&samples).median_s;
                let flop = scoring_flop(batch, items, factors);
                let gflops = gflop_per_s(flop, median);
                Ok(Measured {
                    params: serde_json::json!({
                        "backend": backend.name(), "scorer": scorer.name(), "batch": batch, "k": k, "threads": threads,
                        "n_users": users, "n_items": items, "factors": factors,
                        "model": "random N(0, 1/f) factors", "seed": seed,
                    }),
                    extra: serde_json::json!({
                        "gflop_per_s": gflops,
                        "items_scored_per_s": (batch * items) as f64 / median,
                        "agreement": agreement.to_string(),
                    }),
                    rate: Some(Rate {
                        value: gflops,
                        unit: "GFLOP/s".into(),
                        what: "exact scoring FLOP (batch·items·f FMAs) over the median batch time".into(),
                        percent_of_peak: None,
                    }),
                    samples,
                })
            }
        }
    }

    #[cfg(not(feature = "gpu"))]
    fn kernel(&mut self, _: &Case) -> Result<Measured> {
        Err(Skip("needs a GPU: this rustmf was built without the gpu feature".into()).into())
    }

    #[cfg(feature = "gpu")]
    fn kernel(&mut self, case: &Case) -> Result<Measured> {
        use super::kernels::{cg_case, hermitian_case, phases_case, KernelSetup};
        use crate::bench::flops::hermitian_flop;
        use crate::gpu::als::GpuSolver;
        let gpu = self.gpu.gpu.clone().context("no GPU opened")?;
        let (spec, prov) = (self.spec, self.prov.clone());
        let (dataset, feedback, factors, lambda, alpha) = match &case.work {
            Work::Hermitian { dataset, feedback, factors, lambda, alpha, .. }
            | Work::Cg { dataset, feedback, factors, lambda, alpha, .. }
            | Work::Phases { dataset, feedback, factors, lambda, alpha, .. } => {
                (dataset.clone(), *feedback, *factors, *lambda, *alpha)
            }
            _ => unreachable!(),
        };
        let (input, data) = self.dataset(&dataset)?;
        let cfg = AlsConfig {
            factors,
            lambda,
            implicit: feedback.implicit(),
            alpha,
            seed: spec.seed,
            ..AlsConfig::default()
        };
        let start = init_factors(data.n_users(), data.n_items(), factors, spec.seed, cfg.init_scale);
        let setup = KernelSetup {
            gpu: gpu.clone(),
            data,
            start: &start,
            cfg: &cfg,
            batch_rows: case.batch_rows,
            warmup: case.warmup,
            repeats: case.repeats,
        };
        let mut params = serde_json::json!({
            "input": input, "n_users": data.n_users(), "n_items": data.n_items(), "nnz": data.nnz(),
            "factors": factors, "implicit": cfg.implicit, "lambda": lambda, "alpha": alpha,
            "repeats": case.repeats, "warmup": case.warmup, "batch_rows": case.batch_rows,
        });
        match case.work {
            Work::Hermitian { version, .. } => {
                if version.needs_sm90a() && gpu.entry(version.entry(factors, false)).is_err() {
                    return Err(Skip(format!(
                        "get_hermitian {version} uses wgmma, in the sm_90a PTX only (H100/H200); this GPU runs sm_{}",
                        gpu.ptx_arch
                    ))
                    .into());
                }
                let (samples, mut extra) = hermitian_case(&setup, version)?;
                let flop = hermitian_flop(data.nnz(), factors);
                let gflops = gflop_per_s(flop, Summary::of(&samples).median_s);
                params["hermitian"] = version.name().into();
                params["useful_flop"] = flop.into();
                extra["useful_gflop_per_s"] = gflops.into();
                if let (Some(p), Some(how)) = (prov.fp32_peak_tflop_per_s, &prov.peak_computed_as) {
                    extra["percent_of_fp32_fma_peak"] = (gflops / 1e3 / p * 100.0).into();
                    extra["peak_computed_as"] = how.clone().into();
                }
                let rate = Rate {
                    value: gflops / 1e3,
                    unit: "TFLOP/s".into(),
                    what: "useful FLOP (nnz·f(f+1)/2 FMAs per side, 2 FLOP each) over the median time".into(),
                    percent_of_peak: prov.fp32_peak_tflop_per_s.map(|p| 100.0 * gflops / 1e3 / p),
                };
                Ok(Measured { samples, params, extra, rate: Some(rate) })
            }
            Work::Phases { staging, .. } => {
                let (samples, extra) = phases_case(&setup, staging)?;
                params["hermitian"] = "v3 with the staging of the case, stopped after each phase".into();
                params["staging"] = staging.paper_name().into();
                Ok(Measured { samples, params, extra, rate: None })
            }
            Work::Cg { fp16, steps, .. } => {
                let solver =
                    if fp16 { GpuSolver::CgHalf { steps, tol: 0.0 } } else { GpuSolver::Cg { steps, tol: 0.0 } };
                let (samples, extra) = cg_case(&setup, solver, steps)?;
                params["solver"] = solver.name().into();
                let get = |k: &str| extra[k].as_f64().unwrap_or(f64::NAN);
                let rate = Rate {
                    value: get("dram_gb_per_s"),
                    unit: "GB/s".into(),
                    what: "DRAM bytes CG moves (A once, b and x) over the median time; % of a device copy's rate"
                        .into(),
                    percent_of_peak: Some(100.0 * get("dram_gb_per_s") / get("memcpy_gb_per_s")),
                };
                Ok(Measured { samples, params, extra, rate: Some(rate) })
            }
            _ => unreachable!(),
        }
    }
}

/// Adds to a training case's `extra` (holding its `curve`) the held-out figures of merit: the best
/// and last test metric, the planted model's test RMSE (`oracle_test_rmse`), and the cumulative
/// ALS time until the test RMSE first reached `threshold × oracle` and until it came within 0.5%
/// of the best RMSE of the run (null where never reached) — the latter also from the data on the
/// host (`setup_s`: the backend opened, the data and start factors uploaded, plus that ALS time).
fn convergence(extra: &mut serde_json::Value, oracle: Option<f64>, threshold: Option<f64>) {
    let points: Vec<(f64, f64)> = extra["curve"]
        .as_array()
        .map(|c| {
            c.iter().filter_map(|p| Some((p["als_s"].as_f64()?, p["rmse"].as_f64().or(p["ndcg"].as_f64())?))).collect()
        })
        .unwrap_or_default();
    let Some(&(_, last)) = points.last() else { return };
    let rmse = extra["curve"][0]["rmse"].is_number();
    let better = |a: f64, b: f64| if rmse { a < b } else { a > b };
    let best = points.iter().map(|p| p.1).fold(last, |b, v| if better(v, b) { v } else { b });
    let first_time = |ok: &dyn Fn(f64) -> bool| points.iter().find(|p| ok(p.1)).map(|p| p.0);
    extra["metric"] = if rmse { "test_rmse" } else { "test_ndcg_at_10" }.into();
    extra["final_metric"] = last.into();
    extra["best_metric"] = best.into();
    let near_best = if rmse { best * 1.005 } else { best * 0.995 };
    let to_near_best = first_time(&|v| !better(near_best, v));
    extra["als_s_to_within_0.5pct_of_best"] = to_near_best.into();
    if let Some(setup) = extra["setup_s"].as_f64() {
        extra["host_s_to_within_0.5pct_of_best"] = to_near_best.map(|t| setup + t).into();
    }
    if let (true, Some(o)) = (rmse, oracle) {
        extra["oracle_test_rmse"] = o.into();
        if let Some(x) = threshold {
            extra["threshold_rmse"] = (x * o).into();
            extra["threshold_over_oracle"] = x.into();
            extra["als_s_to_threshold"] = first_time(&|v| v <= x * o).into();
        }
    }
}

/// A service that keeps the time of every batch it serves.
struct Recorded<'a> {
    inner: MeasuredService<'a>,
    times: Vec<f64>,
}

impl ServiceModel for Recorded<'_> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn serve(&mut self, users: &[u32]) -> Result<f64> {
        let t = self.inner.serve(users)?;
        self.times.push(t);
        Ok(t)
    }
}

/// A case that cannot run here, with the reason (recorded as skipped, not as failed).
#[derive(Debug)]
struct Skip(String);

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Skip {}

/// The results folders of `spec` under `out` (one per machine that ran it).
pub fn result_dirs(out: &Path, spec: &Spec) -> Vec<PathBuf> {
    let base = out.join(&spec.name);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.join(ResultsFile::JSON).is_file()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

#[cfg(test)]
mod tests {
    use super::convergence;
    use serde_json::json;

    #[test]
    fn convergence_times_the_threshold_and_the_best_from_the_curve_and_the_set_up() {
        let curve = [(1.0, 1.20), (2.0, 0.95), (3.0, 0.902), (4.0, 0.90), (5.0, 0.901)];
        let curve: Vec<_> = curve.iter().map(|&(t, r)| json!({"als_s": t, "rmse": r})).collect();
        let mut extra = json!({"curve": curve, "setup_s": 0.25});
        convergence(&mut extra, Some(0.8), Some(1.2));
        assert_eq!(extra["best_metric"], 0.90);
        assert_eq!(extra["final_metric"], 0.901);
        assert_eq!(extra["als_s_to_threshold"], 2.0);
        assert_eq!(extra["als_s_to_within_0.5pct_of_best"], 3.0);
        assert_eq!(extra["host_s_to_within_0.5pct_of_best"], 3.25);
        convergence(&mut extra, Some(0.5), Some(1.2));
        assert!(extra["als_s_to_threshold"].is_null());
    }
}
