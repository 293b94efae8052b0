//! Experiment specs: a TOML file that names datasets, the grids of the training, kernel and
//! inference benchmarks, repeats and warm-up, and the figures to draw. Every list of a grid
//! multiplies; a single value may be written without brackets. Unknown keys and wrong types are
//! errors that name the line (`toml`'s spans).
//!
//! ```toml
//! name = "cpu-smoke"
//! repeats = 3
//! warmup = 1
//!
//! [[dataset]]
//! name = "tiny"
//! preset = "demo"      # synth:PRESET:SCALE; or `shaped = "netflix"`, or `file = "data.cache"`
//! scale = 0.05
//!
//! [train]
//! device = "cpu"
//! feedback = "explicit"
//! factors = [8, 16]
//! solver = ["cholesky", "cg"]
//!
//! [[figure]]
//! name = "train-time"
//! kind = "bars"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::de::{self, IntoDeserializer, Visitor};
use serde::{Deserialize, Deserializer};

use crate::data::synth::Preset;
use crate::model::{Hermitian, MatrixFree, Solver};
use crate::serve::sim::{Requests, SimConfig};
use crate::serve::ScorerBackend;
use crate::train::grid::SolverChoice;
use rustmf_kernel_abi::hermitian_phases::Staging;

/// A parsed spec.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The experiment's name (results go to `<out>/<name>/<machine>/`); default: the file's stem.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Timed repeats per case (training: timed iterations).
    #[serde(default = "five")]
    pub repeats: usize,
    /// Untimed runs before the timed ones (training: leading iterations left out).
    #[serde(default = "one")]
    pub warmup: usize,
    #[serde(default = "seed")]
    pub seed: u64,
    #[serde(default, rename = "dataset")]
    pub datasets: Vec<DatasetSpec>,
    pub train: Option<TrainSection>,
    pub kernels: Option<KernelSection>,
    pub infer: Option<InferSection>,
    pub serve: Option<ServeSection>,
    pub peers: Option<PeerSection>,
    #[serde(default, rename = "figure")]
    pub figures: Vec<FigureSpec>,
}

/// Timed repeats per case at most in `experiment run --quick`.
pub const QUICK_REPEATS: usize = 2;
/// Seconds of arrivals per rate at most in `experiment run --quick`.
pub const QUICK_SERVE_SECONDS: f64 = 0.5;

fn five() -> usize {
    5
}
fn one() -> usize {
    1
}
fn seed() -> u64 {
    42
}

/// One dataset: exactly one of `file`, `preset` (the planted synthetic presets: `synth:PRESET:SCALE`),
/// `shaped` (the power-law generator: `shaped:NAME:SCALE`) or `input` (any `--input` spec).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    pub name: String,
    pub file: Option<PathBuf>,
    pub preset: Option<String>,
    pub shaped: Option<String>,
    pub input: Option<String>,
    /// Scale of a preset (users and nnz multiplied; default 1) or of a shaped set (default 0.01).
    pub scale: Option<f64>,
    /// The scale `experiment run --quick` uses instead (default: `scale`).
    pub quick_scale: Option<f64>,
    /// λ on this dataset where a section gives no `lambda` (a paper's per-dataset setting).
    pub lambda: Option<f32>,
}

impl DatasetSpec {
    /// The planted preset and its scale, for a `preset` dataset.
    pub fn preset(&self) -> Result<Option<(Preset, f64)>> {
        let Some(p) = &self.preset else { return Ok(None) };
        let preset: Preset = p.parse().map_err(|e: String| anyhow::anyhow!("dataset {:?}: {e}", self.name))?;
        Ok(Some((preset, self.scale.unwrap_or(1.0))))
    }

