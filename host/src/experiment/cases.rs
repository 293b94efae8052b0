//! A spec's grids expanded into cases: every combination of each section's lists, in the
//! spec's order, each with a stable id built from its dimensions (what `run` skips by and
//! `compare` matches by).

use std::collections::BTreeMap;

use super::spec::{hermitians, DeviceName, Feedback, PeerName, PhaseStaging, Precision, Spec};
use crate::model::Hermitian;
use crate::serve::sim::SimConfig;
use crate::serve::ScorerBackend;
use crate::train::grid::SolverChoice;
use rustmf_kernel_abi::hermitian_phases::Staging;

/// The order in which dimensions appear in ids, labels and tables.
pub const DIM_ORDER: [&str; 25] = [
    "peer",
    "dataset",
    "device",
    "feedback",
    "f",
    "lambda",
    "alpha",
    "solver",
    "hermitian",
    "fp16",
    "threads",
    "test_fraction",
    "with_metrics",
    "gpu_memory",
    "version",
    "staging",
    "precision",
    "steps",
    "backend",
    "batch",
    "k",
    "users",
    "items",
    "rate",
    "batch_rows",
];

/// Every (threads, with_metrics, gpu_memory) of a training case, in that nesting.
fn variants(threads: &[usize], with_metrics: &[bool], memories: &[f64]) -> Vec<(usize, bool, f64)> {
    let mut out = Vec::new();
    for &th in threads {
        for &m in with_metrics {
            out.extend(memories.iter().map(|&g| (th, m, g)));
        }
    }
    out
}

/// What one case runs.
#[derive(Debug, Clone)]
pub enum Work {
    /// ALS training, per-iteration time.
    Train {
        dataset: String,
        device: DeviceName,
        feedback: Feedback,
        factors: usize,
        lambda: f32,
        alpha: f32,
        solver: SolverChoice,
        hermitian: Hermitian,
        fp16: bool,
        threads: usize,
        batch_rows: Option<usize>,
        /// Held out and evaluated after every iteration ([`super::spec::TrainSection::test_fraction`]).
        test_fraction: Option<f64>,
        /// Samples include the objective and test metrics ([`super::spec::TrainSection::with_metrics`]).
        with_metrics: bool,
        /// GPU memory as a share of the in-core minimum ([`super::spec::TrainSection::gpu_memory`]).
        gpu_memory: f64,
    },
    /// get_hermitian alone over both half-steps (GPU).
    Hermitian { dataset: String, feedback: Feedback, factors: usize, lambda: f32, alpha: f32, version: Hermitian },
    /// The CG solver alone over both sides, against a device-to-device copy (GPU).
    Cg { dataset: String, feedback: Feedback, factors: usize, lambda: f32, alpha: f32, fp16: bool, steps: u32 },
    /// get_hermitian's load / compute / write phases for one way of staging θ (GPU).
    Phases { dataset: String, feedback: Feedback, factors: usize, lambda: f32, alpha: f32, staging: Staging },
    /// One top-k batch of a scorer on random factors.
    Infer {
        backend: ScorerBackend,
        users: usize,
        items: usize,
        factors: usize,
        batch: usize,
        k: usize,
        /// cpu-mt's thread count (0: all cores).
        threads: usize,
    },
    /// The load simulator at one offered rate (`config.rates[rate_index]`) on one scorer.
    Serve {
        backend: ScorerBackend,
        users: usize,
        items: usize,
        factors: usize,
        k: usize,
        threads: usize,
        config: SimConfig,
        rate_index: usize,
    },
    /// A peer library through `benches/peers.py`: `args` go to it as JSON; `dataset` is exported
    /// for it (training peers), `factors` (users, items, f) for the scoring peer.
    Peer { peer: PeerName, args: serde_json::Value, dataset: Option<String>, factors: Option<(usize, usize, usize)> },
}

