//! Argument types that several subcommands share.

/// Where a subcommand runs.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Cpu,
    Gpu,
}

/// Parses a `--hermitian` value: a get_hermitian version number (or v1, v2, …), or cublas; as
/// `GpuOptions::hermitian` numbers it (cublas = 0).
pub fn hermitian_number(s: &str) -> Result<u32, String> {
    let number = match s {
        "cublas" => 0,
        v => v
            .strip_prefix('v')
            .unwrap_or(v)
            .parse()
            .map_err(|_| format!("{v:?} is neither a version number nor cublas"))?,
    };
    #[cfg(feature = "gpu")]
    if rustmf_host::gpu::als::Hermitian::from_number(number).is_none() {
        return Err(format!("there is no get_hermitian version {s:?}"));
    }
    Ok(number)
}
