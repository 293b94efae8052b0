//! Summary statistics of a dataset: shape, density, how interactions spread over users and items,
//! the distribution of values and how concentrated item popularity is.

use super::Dataset;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub n_users: usize,
    pub n_items: usize,
    pub nnz: usize,
    pub density: f64,
    /// Interactions per user.
    pub user_lengths: Quantiles,
    /// Interactions per item.
    pub item_lengths: Quantiles,
    pub values: Histogram,
    /// Share of all interactions that fall on the most popular 1% of items (at least one item).
    pub top1pct_item_share: f64,
    /// Earliest and latest timestamp, when there are timestamps.
    pub time_range: Option<(i64, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantiles {
    pub min: usize,
    pub p50: usize,
    pub p90: usize,
    pub p99: usize,
    pub max: usize,
    pub mean: f64,
}

/// Counts of values: one bin per distinct value when there are few of them, else ranges
/// (powers of two for positive values, equal widths otherwise). A bin holds `lo <= v < hi`,
/// or `v == lo` when `lo == hi`; the last range bin also holds its upper edge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    pub min: f32,
    pub max: f32,
    pub mean: f64,
    pub bins: Vec<Bin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bin {
    pub lo: f32,
    pub hi: f32,
    pub count: usize,
}

const MAX_EXACT_BINS: usize = 32;
const RANGE_BINS: usize = 20;

pub fn stats(d: &Dataset) -> Stats {
    let x = &d.interactions;
    let lengths = |ptr: &[usize]| ptr.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>();
    let mut item_lengths = lengths(x.item_ptr());
    let user_lengths = quantiles(lengths(x.user_ptr()));
    item_lengths.par_sort_unstable_by(|a, b| b.cmp(a));
    let top = x.n_items().div_ceil(100).max(1).min(x.n_items());
    let top1pct_item_share = item_lengths[..top].iter().sum::<usize>() as f64 / x.nnz().max(1) as f64;
    Stats {
        n_users: x.n_users(),
        n_items: x.n_items(),
        nnz: x.nnz(),
        density: x.density(),
        user_lengths,
        item_lengths: quantiles(item_lengths),
        values: histogram(x.csr.data()),
        top1pct_item_share,
        time_range: d
            .times
            .as_ref()
            .filter(|t| !t.is_empty())
            .map(|t| (*t.par_iter().min().unwrap(), *t.par_iter().max().unwrap())),
    }
}

fn quantiles(mut v: Vec<usize>) -> Quantiles {
    if v.is_empty() {
        return Quantiles { min: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0.0 };
    }
    v.par_sort_unstable();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    Quantiles {
        min: v[0],
        p50: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        max: v[v.len() - 1],
        mean: v.iter().sum::<usize>() as f64 / v.len() as f64,
    }
}

fn histogram(values: &[f32]) -> Histogram {
    if values.is_empty() {
        return Histogram { min: 0.0, max: 0.0, mean: 0.0, bins: Vec::new() };
    }
    let min = values.par_iter().copied().reduce(|| f32::INFINITY, f32::min);
    let max = values.par_iter().copied().reduce(|| f32::NEG_INFINITY, f32::max);
    let mean = values.par_iter().map(|&v| v as f64).sum::<f64>() / values.len() as f64;
    let mut distinct: BTreeMap<u32, usize> = BTreeMap::new();
    for &v in values {
        *distinct.entry(sortable(v)).or_default() += 1;
        if distinct.len() > MAX_EXACT_BINS {
            break;
        }
    }
    let bins = if distinct.len() <= MAX_EXACT_BINS {
        distinct.into_iter().map(|(k, count)| Bin { lo: unsortable(k), hi: unsortable(k), count }).collect()
    } else {
        let edges: Vec<f32> = if min > 0.0 {
            let (a, b) = (min.log2().floor() as i32, max.log2().floor() as i32 + 1);
            (a..=b).map(|e| 2f32.powi(e)).collect()
        } else {
            (0..=RANGE_BINS).map(|k| min + (max - min) * k as f32 / RANGE_BINS as f32).collect()
        };
        let last = edges.len() - 2;
        let counts = values
            .par_iter()
            .fold(
                || vec![0usize; edges.len() - 1],
                |mut c, &v| {
                    c[(edges.partition_point(|&e| e <= v).max(1) - 1).min(last)] += 1;
                    c
                },
            )
            .reduce(|| vec![0; edges.len() - 1], |a, b| a.iter().zip(b).map(|(x, y)| x + y).collect());
        edges.windows(2).zip(counts).map(|(w, count)| Bin { lo: w[0], hi: w[1], count }).collect()
    };
    Histogram { min, max, mean, bins }
}

/// Order-preserving map of finite floats to integers (so they can key a BTreeMap).
fn sortable(v: f32) -> u32 {
    let b = v.to_bits();
    if b >> 31 == 1 {
        !b
    } else {
        b | 1 << 31
    }
}

fn unsortable(k: u32) -> f32 {
    f32::from_bits(if k >> 31 == 1 { k & !(1 << 31) } else { !k })
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "users × items   {} × {}", self.n_users, self.n_items)?;
        writeln!(f, "interactions    {} (density {:.3e})", self.nnz, self.density)?;
        writeln!(f, "                  min      p50      p90      p99      max     mean")?;
        for (name, q) in [("per user", &self.user_lengths), ("per item", &self.item_lengths)] {
            writeln!(f, "{name:<12} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8.1}", q.min, q.p50, q.p90, q.p99, q.max, q.mean)?;
        }
        writeln!(f, "top 1% items    {:.1}% of interactions", 100.0 * self.top1pct_item_share)?;
        if let Some((a, b)) = self.time_range {
            writeln!(f, "timestamps      {a} .. {b}")?;
        }
        let h = &self.values;
        writeln!(f, "values          min {} max {} mean {:.4}", h.min, h.max, h.mean)?;
        for b in &h.bins {
            let share = 100.0 * b.count as f64 / self.nnz.max(1) as f64;
            if b.lo == b.hi {
                writeln!(f, "  {:>12} {:>12} {share:>6.2}%", b.lo, b.count)?;
            } else {
                writeln!(f, "  [{}, {}) {:>12} {share:>6.2}%", b.lo, b.hi, b.count)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Interactions;

    #[test]
    fn small_matrix() {
        let x = Interactions::from_entries(
            2,
            3,
            &[(0, 0, 5.0), (0, 1, 3.0), (1, 0, 5.0), (1, 2, -1.0)],
            Default::default(),
        )
        .unwrap();
        let s = stats(&x.into());
        assert_eq!((s.n_users, s.n_items, s.nnz), (2, 3, 4));
        assert_eq!((s.item_lengths.min, s.item_lengths.max, s.item_lengths.p50), (1, 2, 1));
        assert_eq!(s.user_lengths.mean, 2.0);
        assert_eq!(s.top1pct_item_share, 0.5);
        let bins: Vec<(f32, usize)> = s.values.bins.iter().map(|b| (b.lo, b.count)).collect();
        assert_eq!(bins, vec![(-1.0, 1), (3.0, 1), (5.0, 2)]);
    }

    #[test]
    fn many_values_get_power_of_two_bins() {
        let h = histogram(&(1..=100).map(|v| v as f32).collect::<Vec<_>>());
        assert_eq!(h.bins.first().map(|b| (b.lo, b.hi, b.count)), Some((1.0, 2.0, 1)));
        assert_eq!(h.bins.iter().map(|b| b.count).sum::<usize>(), 100);
        assert_eq!(h.bins.last().map(|b| (b.lo, b.count)), Some((64.0, 37)));
    }
}
