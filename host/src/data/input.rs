//! The `--input` specs every command accepts, and the per-user hold-out of `train` and `eval`.

use std::path::Path;

use anyhow::{Context, Result};

use super::split::{split, Holdout, SplitBy, SplitConfig};
use super::synth::{self, shaped};
use super::{cache, Dataset, Interactions};

/// Load an input: `shaped:netflix[:SCALE]` (the benchmarks' generator, [`shaped`], default scale
/// 0.01), `synth:PRESET[:SCALE]` (the planted presets of [`synth`], default scale 1) or a data
/// cache file.
pub fn load_input(spec: &str, seed: u64) -> Result<Interactions> {
    if let Some(rest) = spec.strip_prefix("shaped:") {
        let mut parts = rest.split(':');
        let shape = parts.next().unwrap_or("");
        let scale: f64 = match parts.next() {
            Some(s) => s.parse().with_context(|| format!("bad scale in {spec}"))?,
            None => 0.01,
        };
        anyhow::ensure!(scale > 0.0 && scale <= 1.0, "scale must be in (0, 1], got {scale} in {spec}");
        return match shape {
            "netflix" => Ok(shaped::netflix_shaped(scale, seed)),
            _ => anyhow::bail!("unknown shape {shape:?} (known: netflix)"),
        };
    }
    if let Some(rest) = spec.strip_prefix("synth:") {
        let mut parts = rest.split(':');
        let preset: synth::Preset = parts.next().unwrap_or("").parse().map_err(|e: String| anyhow::anyhow!("{e}"))?;
        let scale: f64 = match parts.next() {
            Some(s) => s.parse().with_context(|| format!("bad scale in {spec}"))?,
            None => 1.0,
        };
        anyhow::ensure!(scale > 0.0 && scale.is_finite(), "scale must be > 0, got {scale} in {spec}");
        let config = synth::SynthConfig::preset(preset, scale, seed);
        config.check_memory()?;
        return Ok(synth::generate(&config).interactions);
    }
    let path = Path::new(spec);
    anyhow::ensure!(!path.is_dir(), "{spec} is a directory, not a data cache file");
    anyhow::ensure!(path.is_file(), "{spec:?} is neither shaped:…, synth:… nor a data cache file");
    Ok(cache::load(path)?.interactions)
}

/// The synthetic preset an input spec names: `synth:PRESET…`, or Netflix for `shaped:netflix…`.
pub fn preset_of(spec: &str) -> Option<synth::Preset> {
    if spec.starts_with("shaped:netflix") {
        return Some(synth::Preset::Netflix);
    }
    spec.strip_prefix("synth:")?.split(':').next()?.parse().ok()
}

/// Per-user random hold-out of `fraction` of each user's interactions: (train, test).
pub fn holdout(data: Interactions, fraction: f64, seed: u64) -> Result<(Interactions, Interactions)> {
    let d = Dataset { interactions: data, times: None };
    let parts = split(&d, &SplitConfig { by: SplitBy::Random, holdout: Holdout::Fraction(fraction), seed })?;
    Ok((parts.train.interactions, parts.test.interactions))
}
