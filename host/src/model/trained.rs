//! A trained model as users keep it: the factors, the external ids of their rows, the items each
//! training user has seen (so that recommendations can leave them out without the data), and a
//! record of how it was trained and on what ([`ModelInfo`]). `io::model` writes and verifies it as
//! a folder.

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::{AlsConfig, Factors};
use crate::data::{fingerprint, Csr, IdMap, Interactions};

/// `format` of [`ModelInfo`].
pub const MODEL_FORMAT: &str = "rustmf-model";
/// `version` of [`ModelInfo`]; readers refuse others.
pub const MODEL_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq)]
pub struct TrainedModel {
    pub factors: Factors,
    pub users: IdMap,
    pub items: IdMap,
    pub seen: SeenItems,
    pub info: ModelInfo,
}

/// The items of each training user (the pattern of the training matrix, CSR without values).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeenItems {
    /// `n_users + 1` offsets into `items`.
    pub indptr: Vec<u64>,
    /// Item indices, sorted within each user.
    pub items: Vec<u32>,
}

/// Where some interactions came from, and their [`fingerprint`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRecord {
    /// The `--input` spec or the file path, as given.
    pub source: String,
    pub fingerprint: String,
    pub nnz: usize,
}

/// How the test set was taken, so that `eval` can find it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SplitRecord {
    /// Trained on all of the input: there is no recorded test set.
    None,
    /// A per-user random hold-out of `fraction` of the input `input` (seeded).
    Holdout { input: DataRecord, fraction: f64, seed: u64, test: DataRecord },
    /// A separate test file (`train --test`).
    File { test: DataRecord },
}

/// `model.json`: what the model is and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub format: String,
    pub version: u32,
    pub n_users: usize,
    pub n_items: usize,
    pub factors: usize,
    pub config: AlsConfig,
    /// The training interactions (after the split).
    pub train: DataRecord,
    pub split: SplitRecord,
    /// Explicit models: the smallest and largest training rating.
    pub rating_range: Option<(f32, f32)>,
    /// The training run's summary (times, objective, test metrics).
    pub training: serde_json::Value,
}

impl SeenItems {
    pub fn from_csr(csr: &Csr) -> Self {
        let indptr = csr.indptr().to_proper().iter().map(|&p| p as u64).collect();
        let items = (0..csr.rows()).flat_map(|u| sorted_row(csr, u)).collect();
        SeenItems { indptr, items }
    }

    pub fn n_users(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    /// The items user `u` has seen, sorted.
    pub fn row(&self, u: usize) -> &[u32] {
        &self.items[self.indptr[u] as usize..self.indptr[u + 1] as usize]
    }

    /// Whether user `u` has seen item `i`.
    pub fn contains(&self, u: usize, i: u32) -> bool {
        u < self.n_users() && self.row(u).binary_search(&i).is_ok()
    }

    /// How many entries of `m` (CSR, users × items, in this model's indices) are seen items.
    pub fn count_in(&self, m: &Csr) -> usize {
        (0..m.rows().min(self.n_users()))
            .map(|u| m.indices()[m.indptr().outer_inds_sz(u)].iter().filter(|&&i| self.contains(u, i)).count())
            .sum()
    }

    /// The pattern as a users × `n_items` CSR matrix of ones (what the metrics exclude).
    pub fn to_csr(&self, n_items: usize) -> Result<Csr> {
        let indptr = self.indptr.iter().map(|&p| p as usize).collect();
        let ones = vec![1.0; self.items.len()];
        Csr::try_new((self.n_users(), n_items), indptr, self.items.clone(), ones)
            .map_err(|e| anyhow::anyhow!("seen items are not a valid CSR pattern: {}", e.3))
    }

    /// These items with the rows of `users` replaced by `rows` (each sorted, distinct); users at or
    /// past the end are added, and those between the old end and them have none.
    pub fn with_rows(&self, users: &[usize], rows: &[Vec<u32>]) -> SeenItems {
        let replaced: std::collections::HashMap<usize, &Vec<u32>> = users.iter().copied().zip(rows).collect();
        let n = users.iter().map(|&u| u + 1).max().unwrap_or(0).max(self.n_users());
        let mut out = SeenItems { indptr: Vec::with_capacity(n + 1), items: Vec::with_capacity(self.items.len()) };
        out.indptr.push(0);
        for u in 0..n {
            match replaced.get(&u) {
                Some(row) => out.items.extend_from_slice(row),
                None if u < self.n_users() => out.items.extend_from_slice(self.row(u)),
                None => {}
            }
            out.indptr.push(out.items.len() as u64);
        }
        out
    }

    /// Check the shape against a model of `n_users` × `n_items`.
    pub fn validate(&self, n_users: usize, n_items: usize) -> Result<()> {
        anyhow::ensure!(self.n_users() == n_users, "seen items list {} users, the model {n_users}", self.n_users());
        self.to_csr(n_items).map(|_| ())
    }
}

fn sorted_row(csr: &Csr, u: usize) -> Vec<u32> {
    let mut row = csr.indices()[csr.indptr().outer_inds_sz(u)].to_vec();
    row.sort_unstable();
    row
}

impl DataRecord {
    pub fn of(source: &str, x: &Interactions) -> Self {
        DataRecord { source: source.to_string(), fingerprint: fingerprint(x), nnz: x.nnz() }
    }
}

impl TrainedModel {
    /// The model of `factors` trained with `config` on `train` (with its id maps), split as `split`.
    pub fn new(
        factors: Factors,
        train: &Interactions,
        train_source: &str,
        config: &AlsConfig,
        split: SplitRecord,
        training: serde_json::Value,
    ) -> Result<Self> {
        anyhow::ensure!(
            factors.n_users() == train.n_users() && factors.n_items() == train.n_items(),
            "factors are {}×{} users×items, the training data {}×{}",
            factors.n_users(),
            factors.n_items(),
            train.n_users(),
            train.n_items()
        );
        let rating_range = (!config.implicit).then(|| rating_range(train.csr.data())).flatten();
        let info = ModelInfo {
            format: MODEL_FORMAT.into(),
            version: MODEL_VERSION,
            n_users: factors.n_users(),
            n_items: factors.n_items(),
            factors: factors.n_factors(),
            config: config.clone(),
            train: DataRecord::of(train_source, train),
            split,
            rating_range,
            training,
        };
        let seen = SeenItems::from_csr(&train.csr);
        Ok(TrainedModel { factors, users: train.users.clone(), items: train.items.clone(), seen, info })
    }

