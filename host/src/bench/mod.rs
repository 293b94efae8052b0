//! Benchmark plumbing shared by every benchmark: one [`Bench`] per named benchmark collects cases
//! (each a set of timed repeats), then writes `<name>.json` and `<name>.csv` (atomically) and
//! prints a short table. The JSON carries the metadata a reader needs to trust and cite a number.
//!
//! ```no_run
//! # use rustmf_host::bench::Bench;
//! let mut b = Bench::new("example");
//! b.measure("sum 1e6", serde_json::json!({"n": 1_000_000}), 1, 5, || {
//!     std::hint::black_box((0..1_000_000u64).sum::<u64>());
//! });
//! b.finish(std::path::Path::new("bench-results")).unwrap();
//! ```

pub mod figure;
pub mod flops;
mod meta;
mod stats;

pub use meta::Metadata;
pub use stats::Summary;

use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One measured case: its parameters, every sample (seconds) and their summary.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub case: String,
    pub params: serde_json::Value,
    pub samples_s: Vec<f64>,
    pub summary: Summary,
    /// Derived quantities (GFLOP/s, GB/s, per-phase times, ...), free-form.
    pub extra: serde_json::Value,
}

#[derive(Debug, Serialize)]
pub struct Bench {
    pub name: String,
    pub meta: Metadata,
    pub cases: Vec<Case>,
}

impl Bench {
    pub fn new(name: &str) -> Self {
        Bench { name: name.to_string(), meta: Metadata::collect(), cases: Vec::new() }
    }

    /// Name of the GPU the numbers come from (set by GPU benchmarks; CPU-only ones leave it empty).
    pub fn set_gpu(&mut self, gpu: &str, driver: &str, cuda: &str) {
        self.meta.gpu = Some(gpu.to_string());
        self.meta.driver_version = Some(driver.to_string());
        self.meta.cuda_version = Some(cuda.to_string());
    }

    /// Time `f` with a host clock: `warmup` untimed calls, then `repeats` timed ones.
    /// Work that runs on a GPU must synchronize inside `f` (or use [`Bench::record`] with event times).
    pub fn measure(
        &mut self,
        case: &str,
        params: serde_json::Value,
        warmup: usize,
        repeats: usize,
        mut f: impl FnMut(),
    ) -> &Case {
        for _ in 0..warmup {
            f();
        }
        let samples = (0..repeats.max(1))
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect();
        self.record(case, params, samples, serde_json::Value::Null)
    }

    /// Record samples measured elsewhere (CUDA events, an external process, ...).
    pub fn record(
        &mut self,
        case: &str,
        params: serde_json::Value,
        samples_s: Vec<f64>,
        extra: serde_json::Value,
    ) -> &Case {
        let summary = Summary::of(&samples_s);
        self.cases.push(Case { case: case.to_string(), params, samples_s, summary, extra });
        self.cases.last().unwrap()
    }

    /// Attach derived numbers to the last recorded case.
    pub fn annotate_last(&mut self, extra: serde_json::Value) {
        if let Some(c) = self.cases.last_mut() {
            c.extra = extra;
        }
    }

    /// Print the table and write `<dir>/<name>.json` and `<dir>/<name>.csv`; returns the two paths.
    pub fn finish(self, dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        print!("{}", self.table());
        let json = dir.join(format!("{}.json", self.name));
        let csv = dir.join(format!("{}.csv", self.name));
        crate::bench::write_atomic(&json, serde_json::to_string_pretty(&self)?.as_bytes())?;
        crate::bench::write_atomic(&csv, self.csv().as_bytes())?;
        println!("wrote {} and {}", json.display(), csv.display());
        Ok((json, csv))
    }

    fn table(&self) -> String {
        let w = self.cases.iter().map(|c| c.case.len()).max().unwrap_or(4).max(4);
        let mut s = format!(
            "== {} on {} ({}) ==\n{:<w$}  {:>12}  {:>12}  {:>12}  {:>5}\n",
            self.name,
            self.meta.gpu.as_deref().unwrap_or(&self.meta.cpu),
            self.meta.date,
            "case",
            "median",
            "min",
            "max",
            "n",
        );
        for c in &self.cases {
            let m = &c.summary;
            s += &format!(
                "{:<w$}  {:>12}  {:>12}  {:>12}  {:>5}\n",
                c.case,
                fmt_seconds(m.median_s),
                fmt_seconds(m.min_s),
                fmt_seconds(m.max_s),
                m.n
            );
        }
        s
    }

    fn csv(&self) -> String {
        let mut s =
            String::from("benchmark,case,n,median_s,min_s,max_s,iqr_s,mean_s,params,extra,gpu,cpu,git_rev,date\n");
        for c in &self.cases {
            let m = &c.summary;
            s += &format!(
                "{},{},{},{:.9},{:.9},{:.9},{:.9},{:.9},{},{},{},{},{},{}\n",
                csv_field(&self.name),
                csv_field(&c.case),
                m.n,
                m.median_s,
                m.min_s,
                m.max_s,
                m.iqr_s,
                m.mean_s,
                csv_field(&c.params.to_string()),
                csv_field(&c.extra.to_string()),
                csv_field(self.meta.gpu.as_deref().unwrap_or("")),
                csv_field(&self.meta.cpu),
                csv_field(&self.meta.git_revision),
                csv_field(&self.meta.date),
            );
        }
        s
    }
}

/// Human-friendly seconds: "12.3 ms", "4.56 s", "789 µs".
pub fn fmt_seconds(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Write `bytes` to `path` through a temporary file in the same folder and a rename, so that an
/// interrupted write never leaves a truncated file behind. The error names `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp =
        dir.join(format!(".{}.{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("out"), std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| std::io::Error::new(e.kind(), format!("writing {}: {e}", path.display())))
}
