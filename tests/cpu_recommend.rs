//! Recommend API, metrics on hand-computed cases, factor export/import.

mod cpu_common;

use std::collections::HashMap;

use cpu_common::*;
use rustmf::cpu::metrics;
use rustmf::model::{init_factors, Factors, Matrix, Recommender};

/// 2 users, 4 items, f = 2, chosen so that scores are easy to write down.
fn toy() -> Factors {
    Factors {
        users: Matrix::from_vec(2, 2, vec![1.0, 0.0, 0.0, 1.0]).unwrap(),
        // item scores for user 0: [3, 1, 3, 2]; user 1: [0, 2, 1, 2]
        items: Matrix::from_vec(4, 2, vec![3.0, 0.0, 1.0, 2.0, 3.0, 1.0, 2.0, 2.0]).unwrap(),
    }
}

#[test]
fn recommend_excludes_seen_and_breaks_ties_by_index() {
    let fa = toy();
    let seen = interactions(2, 4, &[(0, 0, 1.0), (1, 3, 1.0)]);
    let r0 = fa.recommend(0, Some(&seen.csr), 3).unwrap();
    assert_eq!(r0, vec![(2, 3.0), (3, 2.0), (1, 1.0)]);
    let r1 = fa.recommend(1, Some(&seen.csr), 2).unwrap();
    assert_eq!(r1, vec![(1, 2.0), (2, 1.0)]);
    // without exclusion: tie between item 0 and 2 (score 3) → item 0 first
    assert_eq!(fa.recommend(0, None, 2).unwrap(), vec![(0, 3.0), (2, 3.0)]);
    let batch = fa.recommend_batch(&[1, 0], Some(&seen.csr), 3).unwrap();
    assert_eq!(batch[0][..2], r1[..]);
    assert_eq!(batch[1], r0);
    // asking for more than available returns what there is
    assert_eq!(fa.recommend(0, Some(&seen.csr), 10).unwrap().len(), 3);
    assert!(fa.recommend(2, None, 1).is_err());
}

#[test]
fn similar_items_by_cosine() {
    let fa = toy();
    let s = fa.similar_items(0, 3).unwrap();
    // cosines to item 0 = (1,0): item1 1/√5, item2 3/√10, item3 1/√2
    let ids: Vec<u32> = s.iter().map(|t| t.0).collect();
    assert_eq!(ids, vec![2, 3, 1]);
    assert!((s[0].1 - 3.0 / 10f32.sqrt()).abs() < 1e-6);
}

#[test]
fn ranking_metrics_hand_computed() {
    let fa = toy();
    // user 0 has seen item 0; ranking of the rest: 2 (3), 3 (2), 1 (1). Relevant test items {3}.
    // user 1 has seen item 3; ranking: 1 (2), 2 (1), 0 (0). Relevant {0, 2}.
    let train = interactions(2, 4, &[(0, 0, 1.0), (1, 3, 1.0)]);
    let test = interactions(2, 4, &[(0, 3, 1.0), (1, 0, 2.0), (1, 2, 1.0)]);
    let users = metrics::eval_users(&test.csr, None, 0);
    assert_eq!(users, vec![0, 1]);
    let m = metrics::ranking_metrics(&fa, &train.csr, &test.csr, 2, &users);
    // user 0: top2 [2, 3] → hit at 2: P=1/2, R=1/1, AP=(1/2)/1, NDCG=(1/log2 3)/1
    // user 1: top2 [1, 2] → hit at 2: P=1/2, R=1/2, AP=(1/2)/2, NDCG=(1/log2 3)/(1+1/log2 3)
    let l3 = 1.0 / 3f64.log2();
    assert!((m.precision - 0.5).abs() < 1e-12);
    assert!((m.recall - 0.75).abs() < 1e-12);
    assert!((m.map - (0.5 + 0.25) / 2.0).abs() < 1e-12);
    assert!((m.ndcg - (l3 + l3 / (1.0 + l3)) / 2.0).abs() < 1e-12);
    // items recommended: {2, 3, 1} of 4
    assert!((m.coverage - 0.75).abs() < 1e-12);
    // popularity: item 0 and 3 have one play each, others zero → ties by index
    let p = metrics::popularity_metrics(&train.csr, &test.csr, 2, &users);
    // user 0 ranks (excl. 0): 3 (1), 1 (0) → hit at 1; user 1 (excl. 3): 0 (1), 1 (0) → hit at 1
    assert!((p.precision - 0.5).abs() < 1e-12);
    assert!((p.recall - 0.75).abs() < 1e-12);
    assert!((p.ndcg - (1.0 + 1.0 / (1.0 + l3)) / 2.0).abs() < 1e-12);
}

#[test]
fn rmse_mae_hand_computed() {
    let fa = toy();
    // predictions: (0,0)=3, (0,3)=2, (1,1)=2
    let test = interactions(2, 4, &[(0, 0, 4.0), (0, 3, 2.0), (1, 1, 0.5)]);
    let (rmse, mae) = metrics::rmse_mae(&fa, &test.csr);
    assert!((rmse - ((1.0 + 0.0 + 2.25) / 3.0f64).sqrt()).abs() < 1e-12);
    assert!((mae - (1.0 + 0.0 + 1.5) / 3.0).abs() < 1e-12);
}

#[test]
fn factors_roundtrip_npy_and_safetensors() {
    let dir = tempfile::tempdir().unwrap();
    let fa = init_factors(7, 5, 3, 9, 1.0);
    let md = HashMap::from([("config".to_string(), "{}".to_string())]);
    let paths = rustmf::io::save_factors(dir.path(), &fa, &md).unwrap();
    assert_eq!(paths.len(), 3);
    assert_eq!(rustmf::io::load_factors(dir.path()).unwrap(), fa);
    assert_eq!(rustmf::io::load_factors(&paths[2]).unwrap(), fa);
    assert_eq!(rustmf::io::read_npy(&paths[0]).unwrap(), fa.users);
    std::fs::remove_file(&paths[2]).unwrap();
    assert_eq!(rustmf::io::load_factors(dir.path()).unwrap(), fa);
    // no temporary files left behind
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
}
