//! The results of one experiment on one machine: `results.json` (every case with its samples,
//! summary, derived rate and provenance) and `results.csv` (one line per case), written
//! atomically after every case.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::bench::{write_atomic, Metadata, Summary};

/// Where a number came from. Collected once per run (`bench::Metadata` plus the GPU's details
/// when the run opened one); `date` is the case's.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Provenance {
    pub git_revision: String,
    /// The work tree had uncommitted changes (`git describe --dirty`).
    pub dirty: bool,
    pub date: String,
    pub command_line: String,
    pub hostname: String,
    pub cpu: String,
    pub cpu_threads: usize,
    pub rayon_threads: usize,
    pub rustmf_version: String,
    pub gpu: Option<String>,
    pub compute_capability: Option<String>,
    pub multiprocessors: Option<u32>,
    /// Maximum SM clock (CU_DEVICE_ATTRIBUTE_CLOCK_RATE), MHz.
    pub sm_clock_mhz: Option<f64>,
    /// The NVIDIA kernel module's version (`/proc/driver/nvidia/version`).
    pub nvidia_driver: Option<String>,
    /// The CUDA driver API version (cuDriverGetVersion).
    pub cuda_driver_api: Option<String>,
    pub cublas: Option<String>,
    /// The fp32 FMA peak and how it was computed (`bench::flops::fp32_fma_peak`).
    pub fp32_peak_tflop_per_s: Option<f64>,
    pub peak_computed_as: Option<String>,
}

impl Provenance {
    /// What `bench::Metadata` collects; the GPU fields are filled by the runner.
    pub fn collect() -> Provenance {
        let m = Metadata::collect();
        Provenance {
            dirty: m.git_revision.ends_with("-dirty"),
            git_revision: m.git_revision,
            date: m.date,
            command_line: m.command_line,
            hostname: m.hostname,
            cpu: m.cpu,
            cpu_threads: m.cpu_threads,
            rayon_threads: m.rayon_threads,
            rustmf_version: m.rustmf_version,
            nvidia_driver: nvidia_driver(),
            ..Provenance::default()
        }
    }

    /// The machine a number belongs to: the GPU's name, else the CPU's.
    pub fn machine(&self) -> &str {
        self.gpu.as_deref().unwrap_or(&self.cpu)
    }

    /// One line for tables: revision, machine, versions, date.
    pub fn line(&self) -> String {
        let mut parts = vec![format!("revision {}", self.git_revision)];
        if let Some(g) = &self.gpu {
            let mut gpu = g.clone();
            if let Some(cc) = &self.compute_capability {
                gpu += &format!(" (sm_{cc}");
                if let Some(mhz) = self.sm_clock_mhz {
                    gpu += &format!(", max SM clock {mhz:.0} MHz");
                }
                gpu += ")";
            }
            parts.push(gpu);
            let versions: Vec<String> =
                [("driver", &self.nvidia_driver), ("CUDA driver API", &self.cuda_driver_api), ("cuBLAS", &self.cublas)]
                    .iter()
                    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
                    .collect();
            if !versions.is_empty() {
                parts.push(versions.join(", "));
            }
        }
        parts.push(format!("CPU {} ({} threads)", self.cpu, self.cpu_threads));
        parts.push(format!("host {}", self.hostname));
        parts.join("; ")
    }
}

fn nvidia_driver() -> Option<String> {
    let text = std::fs::read_to_string("/proc/driver/nvidia/version").ok()?;
    let line = text.lines().next()?;
    // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.86.15  Tue …"
    line.split_whitespace()
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w.contains('.'))
        .map(str::to_string)
}

/// Median and spread (a copy of `bench::Summary` that also reads back).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    pub n: usize,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    pub iqr_s: f64,
    pub mean_s: f64,
}

impl From<Summary> for Stats {
    fn from(s: Summary) -> Stats {
        Stats { n: s.n, median_s: s.median_s, min_s: s.min_s, max_s: s.max_s, iqr_s: s.iqr_s, mean_s: s.mean_s }
    }
}

/// A rate derived from the median time (useful TFLOP/s, GB/s, …), with the peak it is a share of
/// where one is known.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rate {
    pub value: f64,
    pub unit: String,
    /// What the rate counts.
    pub what: String,
    pub percent_of_peak: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Measured,
    /// Not run: the reason says why (no GPU, a GPU-only case in a CPU-only build, …).
    Skipped,
    /// Ran and failed: the reason holds the error.
    Failed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Measured => "measured",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
        }
    }
}