    /// The `--input` spec that `data::input::load_input` reads.
    pub fn input(&self) -> Result<String> {
        let given = [self.file.is_some(), self.preset.is_some(), self.shaped.is_some(), self.input.is_some()];
        anyhow::ensure!(
            given.iter().filter(|g| **g).count() == 1,
            "dataset {:?}: give exactly one of file, preset, shaped, input",
            self.name
        );
        if let Some((preset, scale)) = self.preset()? {
            return Ok(format!("synth:{preset}:{scale}"));
        }
        if let Some(s) = &self.shaped {
            return Ok(format!("shaped:{s}:{}", self.scale.unwrap_or(0.01)));
        }
        anyhow::ensure!(
            self.scale.is_none() && self.quick_scale.is_none(),
            "dataset {:?}: scale and quick_scale apply to preset and shaped only",
            self.name
        );
        Ok(match (&self.file, &self.input) {
            (Some(f), _) => f.display().to_string(),
            (_, Some(i)) => i.clone(),
            _ => unreachable!(),
        })
    }
}

/// Where a training case runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceName {
    Cpu,
    Gpu,
}

/// Explicit ratings (weighted-λ) or implicit feedback (confidences).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Feedback {
    Explicit,
    Implicit,
}

impl Feedback {
    pub fn implicit(self) -> bool {
        self == Feedback::Implicit
    }
    pub fn name(self) -> &'static str {
        if self.implicit() {
            "implicit"
        } else {
            "explicit"
        }
    }
    /// λ when the spec gives none (as `train`: 0.1 implicit, 0.05 explicit).
    pub fn default_lambda(self) -> f32 {
        if self.implicit() {
            0.1
        } else {
            0.05
        }
    }
}

/// A solver as `train --solver` spells it: one of [`SolverChoice::NAMES`], whose meaning
/// [`SolverChoice::from_name`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SolverName(&'static str);

impl<'de> Deserialize<'de> for SolverName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SolverChoice::NAMES.iter().find(|&&n| n == s).map(|&n| SolverName(n)).ok_or_else(|| {
            de::Error::custom(format!("unknown solver {s:?} (known: {})", SolverChoice::NAMES.join(", ")))
        })
    }
}

impl SolverName {
    pub const CHOLESKY: SolverName = SolverName("cholesky");

    /// The training grid's choice, with `steps` CG steps.
    pub fn choice(self, steps: usize) -> SolverChoice {
        SolverChoice::from_name(self.0, steps, None).expect("a SolverName is one of SolverChoice::NAMES")
    }
    pub fn is_cg(self) -> bool {
        matches!(self.choice(1).solver, Solver::Cg { .. })
    }
    pub fn gpu_only(self) -> bool {
        let c = self.choice(1);
        c.cublas_lu || c.matrix_free != MatrixFree::Off
    }
    /// CG on a formed A (the solver that can store A in fp16).
    pub fn is_cg_on_formed_a(self) -> bool {
        self.is_cg() && self.choice(1).matrix_free == MatrixFree::Off
    }
}

/// A get_hermitian choice: one version (`"v8"`, `8`, `"cublas"`) or `"all"` (every version of
/// `Hermitian::all()`, the cuBLAS baseline first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HermitianSel {
    All,
    One(Hermitian),
}

impl<'de> Deserialize<'de> for HermitianSel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HermitianSel;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a get_hermitian version (\"v8\", 8, \"cublas\") or \"all\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<HermitianSel, E> {
                if s == "all" {
                    return Ok(HermitianSel::All);
                }
                s.parse().map(HermitianSel::One).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<HermitianSel, E> {
                self.visit_str(&n.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

/// Expand a list of [`HermitianSel`] into versions, in order, without repeats.
pub fn hermitians(sel: &[HermitianSel]) -> Vec<Hermitian> {
    let mut out: Vec<Hermitian> = Vec::new();
    for s in sel {
        let add: Vec<Hermitian> = match s {
            HermitianSel::All => Hermitian::all().collect(),
            HermitianSel::One(h) => vec![*h],
        };
        for h in add {
            if !out.contains(&h) {
                out.push(h);
            }
        }
    }
    out
}

/// A scorer backend by name or alias (`cpu1`, `cpu-mt`, `gpu-fused`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backend(pub ScorerBackend);

impl<'de> Deserialize<'de> for Backend {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ScorerBackend::from_name(&s).map(Backend).map_err(de::Error::custom)
    }
}

/// A way of staging θ in the phase kernels, by its name in the paper's Fig. 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseStaging(pub Staging);

impl<'de> Deserialize<'de> for PhaseStaging {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Staging::ALL.into_iter().find(|x| x.paper_name() == s).map(PhaseStaging).ok_or_else(|| {
            let names: Vec<&str> = Staging::ALL.iter().map(|x| x.paper_name()).collect();
            de::Error::custom(format!("unknown staging {s:?} (known: {})", names.join(", ")))
        })
    }
}

/// CG precision of the kernel benchmark: A in fp32 or fp16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Fp32,
    Fp16,
}

