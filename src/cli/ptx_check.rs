use anyhow::{bail, Context};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// ptxas to use (default: RUSTMF_PTXAS, PATH, the nvidia-cuda-nvcc Python package, /usr/local/cuda).
    #[arg(long)]
    ptxas: Option<PathBuf>,
    /// Also write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let ptxas = args.ptxas.or_else(crate::ptx_check::find_ptxas).context(
        "ptxas not found: install it with `bash scripts/install-kernel-toolchain.sh` (PyPI nvidia-cuda-nvcc) \
         or pass --ptxas",
    )?;
    let report = crate::ptx_check::check(&ptxas, crate::kernels::PTX)?;
    print!("{}", crate::ptx_check::table(&report));
    if let Some(path) = args.json {
        crate::bench::write_atomic(&path, serde_json::to_string_pretty(&report)?.as_bytes())?;
    }
    if !report.problems.is_empty() {
        bail!("PTX check failed:\n  {}", report.problems.join("\n  "));
    }
    println!(
        "PTX check passed: {} kernel builds, no ptxas errors, no local memory in spill-free kernels",
        report.rows.len()
    );
    Ok(())
}
