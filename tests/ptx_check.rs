//! The PTX check as a test: `ptxas -v` on every embedded kernel for sm_80 and sm_90 must report no
//! error and no local memory in kernels declared spill-free (see `rustmf::kernels::KERNELS`).
//! Ignored where ptxas is not installed, unless `RUSTMF_REQUIRE_PTXAS=1` (the test script sets it).
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let ptxas = rustmf::ptx_check::find_ptxas();
    let require = std::env::var("RUSTMF_REQUIRE_PTXAS").is_ok_and(|v| v == "1");
    let gpu_build = !rustmf::kernels::PTX.is_empty();
    if ptxas.is_none() && !require {
        eprintln!(
            "ptx_check: ptxas not found (bash scripts/install-kernel-toolchain.sh installs it); reported as ignored"
        );
    }
    let trial = Trial::test("ptxas_reports_no_errors_and_no_spills", move || {
        let ptxas = ptxas.clone().ok_or_else(|| Failed::from("ptxas not found"))?;
        let report =
            rustmf::ptx_check::check(&ptxas, rustmf::kernels::PTX).map_err(|e| Failed::from(format!("{e:#}")))?;
        print!("{}", rustmf::ptx_check::table(&report));
        if report.rows.is_empty() {
            return Err("ptxas reported no kernels".into());
        }
        if report.problems.is_empty() {
            Ok(())
        } else {
            Err(report.problems.join("\n").into())
        }
    })
    .with_ignored_flag(!gpu_build || (rustmf::ptx_check::find_ptxas().is_none() && !require));
    libtest_mimic::run(&Arguments::from_args(), vec![trial]).exit();
}
