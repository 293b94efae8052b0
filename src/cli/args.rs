//! Argument types that several subcommands share.
use std::sync::LazyLock;

use clap::builder::PossibleValue;
use rustmf_host::model::Hermitian;
use rustmf_host::serve::ScorerBackend;

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

/// A `--backend(s)` value: a [`ScorerBackend`] by its name or an alias. A wrapper because the
/// host crate has no clap; the names, aliases and help come from the host's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScorerBackendArg(pub ScorerBackend);

impl clap::ValueEnum for ScorerBackendArg {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: LazyLock<Vec<ScorerBackendArg>> =
            LazyLock::new(|| ScorerBackend::ALL.into_iter().map(ScorerBackendArg).collect());
        &ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let b = self.0;
        let help = match b.aliases() {
            [] => b.description().to_string(),
            aliases => format!("{} (alias: {})", b.description(), aliases.join(", ")),
        };
        Some(PossibleValue::new(b.name()).aliases(b.aliases().iter().copied()).help(help))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn scorer_backends_parse_by_name_and_alias() {
        for b in ScorerBackend::ALL {
            assert_eq!(ScorerBackendArg::from_str(b.name(), false), Ok(ScorerBackendArg(b)));
        }
        assert_eq!(ScorerBackendArg::from_str("cpu", false), Ok(ScorerBackendArg(ScorerBackend::Cpu1)));
        assert_eq!(ScorerBackendArg::from_str("gpu", false), Ok(ScorerBackendArg(ScorerBackend::GpuFused)));
        assert!(ScorerBackendArg::from_str("gpu-fused-typo", false).is_err());
    }

    #[test]
    fn backends_lists_split_on_commas_and_default_to_both_cpu_scorers() {
        use crate::cli::{Cli, Command};
        use clap::Parser;
        let backends = |argv: &[&str]| match Cli::try_parse_from(argv).map(|c| c.command) {
            Ok(Command::InferBench(a)) => a.backends.into_iter().map(|b| b.0).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(backends(&["rustmf", "infer-bench"]), [ScorerBackend::Cpu1, ScorerBackend::CpuMt]);
        assert_eq!(
            backends(&["rustmf", "infer-bench", "--backends", "cpu,gpu,gpu-tf32"]),
            [ScorerBackend::Cpu1, ScorerBackend::GpuFused, ScorerBackend::GpuTf32]
        );
        assert!(Cli::try_parse_from(["rustmf", "serve-sim", "--backends", "cpu1,gpu-fused-typo"]).is_err());
    }
}
