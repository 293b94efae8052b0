//! The data layer: interactions, loaders, cache, synthetic data, splits, statistics, `--input` specs.
//! It is the bottom layer: it names nothing else of the crate.
//!
//! ```no_run
//! use rustmf_host::data::{cache, load, split, synth};
//! let ml = load::load(&load::Format::MovieLens, "ml-1m/ratings.dat".as_ref(), &load::LoadOptions::default())?;
//! cache::save(&ml.dataset, "ml-1m.safetensors".as_ref(), "movielens ml-1m/ratings.dat")?;
//! let d = cache::load("ml-1m.safetensors".as_ref())?;
//! let cfg = split::SplitConfig { by: split::SplitBy::Time, holdout: split::Holdout::Fraction(0.2), seed: 0 };
//! let split::Split { train, test } = split::split(&d, &cfg)?;
//! let netflix_like = synth::generate(&synth::SynthConfig::preset(synth::Preset::Netflix, 0.01, 42));
//! # Ok::<(), rustmf_host::data::DataError>(())
//! ```

mod assemble;
pub mod cache;
mod error;
mod fingerprint;
mod ids;
pub mod input;
mod interactions;
pub mod load;
pub mod memory;
mod open;
mod pod;
mod remap;
mod rows;
pub(crate) mod seeds;
pub mod split;
pub mod staged;
pub mod stats;
pub mod synth;

pub use assemble::{Duplicates, Triplets};
pub use error::DataError;
pub use fingerprint::fingerprint;
pub use ids::IdMap;
pub use interactions::{interactions_from_csr, interactions_from_triplets, Csc, Csr, Dataset, Interactions, Negative};
pub use remap::remap;
