//! The CPU scorers against the reference on fresh random data (the seed is printed; set
//! RUSTMF_TEST_SEED to replay one), the comparison helpers, and the API's error messages.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rustmf::cpu::CpuScorer;
use rustmf::infer::{
    compare_top_k, recall_at_k, reference_scores, reference_top_k, reference_top_k_batch, Exclusions, Scorer,
    Tolerance, TopK, NO_ITEM,
};
use rustmf::model::Matrix;
use rustmf::serve::{make_scorer, ScorerBackend};

fn seed() -> u64 {
    let s = std::env::var("RUSTMF_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    eprintln!("RUSTMF_TEST_SEED={s}");
    s
}

/// `rows × f` values drawn by `draw`.
fn matrix(rng: &mut StdRng, rows: usize, f: usize, mut draw: impl FnMut(&mut StdRng) -> f32) -> Matrix {
    Matrix::from_vec(rows, f, (0..rows * f).map(|_| draw(rng)).collect()).unwrap()
}

/// Small integers: every dot product is exact in any summation order, so every backend must
/// return exactly the reference, and scores tie often.
fn small_int(rng: &mut StdRng) -> f32 {
    rng.random_range(-2i32..=2) as f32
}

fn normal(rng: &mut StdRng) -> f32 {
    let (u1, u2): (f32, f32) = (1.0 - rng.random::<f32>(), rng.random());
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Copy some item rows over others (deliberate exact ties between distinct items).
fn duplicate_rows(rng: &mut StdRng, items: &mut Matrix, count: usize) {
    for _ in 0..count {
        let (a, b) = (rng.random_range(0..items.rows), rng.random_range(0..items.rows));
        let row = items.row(a).to_vec();
        items.row_mut(b).copy_from_slice(&row);
    }
}

fn random_exclusions(rng: &mut StdRng, rows: usize, n_items: usize, max_per_row: usize) -> Exclusions {
    let lists: Vec<Vec<u32>> = (0..rows)
        .map(|_| (0..rng.random_range(0..=max_per_row)).map(|_| rng.random_range(0..n_items as u32)).collect())
        .collect();
    Exclusions::from_lists(&lists).unwrap()
}

/// Every row checked by compare_top_k.
fn all_rows(t: &TopK) -> Vec<usize> {
    (0..t.rows()).collect()
}

#[test]
fn exact_data_matches_the_reference_bit_for_bit() {
    let mut rng = StdRng::seed_from_u64(seed());
    // crosses item tiles (1024) with a ragged last tile, and query-row tiles (256)
    let (n, f) = (2500, 13);
    let mut items = matrix(&mut rng, n, f, small_int);
    duplicate_rows(&mut rng, &mut items, 200);
    for (b, k) in [(1, 1), (1, 37), (300, 100), (600, 7)] {
        let queries = matrix(&mut rng, b, f, small_int).data;
        let ex = random_exclusions(&mut rng, b, n, 40);
        for threads in [1, 3] {
            let mut s = CpuScorer::new(&items, threads).unwrap();
            for exclude in [None, Some(&ex)] {
                let want = reference_top_k_batch(&queries, &items, exclude, k).unwrap();
                let got = s.top_k(&queries, exclude, k).unwrap();
                assert_eq!(got, want, "B={b} k={k} threads={threads} exclusions={}", exclude.is_some());
            }
        }
    }
}

#[test]
fn float_data_agrees_with_the_reference_within_rounding() {
    let mut rng = StdRng::seed_from_u64(seed());
    let (n, f) = (3000, 64);
    let mut items = matrix(&mut rng, n, f, normal);
    duplicate_rows(&mut rng, &mut items, 100);
    for (b, k) in [(1, 100), (257, 100), (40, 1024)] {
        let queries = matrix(&mut rng, b, f, normal).data;
        let ex = random_exclusions(&mut rng, b, n, 300);
        for threads in [1, 2] {
            let got = CpuScorer::new(&items, threads).unwrap().top_k(&queries, Some(&ex), k).unwrap();
            let a = compare_top_k(&got, &queries, &items, Some(&ex), &all_rows(&got), Tolerance::RoundingBound(2.0))
                .unwrap();
            assert!(a.is_ok(), "B={b} k={k} threads={threads}: {a}");
            assert_eq!(a.rows_checked, b);
        }
    }
}

#[test]
fn k_larger_than_the_candidates_returns_them_all() {
    let mut rng = StdRng::seed_from_u64(seed());
    let (n, f) = (50, 8);
    let items = matrix(&mut rng, n, f, small_int);
    let queries = matrix(&mut rng, 3, f, small_int).data;
    // row 0 excludes nothing, row 1 excludes 20 items, row 2 excludes every item
    let ex = Exclusions::from_lists(&[vec![], (0..40).step_by(2).collect(), (0..n as u32).collect()]).unwrap();
    let got = CpuScorer::new(&items, 2).unwrap().top_k(&queries, Some(&ex), 80).unwrap();
    assert_eq!(got.counts, vec![50, 30, 0]);
    assert!(got.items[2 * 80..].iter().all(|&i| i == NO_ITEM));
    assert!(got.scores[50..80].iter().all(|&s| s == f32::NEG_INFINITY));
    assert_eq!(got, reference_top_k_batch(&queries, &items, Some(&ex), 80).unwrap());
}

#[test]
fn ties_break_by_the_lower_item_index() {
    // all items identical: every score ties, so the top-k is the k lowest non-excluded indices
    let items = Matrix::from_vec(3000, 2, vec![1.0; 6000]).unwrap();
    let ex = Exclusions::from_lists(&[vec![0, 2, 1500]]).unwrap();
    let got = CpuScorer::new(&items, 2).unwrap().top_k(&[0.5, 0.25], Some(&ex), 5).unwrap();
    assert_eq!(got.row_items(0), &[1, 3, 4, 5, 6]);
    assert_eq!(got.row_scores(0), &[0.75; 5]);
}

#[test]
fn the_reference_is_a_sequential_fma_chain() {
    // fma(1+ε, 1−ε, −1) = −ε² exactly; rounding the product first, or summing in another order, gives 0
    let q = [1.0f32, 1.0 + f32::EPSILON];
    let y = Matrix::from_vec(1, 2, vec![-1.0, 1.0 - f32::EPSILON]).unwrap();
    assert_eq!(reference_scores(&q, &y)[0], -f32::EPSILON * f32::EPSILON);
    let r = reference_top_k(&[3.0, f32::NAN, 3.0, -0.0, 0.0], &[2], 10);
    assert_eq!(r, vec![(0, 3.0), (3, 0.0), (4, 0.0), (1, f32::NEG_INFINITY)]);
}

#[test]
fn compare_reports_the_first_real_mismatch() {
    let mut rng = StdRng::seed_from_u64(seed());
    let (n, f, k) = (500, 16, 10);
    let items = matrix(&mut rng, n, f, normal);
    let queries = matrix(&mut rng, 4, f, normal).data;
    let want = reference_top_k_batch(&queries, &items, None, k).unwrap();
    let ok = compare_top_k(&want, &queries, &items, None, &all_rows(&want), Tolerance::Absolute(0.0)).unwrap();
    assert!(ok.is_ok() && ok.identical_rows == 4, "{ok}");

    // the best item of row 2 replaced by the worst item overall
    let mut bad = want.clone();
    let worst = reference_top_k(&reference_scores(&queries[2 * f..3 * f], &items), &[], n)[n - 1].0;
    bad.items[2 * k] = worst;
    let a = compare_top_k(&bad, &queries, &items, None, &[0, 1, 2, 3], Tolerance::RoundingBound(2.0)).unwrap();
    let m = a.mismatch.expect("a wrong item must be reported");
    assert_eq!((m.row, m.slot, m.got_item, m.want_item), (2, 0, worst, want.items[2 * k]));

    // a swap of two slots whose scores differ by a lot is not a near-tie, but is with a huge tolerance
    let mut swapped = want.clone();
    swapped.items.swap(0, k - 1);
    swapped.scores.swap(0, k - 1);
    assert!(!compare_top_k(&swapped, &queries, &items, None, &[0], Tolerance::RoundingBound(2.0)).unwrap().is_ok());
    let a = compare_top_k(&swapped, &queries, &items, None, &[0], Tolerance::Absolute(1e9)).unwrap();
    assert!(a.is_ok() && a.near_tie_slots == 2, "{a}");

    // a returned excluded item, a short row
    let ex = Exclusions::from_lists(&[vec![want.items[0]], vec![], vec![], vec![]]).unwrap();
    let m =
        compare_top_k(&want, &queries, &items, Some(&ex), &[0], Tolerance::Absolute(1e9)).unwrap().mismatch.unwrap();
    assert!(m.why.contains("excluded"), "{m}");
    let mut short = want.clone();
    short.counts[1] = 9;
    let m = compare_top_k(&short, &queries, &items, None, &[1], Tolerance::Absolute(1e9)).unwrap().mismatch.unwrap();
    assert!(m.why.contains("9 items returned, 10 expected"), "{m}");
}

#[test]
fn recall_counts_the_shared_items() {
    let mut exact = TopK::empty(2, 4);
    exact.set_row(0, &[(1, 4.0), (2, 3.0), (3, 2.0), (4, 1.0)]);
    exact.set_row(1, &[(7, 1.0), (8, 0.5)]);
    let mut approx = TopK::empty(2, 4);
    approx.set_row(0, &[(2, 3.0), (1, 4.0), (9, 2.0), (5, 1.0)]);
    approx.set_row(1, &[(8, 0.5), (7, 1.0)]);
    assert!((recall_at_k(&approx, &exact).unwrap() - (0.5 + 1.0) / 2.0).abs() < 1e-12);
    assert!(recall_at_k(&TopK::empty(1, 4), &exact).is_err());
}

#[test]
fn exclusions_from_training_rows() {
    let train = rustmf::data::interactions_from_triplets(3, 6, &[(0, 4, 1.0), (0, 1, 2.0), (2, 5, 1.0)]);
    let e = Exclusions::from_csr_rows(&train.csr, &[2, 0, 1]).unwrap();
    assert_eq!((e.row(0), e.row(1), e.row(2)), (&[5u32][..], &[1u32, 4][..], &[][..]));
    let err = Exclusions::from_csr_rows(&train.csr, &[0, 3]).unwrap_err().to_string();
    assert!(err.contains("query row 1: user 3 is out of range"), "{err}");
}

fn error_of(r: anyhow::Result<TopK>) -> String {
    format!("{:#}", r.expect_err("must be rejected"))
}

#[test]
fn bad_input_is_rejected_saying_what_and_where() {
    let items = Matrix::from_vec(4, 2, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]).unwrap();
    let mut s = CpuScorer::new(&items, 1).unwrap();
    assert!(error_of(s.top_k(&[1.0, 2.0], None, 0)).contains("k must be at least 1"));
    assert!(
        error_of(s.top_k(&[1.0, 2.0], None, 1025)).contains("k = 1025 is larger than the largest supported k (1024)")
    );
    let not_a_multiple = error_of(s.top_k(&[1.0, 2.0, 3.0], None, 1));
    assert!(not_a_multiple.contains("3 values, not a multiple of the factor count f = 2"));
    assert!(error_of(s.top_k(&[], None, 1)).contains("no query rows"));
    assert!(error_of(s.top_k(&[1.0, 2.0, 0.0, f32::INFINITY], None, 1)).contains("query row 1 column 1 is inf"));
    let unsorted = Exclusions { indptr: vec![0, 2], items: vec![3, 1] };
    assert!(error_of(s.top_k(&[1.0, 2.0], Some(&unsorted), 1))
        .contains("row 0 is not sorted ascending without duplicates (item 3 then 1)"));
    let out_of_range = Exclusions { indptr: vec![0, 1], items: vec![4] };
    assert!(error_of(s.top_k(&[1.0, 2.0], Some(&out_of_range), 1))
        .contains("row 0 excludes item 4, out of range (4 items)"));
    let wrong_rows = Exclusions { indptr: vec![0, 0, 0], items: vec![] };
    assert!(error_of(s.top_k(&[1.0, 2.0], Some(&wrong_rows), 1)).contains("exclusions describe 2 rows"));

    let mut nan = items.clone();
    nan.data[5] = f32::NAN;
    let err = CpuScorer::new(&nan, 1).err().expect("NaN factors must be rejected").to_string();
    assert!(err.contains("row 2 column 1 is NaN"), "{err}");
    assert_eq!(make_scorer(ScorerBackend::Cpu1, &items, 1, rustmf::kernels::PTX).unwrap().name(), "cpu1");
    assert_eq!(
        make_scorer(ScorerBackend::CpuMt, &items, 2, rustmf::kernels::PTX).unwrap().name(),
        "cpu-mt (2 threads)"
    );
    #[cfg(not(feature = "gpu"))]
    for b in ScorerBackend::ALL.into_iter().filter(|b| b.name().starts_with("gpu")) {
        let err = make_scorer(b, &items, 1, rustmf::kernels::PTX)
            .err()
            .expect("no GPU scorer without the gpu feature")
            .to_string();
        assert!(err.contains(b.name()) && err.contains("without the gpu feature"), "{err}");
    }
}
