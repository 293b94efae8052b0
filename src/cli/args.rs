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

/// Value parsers of the numeric options, one per rule: each takes what its rule allows and
/// otherwise says the rule and the value (clap adds the option: "invalid value '-1' for
/// '--lambda <LAMBDA>': must be ≥ 0, got -1"). Numeric options also set
/// `allow_negative_numbers`, so that a negative value reaches its rule rather than being taken
/// for a flag.
pub fn count(s: &str) -> Result<usize, String> {
    integer(s, 0)
}

/// An integer ≥ 1 (iterations, k, repeats, batch sizes, …).
pub fn count1(s: &str) -> Result<usize, String> {
    integer(s, 1)
}

/// A number of bytes ≥ 1, also written as a float (80e9).
pub fn bytes(s: &str) -> Result<usize, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("must be a number of bytes (e.g. 80e9), got {s:?}"))?;
    if !(v.is_finite() && v >= 1.0 && v < usize::MAX as f64) {
        return Err(format!("must be a number of bytes ≥ 1, got {s}"));
    }
    Ok(v as usize)
}

/// A seed: an integer in 0..=u64::MAX.
pub fn seed(s: &str) -> Result<u64, String> {
    let v = whole(s)?;
    u64::try_from(v).map_err(|_| format!("must be in 0..={}, got {s}", u64::MAX))
}

fn whole(s: &str) -> Result<i128, String> {
    s.trim().parse::<i128>().map_err(|_| format!("must be an integer, got {s:?}"))
}

fn integer(s: &str, min: usize) -> Result<usize, String> {
    let v = whole(s)?;
    if v < min as i128 {
        return Err(format!("must be ≥ {min}, got {s}"));
    }
    usize::try_from(v).map_err(|_| format!("must be ≤ {}, got {s}", usize::MAX))
}

fn real(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("must be a number, got {s:?}"))?;
    if !v.is_finite() {
        return Err(format!("must be a finite number, got {s}"));
    }
    Ok(v)
}

/// A finite number ≥ 0 (λ, α, waits).
pub fn non_negative(s: &str) -> Result<f64, String> {
    let v = real(s)?;
    if v < 0.0 {
        return Err(format!("must be ≥ 0, got {s}"));
    }
    Ok(v)
}

/// A finite number > 0 (scales, ε, durations, tolerances).
pub fn positive(s: &str) -> Result<f64, String> {
    let v = real(s)?;
    if v <= 0.0 {
        return Err(format!("must be > 0, got {s}"));
    }
    Ok(v)
}

/// A fraction in [0, 1) (hold-outs: 1 would leave nothing to train on).
pub fn fraction(s: &str) -> Result<f64, String> {
    let v = real(s)?;
    if !(0.0..1.0).contains(&v) {
        return Err(format!("must be in [0, 1), got {s}"));
    }
    Ok(v)
}

/// [`non_negative`] as f32 (the model's parameters are f32).
pub fn non_negative_f32(s: &str) -> Result<f32, String> {
    narrow(non_negative(s)?, s)
}

/// [`positive`] as f32.
pub fn positive_f32(s: &str) -> Result<f32, String> {
    narrow(positive(s)?, s)
}

fn narrow(v: f64, s: &str) -> Result<f32, String> {
    let n = v as f32;
    if !n.is_finite() {
        return Err(format!("must fit a 32-bit float, got {s}"));
    }
    Ok(n)
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
    fn numeric_rules_name_the_rule_and_the_value() {
        assert_eq!(count1("0"), Err("must be ≥ 1, got 0".into()));
        assert_eq!(count1("-3"), Err("must be ≥ 1, got -3".into()));
        assert_eq!(count("x"), Err("must be an integer, got \"x\"".into()));
        assert_eq!(count("7"), Ok(7));
        assert_eq!(seed("-1"), Err(format!("must be in 0..={}, got -1", u64::MAX)));
        assert_eq!(non_negative("-1"), Err("must be ≥ 0, got -1".into()));
        assert_eq!(non_negative("inf"), Err("must be a finite number, got inf".into()));
        assert_eq!(non_negative_f32("1e40"), Err("must fit a 32-bit float, got 1e40".into()));
        assert_eq!(positive("0"), Err("must be > 0, got 0".into()));
        assert_eq!(fraction("1"), Err("must be in [0, 1), got 1".into()));
        assert_eq!(fraction("-0.1"), Err("must be in [0, 1), got -0.1".into()));
        assert_eq!(fraction("0.2"), Ok(0.2));
    }

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
