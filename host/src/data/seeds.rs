//! Independent RNG streams: one per (seed, purpose, index), so that parallel work draws the same
//! numbers whatever the thread count.

use rand::rngs::SmallRng;
use rand::SeedableRng;

/// A splitmix64-style finaliser of the three inputs.
fn stream_seed(seed: u64, stream: u64, index: u64) -> u64 {
    let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) fn stream_rng(seed: u64, stream: u64, index: u64) -> SmallRng {
    SmallRng::seed_from_u64(stream_seed(seed, stream, index))
}

/// The splitmix64 finaliser: a well-mixed 64-bit hash, the basis of the factor initialisation
/// (`model::init_factors`) and of the benchmarks' generator (`synth::shaped`).
#[inline]
pub(crate) fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