impl Work {
    /// Whether the case needs a GPU.
    pub fn needs_gpu(&self) -> bool {
        match self {
            Work::Train { device, .. } => *device == DeviceName::Gpu,
            Work::Hermitian { .. } | Work::Cg { .. } | Work::Phases { .. } => true,
            Work::Infer { backend, .. } | Work::Serve { backend, .. } => {
                !matches!(backend, ScorerBackend::Cpu1 | ScorerBackend::CpuMt)
            }
            // The peer's own library finds (or misses) the GPU; peers.py says why it skips.
            Work::Peer { .. } => false,
        }
    }

    pub fn dataset(&self) -> Option<&str> {
        match self {
            Work::Train { dataset, .. }
            | Work::Hermitian { dataset, .. }
            | Work::Cg { dataset, .. }
            | Work::Phases { dataset, .. } => Some(dataset),
            Work::Infer { .. } | Work::Serve { .. } => None,
            Work::Peer { dataset, .. } => dataset.as_deref(),
        }
    }
}

/// One case of the grid.
#[derive(Debug, Clone)]
pub struct Case {
    /// `<kind>: dim=value …` in [`DIM_ORDER`].
    pub id: String,
    /// train, hermitian, cg, phases, infer or serve.
    pub kind: &'static str,
    pub dims: BTreeMap<String, String>,
    pub work: Work,
    pub repeats: usize,
    pub warmup: usize,
    /// GPU rows per batch (GPU ALS and kernels; default: as many as fit).
    pub batch_rows: Option<usize>,
    /// Rows of an inference answer checked against the reference.
    pub check_rows: usize,
}

/// `<kind>: k=v …` with the dimensions in [`DIM_ORDER`] (unknown ones last, by name).
pub fn case_id(kind: &str, dims: &BTreeMap<String, String>) -> String {
    let parts: Vec<String> = ordered(dims).into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{kind}: {}", parts.join(" "))
}

/// `dims` in [`DIM_ORDER`].
pub fn ordered(dims: &BTreeMap<String, String>) -> Vec<(&str, &str)> {
    let rank = |k: &str| DIM_ORDER.iter().position(|d| *d == k).unwrap_or(DIM_ORDER.len());
    let mut v: Vec<(&str, &str)> = dims.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    v.sort_by_key(|(k, _)| (rank(k), *k));
    v
}