    /// Check that the parts agree with each other and with `model.json`.
    pub fn validate(&self) -> Result<()> {
        let (f, i) = (&self.factors, &self.info);
        anyhow::ensure!(
            i.format == MODEL_FORMAT && i.version == MODEL_VERSION,
            "model.json is {:?} version {}, this build reads {MODEL_FORMAT:?} version {MODEL_VERSION}",
            i.format,
            i.version
        );
        anyhow::ensure!(
            (f.n_users(), f.n_items(), f.n_factors(), f.items.cols) == (i.n_users, i.n_items, i.factors, i.factors),
            "the factors are {}×{} users×items with f = {}/{}, model.json says {}×{} with f = {}",
            f.n_users(),
            f.n_items(),
            f.n_factors(),
            f.items.cols,
            i.n_users,
            i.n_items,
            i.factors
        );
        for (what, map, n) in [("user", &self.users, i.n_users), ("item", &self.items, i.n_items)] {
            anyhow::ensure!(map.len().is_none_or(|len| len == n), "{what} ids: {:?} ids for {n} {what}s", map.len());
        }
        self.seen.validate(i.n_users, i.n_items)
    }

    /// The row of the user with external id `id` (of the `model.json` shape, so that it works on a
    /// model whose factors are held elsewhere, as the Python bindings do).
    pub fn user_index(&self, id: &str) -> Result<usize> {
        lookup(&self.users, self.info.n_users, id).ok_or_else(|| {
            anyhow::anyhow!(
                "user {id:?} is not in the model's training data ({} users); for a new user, fold in their \
                 interactions (CLI: --new-user; Python: recalculate_user)",
                self.info.n_users
            )
        })
    }

    /// The row of the item with external id `id`.
    pub fn item_index(&self, id: &str) -> Result<usize> {
        lookup(&self.items, self.info.n_items, id).ok_or_else(|| {
            anyhow::anyhow!("item {id:?} is not in the model's training data ({} items)", self.info.n_items)
        })
    }

    /// Whether `score` is a rating outside the training range (explicit models only).
    pub fn outside_rating_range(&self, score: f32) -> bool {
        self.info.rating_range.is_some_and(|(lo, hi)| score < lo || score > hi)
    }
}

fn lookup(map: &IdMap, n: usize, id: &str) -> Option<usize> {
    map.index_of(id.trim()).filter(|&i| i < n)
}

fn rating_range(values: &[f32]) -> Option<(f32, f32)> {
    let lo = values.iter().copied().reduce(f32::min)?;
    let hi = values.iter().copied().reduce(f32::max)?;
    Some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::init_factors;

    fn model() -> TrainedModel {
        let mut x =
            Interactions::from_entries(2, 3, &[(0, 2, 5.0), (0, 0, 1.0), (1, 1, 3.0)], Default::default()).unwrap();
        x.users = IdMap::String(vec!["ann".into(), "bob".into()]);
        x.items = IdMap::Integer(vec![7, 8, 9]);
        let cfg = AlsConfig { implicit: false, factors: 2, ..AlsConfig::default() };
        TrainedModel::new(init_factors(2, 3, 2, 1, 1.0), &x, "x", &cfg, SplitRecord::None, serde_json::Value::Null)
            .unwrap()
    }

    #[test]
    fn seen_rows_are_replaced_and_added() {
        let seen = model().seen;
        let next = seen.with_rows(&[1, 3], &[vec![0, 2], vec![1]]);
        assert_eq!((next.n_users(), next.row(0), next.row(1)), (4, &[0, 2][..], &[0, 2][..]));
        assert_eq!((next.row(2), next.row(3)), (&[][..], &[1][..]));
        next.validate(4, 3).unwrap();
    }

    #[test]
    fn ids_seen_items_and_rating_range() {
        let m = model();
        m.validate().unwrap();
        assert_eq!(m.user_index("bob").unwrap(), 1);
        assert_eq!(m.item_index("9").unwrap(), 2);
        let e = m.user_index("carl").unwrap_err().to_string();
        assert!(e.contains("\"carl\"") && e.contains("--new-user"), "{e}");
        assert!(m.item_index("10").is_err());
        assert_eq!(m.seen.row(0), &[0, 2]);
        assert!(m.seen.contains(1, 1) && !m.seen.contains(1, 0));
        let other = Interactions::from_entries(2, 3, &[(0, 2, 1.0), (1, 0, 1.0), (1, 1, 1.0)], Default::default());
        assert_eq!(m.seen.count_in(&other.unwrap().csr), 2);
        assert_eq!(m.info.rating_range, Some((1.0, 5.0)));
        assert!(m.outside_rating_range(5.5) && !m.outside_rating_range(4.0));
    }

    #[test]
    fn identity_ids_are_bounded_by_the_shape() {
        let mut m = model();
        m.users = IdMap::Identity;
        assert_eq!(m.user_index("1").unwrap(), 1);
        assert!(m.user_index("2").is_err());
    }
}
