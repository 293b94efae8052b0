//! Argument types that several subcommands share.
use rustmf_host::model::Hermitian;

/// Where a subcommand runs.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Cpu,
    Gpu,
}

/// Parses a `--hermitian` value: a get_hermitian version number (or v1, v2, …) from the
/// version list, or cublas.
pub fn hermitian(s: &str) -> Result<Hermitian, String> {
    s.parse()
}
