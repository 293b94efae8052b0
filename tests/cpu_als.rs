//! CPU reference ALS: convergence, solver agreement, determinism, planted-data quality.

mod cpu_common;

use cpu_common::*;
use rustmf::cpu::{metrics, CpuBackend};
use rustmf::model::{init_factors, AlsBackend, AlsConfig, Confidence, EarlyStopping, EvalConfig, GpuOptions, Solver};
use rustmf::train::{self, Backend, TrainReport};

fn cfg(f: usize, implicit: bool, solver: Solver) -> AlsConfig {
    AlsConfig {
        factors: f,
        iterations: 6,
        lambda: if implicit { 0.1 } else { 0.05 },
        implicit,
        alpha: 2.0,
        confidence: Confidence::Linear,
        solver,
        seed: 7,
        init_scale: 0.1,
        compute_objective: true,
        eval: EvalConfig::default(),
        early_stopping: None,
    }
}

fn objectives(r: &TrainReport) -> Vec<f64> {
    r.iterations.iter().map(|l| l.objective.unwrap()).collect()
}

fn assert_non_increasing(obj: &[f64], what: &str) {
    for w in obj.windows(2) {
        assert!(w[1] <= w[0] * (1.0 + 1e-6) + 1e-9, "{what}: objective rose {} -> {} in {obj:?}", w[0], w[1]);
    }
}

#[test]
fn objective_never_increases_explicit() {
    for (seed, (nu, ni, f)) in [(1, (40, 30, 8)), (2, (25, 60, 12)), (3, (70, 20, 5))] {
        let data = random(nu, ni, 0.3, seed);
        let mut c = cfg(f, false, Solver::Cholesky);
        c.seed = seed;
        let r = train::train(&data, None, &c, Backend::Cpu { threads: 2 }).unwrap();
        assert_non_increasing(&objectives(&r), &format!("explicit seed {seed}"));
    }
}

#[test]
fn objective_never_increases_implicit() {
    for (seed, (nu, ni, f), conf) in [
        (4, (40, 30, 8), Confidence::Linear),
        (5, (25, 60, 16), Confidence::Log { eps: 1.0 }),
        (6, (60, 45, 9), Confidence::Linear),
    ] {
        let data = random(nu, ni, 0.15, seed);
        let mut c = cfg(f, true, Solver::Cholesky);
        c.seed = seed;
        c.confidence = conf;
        let r = train::train(&data, None, &c, Backend::Cpu { threads: 2 }).unwrap();
        assert_non_increasing(&objectives(&r), &format!("implicit seed {seed}"));
        // LU (exact too) is monotone as well
        c.solver = Solver::Lu;
        let r = train::train(&data, None, &c, Backend::Cpu { threads: 1 }).unwrap();
        assert_non_increasing(&objectives(&r), &format!("implicit LU seed {seed}"));
    }
}

/// The objective computed by the backend equals a naive evaluation of its definition.
#[test]
fn objective_matches_definition() {
    let data = random(12, 9, 0.4, 11);
    for implicit in [false, true] {
        let c = cfg(4, implicit, Solver::Cholesky);
        let fa = init_factors(12, 9, 4, 3, 1.0);
        let mut be = CpuBackend::new(1).unwrap();
        let got = be.objective(&data, &fa, &c).unwrap();
        let dense = data.csr.to_dense();
        let mut want = 0.0f64;
        let lam = c.lambda as f64;
        for u in 0..12 {
            for i in 0..9 {
                let s = fa.predict(u, i) as f64;
                let r = dense[[u, i]] as f64;
                let present = data.csr.get(u, i).is_some();
                if implicit {
                    let (p, cc) = if r > 0.0 { (1.0, 1.0 + c.alpha as f64 * r) } else { (0.0, 1.0) };
                    want += cc * (p - s) * (p - s);
                } else if present {
                    want += (r - s) * (r - s);
                }
            }
        }
        let sq = |v: &[f32]| v.iter().map(|x| (*x as f64) * (*x as f64)).sum::<f64>();
        for u in 0..12 {
            let w = if implicit { 1.0 } else { data.csr.outer_view(u).unwrap().nnz() as f64 };
            want += lam * w * sq(fa.users.row(u));
        }
        for i in 0..9 {
            let w = if implicit { 1.0 } else { data.csc.outer_view(i).unwrap().nnz() as f64 };
            want += lam * w * sq(fa.items.row(i));
        }
        assert!((got - want).abs() <= 1e-5 * want.abs(), "implicit={implicit}: {got} vs {want}");
    }
}

