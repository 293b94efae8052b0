//! Triplets → CSR (duplicates aggregated) and CSR → CSC, both in parallel and deterministic:
//! the result depends only on the input, never on the thread count.

use super::rows::{indptr_from_counts, row_blocks, split_entries};
use super::{Csc, Csr};
use rayon::prelude::*;

/// Entries in dense indices, in input order (the order matters for [`Duplicates::Last`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Triplets {
    pub n_users: usize,
    pub n_items: usize,
    pub users: Vec<u32>,
    pub items: Vec<u32>,
    pub values: Vec<f32>,
    /// Per-entry timestamps, if the source has them.
    pub times: Option<Vec<i64>>,
}

/// How to combine several entries for the same (user, item). The combined entry's timestamp is
/// that of the last entry for `Last`, and the latest of them for `Sum` and `Mean`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Duplicates {
    /// Add the values (play counts, clicks).
    #[default]
    Sum,
    /// Keep the value that comes last in the input (a re-rating replaces the earlier one).
    Last,
    /// Average the values.
    Mean,
}

impl std::fmt::Display for Duplicates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Duplicates::Sum => "sum",
            Duplicates::Last => "last",
            Duplicates::Mean => "mean",
        })
    }
}

/// Rows of one run of sorted entries after aggregation.
#[derive(Default)]
struct Part {
    rows: Vec<u32>,
    cols: Vec<u32>,
    values: Vec<f32>,
    times: Vec<i64>,
}

/// Sort the entries by (user, item, input position), aggregate equal (user, item) pairs and
/// return the CSR matrix and the timestamps aligned with it. Indices must be in bounds.
pub(crate) fn compress(t: &Triplets, duplicates: Duplicates) -> (Csr, Option<Vec<i64>>) {
    let mut order: Vec<(u64, usize)> = t
        .users
        .par_iter()
        .zip(t.items.par_iter())
        .enumerate()
        .map(|(k, (&u, &i))| ((u as u64) << 32 | i as u64, k))
        .collect();
    order.par_sort_unstable();

    let n_parts = rayon::current_num_threads() * 4;
    let len = order.len();
    let mut bounds = vec![0];
    for p in 1..n_parts {
        let mut b = (p * len / n_parts).max(bounds[bounds.len() - 1]);
        while b > 0 && b < len && order[b].0 == order[b - 1].0 {
            b += 1;
        }
        bounds.push(b);
    }
    bounds.push(len);
    bounds.dedup();
    let parts: Vec<Part> = bounds.par_windows(2).map(|w| aggregate(&order[w[0]..w[1]], t, duplicates)).collect();
    drop(order);

    let mut counts = vec![0usize; t.n_users];
    for p in &parts {
        for &r in &p.rows {
            counts[r as usize] += 1;
        }
    }
    let indptr = indptr_from_counts(counts);
    let cols = concat(parts.iter().map(|p| &p.cols[..]));
    let values = concat(parts.iter().map(|p| &p.values[..]));
    let times = t.times.as_ref().map(|_| concat(parts.iter().map(|p| &p.times[..])));
    let csr = Csr::try_new((t.n_users, t.n_items), indptr, cols, values)
        .map_err(|e| e.3)
        .expect("sorted, deduplicated, in-bounds entries form a valid CSR matrix");
    (csr, times)
}

fn aggregate(run: &[(u64, usize)], t: &Triplets, duplicates: Duplicates) -> Part {
    let mut p = Part::default();
    let mut k = 0;
    while k < run.len() {
        let key = run[k].0;
        let end = k + run[k..].partition_point(|e| e.0 == key);
        let group = &run[k..end];
        let last = group[group.len() - 1].1;
        let value = match duplicates {
            Duplicates::Last => t.values[last],
            Duplicates::Sum => group.iter().map(|e| t.values[e.1] as f64).sum::<f64>() as f32,
            Duplicates::Mean => (group.iter().map(|e| t.values[e.1] as f64).sum::<f64>() / group.len() as f64) as f32,
        };
        p.rows.push((key >> 32) as u32);
        p.cols.push(key as u32);
        p.values.push(value);
        if let Some(times) = &t.times {
            p.times.push(match duplicates {
                Duplicates::Last => times[last],
                Duplicates::Sum | Duplicates::Mean => group.iter().map(|e| times[e.1]).max().unwrap(),
            });
        }
        k = end;
    }
    p
}

