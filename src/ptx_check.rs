//! `ptxas -v` over every embedded PTX image: registers, shared memory, stack and spills per kernel,
//! and the checks that make it a gate (no ptxas error; no local memory in a kernel declared
//! spill-free; the registry [`crate::kernels::kernel_specs`] matches the PTX exactly).
use crate::kernels::{kernel_specs, KernelSpec, PtxImage};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct KernelResources {
    pub kernel: String,
    pub arch: String,
    pub registers: u32,
    pub static_shared_bytes: u32,
    pub stack_bytes: u32,
    pub spill_store_bytes: u32,
    pub spill_load_bytes: u32,
    pub barriers: u32,
}

impl KernelResources {
    pub fn uses_local_memory(&self) -> bool {
        self.stack_bytes > 0 || self.spill_store_bytes > 0 || self.spill_load_bytes > 0
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub ptxas: String,
    pub rows: Vec<KernelResources>,
    /// Everything that makes the check fail; empty when it passes.
    pub problems: Vec<String>,
}

/// `ptxas` from, in order: `RUSTMF_PTXAS`, the PATH, the PyPI package `nvidia-cuda-nvcc` of the
/// `python3` on the PATH, `/usr/local/cuda/bin`.
pub fn find_ptxas() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RUSTMF_PTXAS") {
        return Some(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|d| d.join("ptxas")).find(|p| p.is_file()));
    on_path
        .or_else(from_python_package)
        .or_else(|| Some(PathBuf::from("/usr/local/cuda/bin/ptxas")).filter(|p| p.is_file()))
}

fn from_python_package() -> Option<PathBuf> {
    let script = "import nvidia, os\nfor d in nvidia.__path__:\n    p = os.path.join(d, 'cu13', \
                  'bin', 'ptxas')\n    if os.path.isfile(p): print(p)";
    let out = Command::new("python3").args(["-c", script]).output().ok()?;
    let first = String::from_utf8_lossy(&out.stdout).lines().next()?.trim().to_string();
    (!first.is_empty()).then(|| PathBuf::from(first))
}

/// Runs `ptxas -v` on each image for its own architecture and checks the results.
pub fn check(ptxas: &Path, images: &[PtxImage]) -> Result<Report> {
    if images.is_empty() {
        bail!("no PTX is embedded in this build (built with --no-default-features?)");
    }
    let version =
        Command::new(ptxas).arg("--version").output().with_context(|| format!("running {}", ptxas.display()))?;
    let version = String::from_utf8_lossy(&version.stdout).lines().last().unwrap_or("").trim().to_string();
    let mut report =
        Report { ptxas: format!("{} ({version})", ptxas.display()), rows: Vec::new(), problems: Vec::new() };
    let dir = tempfile::tempdir()?;
    for image in images {
        let specs = kernel_specs(image.target);
        let arch = image.target.to_string();
        let file = dir.path().join(format!("kernels.{arch}.ptx"));
        let text = image.text();
        std::fs::write(&file, &text)?;
        let out = Command::new(ptxas)
            .args(["-v", &format!("-arch={arch}"), "-o", "/dev/null"])
            .arg(&file)
            .output()
            .with_context(|| format!("running {}", ptxas.display()))?;
        let log = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            report.problems.push(format!("ptxas failed on the {arch} PTX:\n{log}"));
            continue;
        }
        let rows = parse_ptxas_log(&log, &arch);
        check_registry(&text, &specs, &rows, &arch, &mut report.problems);
        report.rows.extend(rows);
    }
    Ok(report)
}

fn check_registry(ptx: &str, specs: &[KernelSpec], rows: &[KernelResources], arch: &str, problems: &mut Vec<String>) {
    let entries = rustmf_host::ptx::entry_names(ptx);
    for name in &entries {
        if !specs.iter().any(|k| k.name == *name) {
            problems.push(format!("{arch}: kernel `{name}` is in the PTX but not in kernels::kernel_specs()"));
        }
    }
    for spec in specs {
        if !entries.contains(&spec.name) {
            problems.push(format!("{arch}: kernel `{}` is in kernels::kernel_specs() but not in the PTX", spec.name));
        }
    }
    for r in rows {
        let spill_free = specs.iter().any(|k| k.name == r.kernel && k.spill_free);
        if spill_free && r.uses_local_memory() {
            problems.push(format!(
                "{arch}: `{}` is declared spill-free but uses local memory ({} B stack, {} B spill stores, \
                 {} B spill loads)",
                r.kernel, r.stack_bytes, r.spill_store_bytes, r.spill_load_bytes
            ));
        }
    }
}

