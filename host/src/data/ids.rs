//! External ids (strings or integers, as the source files spell them) and their dense indices.
//!
//! Dense indices follow the sorted order of the external ids, so a dataset always gets the same
//! indices whatever the thread count or the order of its files.

use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

/// External ids in dense-index order: dense index `i` is external id `ids[i]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum IdMap {
    /// Dense index `i` is external id `i` (synthetic data, or files already dense).
    #[default]
    Identity,
    Integer(Vec<u64>),
    String(Vec<String>),
}

impl IdMap {
    /// The external id of dense index `i`, as text.
    pub fn label(&self, i: usize) -> String {
        match self {
            IdMap::Identity => i.to_string(),
            IdMap::Integer(ids) => ids[i].to_string(),
            IdMap::String(ids) => ids[i].clone(),
        }
    }

    /// Number of ids held; `None` for [`IdMap::Identity`], which covers any index.
    pub fn len(&self) -> Option<usize> {
        match self {
            IdMap::Identity => None,
            IdMap::Integer(ids) => Some(ids.len()),
            IdMap::String(ids) => Some(ids.len()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The dense index of an external id given as text, if present.
    pub fn index_of(&self, external: &str) -> Option<usize> {
        match self {
            IdMap::Identity => external.parse().ok(),
            IdMap::Integer(ids) => external.parse::<u64>().ok().and_then(|x| ids.binary_search(&x).ok()),
            IdMap::String(ids) => ids.binary_search_by(|s| s.as_str().cmp(external)).ok(),
        }
    }
}

/// A kind of external id that can be densified.
pub(crate) trait ExternalId: Ord + Hash + Clone + Send + Sync {
    fn into_map(sorted: Vec<Self>) -> IdMap;

    /// A direct lookup table from id to dense index, when one is cheaper than hashing.
    fn lookup_table(_sorted: &[Self]) -> Option<Vec<u32>> {
        None
    }

    fn table_slot(&self) -> usize {
        unreachable!("only ids with a lookup table have slots")
    }
}

impl ExternalId for u64 {
    fn into_map(sorted: Vec<u64>) -> IdMap {
        IdMap::Integer(sorted)
    }

    fn lookup_table(sorted: &[u64]) -> Option<Vec<u32>> {
        let max = *sorted.last()?;
        if max > 4 * sorted.len() as u64 + (1 << 20) {
            return None;
        }
        let mut table = vec![u32::MAX; max as usize + 1];
        for (i, &id) in sorted.iter().enumerate() {
            table[id as usize] = i as u32;
        }
        Some(table)
    }

    fn table_slot(&self) -> usize {
        *self as usize
    }
}

impl ExternalId for String {
    fn into_map(sorted: Vec<String>) -> IdMap {
        IdMap::String(sorted)
    }
}

/// Dense indices for `keys` (one per entry) and the map back to external ids.
/// Fails with the number of distinct ids when there are more than `u32::MAX`.
pub(crate) fn densify<K: ExternalId>(keys: &[K]) -> Result<(Vec<u32>, IdMap), usize> {
    let unique = keys
        .par_chunks(1 << 16)
        .fold(HashSet::new, |mut set, chunk| {
            set.extend(chunk.iter().cloned());
            set
        })
        .reduce(HashSet::new, |a, b| {
            let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            big.extend(small);
            big
        });
    if unique.len() > u32::MAX as usize {
        return Err(unique.len());
    }
    let mut sorted: Vec<K> = unique.into_iter().collect();
    sorted.par_sort_unstable();
    let dense = match K::lookup_table(&sorted) {
        Some(table) => keys.par_iter().map(|k| table[k.table_slot()]).collect(),
        None => {
            let index: HashMap<&K, u32> = sorted.iter().enumerate().map(|(i, k)| (k, i as u32)).collect();
            keys.par_iter().map(|k| index[k]).collect()
        }
    };
    Ok((dense, K::into_map(sorted)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_indices_follow_sorted_external_ids() {
        let (dense, map) = densify(&[30u64, 10, 20, 10]).unwrap();
        assert_eq!(dense, vec![2, 0, 1, 0]);
        assert_eq!(map, IdMap::Integer(vec![10, 20, 30]));
        assert_eq!(map.index_of("20"), Some(1));
        assert_eq!(map.label(2), "30");
    }

    #[test]
    fn sparse_integer_ids_use_the_hash_path() {
        let (dense, map) = densify(&[u64::MAX, 7, u64::MAX]).unwrap();
        assert_eq!(dense, vec![1, 0, 1]);
        assert_eq!(map, IdMap::Integer(vec![7, u64::MAX]));
    }

    #[test]
    fn string_ids() {
        let keys: Vec<String> = ["b", "a", "b"].iter().map(|s| s.to_string()).collect();
        let (dense, map) = densify(&keys).unwrap();
        assert_eq!(dense, vec![1, 0, 1]);
        assert_eq!(map.index_of("b"), Some(1));
        assert_eq!(map.index_of("c"), None);
    }
}
