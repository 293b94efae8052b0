//! CPU ALS microbenchmarks (criterion): the hermitian `Σ w y yᵀ` of one row, `YᵀY`, one half-step
//! of the CPU backend, and the f×f solves. `cargo bench --bench cpu_als`; benches/README.md
//! ("CPU microbenchmarks") has the baseline workflow.
//!
//! Everything runs single-threaded (the 2-core dev box is shared) on inputs made from fixed seeds.
//! The hermitian kernel and the Cholesky/CG solves go through the same runtime ISA choice as the
//! backend (AVX2+FMA where the CPU has it; `RUSTMF_CPU_ISA=base` forces the baseline copy).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rustmf::cpu::als::solve::{cholesky_solve_in_place, lu_in_place, lu_solve_in_place};
use rustmf::cpu::als::{cg_dense_fast, cholesky_fast};
use rustmf::cpu::kernels::{Packed, KC};
use rustmf::cpu::{isa, CpuBackend, Isa};
use rustmf::data::synth::{generate, Preset};
use rustmf::model::{init_factors, AlsConfig, Matrix, Solver};

const FACTORS: [usize; 2] = [32, 64];
const SEED: u64 = 42;

fn uniform(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// Pack `ys` (rows of length f, weights `ws`) block by block and accumulate the upper triangle of
/// `Σ w y yᵀ` into `a`, as the row step does.
#[inline(always)]
fn hermitian_g<const FMA: bool>(packed: &mut Packed, ys: &[f32], ws: &[f32], f: usize, a: &mut [f64]) {
    packed.clear();
    for (y, &w) in ys.chunks_exact(f).zip(ws) {
        packed.push(y, w);
        if packed.is_full() {
            packed.gram_into::<FMA>(a);
            packed.clear();
        }
    }
    packed.gram_into::<FMA>(a);
}

fn hermitian(packed: &mut Packed, ys: &[f32], ws: &[f32], f: usize, a: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn avx2(packed: &mut Packed, ys: &[f32], ws: &[f32], f: usize, a: &mut [f64]) {
            hermitian_g::<true>(packed, ys, ws, f, a)
        }
        if isa() == Isa::Avx2Fma {
            // SAFETY: Isa::Avx2Fma is only selected when the CPU reports avx2 and fma.
            return unsafe { avx2(packed, ys, ws, f, a) };
        }
    }
    hermitian_g::<false>(packed, ys, ws, f, a)
}

/// `Σ w y yᵀ` over one row of 4·KC = 1024 interactions (pack + fp32 register blocks + fp64 adds),
/// and `YᵀY` of an 8192 × f factor matrix (two chunks of the fixed reduction order).
fn gram(c: &mut Criterion) {
    let mut g = c.benchmark_group("gram");
    let n = 4 * KC;
    for f in FACTORS {
        let ys = uniform(n * f, SEED);
        let ws = uniform(n, SEED + 1).iter().map(|w| 1.0 + w.abs()).collect::<Vec<_>>();
        let mut packed = Packed::new(f);
        let mut a = vec![0.0f64; f * f];
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::new("hermitian_row1024", f), |b| {
            b.iter(|| {
                hermitian(&mut packed, black_box(&ys), &ws, f, &mut a);
                black_box(&a);
            })
        });
    }
    let backend = CpuBackend::new(1).expect("a one-thread pool");
    let rows = 8192;
    for f in FACTORS {
        let y = Matrix::from_vec(rows, f, uniform(rows * f, SEED + 2)).expect("rows × f");
        g.throughput(Throughput::Elements(rows as u64));
        g.bench_function(BenchmarkId::new("yty_8192rows", f), |b| b.iter(|| backend.gram(black_box(&y))));
    }
    g.finish();
}

/// One users half-step (`CpuBackend::solve_rows`, 1 thread) on the Demo preset at scale 0.2 (600 users
/// × 2,000 items, ≈30K ratings): explicit with Cholesky and with 3 CG steps, implicit with Cholesky.
fn half_step(c: &mut Criterion) {
    let data = generate(&Preset::Demo.config(0.2, SEED)).interactions;
    let backend = CpuBackend::new(1).expect("a one-thread pool");
    let mut g = c.benchmark_group("half_step");
    g.throughput(Throughput::Elements(data.nnz() as u64));
    let cases = [
        ("explicit_cholesky", false, Solver::Cholesky),
        ("explicit_cg3", false, Solver::Cg { steps: 3, tol: None }),
        ("implicit_cholesky", true, Solver::Cholesky),
    ];
    for f in FACTORS {
        let factors = init_factors(data.n_users(), data.n_items(), f, SEED, 0.1);
        for (name, implicit, solver) in cases {
            let cfg = AlsConfig { factors: f, implicit, solver, lambda: 0.1, alpha: 1.0, ..AlsConfig::default() };
            let mut users = factors.users.clone();
            g.bench_function(BenchmarkId::new(name, f), |b| {
                b.iter(|| backend.solve_rows(&data.csr, &factors.items, &mut users, &cfg).expect("solvable"))
            });
        }
    }
    g.finish();
}

/// A symmetric positive definite f×f matrix (both triangles): `M Mᵀ / f + I`.
fn spd(f: usize, seed: u64) -> Vec<f64> {
    let m = uniform(f * f, seed);
    let mut a = vec![0.0f64; f * f];
    for i in 0..f {
        for j in 0..f {
            let s: f64 = (0..f).map(|k| m[i * f + k] as f64 * m[j * f + k] as f64).sum();
            a[i * f + j] = s / f as f64 + if i == j { 1.0 } else { 0.0 };
        }
    }
    a
}

/// The per-row f×f solves: Cholesky (dispatched) + solve, LU without pivoting (baseline copy) +
/// solve, and CG on the formed matrix (dispatched) with 3 steps (ALS's warm-started default) and
/// with f steps, cold-started.
fn solve(c: &mut Criterion) {
    let mut g = c.benchmark_group("solve");
    for f in FACTORS {
        let a = spd(f, SEED + f as u64);
        let rhs: Vec<f64> = uniform(f, SEED + 3).iter().map(|&v| v as f64).collect();
        g.bench_function(BenchmarkId::new("cholesky", f), |b| {
            let mut inv_diag = vec![0.0; f];
            b.iter_batched_ref(
                || (a.clone(), rhs.clone()),
                |(m, x)| {
                    assert!(cholesky_fast(m, f, &mut inv_diag));
                    cholesky_solve_in_place(m, f, &inv_diag, x);
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function(BenchmarkId::new("lu", f), |b| {
            b.iter_batched_ref(
                || (a.clone(), rhs.clone()),
                |(m, x)| {
                    assert!(lu_in_place(m, f));
                    lu_solve_in_place(m, f, x);
                },
                BatchSize::SmallInput,
            )
        });
        for (name, steps) in [("cg3", 3), ("cg_f_steps", f)] {
            g.bench_function(BenchmarkId::new(name, f), |b| {
                let mut x = vec![0.0; f];
                b.iter(|| {
                    x.fill(0.0);
                    cg_dense_fast(black_box(&a), f, &rhs, &mut x, steps, None)
                })
            });
        }
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
    targets = gram, half_step, solve
}
criterion_main!(benches);
