//! Text parser microbenchmarks (criterion): MovieLens `ratings.csv`, tab-separated triplets and
//! Matrix Market coordinate files of 200K entries, generated in memory from a fixed seed. The
//! loaders read paths, so each text is written once to a temporary file (then in the page cache)
//! and `data::load::load` is timed end to end: read, parse, id maps, duplicates, CSR + CSC.
//! `cargo bench --bench parsers`; benches/README.md ("CPU microbenchmarks") has the baseline
//! workflow. Runs on a one-thread rayon pool (the loaders parse chunks on the current pool).

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rustmf::cpu::thread_pool;
use rustmf::data::load::{load, Format, IdKind, LoadOptions, TripletsSpec};

const ENTRIES: usize = 200_000;
const USERS: u32 = 10_000;
const ITEMS: u32 = 5_000;
const SEED: u64 = 11;

/// `(user, item, rating in 0.5..=5 by halves, timestamp)`, ids from 1.
fn entries() -> Vec<(u32, u32, f32, u64)> {
    let mut rng = StdRng::seed_from_u64(SEED);
    (0..ENTRIES)
        .map(|_| {
            let u = rng.random_range(1..=USERS);
            let i = rng.random_range(1..=ITEMS);
            let r = rng.random_range(1..=10u32) as f32 * 0.5;
            (u, i, r, 1_000_000_000 + rng.random_range(0..100_000_000u64))
        })
        .collect()
}

fn movielens_csv(e: &[(u32, u32, f32, u64)]) -> String {
    let mut s = String::from("userId,movieId,rating,timestamp\n");
    for (u, i, r, t) in e {
        writeln!(s, "{u},{i},{r},{t}").unwrap();
    }
    s
}

fn triplets_tsv(e: &[(u32, u32, f32, u64)]) -> String {
    let mut s = String::new();
    for (u, i, r, _) in e {
        writeln!(s, "{u}\t{i}\t{r}").unwrap();
    }
    s
}

fn matrix_market(e: &[(u32, u32, f32, u64)]) -> String {
    let mut s = String::from("%%MatrixMarket matrix coordinate real general\n% rustmf parser bench\n");
    writeln!(s, "{USERS} {ITEMS} {}", e.len()).unwrap();
    for (u, i, r, _) in e {
        writeln!(s, "{u} {i} {r}").unwrap();
    }
    s
}

fn parsers(c: &mut Criterion) {
    let e = entries();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let tsv = TripletsSpec { delimiter: Some("\t".into()), ..TripletsSpec::default() };
    assert_eq!(tsv.ids, IdKind::Integer);
    let cases = [
        ("movielens_csv", "ratings.csv", movielens_csv(&e), Format::MovieLens),
        ("triplets_tsv", "triplets.tsv", triplets_tsv(&e), Format::Triplets(tsv)),
        ("mtx", "ratings.mtx", matrix_market(&e), Format::MatrixMarket),
    ];
    let options = LoadOptions { progress: false, ..LoadOptions::default() };
    let pool = thread_pool(1).expect("a one-thread pool");
    let mut g = c.benchmark_group("parse");
    // ~50 ms per load: the same number of loads per sample, so 10 samples fit the 2 s.
    g.sampling_mode(SamplingMode::Flat);
    for (name, file, text, format) in cases {
        let path = dir.path().join(file);
        std::fs::write(&path, &text).expect("write the generated input");
        let run = |p: &Path| pool.install(|| load(&format, p, &options)).expect("the generated input parses");
        assert_eq!(run(&path).report.entries, ENTRIES as u64);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(BenchmarkId::new(name, ENTRIES), |b| b.iter(|| run(black_box(&path))));
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
    targets = parsers
}
criterion_main!(benches);
