//! Triplets → CSR/CSC → cache → load round-trips unchanged; damaged or foreign files are refused.

use proptest::prelude::*;
use rustmf::data::{cache, DataError, Dataset, Duplicates, IdMap, Triplets};
use std::collections::BTreeMap;

fn triplets_strategy() -> impl Strategy<Value = (Triplets, Duplicates)> {
    (1usize..8, 1usize..8, any::<bool>()).prop_flat_map(|(n_users, n_items, timed)| {
        let entry = (0..n_users as u32, 0..n_items as u32, -5.0f32..5.0, 0i64..1000);
        let dup = prop_oneof![Just(Duplicates::Sum), Just(Duplicates::Last), Just(Duplicates::Mean)];
        (prop::collection::vec(entry, 0..40), dup).prop_map(move |(es, dup)| {
            let t = Triplets {
                n_users,
                n_items,
                users: es.iter().map(|e| e.0).collect(),
                items: es.iter().map(|e| e.1).collect(),
                values: es.iter().map(|e| e.2).collect(),
                times: timed.then(|| es.iter().map(|e| e.3).collect()),
            };
            (t, dup)
        })
    })
}

/// The aggregation spelled out entry by entry.
fn naive(t: &Triplets, dup: Duplicates) -> BTreeMap<(u32, u32), (f32, Option<i64>)> {
    let mut groups: BTreeMap<(u32, u32), Vec<usize>> = BTreeMap::new();
    for k in 0..t.users.len() {
        groups.entry((t.users[k], t.items[k])).or_default().push(k);
    }
    groups
        .into_iter()
        .map(|(key, ks)| {
            let vals: Vec<f64> = ks.iter().map(|&k| t.values[k] as f64).collect();
            let last = *ks.last().unwrap();
            let value = match dup {
                Duplicates::Sum => vals.iter().sum::<f64>() as f32,
                Duplicates::Last => t.values[last],
                Duplicates::Mean => (vals.iter().sum::<f64>() / vals.len() as f64) as f32,
            };
            let time = t.times.as_ref().map(|ts| match dup {
                Duplicates::Last => ts[last],
                _ => ks.iter().map(|&k| ts[k]).max().unwrap(),
            });
            (key, (value, time))
        })
        .collect()
}

fn as_map(d: &Dataset) -> BTreeMap<(u32, u32), (f32, Option<i64>)> {
    let x = &d.interactions;
    let ptr = x.user_ptr();
    let mut m = BTreeMap::new();
    for u in 0..x.n_users() {
        for e in ptr[u]..ptr[u + 1] {
            m.insert((u as u32, x.csr.indices()[e]), (x.csr.data()[e], d.times.as_ref().map(|t| t[e])));
        }
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn triplets_csr_cache_round_trip((t, dup) in triplets_strategy()) {
        let users = IdMap::Integer((0..t.n_users as u64).map(|u| 1000 + u * 7).collect());
        let items = IdMap::String((0..t.n_items).map(|i| format!("item-{i}")).collect());
        let d = Dataset::from_triplets(&t, dup, users, items).unwrap();
        prop_assert_eq!(as_map(&d), naive(&t, dup));
        prop_assert_eq!(&d.interactions.csc, &d.interactions.csr.to_csc());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.safetensors");
        let info = cache::save(&d, &path, "proptest").unwrap();
        prop_assert_eq!(info.nnz, d.interactions.nnz());
        let back = cache::load(&path).unwrap();
        prop_assert_eq!(back, d);
    }
}

fn small() -> Dataset {
    let t = Triplets {
        n_users: 3,
        n_items: 2,
        users: vec![0, 2, 1],
        items: vec![1, 0, 1],
        values: vec![1.0, 2.0, 3.0],
        times: Some(vec![5, 6, 7]),
    };
    Dataset::from_triplets(&t, Duplicates::Sum, IdMap::Identity, IdMap::Integer(vec![10, 20])).unwrap()
}

#[test]
fn header_info_and_identity_maps() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.safetensors");
    let d = small();
    cache::save(&d, &path, "unit test").unwrap();
    let info = cache::info(&path).unwrap();
    assert_eq!((info.n_users, info.n_items, info.nnz, info.has_times), (3, 2, 3, true));
    assert_eq!(info.source, "unit test");
    assert_eq!(cache::load(&path).unwrap(), d);
    assert!(std::fs::read_dir(dir.path()).unwrap().count() == 1, "no temporary file left behind");
}

#[test]
fn corrupted_data_fails_the_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.safetensors");
    cache::save(&small(), &path, "t").unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let err = cache::load(&path).unwrap_err();
    assert!(matches!(err, DataError::Cache { .. }), "{err}");
    assert!(err.to_string().contains("checksum"), "{err}");
}

#[test]
fn other_versions_and_foreign_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.safetensors");
    cache::save(&small(), &path, "t").unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut edited = bytes.clone();
    let at = edited.windows(13).position(|w| w == b"\"version\":\"1\"").expect("version in the header");
    edited[at + 11] = b'9';
    std::fs::write(&path, &edited).unwrap();
    let err = cache::load(&path).unwrap_err();
    assert!(matches!(&err, DataError::CacheVersion { found, expected: 1, .. } if found == "9"), "{err}");

    std::fs::write(&path, b"not a cache").unwrap();
    let err = cache::load(&path).unwrap_err();
    assert!(err.to_string().contains("not a safetensors file"), "{err}");
    std::fs::write(&path, &bytes[..bytes.len() - 4]).unwrap();
    assert!(cache::load(&path).is_err());
}