/// `[train]`: whole ALS training runs, per-iteration time (the training grid).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSection {
    /// Dataset names (default: every dataset).
    #[serde(default, deserialize_with = "one_or_many")]
    pub datasets: Vec<String>,
    #[serde(default = "cpu", deserialize_with = "one_or_many")]
    pub device: Vec<DeviceName>,
    #[serde(default = "explicit", deserialize_with = "one_or_many")]
    pub feedback: Vec<Feedback>,
    #[serde(deserialize_with = "one_or_many")]
    pub factors: Vec<usize>,
    /// Default: the dataset's `lambda`, else 0.05 explicit, 0.1 implicit.
    #[serde(default, deserialize_with = "one_or_many")]
    pub lambda: Vec<f32>,
    /// Implicit only.
    #[serde(default = "alpha", deserialize_with = "one_or_many")]
    pub alpha: Vec<f32>,
    #[serde(default = "cholesky", deserialize_with = "one_or_many")]
    pub solver: Vec<SolverName>,
    /// CG solvers only.
    #[serde(default = "three", deserialize_with = "one_or_many")]
    pub cg_steps: Vec<usize>,
    /// GPU only.
    #[serde(default = "v_default", deserialize_with = "one_or_many")]
    pub hermitian: Vec<HermitianSel>,
    /// GPU CG solvers only: A in fp16.
    #[serde(default = "no", deserialize_with = "one_or_many")]
    pub fp16: Vec<bool>,
    /// CPU only (0: all cores).
    #[serde(default = "zero", deserialize_with = "one_or_many")]
    pub threads: Vec<usize>,
    pub batch_rows: Option<usize>,
    /// Hold out this fraction of each user's interactions (seeded) and evaluate on it after every
    /// iteration, outside the timed half-steps (test RMSE explicit, NDCG@10 implicit): the case
    /// records the metric against the cumulative ALS time (cuMF_als Fig. 6). Default: no hold-out.
    pub test_fraction: Option<f64>,
    /// With `test_fraction` on a planted preset (explicit): the case also records the ALS time until
    /// the test RMSE first reaches this multiple of the planted model's own test RMSE (Table IV's
    /// "acceptable RMSE", stated against what is achievable on synthetic data).
    pub threshold_over_oracle: Option<f64>,
    /// With `true`, the training objective is computed after every iteration (and the test metrics,
    /// with `test_fraction`), and each sample is the iteration with them: what watching training
    /// costs. Default: `false`, samples are the half-steps alone.
    #[serde(default = "no", deserialize_with = "one_or_many")]
    pub with_metrics: Vec<bool>,
    /// GPU: the memory training may use, as a share of its in-core minimum (`rustmf plan`); below
    /// 1 the sparse rows that do not fit are streamed from host memory (issue 21). Default: 1, no
    /// limit (what is free).
    #[serde(default = "whole", deserialize_with = "one_or_many")]
    pub gpu_memory: Vec<f64>,
    pub repeats: Option<usize>,
    pub warmup: Option<usize>,
}

