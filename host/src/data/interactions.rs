//! A user × item interaction matrix held both row-major (CSR) and column-major (CSC),
//! with the maps between the dataset's own ids and dense indices.

use super::assemble::{compress, transpose, Duplicates, Triplets};
use super::{DataError, IdMap};
use rayon::prelude::*;
use sprs::CsMatI;

/// Row-major sparse matrix, u32 indices, f32 values (`indptr` is usize: nnz may exceed u32).
pub type Csr = CsMatI<f32, u32, usize>;
/// Column-major sparse matrix with the same element types (sprs CSC storage).
pub type Csc = CsMatI<f32, u32, usize>;

/// The interaction matrix: `csr` is users × items in CSR, `csc` is the same matrix in CSC.
#[derive(Debug, Clone, PartialEq)]
pub struct Interactions {
    pub csr: Csr,
    pub csc: Csc,
    pub users: IdMap,
    pub items: IdMap,
}

/// Interactions and, when the source has them, per-entry timestamps aligned with
/// `interactions.csr.data()` (seconds; the epoch is the source's: Unix time for MovieLens,
/// Netflix and LFM-1b, the dataset's own day zero for Yahoo! Music).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub interactions: Interactions,
    pub times: Option<Vec<i64>>,
}

impl Dataset {
    /// Build from entries in dense indices; entries for the same (user, item) are combined as
    /// `duplicates` says. Fails on out-of-range indices, non-finite values or mismatched lengths.
    pub fn from_triplets(t: &Triplets, duplicates: Duplicates, users: IdMap, items: IdMap) -> Result<Self, DataError> {
        check_triplets(t, &users, &items)?;
        let (csr, times) = compress(t, duplicates);
        Ok(Dataset { interactions: Interactions::from_csr(csr, users, items), times })
    }
}

/// Where an interaction matrix holds negative values (see [`Interactions::negative_values`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Negative {
    pub count: usize,
    pub user: usize,
    pub item: usize,
    pub value: f32,
}

impl From<Interactions> for Dataset {
    fn from(interactions: Interactions) -> Self {
        Dataset { interactions, times: None }
    }
}

impl Interactions {
    /// Build from `(user, item, value)` entries in dense indices, with identity id maps.
    pub fn from_entries(
        n_users: usize,
        n_items: usize,
        entries: &[(u32, u32, f32)],
        duplicates: Duplicates,
    ) -> Result<Self, DataError> {
        let t = Triplets {
            n_users,
            n_items,
            users: entries.iter().map(|e| e.0).collect(),
            items: entries.iter().map(|e| e.1).collect(),
            values: entries.iter().map(|e| e.2).collect(),
            times: None,
        };
        Ok(Dataset::from_triplets(&t, duplicates, IdMap::Identity, IdMap::Identity)?.interactions)
    }

    /// Wrap a CSR matrix (sorted, no duplicates) and derive its CSC form.
    pub fn from_csr(csr: Csr, users: IdMap, items: IdMap) -> Self {
        assert!(csr.is_csr(), "Interactions::from_csr needs CSR storage");
        let csc = transpose(&csr);
        Interactions { csr, csc, users, items }
    }

    pub fn n_users(&self) -> usize {
        self.csr.rows()
    }
    pub fn n_items(&self) -> usize {
        self.csr.cols()
    }
    pub fn nnz(&self) -> usize {
        self.csr.nnz()
    }

    /// Fraction of the user × item cells that hold an entry.
    pub fn density(&self) -> f64 {
        self.nnz() as f64 / (self.n_users() as f64 * self.n_items() as f64).max(1.0)
    }

    /// CSR row pointers (length `n_users + 1`).
    pub fn user_ptr(&self) -> &[usize] {
        self.csr.indptr().into_raw_storage()
    }

    /// The negative values: how many, and the first in CSR order; `None` when there are none.
    pub fn negative_values(&self) -> Option<Negative> {
        let values = self.csr.data();
        let k = values.par_iter().position_first(|v| *v < 0.0)?;
        let count = values.par_iter().filter(|v| **v < 0.0).count();
        let user = self.user_ptr().partition_point(|&p| p <= k) - 1;
        Some(Negative { count, user, item: self.csr.indices()[k] as usize, value: values[k] })
    }

