//! Inference: the top-k items for a batch of query vectors (issue 6).
//!
//! Every backend implements [`Scorer`]: given B query rows (user factors, row-major B × f), an
//! optional per-row list of excluded items and k, it returns each row's k best items as a
//! [`TopK`]. The ranking rule is the same everywhere: score descending, ties by the lower item
//! index; a NaN score ranks as −∞ (and is reported as −∞). When a row has fewer than k candidate
//! items (items not excluded) it returns all of them.
//!
//! This module is device-independent and names no backend: the scorers live under each backend
//! (`cpu::infer`, `gpu::infer`), and `serve` builds them by name.
//!
//! | module      | owns |
//! |-------------|------|
//! | (this file) | the API: [`Exclusions`], [`TopK`], [`Scorer`], input validation |
//! | `reference` | the reference every backend is tested against, comparison helpers, recall |
//! | `select`    | the bounded running top-k that scorers keep per query row |

mod reference;
mod select;

pub use reference::{
    compare_top_k, recall_at_k, reference_scores, reference_top_k, reference_top_k_batch, Agreement, Mismatch,
    Tolerance,
};
pub use select::RowTopK;

use anyhow::{bail, ensure, Result};

use crate::data::Csr;
use crate::model::Matrix;

/// The largest k any scorer accepts (the GPU top-k kernels keep up to this many per row).
pub const MAX_K: usize = 1024;

/// The item slot value of an unused [`TopK`] slot (so item indices must stay below it).
pub const NO_ITEM: u32 = u32::MAX;

/// Items to exclude per query row: row r excludes `items[indptr[r]..indptr[r+1]]`, sorted ascending, no duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exclusions {
    pub indptr: Vec<u32>,
    pub items: Vec<u32>,
}

impl Exclusions {
    /// Number of rows described.
    pub fn rows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    /// The excluded items of row `r` (sorted ascending).
    pub fn row(&self, r: usize) -> &[u32] {
        &self.items[self.indptr[r] as usize..self.indptr[r + 1] as usize]
    }

    /// One row per entry of `rows`, each a list of item indices (sorted and deduplicated here).
    pub fn from_lists(rows: &[Vec<u32>]) -> Result<Self> {
        let mut e = Exclusions { indptr: vec![0], items: Vec::new() };
        for row in rows {
            let mut row = row.clone();
            row.sort_unstable();
            row.dedup();
            e.items.extend_from_slice(&row);
            let end = u32::try_from(e.items.len()).map_err(|_| anyhow::anyhow!("more than 2^32 excluded items"))?;
            e.indptr.push(end);
        }
        Ok(e)
    }

    /// The items each of `users` interacted with in a user × item training matrix (CSR): row r of
    /// the result excludes the stored items of `csr` row `users[r]`.
    pub fn from_csr_rows(csr: &Csr, users: &[u32]) -> Result<Self> {
        ensure!(csr.is_csr(), "exclusions need a CSR (users × items) matrix");
        let rows = users
            .iter()
            .enumerate()
            .map(|(r, &u)| {
                ensure!(
                    (u as usize) < csr.rows(),
                    "query row {r}: user {u} is out of range of the training matrix ({} users)",
                    csr.rows()
                );
                Ok(csr.indices()[csr.indptr().outer_inds_sz(u as usize)].to_vec())
            })
            .collect::<Result<Vec<_>>>()?;
        Self::from_lists(&rows)
    }

    /// Check that this describes `rows` rows of sorted, distinct items below `n_items`.
    pub fn validate(&self, rows: usize, n_items: usize) -> Result<()> {
        ensure!(
            self.indptr.len() == rows + 1,
            "exclusions describe {} rows (indptr has {} entries), the batch has {rows} query rows",
            self.rows(),
            self.indptr.len()
        );
        ensure!(self.indptr[0] == 0, "exclusions: indptr[0] is {}, must be 0", self.indptr[0]);
        ensure!(
            self.indptr[rows] as usize == self.items.len(),
            "exclusions: indptr[{rows}] is {} but there are {} items",
            self.indptr[rows],
            self.items.len()
        );
        for r in 0..rows {
            ensure!(
                self.indptr[r] <= self.indptr[r + 1],
                "exclusions: indptr decreases at row {r} ({} > {})",
                self.indptr[r],
                self.indptr[r + 1]
            );
            let row = self.row(r);
            for (j, &i) in row.iter().enumerate() {
                ensure!(
                    (i as usize) < n_items,
                    "exclusions: row {r} excludes item {i}, out of range ({n_items} items)"
                );
                if j > 0 && row[j - 1] >= i {
                    bail!(
                        "exclusions: row {r} is not sorted ascending without duplicates (item {} then {i})",
                        row[j - 1]
                    );
                }
            }
        }
        Ok(())
    }
}