/// `[kernels]`: get_hermitian alone and the CG solvers alone, on the GPU (cuMF_als Fig. 7).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelSection {
    #[serde(default, deserialize_with = "one_or_many")]
    pub datasets: Vec<String>,
    #[serde(default = "explicit", deserialize_with = "one_or_many")]
    pub feedback: Vec<Feedback>,
    #[serde(deserialize_with = "one_or_many")]
    pub factors: Vec<usize>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub lambda: Vec<f32>,
    #[serde(default = "alpha", deserialize_with = "one_or_many")]
    pub alpha: Vec<f32>,
    /// Default: none.
    #[serde(default, deserialize_with = "one_or_many")]
    pub hermitian: Vec<HermitianSel>,
    /// CG bandwidth cases (default: none).
    #[serde(default, deserialize_with = "one_or_many")]
    pub cg: Vec<Precision>,
    #[serde(default = "three_u32", deserialize_with = "one_or_many")]
    pub cg_steps: Vec<u32>,
    /// get_hermitian's load / compute / write phases (cuMF_als Fig. 4) for these ways of staging θ,
    /// by the paper's names: `coal`, `nonCoal-L1`, `nonCoal-noL1` (default: none).
    #[serde(default, deserialize_with = "one_or_many")]
    pub phases: Vec<PhaseStaging>,
    pub batch_rows: Option<usize>,
    pub repeats: Option<usize>,
    pub warmup: Option<usize>,
}

/// `[infer]`: time per top-k batch of each scorer on random factors of a given shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferSection {
    #[serde(deserialize_with = "one_or_many")]
    pub backends: Vec<Backend>,
    pub users: usize,
    pub items: usize,
    #[serde(default = "f64_", deserialize_with = "one_or_many")]
    pub factors: Vec<usize>,
    #[serde(deserialize_with = "one_or_many")]
    pub batch: Vec<usize>,
    #[serde(default = "k100", deserialize_with = "one_or_many")]
    pub k: Vec<usize>,
    /// cpu-mt only (0: all cores).
    #[serde(default = "zero", deserialize_with = "one_or_many")]
    pub threads: Vec<usize>,
    /// Rows of each answer checked against the reference.
    #[serde(default = "eight")]
    pub check_rows: usize,
    pub repeats: Option<usize>,
    pub warmup: Option<usize>,
}

/// `[serve]`: latency against offered load — the load simulator (`rustmf serve-sim`, open-loop
/// Poisson arrivals, micro-batching, measured service times) for each scorer at each rate, on
/// random factors of a given shape. One case per (backend, rate).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSection {
    #[serde(deserialize_with = "one_or_many")]
    pub backends: Vec<Backend>,
    pub users: usize,
    pub items: usize,
    #[serde(default = "f64_", deserialize_with = "one_or_many")]
    pub factors: Vec<usize>,
    #[serde(default = "k100_one")]
    pub k: usize,
    /// Offered rates (requests/s).
    #[serde(deserialize_with = "one_or_many")]
    pub rates: Vec<f64>,
    /// Arrivals span this many seconds at every rate (⌈rate × seconds⌉ requests).
    #[serde(default = "two_f")]
    pub seconds: f64,
    #[serde(default = "thousand")]
    pub max_batch: usize,
    #[serde(default)]
    pub max_wait_ms: f64,
    #[serde(default = "ten_thousand")]
    pub queue_cap: usize,
    #[serde(default = "fifty")]
    pub slo_ms: f64,
    /// cpu-mt only (0: all cores).
    #[serde(default)]
    pub threads: usize,
}

/// A peer library, run by `benches/peers.py` on the same data as rustmf's cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeerName {
    /// `implicit`'s CPU ALS on each implicit `[train]` dataset (solvers cholesky and cg, the
    /// `[train]` thread counts).
    ImplicitCpu,
    /// `implicit`'s GPU ALS (CG) on each implicit `[train]` dataset.
    ImplicitGpu,
    /// PyTorch `mm` + `topk` on CUDA on the `[infer]` factors.
    TorchTopk,
}

impl PeerName {
    pub fn name(self) -> &'static str {
        match self {
            PeerName::ImplicitCpu => "implicit-cpu",
            PeerName::ImplicitGpu => "implicit-gpu",
            PeerName::TorchTopk => "torch-topk",
        }
    }
}

/// `[peers]`: other libraries in the same run, on the same data (`benches/peers.py`); recorded as
/// skipped with the reason where Python or the library is missing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerSection {
    #[serde(deserialize_with = "one_or_many")]
    pub run: Vec<PeerName>,
    pub repeats: Option<usize>,
    pub warmup: Option<usize>,
}