fn concat<'a, T: Copy + Send + Sync + 'a>(parts: impl Iterator<Item = &'a [T]>) -> Vec<T> {
    let parts: Vec<&[T]> = parts.collect();
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// The CSC form of a CSR matrix. Each thread fills a contiguous range of columns by scanning all
/// rows, so entries land in row order without atomics or a sort.
pub(crate) fn transpose(csr: &Csr) -> Csc {
    let (n_rows, n_cols) = csr.shape();
    let row_ptr = csr.indptr();
    let row_ptr = row_ptr.raw_storage();
    let counts = csr
        .indices()
        .par_chunks(1 << 20)
        .fold(
            || vec![0usize; n_cols],
            |mut c, chunk| {
                for &j in chunk {
                    c[j as usize] += 1;
                }
                c
            },
        )
        .reduce(
            || vec![0usize; n_cols],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let col_ptr = indptr_from_counts(counts);
    let blocks = row_blocks(&col_ptr, rayon::current_num_threads());
    let mut indices = vec![0u32; csr.nnz()];
    let mut data = vec![0f32; csr.nnz()];
    split_entries(&mut indices, &col_ptr, &blocks)
        .into_par_iter()
        .zip(split_entries(&mut data, &col_ptr, &blocks))
        .zip(blocks.par_iter())
        .for_each(|((idx, dat), cols)| {
            let base = col_ptr[cols.start];
            let mut cursor: Vec<usize> = col_ptr[cols.clone()].iter().map(|&p| p - base).collect();
            for r in 0..n_rows {
                let row = &csr.indices()[row_ptr[r]..row_ptr[r + 1]];
                let vals = &csr.data()[row_ptr[r]..row_ptr[r + 1]];
                let from = row.partition_point(|&j| (j as usize) < cols.start);
                for (&j, &v) in row[from..].iter().zip(&vals[from..]) {
                    if j as usize >= cols.end {
                        break;
                    }
                    let slot = &mut cursor[j as usize - cols.start];
                    idx[*slot] = r as u32;
                    dat[*slot] = v;
                    *slot += 1;
                }
            }
        });
    Csc::try_new_csc((n_rows, n_cols), col_ptr, indices, data)
        .map_err(|e| e.3)
        .expect("a transposed valid CSR matrix is a valid CSC matrix")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triplets(entries: &[(u32, u32, f32, i64)]) -> Triplets {
        Triplets {
            n_users: 3,
            n_items: 4,
            users: entries.iter().map(|e| e.0).collect(),
            items: entries.iter().map(|e| e.1).collect(),
            values: entries.iter().map(|e| e.2).collect(),
            times: Some(entries.iter().map(|e| e.3).collect()),
        }
    }

    const DUPES: [(u32, u32, f32, i64); 5] =
        [(2, 1, 1.0, 10), (0, 3, 2.0, 5), (2, 1, 4.0, 7), (0, 0, 1.0, 1), (2, 1, 1.0, 8)];

    #[test]
    fn duplicates_are_aggregated_as_asked() {
        let t = triplets(&DUPES);
        let (csr, times) = compress(&t, Duplicates::Sum);
        assert_eq!(csr.indptr().raw_storage(), &[0, 2, 2, 3]);
        assert_eq!(csr.indices(), &[0, 3, 1]);
        assert_eq!(csr.data(), &[1.0, 2.0, 6.0]);
        assert_eq!(times.unwrap(), vec![1, 5, 10]);
        let (csr, times) = compress(&t, Duplicates::Last);
        assert_eq!(csr.data(), &[1.0, 2.0, 1.0]);
        assert_eq!(times.unwrap(), vec![1, 5, 8]);
        let (csr, _) = compress(&t, Duplicates::Mean);
        assert_eq!(csr.data(), &[1.0, 2.0, 2.0]);
    }

    #[test]
    fn transpose_matches_sprs() {
        let (csr, _) = compress(&triplets(&DUPES), Duplicates::Sum);
        assert_eq!(transpose(&csr), csr.to_csc());
    }
}
