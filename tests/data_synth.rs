//! Synthetic data: identical for a seed whatever the thread count, and each preset meets its
//! target size at small scale.

use rustmf::data::synth::{generate, Preset, PRESETS};
use rustmf::data::{stats, Dataset};

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

#[test]
fn same_seed_same_data_on_1_2_and_3_threads() {
    let mut cfg = Preset::Movielens1m.config(0.2, 11);
    cfg.n_items = 500;
    let one = in_pool(1, || generate(&cfg));
    for threads in [2, 3] {
        let other = in_pool(threads, || generate(&cfg));
        assert_eq!(other.interactions, one.interactions, "{threads} threads");
        assert_eq!(other.planted, one.planted, "{threads} threads");
    }
}

/// Small scales keep every preset's test fast; the rank does not affect the sizes.
fn test_scale(p: Preset) -> f64 {
    match p {
        Preset::Demo | Preset::Movielens1m => 0.5,
        Preset::Movielens20m => 0.01,
        Preset::Netflix => 0.005,
        Preset::Yahoo | Preset::Lfm1b => 0.0005,
        Preset::Hugewiki => 0.00005,
    }
}

#[test]
fn presets_meet_their_target_nnz_within_2_percent() {
    for p in PRESETS {
        let mut cfg = p.config(test_scale(p), 1);
        cfg.rank = 2;
        let s = generate(&cfg);
        let x = &s.interactions;
        let (users, items, _) = p.shape();
        assert_eq!(x.n_items(), items, "{p}");
        assert_eq!(x.n_users(), ((users as f64 * test_scale(p)).round() as usize).max(1), "{p}");
        let ratio = x.nnz() as f64 / cfg.nnz as f64;
        assert!((ratio - 1.0).abs() < 0.02, "{p}: {} interactions for a target of {}", x.nnz(), cfg.nnz);
        let share = stats::stats(&Dataset::from(x.clone())).top1pct_item_share;
        assert!(share > 0.01 && share < 1.0, "{p}: top 1% share {share}");
    }
}

#[test]
fn demo_preset_explicit_ratings_with_known_noise() {
    let s = generate(&Preset::Demo.config(1.0, 42));
    let x = &s.interactions;
    assert_eq!((x.n_users(), x.n_items()), (3_000, 2_000));
    assert_eq!(s.planted.noise_std, Some(0.5));
    let oracle = s.planted.oracle_rmse.unwrap();
    assert!(oracle > 0.5 && oracle < 0.7, "rounding adds to the noise: {oracle}");
    assert_eq!(s.planted.user_factors.len(), 3_000 * s.planted.rank);
}
