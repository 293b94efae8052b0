//! CPU top-k microbenchmarks (criterion): the running selection [`RowTopK`] and the sort-based
//! reference `top_k_excluding` over one row of scores, and the brute-force [`CpuScorer`] (scores +
//! selection) at a small catalogue. `cargo bench --bench cpu_topk`; benches/README.md ("CPU
//! microbenchmarks") has the baseline workflow. Single-threaded, inputs from fixed seeds.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rustmf::cpu::infer::top_k_excluding;
use rustmf::cpu::CpuScorer;
use rustmf::infer::{RowTopK, Scorer};
use rustmf::model::Matrix;

const SEED: u64 = 7;

fn uniform(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// Selection only: 100K scores of one row (uniform, random order), k = 10 and 100.
fn select(c: &mut Criterion) {
    let n = 100_000;
    let scores = uniform(n, SEED);
    // every 500th item excluded (a user's 200 seen items), sorted as the API wants
    let exclude: Vec<u32> = (0..n as u32).step_by(500).collect();
    let mut g = c.benchmark_group("select");
    g.throughput(Throughput::Elements(n as u64));
    for k in [10, 100] {
        g.bench_function(BenchmarkId::new("row_topk_offer", k), |b| {
            b.iter(|| {
                let mut top = RowTopK::new(k);
                for (i, &s) in black_box(&scores).iter().enumerate() {
                    top.offer(s, i as u32);
                }
                top.into_ranked()
            })
        });
        g.bench_function(BenchmarkId::new("top_k_excluding", k), |b| {
            let mut out = Vec::with_capacity(k);
            b.iter(|| {
                top_k_excluding(black_box(&scores), &exclude, k, &mut out);
                out.len()
            })
        });
    }
    g.finish();
}

/// The CPU scorer (1 thread): 20,000 items × f = 64, k = 10, batches of 1 (dot products) and 64
/// query rows (sgemm tiles). Throughput counts scores (batch × items).
fn scorer(c: &mut Criterion) {
    let (n_items, f, k) = (20_000, 64, 10);
    let items = Matrix::from_vec(n_items, f, uniform(n_items * f, SEED + 1)).expect("n_items × f");
    let mut scorer = CpuScorer::new(&items, 1).expect("a one-thread scorer");
    let mut g = c.benchmark_group("cpu_scorer");
    for batch in [1usize, 64] {
        let queries = uniform(batch * f, SEED + 2);
        g.throughput(Throughput::Elements((batch * n_items) as u64));
        g.bench_function(BenchmarkId::new("top10_20k_items_f64", batch), |b| {
            b.iter(|| scorer.top_k(black_box(&queries), None, k).expect("valid request"))
        });
    }
    g.finish();
}

/// Changes smaller than this are reported as noise: identical code measured twice on the shared
/// 2-core dev box differs by up to ~11% on single benchmarks (benches/results/cpu/criterion-*.txt).
const NOISE: f64 = 0.05;

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .noise_threshold(NOISE);
    targets = select, scorer
}
criterion_main!(benches);