/// B rows of k slots, row-major. Row r holds `counts[r]` ≤ k valid entries, best first (score descending,
/// ties by lower item index); unused slots hold item u32::MAX and score f32::NEG_INFINITY.
#[derive(Debug, Clone, PartialEq)]
pub struct TopK {
    pub k: usize,
    pub items: Vec<u32>,
    pub scores: Vec<f32>,
    pub counts: Vec<u32>,
}

impl TopK {
    /// `rows` rows of `k` unused slots.
    pub fn empty(rows: usize, k: usize) -> Self {
        TopK { k, items: vec![NO_ITEM; rows * k], scores: vec![f32::NEG_INFINITY; rows * k], counts: vec![0; rows] }
    }

    pub fn rows(&self) -> usize {
        self.counts.len()
    }

    /// The valid items of row `r`, best first.
    pub fn row_items(&self, r: usize) -> &[u32] {
        &self.items[r * self.k..r * self.k + self.counts[r] as usize]
    }

    /// The scores of [`TopK::row_items`].
    pub fn row_scores(&self, r: usize) -> &[f32] {
        &self.scores[r * self.k..r * self.k + self.counts[r] as usize]
    }

    /// Write row `r` from (item, score) pairs, best first (at most k of them).
    pub fn set_row(&mut self, r: usize, ranked: &[(u32, f32)]) {
        debug_assert!(ranked.len() <= self.k);
        for (j, &(i, s)) in ranked.iter().enumerate() {
            self.items[r * self.k + j] = i;
            self.scores[r * self.k + j] = s;
        }
        self.counts[r] = ranked.len() as u32;
    }
}

/// A top-k backend. Implementations validate their input with [`validate_request`].
pub trait Scorer: Send {
    fn name(&self) -> String;
    fn n_items(&self) -> usize;
    fn n_factors(&self) -> usize;
    /// Top-k items for each of the B = queries.len()/f query vectors (row-major B×f, e.g. user factor rows).
    fn top_k(&mut self, queries: &[f32], exclude: Option<&Exclusions>, k: usize) -> Result<TopK>;
}

/// Reject k = 0 and k > [`MAX_K`].
pub fn check_k(k: usize) -> Result<()> {
    ensure!(k >= 1, "k must be at least 1");
    ensure!(k <= MAX_K, "k = {k} is larger than the largest supported k ({MAX_K})");
    Ok(())
}

/// Reject an item factor matrix that no scorer can rank: no columns, more items than the
/// [`TopK`] slot encoding holds, or a NaN/infinite value (reported by row and column).
pub fn check_factors(items: &Matrix) -> Result<()> {
    ensure!(items.cols >= 1, "item factors have no columns (f = 0)");
    ensure!(items.rows >= 1, "item factors have no rows (no items)");
    ensure!(items.rows < NO_ITEM as usize, "{} items: at most {} are supported", items.rows, NO_ITEM - 1);
    ensure!(items.data.len() == items.rows * items.cols, "item factor data does not match its shape");
    if let Some(p) = items.data.iter().position(|v| !v.is_finite()) {
        bail!(
            "item factors: row {} column {} is {} (factors must be finite)",
            p / items.cols,
            p % items.cols,
            items.data[p]
        );
    }
    Ok(())
}

/// Check one top-k request against a scorer of `n_items` × `f` item factors; returns B.
pub fn validate_request(
    queries: &[f32],
    f: usize,
    n_items: usize,
    exclude: Option<&Exclusions>,
    k: usize,
) -> Result<usize> {
    check_k(k)?;
    ensure!(!queries.is_empty(), "no query rows (queries is empty)");
    ensure!(
        queries.len() % f == 0,
        "queries have {} values, not a multiple of the factor count f = {f}",
        queries.len()
    );
    if let Some(p) = queries.iter().position(|v| !v.is_finite()) {
        bail!("query row {} column {} is {} (queries must be finite)", p / f, p % f, queries[p]);
    }
    let b = queries.len() / f;
    if let Some(e) = exclude {
        e.validate(b, n_items)?;
    }
    Ok(b)
}