/// `[[figure]]`: one figure of `experiment report`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureSpec {
    /// File stem: `<name>.svg`, `<name>.png`.
    pub name: String,
    pub kind: FigureKind,
    pub title: Option<String>,
    /// Cases of this kind only: train, hermitian, cg, infer (default: all).
    pub cases: Option<String>,
    /// Cases whose dimensions have these values only (`{ solver = "cg3" }`).
    #[serde(default, rename = "where")]
    pub filter: BTreeMap<String, String>,
    /// Line figures: the dimension along x (`f`, `hermitian`, `batch`, …).
    pub x: Option<String>,
    /// Line figures: the dimension that tells lines apart (default: every other varying one).
    pub series: Option<String>,
    /// `time` (median with min–max whiskers, the default), `rate` (the case's derived rate) or a
    /// key of the case's `extra` numbers (`a.b` for `extra["a"]["b"]`).
    #[serde(default = "time")]
    pub metric: String,
    /// Bar figures: one bar per case and listed metric, instead of `metric` (a case's phases side
    /// by side).
    #[serde(default)]
    pub metrics: Vec<String>,
    #[serde(default)]
    pub log_y: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FigureKind {
    /// One bar per case: median, min–max whiskers.
    Bars,
    /// One line per series over the `x` dimension, min–max whiskers.
    Line,
    /// One line per training case with a held-out test set: its test metric (`metric`: `rmse`,
    /// the default here, or `ndcg`) after each iteration against the cumulative ALS time.
    Curve,
}

fn cpu() -> Vec<DeviceName> {
    vec![DeviceName::Cpu]
}
fn explicit() -> Vec<Feedback> {
    vec![Feedback::Explicit]
}
fn alpha() -> Vec<f32> {
    vec![1.0]
}
fn cholesky() -> Vec<SolverName> {
    vec![SolverName::CHOLESKY]
}
fn three() -> Vec<usize> {
    vec![3]
}
fn three_u32() -> Vec<u32> {
    vec![3]
}
fn v_default() -> Vec<HermitianSel> {
    vec![HermitianSel::One(Hermitian::DEFAULT)]
}
fn whole() -> Vec<f64> {
    vec![1.0]
}

fn no() -> Vec<bool> {
    vec![false]
}
fn zero() -> Vec<usize> {
    vec![0]
}
fn f64_() -> Vec<usize> {
    vec![64]
}
fn k100() -> Vec<usize> {
    vec![100]
}
fn eight() -> usize {
    8
}
fn k100_one() -> usize {
    100
}
fn two_f() -> f64 {
    2.0
}
fn thousand() -> usize {
    1000
}
fn ten_thousand() -> usize {
    10_000
}
fn fifty() -> f64 {
    50.0
}
fn time() -> String {
    "time".into()
}

/// A value or a list of values, as a list.
fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a value or a list of values")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
            Vec::<T>::deserialize(de::value::SeqAccessDeserializer::new(seq))
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(s.into_deserializer())?])
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(n.into_deserializer())?])
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(n.into_deserializer())?])
        }
        fn visit_f64<E: de::Error>(self, x: f64) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(x.into_deserializer())?])
        }
        fn visit_bool<E: de::Error>(self, b: bool) -> Result<Vec<T>, E> {
            Ok(vec![T::deserialize(b.into_deserializer())?])
        }
    }
    d.deserialize_any(V(PhantomData))
}

impl Spec {
    /// Parse `text` (from `origin`, for messages); `stem` names the experiment when the spec does not.
    pub fn parse(text: &str, origin: &str, stem: &str) -> Result<Spec> {
        let mut spec: Spec = toml::from_str(text).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
        if spec.name.is_empty() {
            spec.name = stem.to_string();
        }
        spec.check().map_err(|e| {
            let at = locate(text, &e.to_string()).map(|l| format!(" (line {l})")).unwrap_or_default();
            anyhow::anyhow!("{origin}{at}: {e:#}")
        })?;
        Ok(spec)
    }