fn dims(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// Every case of `spec`, in order, without repeats.
pub fn expand(spec: &Spec) -> Vec<Case> {
    let mut out: Vec<Case> = Vec::new();
    let mut push = |kind: &'static str,
                    d: BTreeMap<String, String>,
                    work: Work,
                    r: (usize, usize),
                    extra: (Option<usize>, usize)| {
        let id = case_id(kind, &d);
        if !out.iter().any(|c| c.id == id) {
            out.push(Case {
                id,
                kind,
                dims: d,
                work,
                repeats: r.0,
                warmup: r.1,
                batch_rows: extra.0,
                check_rows: extra.1,
            });
        }
    };
    let all_datasets: Vec<String> = spec.datasets.iter().map(|d| d.name.clone()).collect();
    let pick = |list: &[String]| if list.is_empty() { all_datasets.clone() } else { list.to_vec() };
    let lambdas = |list: &[f32], fb: Feedback, ds: &str| {
        let own = spec.datasets.iter().find(|d| d.name == ds).and_then(|d| d.lambda);
        if list.is_empty() {
            vec![own.unwrap_or(fb.default_lambda())]
        } else {
            list.to_vec()
        }
    };
    let alphas = |list: &[f32], fb: Feedback| if fb.implicit() { list.to_vec() } else { vec![list[0]] };

    if let Some(t) = &spec.train {
        let r = (t.repeats.unwrap_or(spec.repeats), t.warmup.unwrap_or(spec.warmup));
        let versions = hermitians(&t.hermitian);
        for ds in pick(&t.datasets) {
            for &device in &t.device {
                let gpu = device == DeviceName::Gpu;
                for &fb in &t.feedback {
                    for &f in &t.factors {
                        for lambda in lambdas(&t.lambda, fb, &ds) {
                            for alpha in alphas(&t.alpha, fb) {
                                // cublas-lu and cg-mf* are GPU solvers: a CPU device leaves them out.
                                for &s in t.solver.iter().filter(|s| gpu || !s.gpu_only()) {
                                    let steps = if s.is_cg() { t.cg_steps.clone() } else { vec![0] };
                                    let hs = if gpu { versions.clone() } else { vec![Hermitian::DEFAULT] };
                                    let fp16s = if gpu && s.is_cg_on_formed_a() { t.fp16.clone() } else { vec![false] };
                                    let threads = if gpu { vec![0] } else { t.threads.clone() };
                                    let memories = if gpu { t.gpu_memory.clone() } else { vec![1.0] };
                                    for &n in &steps {
                                        for &h in &hs {
                                            for &fp16 in &fp16s {
                                                for (th, with_metrics, gpu_memory) in
                                                    variants(&threads, &t.with_metrics, &memories)
                                                {
                                                    let choice = s.choice(n);
                                                    let mut d = vec![
                                                        ("dataset", ds.clone()),
                                                        ("device", format!("{device:?}").to_lowercase()),
                                                        ("feedback", fb.name().to_string()),
                                                        ("f", f.to_string()),
                                                        ("lambda", lambda.to_string()),
                                                        ("solver", choice.name()),
                                                    ];
                                                    if fb.implicit() {
                                                        d.push(("alpha", alpha.to_string()));
                                                    }
                                                    if gpu {
                                                        d.push(("hermitian", h.name()));
                                                        d.push(("fp16", fp16.to_string()));
                                                    } else {
                                                        d.push(("threads", th.to_string()));
                                                    }
                                                    if let Some(x) = t.test_fraction {
                                                        d.push(("test_fraction", x.to_string()));
                                                    }
                                                    if with_metrics {
                                                        d.push(("with_metrics", "true".to_string()));
                                                    }
                                                    if gpu_memory < 1.0 {
                                                        d.push(("gpu_memory", gpu_memory.to_string()));
                                                    }
                                                    let work = Work::Train {
                                                        dataset: ds.clone(),
                                                        device,
                                                        feedback: fb,
                                                        factors: f,
                                                        lambda,
                                                        alpha,
                                                        solver: choice,
                                                        hermitian: h,
                                                        fp16,
                                                        threads: th,
                                                        batch_rows: t.batch_rows,
                                                        test_fraction: t.test_fraction,
                                                        with_metrics,
                                                        gpu_memory,
                                                    };
                                                    push("train", dims(&d), work, r, (t.batch_rows, 0));
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(k) = &spec.kernels {
        let r = (k.repeats.unwrap_or(spec.repeats), k.warmup.unwrap_or(spec.warmup));
        let versions = hermitians(&k.hermitian);
        for ds in pick(&k.datasets) {
            for &fb in &k.feedback {
                for &f in &k.factors {
                    for lambda in lambdas(&k.lambda, fb, &ds) {
                        for alpha in alphas(&k.alpha, fb) {
                            let mut base = vec![
                                ("dataset", ds.clone()),
                                ("feedback", fb.name().to_string()),
                                ("f", f.to_string()),
                                ("lambda", lambda.to_string()),
                            ];
                            if fb.implicit() {
                                base.push(("alpha", alpha.to_string()));
                            }
                            for &v in &versions {
                                let mut d = base.clone();
                                d.push(("version", v.name()));
                                let work = Work::Hermitian {
                                    dataset: ds.clone(),
                                    feedback: fb,
                                    factors: f,
                                    lambda,
                                    alpha,
                                    version: v,
                                };
                                push("hermitian", dims(&d), work, r, (k.batch_rows, 0));
                            }
                            for &PhaseStaging(staging) in &k.phases {
                                let mut d = base.clone();
                                d.push(("staging", staging.paper_name().to_string()));
                                let work = Work::Phases {
                                    dataset: ds.clone(),
                                    feedback: fb,
                                    factors: f,
                                    lambda,
                                    alpha,
                                    staging,
                                };
                                push("phases", dims(&d), work, r, (k.batch_rows, 0));
                            }
                            for &p in &k.cg {
                                for &steps in &k.cg_steps {
                                    let mut d = base.clone();
                                    d.push(("precision", format!("{p:?}").to_lowercase()));
                                    d.push(("steps", steps.to_string()));
                                    let fp16 = p == Precision::Fp16;
                                    let work = Work::Cg {
                                        dataset: ds.clone(),
                                        feedback: fb,
                                        factors: f,
                                        lambda,
                                        alpha,
                                        fp16,
                                        steps,
                                    };
                                    push("cg", dims(&d), work, r, (k.batch_rows, 0));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(i) = &spec.infer {
        let r = (i.repeats.unwrap_or(spec.repeats), i.warmup.unwrap_or(spec.warmup));
        for &f in &i.factors {
            for b in &i.backends {
                let threads = if b.0 == ScorerBackend::CpuMt { i.threads.clone() } else { vec![1] };
                for &batch in &i.batch {
                    for &k in &i.k {
                        for &th in &threads {
                            let mut d = vec![
                                ("backend", b.0.name().to_string()),
                                ("f", f.to_string()),
                                ("batch", batch.to_string()),
                                ("k", k.to_string()),
                                ("users", i.users.to_string()),
                                ("items", i.items.to_string()),
                            ];
                            if b.0 == ScorerBackend::CpuMt {
                                d.push(("threads", th.to_string()));
                            }
                            let work = Work::Infer {
                                backend: b.0,
                                users: i.users,
                                items: i.items,
                                factors: f,
                                batch,
                                k,
                                threads: th,
                            };
                            push("infer", dims(&d), work, r, (None, i.check_rows));
                        }
                    }
                }
            }
        }
    }
    if let Some(sv) = &spec.serve {
        let config = spec.serve_config(sv);
        for &f in &sv.factors {
            for b in &sv.backends {
                for (rate_index, rate) in sv.rates.iter().enumerate() {
                    let mut d = vec![
                        ("backend", b.0.name().to_string()),
                        ("f", f.to_string()),
                        ("k", sv.k.to_string()),
                        ("users", sv.users.to_string()),
                        ("items", sv.items.to_string()),
                        ("rate", rate.to_string()),
                    ];
                    if b.0 == ScorerBackend::CpuMt {
                        d.push(("threads", sv.threads.to_string()));
                    }
                    let work = Work::Serve {
                        backend: b.0,
                        users: sv.users,
                        items: sv.items,
                        factors: f,
                        k: sv.k,
                        threads: sv.threads,
                        config: config.clone(),
                        rate_index,
                    };
                    push("serve", dims(&d), work, (1, 0), (None, 0));
                }
            }
        }
    }
    if let Some(p) = &spec.peers {
        let r = (p.repeats.unwrap_or(spec.repeats), p.warmup.unwrap_or(spec.warmup));
        for &peer in &p.run {
            match peer {
                PeerName::ImplicitCpu | PeerName::ImplicitGpu => {
                    let Some(t) = &spec.train else { continue };
                    let gpu = peer == PeerName::ImplicitGpu;
                    // implicit's GPU ALS is CG only (its own step count); the CPU one has Cholesky and CG.
                    let mut solvers: Vec<(String, usize)> = Vec::new();
                    for s in &t.solver {
                        let add: Vec<(String, usize)> = match s {
                            _ if gpu => vec![("cg".into(), 3)],
                            _ if !s.is_cg() => vec![("cholesky".into(), 0)],
                            _ => t.cg_steps.iter().map(|&n| ("cg".to_string(), n)).collect(),
                        };
                        for a in add {
                            if !solvers.contains(&a) {
                                solvers.push(a);
                            }
                        }
                    }
                    let threads = if gpu { vec![0] } else { t.threads.clone() };
                    for ds in pick(&t.datasets) {
                        for &f in &t.factors {
                            for lambda in lambdas(&t.lambda, Feedback::Implicit, &ds) {
                                for &alpha in &t.alpha {
                                    for (solver, steps) in &solvers {
                                        for &th in &threads {
                                            let name =
                                                if solver == "cg" { format!("cg{steps}") } else { solver.clone() };
                                            let mut d = vec![
                                                ("peer", peer.name().to_string()),
                                                ("dataset", ds.clone()),
                                                ("device", if gpu { "gpu" } else { "cpu" }.to_string()),
                                                ("feedback", "implicit".to_string()),
                                                ("f", f.to_string()),
                                                ("lambda", lambda.to_string()),
                                                ("alpha", alpha.to_string()),
                                                ("solver", name),
                                            ];
                                            if !gpu {
                                                d.push(("threads", th.to_string()));
                                            }
                                            let args = serde_json::json!({
                                                "factors": f, "lambda": lambda, "alpha": alpha, "solver": solver,
                                                "cg_steps": steps, "threads": th, "warmup": r.1,
                                                "iterations": r.0 + r.1, "seed": spec.seed,
                                            });
                                            let work =
                                                Work::Peer { peer, args, dataset: Some(ds.clone()), factors: None };
                                            push("train", dims(&d), work, r, (None, 0));
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                PeerName::TorchTopk => {
                    let Some(i) = &spec.infer else { continue };
                    for &f in &i.factors {
                        for &batch in &i.batch {
                            for &k in &i.k {
                                let d = vec![
                                    ("peer", peer.name().to_string()),
                                    ("backend", "torch-mm-topk".to_string()),
                                    ("f", f.to_string()),
                                    ("batch", batch.to_string()),
                                    ("k", k.to_string()),
                                    ("users", i.users.to_string()),
                                    ("items", i.items.to_string()),
                                ];
                                let args = serde_json::json!({
                                    "batch": batch, "k": k, "warmup": r.1, "repeats": r.0, "seed": spec.seed,
                                });
                                let work =
                                    Work::Peer { peer, args, dataset: None, factors: Some((i.users, i.items, f)) };
                                push("infer", dims(&d), work, r, (None, 0));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// The cases `experiment run --quick` keeps: for each figure the first case it would draw (the
/// spec's order), and the first case of each kind that no figure draws; rustmf's own cases only
/// (peers run in full runs).
pub fn quick(spec: &Spec, cases: &[Case]) -> Vec<Case> {
    let ours: Vec<usize> = (0..cases.len()).filter(|&i| !matches!(cases[i].work, Work::Peer { .. })).collect();
    let mut keep: Vec<usize> = Vec::new();
    for fig in &spec.figures {
        let shown = |c: &Case| {
            fig.cases.as_ref().is_none_or(|k| *k == c.kind) && fig.filter.iter().all(|(k, v)| c.dims.get(k) == Some(v))
        };
        if let Some(&i) = ours.iter().find(|&&i| shown(&cases[i])) {
            keep.push(i);
        }
    }
    for &i in &ours {
        if !keep.iter().any(|&k| cases[k].kind == cases[i].kind) {
            keep.push(i);
        }
    }
    keep.sort_unstable();
    keep.dedup();
    keep.into_iter().map(|i| cases[i].clone()).collect()
}

/// Whether `id` passes `--only`: every whitespace-separated word of the filter occurs in it.
pub fn matches_filter(id: &str, filter: Option<&str>) -> bool {
    filter.is_none_or(|f| f.split_whitespace().all(|w| id.contains(w)))
}
