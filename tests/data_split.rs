//! Splits: train and test never overlap, together give back the input, keep shape and id maps,
//! and depend only on the seed.

use proptest::prelude::*;
use rustmf::data::split::{split, Holdout, SplitBy, SplitConfig};
use rustmf::data::synth::{generate, Preset};
use rustmf::data::{Dataset, Duplicates, IdMap, Triplets};
use std::collections::BTreeSet;

fn cells(d: &Dataset) -> BTreeSet<(usize, u32)> {
    let x = &d.interactions;
    let ptr = x.user_ptr();
    (0..x.n_users()).flat_map(|u| x.csr.indices()[ptr[u]..ptr[u + 1]].iter().map(move |&i| (u, i))).collect()
}

fn check(d: &Dataset, cfg: &SplitConfig) {
    let s = split(d, cfg).unwrap();
    let (train, test, all) = (cells(&s.train), cells(&s.test), cells(d));
    assert!(train.is_disjoint(&test));
    assert_eq!(train.union(&test).cloned().collect::<BTreeSet<_>>(), all);
    for part in [&s.train, &s.test] {
        let (p, x) = (&part.interactions, &d.interactions);
        assert_eq!((p.n_users(), p.n_items()), (x.n_users(), x.n_items()));
        assert_eq!((&p.users, &p.items), (&x.users, &x.items));
        assert_eq!(p.csc, p.csr.to_csc());
        assert_eq!(part.times.is_some(), d.times.is_some());
    }
    let ptr = s.train.interactions.user_ptr();
    let full = d.interactions.user_ptr();
    for u in 0..d.interactions.n_users() {
        if full[u + 1] > full[u] {
            assert!(ptr[u + 1] > ptr[u], "user {u} keeps a training interaction");
        }
    }
}

#[test]
fn random_and_time_splits_of_synthetic_data() {
    let x = generate(&Preset::Demo.config(0.2, 9)).interactions;
    let times: Vec<i64> = (0..x.nnz() as i64).map(|k| (k * 7919) % 1000).collect();
    let d = Dataset { interactions: x, times: Some(times) };
    for by in [SplitBy::Random, SplitBy::Time] {
        for holdout in [Holdout::Count(1), Holdout::Count(5), Holdout::Fraction(0.2)] {
            check(&d, &SplitConfig { by, holdout, seed: 3 });
        }
    }
}

#[test]
fn seeded() {
    let d = Dataset::from(generate(&Preset::Demo.config(0.2, 9)).interactions);
    let cfg = SplitConfig { by: SplitBy::Random, holdout: Holdout::Fraction(0.3), seed: 1 };
    let a = split(&d, &cfg).unwrap();
    let b = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap().install(|| split(&d, &cfg).unwrap());
    assert_eq!(a.test.interactions, b.test.interactions);
    let c = split(&d, &SplitConfig { seed: 2, ..cfg }).unwrap();
    assert_ne!(cells(&a.test), cells(&c.test));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn splits_never_overlap(
        es in prop::collection::vec((0u32..6, 0u32..9, 1.0f32..5.0, 0i64..50), 1..60),
        k in 0usize..4,
        seed in any::<u64>(),
    ) {
        let t = Triplets {
            n_users: 6,
            n_items: 9,
            users: es.iter().map(|e| e.0).collect(),
            items: es.iter().map(|e| e.1).collect(),
            values: es.iter().map(|e| e.2).collect(),
            times: Some(es.iter().map(|e| e.3).collect()),
        };
        let d = Dataset::from_triplets(&t, Duplicates::Last, IdMap::Identity, IdMap::Identity).unwrap();
        check(&d, &SplitConfig { by: SplitBy::Random, holdout: Holdout::Count(k), seed });
        check(&d, &SplitConfig { by: SplitBy::Time, holdout: Holdout::Fraction(0.5), seed });
    }
}