    /// CSC column pointers (length `n_items + 1`).
    pub fn item_ptr(&self) -> &[usize] {
        self.csc.indptr().into_raw_storage()
    }
}

fn check_triplets(t: &Triplets, users: &IdMap, items: &IdMap) -> Result<(), DataError> {
    let invalid = |reason: String| DataError::Invalid { what: "triplets", reason };
    let n = t.users.len();
    if t.items.len() != n || t.values.len() != n || t.times.as_ref().is_some_and(|x| x.len() != n) {
        return Err(invalid("users, items, values and times must have the same length".into()));
    }
    if t.n_users > u32::MAX as usize || t.n_items > u32::MAX as usize {
        return Err(invalid(format!("shape {} × {} exceeds u32 indices", t.n_users, t.n_items)));
    }
    for (map, n, what) in [(users, t.n_users, "user"), (items, t.n_items, "item")] {
        if map.len().is_some_and(|len| len != n) {
            return Err(invalid(format!("{what} id map has {} ids for {n} {what}s", map.len().unwrap())));
        }
    }
    if let Some(k) = t.users.par_iter().position_any(|&u| u as usize >= t.n_users) {
        return Err(invalid(format!("entry {k}: user index {} ≥ {} users", t.users[k], t.n_users)));
    }
    if let Some(k) = t.items.par_iter().position_any(|&i| i as usize >= t.n_items) {
        return Err(invalid(format!("entry {k}: item index {} ≥ {} items", t.items[k], t.n_items)));
    }
    if let Some(k) = t.values.par_iter().position_any(|v| !v.is_finite()) {
        return Err(invalid(format!("entry {k}: value {} is not finite", t.values[k])));
    }
    Ok(())
}

/// Interactions (identity id maps) from (user, item, value) triplets; duplicates are summed.
/// A convenience for tests and small examples; real data comes from the loaders.
pub fn interactions_from_triplets(n_users: usize, n_items: usize, triplets: &[(u32, u32, f32)]) -> Interactions {
    let mut t = sprs::TriMatI::<f32, u32>::with_capacity((n_users, n_items), triplets.len());
    for &(u, i, v) in triplets {
        t.add_triplet(u as usize, i as usize, v);
    }
    let csr: Csr = t.to_csr();
    let csc = csr.to_csc();
    Interactions { csr, csc, users: IdMap::Identity, items: IdMap::Identity }
}

/// Interactions (identity id maps) from a CSR users × items matrix.
pub fn interactions_from_csr(csr: Csr) -> Interactions {
    let csc = csr.to_csc();
    Interactions { csr, csc, users: IdMap::Identity, items: IdMap::Identity }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_and_csc_hold_the_same_matrix() {
        let x = Interactions::from_entries(2, 3, &[(1, 2, 5.0), (0, 1, 3.0), (1, 0, 1.0)], Duplicates::Sum).unwrap();
        assert_eq!((x.n_users(), x.n_items(), x.nnz()), (2, 3, 3));
        assert_eq!(x.csc, x.csr.to_csc());
        assert_eq!(x.item_ptr(), &[0, 1, 2, 3]);
        assert!((x.density() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn bad_triplets_are_rejected() {
        let e = Interactions::from_entries(2, 2, &[(2, 0, 1.0)], Duplicates::Sum).unwrap_err();
        assert!(e.to_string().contains("user index 2 ≥ 2 users"), "{e}");
        let e = Interactions::from_entries(2, 2, &[(0, 0, f32::NAN)], Duplicates::Sum).unwrap_err();
        assert!(e.to_string().contains("not finite"), "{e}");
    }

    #[test]
    fn negative_values_are_found_with_the_first_one() {
        let x = Interactions::from_entries(2, 3, &[(1, 2, -5.0), (0, 1, 3.0), (1, 0, -1.0)], Duplicates::Sum).unwrap();
        assert_eq!(x.negative_values(), Some(Negative { count: 2, user: 1, item: 0, value: -1.0 }));
        let x = Interactions::from_entries(1, 1, &[(0, 0, 0.0)], Duplicates::Sum).unwrap();
        assert_eq!(x.negative_values(), None);
    }
}