    /// Read and parse a spec file.
    pub fn load(path: &Path) -> Result<Spec> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("experiment");
        Spec::parse(&text, &path.display().to_string(), stem)
    }

    /// The spec `experiment run --quick` runs: named `<name>-quick` (its own results folder, so a
    /// full run never takes a quick case for measured), datasets at their `quick_scale`, at most
    /// [`QUICK_REPEATS`] repeats and one warm-up. Which cases run is [`super::cases::quick`]'s choice.
    pub fn quick(&self) -> Spec {
        let mut q = self.clone();
        q.name = format!("{}-quick", self.name);
        for d in &mut q.datasets {
            if d.quick_scale.is_some() {
                d.scale = d.quick_scale;
            }
        }
        q.repeats = q.repeats.min(QUICK_REPEATS);
        q.warmup = q.warmup.min(1);
        let caps = |r: &mut Option<usize>, w: &mut Option<usize>| {
            *r = r.map(|n| n.min(QUICK_REPEATS));
            *w = w.map(|w| w.min(1));
        };
        if let Some(t) = &mut q.train {
            caps(&mut t.repeats, &mut t.warmup);
        }
        if let Some(k) = &mut q.kernels {
            caps(&mut k.repeats, &mut k.warmup);
        }
        if let Some(i) = &mut q.infer {
            caps(&mut i.repeats, &mut i.warmup);
        }
        if let Some(p) = &mut q.peers {
            caps(&mut p.repeats, &mut p.warmup);
        }
        if let Some(sv) = &mut q.serve {
            sv.seconds = sv.seconds.min(QUICK_SERVE_SECONDS);
        }
        q
    }

    /// Checks that the parser cannot make: names that refer to one another, values in range.
    fn check(&self) -> Result<()> {
        anyhow::ensure!(
            !self.name.is_empty() && self.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "name {:?}: letters, digits, '-', '_' and '.' only",
            self.name
        );
        anyhow::ensure!(self.repeats >= 1, "repeats must be at least 1");
        let mut names = Vec::new();
        for d in &self.datasets {
            d.input()?;
            anyhow::ensure!(!names.contains(&&d.name), "dataset {:?} is defined twice", d.name);
            names.push(&d.name);
        }
        let known = |list: &[String], section: &str| -> Result<()> {
            for n in list {
                anyhow::ensure!(names.contains(&n), "[{section}] datasets: no dataset named {n:?}");
            }
            anyhow::ensure!(!names.is_empty(), "[{section}] needs a [[dataset]]");
            Ok(())
        };
        if let Some(t) = &self.train {
            known(&t.datasets, "train")?;
            nonempty(&[t.device.len(), t.feedback.len(), t.factors.len(), t.solver.len(), t.threads.len()], "train")?;
            nonempty(
                &[t.alpha.len(), t.cg_steps.len(), t.hermitian.len(), t.fp16.len(), t.with_metrics.len()],
                "train",
            )?;
            nonempty(&[t.gpu_memory.len()], "train")?;
            anyhow::ensure!(
                t.gpu_memory.iter().all(|&m| m > 0.0 && m <= 1.0),
                "[train] gpu_memory is a share of the in-core minimum in (0, 1], got {:?}",
                t.gpu_memory
            );
            anyhow::ensure!(t.factors.iter().all(|&f| f >= 1), "[train] factors must be ≥ 1");
            if let Some(x) = t.test_fraction {
                anyhow::ensure!(x > 0.0 && x < 1.0, "[train] test_fraction must be in (0, 1), got {x}");
            }
            if let Some(x) = t.threshold_over_oracle {
                anyhow::ensure!(t.test_fraction.is_some(), "[train] threshold_over_oracle needs test_fraction");
                anyhow::ensure!(x >= 1.0, "[train] threshold_over_oracle must be ≥ 1, got {x}");
            }
        }
        if let Some(k) = &self.kernels {
            known(&k.datasets, "kernels")?;
            nonempty(&[k.feedback.len(), k.factors.len(), k.alpha.len(), k.cg_steps.len()], "kernels")?;
        }
        if let Some(i) = &self.infer {
            nonempty(&[i.backends.len(), i.factors.len(), i.batch.len(), i.k.len(), i.threads.len()], "infer")?;
            anyhow::ensure!(i.users >= 1 && i.items >= 1, "[infer] users and items must be ≥ 1");
            for &k in &i.k {
                crate::infer::check_k(k).with_context(|| "[infer] k".to_string())?;
            }
            anyhow::ensure!(i.batch.iter().all(|&b| b >= 1), "[infer] batch must be ≥ 1");
        }
        if let Some(sv) = &self.serve {
            nonempty(&[sv.backends.len(), sv.factors.len(), sv.rates.len()], "serve")?;
            anyhow::ensure!(sv.users >= 1 && sv.items >= 1, "[serve] users and items must be ≥ 1");
            crate::infer::check_k(sv.k).with_context(|| "[serve] k".to_string())?;
            self.serve_config(sv).validate().context("[serve]")?;
        }
        if let Some(p) = &self.peers {
            for peer in &p.run {
                match peer {
                    PeerName::ImplicitCpu | PeerName::ImplicitGpu => anyhow::ensure!(
                        self.train.as_ref().is_some_and(|t| t.feedback.contains(&Feedback::Implicit)),
                        "[peers] {:?} runs on the implicit [train] cases: give [train] feedback = \"implicit\"",
                        peer.name()
                    ),
                    PeerName::TorchTopk => anyhow::ensure!(
                        self.infer.is_some(),
                        "[peers] {:?} runs on the [infer] shapes: give an [infer] section",
                        peer.name()
                    ),
                }
            }
        }
        for d in &self.datasets {
            anyhow::ensure!(
                [d.scale, d.quick_scale].iter().flatten().all(|s| *s > 0.0),
                "dataset {:?}: scale and quick_scale must be > 0",
                d.name
            );
        }
        for f in &self.figures {
            if let Some(c) = &f.cases {
                anyhow::ensure!(
                    ["train", "hermitian", "cg", "phases", "infer", "serve"].contains(&c.as_str()),
                    "figure {:?}: cases = {c:?}: one of train, hermitian, cg, phases, infer, serve",
                    f.name
                );
            }
            anyhow::ensure!(
                f.kind != FigureKind::Curve
                    || self.train.as_ref().is_some_and(|t| t.test_fraction.is_some())
                        && ["time", "rmse", "ndcg"].contains(&f.metric.as_str()),
                "figure {:?}: a curve needs [train] test_fraction and metric \"rmse\" or \"ndcg\"",
                f.name
            );
            anyhow::ensure!(
                f.kind != FigureKind::Line || f.x.is_some(),
                "figure {:?}: a line figure needs x (the dimension along the x axis)",
                f.name
            );
        }
        Ok(())
    }
}

