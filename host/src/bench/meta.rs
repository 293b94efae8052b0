//! What a benchmark result must say about where it came from.
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    pub git_revision: String,
    pub date: String,
    pub command_line: String,
    pub cpu: String,
    pub cpu_threads: usize,
    pub rayon_threads: usize,
    pub hostname: String,
    pub gpu: Option<String>,
    pub driver_version: Option<String>,
    pub cuda_version: Option<String>,
    pub rustmf_version: String,
}

impl Metadata {
    pub fn collect() -> Metadata {
        Metadata {
            git_revision: git_revision(),
            date: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            command_line: std::env::args().collect::<Vec<_>>().join(" "),
            cpu: cpu_model(),
            cpu_threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            rayon_threads: rayon::current_num_threads(),
            hostname: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
            gpu: None,
            driver_version: None,
            cuda_version: None,
            rustmf_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// The revision this binary was built from: `RUSTMF_GIT_REV` (set by the bundle script for hosts
/// without the repository), else `git rev-parse`, else "unknown".
fn git_revision() -> String {
    if let Ok(r) = std::env::var("RUSTMF_GIT_REV") {
        return r;
    }
    std::process::Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=12"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}