fn rel_diff(a: &[f32], b: &[f32]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum::<f64>().sqrt();
    let den: f64 = b.iter().map(|y| (*y as f64).powi(2)).sum::<f64>().sqrt();
    num / den.max(1e-30)
}

/// One user half-step with CG run for f steps equals the Cholesky solve (both feedback kinds).
#[test]
fn cg_with_f_steps_matches_cholesky() {
    let data = random(50, 40, 0.2, 21);
    for implicit in [false, true] {
        for f in [8, 13] {
            let fa = init_factors(50, 40, f, 5, 1.0);
            let be = CpuBackend::new(2).unwrap();
            let mut xc = fa.users.clone();
            be.solve_rows(&data.csr, &fa.items, &mut xc, &cfg(f, implicit, Solver::Cholesky)).unwrap();
            let mut xg = fa.users.clone();
            be.solve_rows(&data.csr, &fa.items, &mut xg, &cfg(f, implicit, Solver::Cg { steps: f, tol: None }))
                .unwrap();
            let d = rel_diff(&xg.data, &xc.data);
            assert!(d < 1e-3, "implicit={implicit} f={f}: CG vs Cholesky relative difference {d}");
            // and the item side
            let mut yc = fa.items.clone();
            be.solve_rows(&data.csc, &xc, &mut yc, &cfg(f, implicit, Solver::Cholesky)).unwrap();
            let mut yg = fa.items.clone();
            be.solve_rows(&data.csc, &xc, &mut yg, &cfg(f, implicit, Solver::Cg { steps: f, tol: None })).unwrap();
            let d = rel_diff(&yg.data, &yc.data);
            assert!(d < 1e-3, "items implicit={implicit} f={f}: relative difference {d}");
        }
    }
}

#[test]
fn lu_matches_cholesky() {
    let data = random(45, 35, 0.25, 31);
    for implicit in [false, true] {
        let c = cfg(10, implicit, Solver::Cholesky);
        let a = train::train(&data, None, &c, Backend::Cpu { threads: 2 }).unwrap();
        let b = train::train(&data, None, &AlsConfig { solver: Solver::Lu, ..c }, Backend::Cpu { threads: 2 }).unwrap();
        let (fa, fb) = (a.factors.unwrap(), b.factors.unwrap());
        let d = rel_diff(&fb.users.data, &fa.users.data).max(rel_diff(&fb.items.data, &fa.items.data));
        assert!(d < 1e-5, "implicit={implicit}: LU vs Cholesky {d}");
    }
}

/// threads = 1 and 3 give bit-identical factors and objectives, for every solver.
#[test]
fn thread_count_does_not_change_results() {
    // enough rows for the YᵀY chunking (4096 rows) to produce several partial sums
    let data = random(4200, 30, 0.03, 41);
    for (implicit, solver) in
        [(true, Solver::Cholesky), (false, Solver::Cholesky), (true, Solver::Cg { steps: 3, tol: None })]
    {
        let mut c = cfg(9, implicit, solver);
        c.iterations = 2;
        let runs: Vec<_> =
            [1, 3].iter().map(|&t| train::train(&data, None, &c, Backend::Cpu { threads: t }).unwrap()).collect();
        let f0 = runs[0].factors.as_ref().unwrap();
        for r in &runs[1..] {
            let f = r.factors.as_ref().unwrap();
            assert!(f.users.data == f0.users.data && f.items.data == f0.items.data, "{solver:?} implicit={implicit}");
            assert_eq!(objectives(r), objectives(&runs[0]));
        }
        // and the same seed reproduces
        let again = train::train(&data, None, &c, Backend::Cpu { threads: 2 }).unwrap();
        assert_eq!(again.factors.as_ref().unwrap(), f0);
    }
}

/// Planted low-rank ratings with Gaussian noise σ: the test RMSE ends within 5% of σ.
#[test]
fn planted_explicit_reaches_noise_level() {
    let noise = 0.5;
    let (train, test) = planted_explicit(300, 200, 3, 0.6, noise, 0.1, 51);
    let mut c = cfg(3, false, Solver::Cholesky);
    c.lambda = 0.02;
    c.iterations = 10;
    c.init_scale = 1.0;
    let r = train::train(&train, Some(&test), &c, Backend::Cpu { threads: 0 }).unwrap();
    let rmse = r.iterations.last().unwrap().test.as_ref().unwrap().rmse.unwrap();
    eprintln!("planted explicit: test RMSE {rmse}, noise {noise}");
    assert!(rmse < noise * 1.05, "test RMSE {rmse} vs planted noise {noise}");
    assert!(rmse > noise * 0.9, "test RMSE {rmse} suspiciously below the noise {noise}");
}