impl Spec {
    /// The load simulator's settings of `[serve]` (every rate, as `serve-sim --rates`).
    pub fn serve_config(&self, sv: &ServeSection) -> SimConfig {
        SimConfig {
            rates: sv.rates.clone(),
            requests: Requests::Duration(sv.seconds),
            max_batch: sv.max_batch,
            max_wait_s: sv.max_wait_ms / 1e3,
            queue_cap: sv.queue_cap,
            slo_s: sv.slo_ms / 1e3,
            seed: self.seed,
        }
    }
}

fn nonempty(lens: &[usize], section: &str) -> Result<()> {
    anyhow::ensure!(lens.iter().all(|&n| n > 0), "[{section}]: every list needs at least one value");
    Ok(())
}

/// The line of `text` that a semantic error most likely refers to: the first line holding a
/// quoted name or the `[section]` the message names.
fn locate(text: &str, message: &str) -> Option<usize> {
    let quoted: Vec<&str> = message.split('"').skip(1).step_by(2).filter(|q| !q.is_empty()).collect();
    let sections: Vec<String> =
        message.split('[').skip(1).filter_map(|s| s.split(']').next()).map(|s| format!("[{s}]")).collect();
    let lines: Vec<&str> = text.lines().collect();
    for q in quoted {
        let needle = format!("\"{q}\"");
        if let Some(i) = lines.iter().position(|l| l.contains(&needle)) {
            return Some(i + 1);
        }
    }
    for s in sections {
        if let Some(i) = lines.iter().position(|l| l.trim() == s) {
            return Some(i + 1);
        }
    }
    None
}