/// One case's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    pub kind: String,
    pub dims: BTreeMap<String, String>,
    pub status: Status,
    pub reason: Option<String>,
    pub samples_s: Vec<f64>,
    pub summary: Option<Stats>,
    pub rate: Option<Rate>,
    /// What the case ran on (shape of the data, backend, …).
    pub params: serde_json::Value,
    /// Derived numbers: per-phase times, bandwidths, the reference check, …
    pub extra: serde_json::Value,
    /// Wall time of the whole case (set-up, warm-up, repeats), seconds.
    pub wall_s: f64,
    pub provenance: Provenance,
}

/// `results.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultsFile {
    pub experiment: String,
    pub description: String,
    /// The folder name under the experiment: the GPU's or the CPU's name, as a slug.
    pub machine: String,
    pub spec_file: String,
    /// The spec as it was when these results were last written (figures are drawn from it).
    pub spec_toml: String,
    pub updated: String,
    pub records: Vec<Record>,
}

impl ResultsFile {
    pub const JSON: &'static str = "results.json";
    pub const CSV: &'static str = "results.csv";

    /// Read `path`: a `results.json` or a folder holding one.
    pub fn load(path: &Path) -> Result<ResultsFile> {
        let file = if path.is_dir() { path.join(Self::JSON) } else { path.to_path_buf() };
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", file.display()))
    }

    /// Write `results.json` and `results.csv` into `dir` (atomically, each through a temporary file).
    pub fn save(&self, dir: &Path) -> Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let json = dir.join(Self::JSON);
        let csv = dir.join(Self::CSV);
        write_atomic(&json, serde_json::to_string_pretty(self)?.as_bytes())?;
        write_atomic(&csv, self.csv().as_bytes())?;
        Ok((json, csv))
    }

    pub fn record(&self, id: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.id == id)
    }

    /// Replace the record with the same id, or append.
    pub fn upsert(&mut self, r: Record) {
        match self.records.iter_mut().find(|x| x.id == r.id) {
            Some(x) => *x = r,
            None => self.records.push(r),
        }
    }

    fn csv(&self) -> String {
        let mut keys: Vec<&String> = self.records.iter().flat_map(|r| r.dims.keys()).collect();
        keys.sort_by_key(|k| (super::cases::DIM_ORDER.iter().position(|d| d == k).unwrap_or(usize::MAX), *k));
        keys.dedup();
        let mut s = String::from("experiment,id,kind,status,n,median_s,min_s,max_s,iqr_s,mean_s,rate,rate_unit,");
        s += "percent_of_peak,";
        for k in &keys {
            s += &format!("{},", field(k));
        }
        s += "git_revision,dirty,gpu,cpu,date,reason\n";
        for r in &self.records {
            let num = |x: Option<f64>| x.map(|v| format!("{v:.9}")).unwrap_or_default();
            let m = r.summary;
            s += &format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},",
                field(&self.experiment),
                field(&r.id),
                r.kind,
                r.status.name(),
                m.map(|m| m.n).unwrap_or(0),
                num(m.map(|m| m.median_s)),
                num(m.map(|m| m.min_s)),
                num(m.map(|m| m.max_s)),
                num(m.map(|m| m.iqr_s)),
                num(m.map(|m| m.mean_s)),
                num(r.rate.as_ref().map(|x| x.value)),
                r.rate.as_ref().map(|x| field(&x.unit)).unwrap_or_default(),
                num(r.rate.as_ref().and_then(|x| x.percent_of_peak)),
            );
            for k in &keys {
                s += &format!("{},", field(r.dims.get(*k).map(String::as_str).unwrap_or("")));
            }
            let p = &r.provenance;
            s += &format!(
                "{},{},{},{},{},{}\n",
                field(&p.git_revision),
                p.dirty,
                field(p.gpu.as_deref().unwrap_or("")),
                field(&p.cpu),
                field(&p.date),
                field(r.reason.as_deref().unwrap_or(""))
            );
        }
        s
    }
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A file-name-safe form of a name: lower case, runs of other characters as one '-'.
pub fn slug(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-")
}