/// Reads `ptxas -v` output: one row per "Compiling entry function" block. A block can also hold
/// the "Function properties" of device functions the entry calls (e.g. a panic path); only the
/// entry's own properties are its row's.
pub fn parse_ptxas_log(log: &str, arch: &str) -> Vec<KernelResources> {
    let mut rows: Vec<KernelResources> = Vec::new();
    let mut properties_of = String::new();
    for line in log.lines() {
        if let Some(rest) = line.split("Compiling entry function '").nth(1) {
            let name = rest.split('\'').next().unwrap_or("").to_string();
            rows.push(KernelResources { kernel: name, arch: arch.to_string(), ..Default::default() });
            continue;
        }
        if let Some(rest) = line.split("Function properties for ").nth(1) {
            properties_of = rest.trim().to_string();
            continue;
        }
        let Some(row) = rows.last_mut() else { continue };
        if line.contains("bytes stack frame") && properties_of == row.kernel {
            row.stack_bytes = number_before(line, "bytes stack frame");
            row.spill_store_bytes = number_before(line, "bytes spill stores");
            row.spill_load_bytes = number_before(line, "bytes spill loads");
        } else if line.contains("Used ") && line.contains("registers") {
            row.registers = number_before(line, "registers");
            row.barriers = number_before(line, "barriers");
            row.static_shared_bytes = number_before(line, "bytes smem");
        }
    }
    rows
}

/// The integer just before `label` in `line` ("Used 22 registers" → 22); 0 when absent.
fn number_before(line: &str, label: &str) -> u32 {
    line.split(label)
        .next()
        .filter(|head| head.len() < line.len())
        .and_then(|head| head.split(|c: char| !c.is_ascii_digit()).rfind(|s| !s.is_empty()))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The report as a table, one line per kernel and architecture.
pub fn table(report: &Report) -> String {
    let specs = kernel_specs("sm_90a");
    let w = report.rows.iter().map(|r| r.kernel.len()).max().unwrap_or(6).max(6);
    let mut s = format!("ptxas: {}\n", report.ptxas);
    s += &format!(
        "{:<w$}  {:>5}  {:>4}  {:>9}  {:>5}  {:>11}  {:>10}  {:>8}  {}\n",
        "kernel", "arch", "regs", "smem (B)", "stack", "spill st B", "spill ld B", "barriers", "spill-free"
    );
    for r in &report.rows {
        let declared = specs.iter().any(|k| k.name == r.kernel && k.spill_free);
        s += &format!(
            "{:<w$}  {:>5}  {:>4}  {:>9}  {:>5}  {:>11}  {:>10}  {:>8}  {}\n",
            r.kernel,
            r.arch,
            r.registers,
            r.static_shared_bytes,
            r.stack_bytes,
            r.spill_store_bytes,
            r.spill_load_bytes,
            r.barriers,
            if declared { "declared" } else { "-" }
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'hermitian_tiled_f100' for 'sm_90'
ptxas info    : Function properties for hermitian_tiled_f100
    8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads
ptxas info    : Used 168 registers, used 1 barriers, 25600 bytes smem, 400 bytes cmem[0]
ptxas info    : Compiling entry function 'axpy' for 'sm_90'
ptxas info    : Function properties for axpy
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 10 registers, used 0 barriers
ptxas info    : Compiling entry function 'scores' for 'sm_90'
ptxas info    : Function properties for scores
    2464 bytes stack frame, 3724 bytes spill stores, 10668 bytes spill loads
ptxas info    : Function properties for panic_const_rem_by_zero
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 255 registers, used 1 barriers
";

    #[test]
    fn parses_every_field_of_every_kernel() {
        let rows = parse_ptxas_log(LOG, "sm_90");
        assert_eq!(
            rows[0],
            KernelResources {
                kernel: "hermitian_tiled_f100".into(),
                arch: "sm_90".into(),
                registers: 168,
                static_shared_bytes: 25600,
                stack_bytes: 8,
                spill_store_bytes: 4,
                spill_load_bytes: 12,
                barriers: 1,
            }
        );
        assert!(rows[0].uses_local_memory());
        assert_eq!((rows[1].kernel.as_str(), rows[1].registers, rows[1].static_shared_bytes), ("axpy", 10, 0));
        assert!(!rows[1].uses_local_memory());
    }

    /// A called device function's properties (printed after the entry's) are not the entry's.
    #[test]
    fn keeps_the_entrys_own_properties() {
        let rows = parse_ptxas_log(LOG, "sm_90");
        assert_eq!((rows[2].kernel.as_str(), rows[2].stack_bytes, rows[2].spill_load_bytes), ("scores", 2464, 10668));
        assert!(rows[2].uses_local_memory());
    }
}