/// Planted group structure in implicit data: NDCG@10 far above the popularity baseline.
#[test]
fn planted_implicit_beats_popularity() {
    let (train, test) = planted_implicit(400, 200, 5, 25, 0.9, 5, 61);
    let mut c = cfg(8, true, Solver::Cholesky);
    c.iterations = 8;
    c.alpha = 5.0;
    let r = train::train(&train, Some(&test), &c, Backend::Cpu { threads: 0 }).unwrap();
    let m = r.iterations.last().unwrap().test.as_ref().unwrap().ranking.clone().unwrap();
    let users = metrics::eval_users(&test.csr, None, 0);
    let pop = metrics::popularity_metrics(&train.csr, &test.csr, 10, &users);
    assert!(m.ndcg > 2.0 * pop.ndcg && m.ndcg > 0.2, "ALS NDCG@10 {} vs popularity {}", m.ndcg, pop.ndcg);
    assert!(m.precision > pop.precision && m.recall > pop.recall && m.map > pop.map);
    assert!(m.coverage > pop.coverage);
    assert_eq!(m.users, 400);
}

/// Early stopping keeps the best iteration's factors.
#[test]
fn early_stopping_keeps_best() {
    let (train, test) = planted_explicit(80, 60, 3, 0.3, 0.3, 0.2, 71);
    let mut c = cfg(16, false, Solver::Cholesky);
    c.lambda = 0.0001; // overfits: the test RMSE gets worse after a few iterations
    c.iterations = 30;
    c.early_stopping = Some(EarlyStopping { patience: 2, min_delta: 0.0 });
    let r = train::train(&train, Some(&test), &c, Backend::Cpu { threads: 1 }).unwrap();
    let best = r.best_iteration.unwrap();
    let rmses: Vec<f64> = r.iterations.iter().map(|l| l.test.as_ref().unwrap().rmse.unwrap()).collect();
    let min = rmses.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(rmses[best - 1], min);
    let (rmse, _) = metrics::rmse_mae(r.factors.as_ref().unwrap(), &test.csr);
    assert!((rmse - min).abs() < 1e-12);
    if r.stopped_early {
        assert_eq!(r.iterations.len(), best + 2);
    }
    let first = r.iterations[0].iteration_s;
    assert!(r.setup_s > 0.0 && r.setup_s + first <= r.first_iteration_s + 1e-9, "{r:?}");
    assert!(r.open_s > 0.0 && r.open_s <= r.setup_s, "{r:?}");
    assert!(r.first_iteration_s <= r.total_s);
}

/// Rows without interactions get zero factors (explicit) and training still works.
#[test]
fn empty_rows_are_zero_explicit() {
    let data = interactions(5, 4, &[(0, 0, 1.0), (0, 1, 2.0), (2, 1, 3.0), (2, 3, 1.0), (4, 0, 5.0)]);
    let r = train::train(&data, None, &cfg(3, false, Solver::Cholesky), Backend::Cpu { threads: 1 }).unwrap();
    let fa = r.factors.unwrap();
    assert!(fa.users.row(1).iter().all(|v| *v == 0.0) && fa.users.row(3).iter().all(|v| *v == 0.0));
    assert!(fa.items.row(2).iter().all(|v| *v == 0.0));
    assert!(fa.users.data.iter().all(|v| v.is_finite()));
}

/// f = 4 has no GPU kernels: with a GPU that is the error; without one, the missing driver or
/// device is. Either way the message says what is wrong.
#[test]
fn gpu_backend_explains_why_it_cannot_run() {
    let data = random(5, 5, 0.5, 1);
    let gpu = Backend::Gpu { device: 0, options: GpuOptions::default(), kernels: rustmf::kernels::PTX };
    let e = train::train(&data, None, &cfg(4, true, Solver::Cholesky), gpu).unwrap_err().to_string();
    let explained = ["not f = 4", "no CUDA driver found", "found no GPU", "without GPU support"];
    assert!(explained.iter().any(|m| e.contains(m)), "{e}");
}
