//! Seeded, counter-based factor initialisation (independent of threads and of the `rand` crate).

use rayon::prelude::*;

use super::{Factors, Matrix};
use crate::data::seeds::splitmix64;

/// Uniform in (0, 1], from 53 random bits.
#[inline]
fn unit(h: u64) -> f64 {
    ((h >> 11) as f64 + 1.0) * (1.0 / (1u64 << 53) as f64)
}

/// Fill a rows × f matrix: element (r, c) is a standard normal from Box–Muller on
/// `splitmix64(seed, stream, r, pair)`, times `std`.
pub(crate) fn normal_matrix(rows: usize, f: usize, seed: u64, stream: u64, std: f32) -> Matrix {
    let mut m = Matrix::zeros(rows, f);
    if f == 0 {
        return m;
    }
    let base = splitmix64(seed ^ splitmix64(stream.wrapping_add(0x5851_F42D_4C95_7F2D)));
    m.data.par_chunks_mut(f).enumerate().for_each(|(r, row)| {
        let rs = splitmix64(base ^ splitmix64(r as u64));
        for (p, pair) in row.chunks_mut(2).enumerate() {
            let h1 = splitmix64(rs.wrapping_add(2 * p as u64));
            let h2 = splitmix64(rs.wrapping_add(2 * p as u64 + 1));
            let (u1, u2) = (unit(h1), unit(h2));
            let rad = (-2.0 * u1.ln()).sqrt();
            let th = std::f64::consts::TAU * u2;
            pair[0] = (rad * th.cos()) as f32 * std;
            if pair.len() > 1 {
                pair[1] = (rad * th.sin()) as f32 * std;
            }
        }
    });
    m
}

/// Initial factors: users and items i.i.d. `N(0, init_scale²/f)` (streams 0 and 1 of `seed`).
pub fn init_factors(n_users: usize, n_items: usize, f: usize, seed: u64, init_scale: f32) -> Factors {
    let std = init_scale / (f.max(1) as f32).sqrt();
    Factors { users: normal_matrix(n_users, f, seed, 0, std), items: normal_matrix(n_items, f, seed, 1, std) }
}
