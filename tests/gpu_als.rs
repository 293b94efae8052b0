//! GPU ALS against the CPU reference (issue 5): every get_hermitian version and every solver on
//! fresh random data, explicit and implicit, the cuBLAS baselines included; CG, CG-fp16 and
//! matrix-free CG against the exact solver's accuracy; batching that must not change a bit.
//! Each version of the get_hermitian list (`rustmf-kernel-abi`) gets its checks without an edit
//! here; those of the sm_90a image (`wgmma`) are reported ignored on GPUs other than the H100/H200.
//! The phase variants of cuMF_als Fig. 4 (`hermitian_phases`) are checked per staging: the full
//! one against the CPU, the shortened ones for writing nothing. The objective and the test RMSE
//! computed on the device (`loss`) and GPU fold-in against the CPU's. Data-parallel ALS over
//! logical ranks on one GPU against one rank.
mod common;

use common::{case_trials, expect_equal, gpu_trials, GpuCase, GpuCheck};
use rand::rngs::StdRng;
use rand::Rng;
use rustmf::cpu::CpuBackend;
use rustmf::data::{Duplicates, Interactions};
use rustmf::gpu::als::{DataParallelAls, GpuAls, GpuAlsOptions, GpuSolver, Hermitian, SUPPORTED_F};
use rustmf::gpu::{CudaSlice, Gpu};
use rustmf::model::{self as als, AlsConfig, Confidence, EvalConfig, Factors, GpuOptions, MatrixFree, Side, Solver};
use rustmf::train::gpu_memory::{Fit, GpuMemoryPlan, Streamed, TrainShape};
use rustmf::train::{self, Backend};
use rustmf_kernel_abi::hermitian::{Arguments, HermitianRows, Version, MODE_EXPLICIT, MODE_IMPLICIT_LOG, VERSIONS};
use rustmf_kernel_abi::hermitian_phases::{self as phases, Staging, StopAfter};
use rustmf_kernel_abi::{Entry, Image};
use std::sync::Arc;

fn main() {
    let checks: &[(&str, GpuCheck)] = &[
        ("als::v7_equals_v5_bit_for_bit_in_batches", v7_equals_v5),
        ("als::lu_matches_cpu", lu_matches_cpu),
        ("als::cublas_lu_matches_cpu", cublas_lu_matches_cpu),
        ("als::cublas_hermitian_matches_cpu", |g, r| versions_match_cpu(g, r, Hermitian::Cublas, &[32, 64, 100])),
        ("als::cublas_hermitian_in_batches_matches_cpu", cublas_hermitian_in_batches),
        ("als::cg_with_f_steps_matches_cpu", cg_matches_cpu),
        ("als::cg_matrix_free_with_f_steps_matches_cpu_every_f", cg_matrix_free_matches_cpu),
        ("als::cg_matrix_free_long_rows_match_cpu", cg_matrix_free_long_rows_match_cpu),
        ("als::cg3_matrix_free_on_each_side_matches_cpu_cg3", cg3_matrix_free_matches_cpu_cg3),
        ("als::cg_and_fp16_reach_exact_rmse", cg_reaches_exact_rmse),
        ("als::cg_and_fp16_reach_exact_ndcg", cg_reaches_exact_ndcg),
        ("loss::objective_matches_cpu_every_f", objective_matches_cpu),
        ("loss::objective_over_many_chunks_per_warp_matches_cpu", objective_many_chunks_matches_cpu),
        ("loss::test_rmse_mae_match_cpu", test_rmse_mae_match_cpu),
        ("loss::training_logs_the_cpu_objective_and_rmse", training_logs_match_cpu),
        ("fold_in::matches_cpu_explicit_and_implicit", fold_in_matches_cpu),
        ("streamed::tiny_gpu_memory_streams_both_sides_and_matches_in_core", tiny_gpu_memory_streams),
        ("streamed::sides_that_cannot_stream_are_refused", streaming_refusals),
        ("ranks::one_to_four_logical_ranks_match_one_rank_bit_for_bit", ranks_match_one_rank),
    ];
    let args = libtest_mimic::Arguments::from_args();
    let mut trials = gpu_trials(checks);
    trials.extend(case_trials(version_cases()));
    trials.extend(case_trials(phase_cases()));
    libtest_mimic::run(&args, trials).exit();
}

/// The checks every get_hermitian version of the ABI's list gets, by what it declares: it matches
/// the CPU at every f, explicit and implicit; batching changes no bit; with fp16 output, CG-fp16
/// on it matches; with work units, long rows cut into pieces match. Versions of the sm_90a image
/// are ignored on other GPUs.
fn version_cases() -> Vec<(String, bool, GpuCase)> {
    let mut cases: Vec<(String, bool, GpuCase)> = Vec::new();
    for version in VERSIONS {
        let (h, sm90a) = (Hermitian::Kernel(version), version.image == Image::Sm90a);
        let name = |check: &str| {
            format!("als::v{}_{}::{check}", version.number, version.module.split_once('_').unwrap_or_default().1)
        };
        cases.push((
            name("matches_cpu_every_f"),
            sm90a,
            Box::new(move |g, r| versions_match_cpu(g, r, h, &SUPPORTED_F)),
        ));
        cases.push((
            name("batches_do_not_change_results"),
            sm90a,
            Box::new(move |g, r| batching_is_invisible(g, r, h)),
        ));
        cases.push((
            name("streamed_rows_match_in_core_bit_for_bit"),
            sm90a,
            Box::new(move |g, r| streamed_matches_in_core(g, r, h)),
        ));
        if version.half_output {
            cases.push((
                name("half_output_with_cg_fp16_matches_cpu"),
                sm90a,
                Box::new(move |g, r| cg_half_matches_cpu(g, r, h)),
            ));
        }
        if version.arguments == Arguments::Units {
            cases.push((name("long_rows_in_pieces_match_cpu"), sm90a, Box::new(move |g, r| pieces_match_cpu(g, r, h))));
        }
    }
    cases
}

/// Per staging of the phase family: the full variant, in one ALS iteration, matches the CPU at
/// every f; the Load and Compute variants write neither A nor b.
fn phase_cases() -> Vec<(String, bool, GpuCase)> {
    let mut cases: Vec<(String, bool, GpuCase)> = Vec::new();
    for staging in Staging::ALL {
        let name = |check: &str| format!("als::phases::{staging:?}::{check}");
        cases.push((
            name("write_matches_cpu_every_f"),
            false,
            Box::new(move |g, r| phase_write_matches_cpu(g, r, staging)),
        ));
        cases.push((
            name("load_and_compute_write_nothing"),
            false,
            Box::new(move |g, r| phase_stops_write_nothing(g, r, staging)),
        ));
    }
    cases
}

/// Random interactions with varied row lengths (many rows longer than the 32-item staging chunk),
/// one empty user, explicit ratings 1..5 or implicit counts 1..20.
fn random_data(rng: &mut StdRng, users: usize, items: usize, implicit: bool) -> Interactions {
    let mut e = Vec::new();
    for u in 1..users as u32 {
        let n = rng.random_range(1..=(items / 3));
        for _ in 0..n {
            let v = if implicit { rng.random_range(1..=20) as f32 } else { rng.random_range(1..=5) as f32 };
            e.push((u, rng.random_range(0..items as u32), v));
        }
    }
    Interactions::from_entries(users, items, &e, Duplicates::Last).unwrap()
}

fn config(f: usize, implicit: bool, solver: Solver) -> AlsConfig {
    AlsConfig {
        factors: f,
        iterations: 1,
        lambda: if implicit { 0.1 } else { 0.05 },
        implicit,
        alpha: 2.0,
        confidence: if implicit { Confidence::Log { eps: 1.0 } } else { Confidence::Linear },
        solver,
        compute_objective: false,
        ..AlsConfig::default()
    }
}

/// One full ALS iteration (users, then items) on the CPU reference.
fn cpu_iteration(data: &Interactions, start: &Factors, cfg: &AlsConfig) -> Result<Factors, String> {
    let cpu = CpuBackend::new(0).map_err(|e| e.to_string())?;
    let mut fa = start.clone();
    cpu.solve_rows(&data.csr, &fa.items, &mut fa.users, cfg).map_err(|e| e.to_string())?;
    cpu.solve_rows(&data.csc, &fa.users, &mut fa.items, cfg).map_err(|e| e.to_string())?;
    Ok(fa)
}

fn gpu_iteration(
    gpu: &Arc<Gpu>,
    data: &Interactions,
    start: &Factors,
    cfg: &AlsConfig,
    opts: GpuAlsOptions,
) -> Result<Factors, String> {
    let mut als = GpuAls::new(gpu.clone(), data, start, opts).map_err(|e| e.to_string())?;
    als.half_step(Side::Users, cfg).map_err(|e| e.to_string())?;
    als.half_step(Side::Items, cfg).map_err(|e| e.to_string())?;
    als.factors().map_err(|e| e.to_string())
}

/// ‖got − want‖_F / ‖want‖_F over both factor matrices.
fn relative_error(got: &Factors, want: &Factors) -> f64 {
    let pairs = got.users.data.iter().zip(&want.users.data).chain(got.items.data.iter().zip(&want.items.data));
    let (mut diff, mut norm) = (0.0f64, 0.0f64);
    for (g, w) in pairs {
        diff += (*g as f64 - *w as f64).powi(2);
        norm += (*w as f64).powi(2);
    }
    if got.users.data.iter().chain(&got.items.data).any(|v| !v.is_finite()) {
        return f64::INFINITY;
    }
    (diff / norm).sqrt()
}

fn compare(
    gpu: &Arc<Gpu>,
    rng: &mut StdRng,
    f: usize,
    implicit: bool,
    solver: Solver,
    opts: GpuAlsOptions,
    tol: f64,
) -> Result<(), String> {
    let (users, items) = (rng.random_range(150..300), rng.random_range(150..400));
    let data = random_data(rng, users, items, implicit);
    compare_on(gpu, rng, &data, f, implicit, solver, opts, tol)
}

/// As [`compare`], on the given data.
#[allow(clippy::too_many_arguments)]
fn compare_on(
    gpu: &Arc<Gpu>,
    rng: &mut StdRng,
    data: &Interactions,
    f: usize,
    implicit: bool,
    solver: Solver,
    opts: GpuAlsOptions,
    tol: f64,
) -> Result<(), String> {
    let cfg = config(f, implicit, solver);
    let start = als::init_factors(data.n_users(), data.n_items(), f, rng.random(), 1.0);
    let want = cpu_iteration(data, &start, &cfg)?;
    let got = gpu_iteration(gpu, data, &start, &cfg, opts)?;
    let err = relative_error(&got, &want);
    let what = format!(
        "f={f} {} {:?} {:?} on {}×{} ({} nnz)",
        if implicit { "implicit" } else { "explicit" },
        opts.hermitian,
        opts.solver,
        data.n_users(),
        data.n_items(),
        data.nnz()
    );
    if err <= tol {
        Ok(())
    } else {
        Err(format!("{what}: relative Frobenius error {err:e} > {tol:e}"))
    }
}

fn versions_match_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng, v: Hermitian, fs: &[usize]) -> Result<(), String> {
    for &f in fs {
        for implicit in [false, true] {
            let opts = GpuAlsOptions {
                hermitian: v,
                solver: GpuSolver::Cholesky,
                batch_rows: None,
                ..GpuAlsOptions::default()
            };
            compare(gpu, rng, f, implicit, Solver::Cholesky, opts, 1e-3)?;
        }
    }
    Ok(())
}

fn lu_matches_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    for (f, implicit) in [(32, false), (64, true), (100, false), (100, true)] {
        let opts = GpuAlsOptions {
            hermitian: Hermitian::version(3),
            solver: GpuSolver::Lu,
            batch_rows: None,
            ..GpuAlsOptions::default()
        };
        compare(gpu, rng, f, implicit, Solver::Cholesky, opts, 1e-3)?;
    }
    Ok(())
}

/// cuBLAS's batched LU (partial pivoting) after rustmf's hermitian, and after cuBLAS's own.
fn cublas_lu_matches_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    for (f, implicit, hermitian) in [
        (32, false, Hermitian::version(5)),
        (64, true, Hermitian::version(3)),
        (100, false, Hermitian::Cublas),
        (100, true, Hermitian::version(5)),
    ] {
        let opts =
            GpuAlsOptions { hermitian, solver: GpuSolver::CublasLu, batch_rows: None, ..GpuAlsOptions::default() };
        compare(gpu, rng, f, implicit, Solver::Cholesky, opts, 1e-3)?;
    }
    Ok(())
}

/// The cuBLAS hermitian's per-batch plan: several batches, the last one shorter.
fn cublas_hermitian_in_batches(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    for implicit in [false, true] {
        let opts = GpuAlsOptions {
            hermitian: Hermitian::Cublas,
            solver: GpuSolver::Cholesky,
            batch_rows: Some(rng.random_range(7..60)),
            ..GpuAlsOptions::default()
        };
        compare(gpu, rng, 64, implicit, Solver::Cholesky, opts, 1e-3)?;
    }
    Ok(())
}

/// CG run for f steps is, in exact arithmetic, the exact solve; in fp32 it comes close.
fn cg_matches_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    for (f, implicit) in [(32, false), (64, true), (100, false)] {
        let opts = GpuAlsOptions {
            hermitian: Hermitian::version(3),
            solver: GpuSolver::Cg { steps: f as u32, tol: 0.0 },
            batch_rows: None,
            ..GpuAlsOptions::default()
        };
        compare(gpu, rng, f, implicit, Solver::Cholesky, opts, 1e-3)?;
    }
    Ok(())
}

/// Matrix-free CG, both sides, against the exact solve (rows of up to ~130 entries: every row on
/// one warp). In exact arithmetic f steps solve exactly; in fp32 CG loses orthogonality and
/// needs more (f steps left a relative error of 1.16e-3 at f = 128, implicit, H200 2026-12-02), so 2f.
fn cg_matrix_free_matches_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    for f in [32, 64, 96, 100, 128] {
        for implicit in [false, true] {
            let opts = GpuAlsOptions {
                solver: GpuSolver::Cg { steps: 2 * f as u32, tol: 0.0 },
                matrix_free: MatrixFree::Both,
                ..Default::default()
            };
            compare(gpu, rng, f, implicit, Solver::Cholesky, opts, 1e-3)?;
        }
    }
    Ok(())
}

/// Items of more than `schedule::MATRIX_FREE_LONG_ROW` (2048) entries, which the kernel gives a
/// whole block, beside users of a few entries on warps.
fn cg_matrix_free_long_rows_match_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    for (f, implicit) in [(64, true), (100, false), (32, false), (128, true)] {
        let (users, items) = (rng.random_range(3200..3600), rng.random_range(6..12));
        let mut e = Vec::new();
        for u in 0..users as u32 {
            for i in 0..items as u32 {
                if rng.random_bool(0.75) {
                    let v = if implicit { rng.random_range(1..=20) } else { rng.random_range(1..=5) };
                    e.push((u, i, v as f32));
                }
            }
        }
        let data = Interactions::from_entries(users, items, &e, Duplicates::Last).unwrap();
        let shortest = data.csc.outer_iterator().map(|r| r.nnz()).min().unwrap_or(0);
        if shortest <= 2048 {
            return Err(format!("test data with an item of only {shortest} entries: not every item is long"));
        }
        let opts = GpuAlsOptions {
            solver: GpuSolver::Cg { steps: 2 * f as u32, tol: 0.0 },
            matrix_free: MatrixFree::Both,
            ..Default::default()
        };
        compare_on(gpu, rng, &data, f, implicit, Solver::Cholesky, opts, 1e-3)?;
    }
    Ok(())
}

/// Three steps of matrix-free CG take the same iterates as the CPU's CG (fp64, also matrix-free),
/// on users only, items only (the other side forming A with v8) and both.
fn cg3_matrix_free_matches_cpu_cg3(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let cg3 = Solver::Cg { steps: 3, tol: None };
    let sides = [
        (64, true, MatrixFree::Users),
        (100, false, MatrixFree::Items),
        (96, true, MatrixFree::Both),
        (32, false, MatrixFree::Both),
    ];
    for (f, implicit, matrix_free) in sides {
        let opts = GpuAlsOptions { solver: GpuSolver::Cg { steps: 3, tol: 0.0 }, matrix_free, ..Default::default() };
        compare(gpu, rng, f, implicit, cg3, opts, 1e-3)?;
    }
    Ok(())
}

/// A stored in fp16 costs accuracy (about 3 significant digits per entry), so f steps of CG on
/// it land near, not on, the exact solution.
fn cg_half_matches_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng, hermitian: Hermitian) -> Result<(), String> {
    for (f, implicit) in [(64, true), (100, false)] {
        let opts = GpuAlsOptions {
            hermitian,
            solver: GpuSolver::CgHalf { steps: f as u32, tol: 0.0 },
            batch_rows: None,
            ..GpuAlsOptions::default()
        };
        compare(gpu, rng, f, implicit, Solver::Cholesky, opts, 2e-2)?;
    }
    Ok(())
}

fn batching_is_invisible(gpu: &Arc<Gpu>, rng: &mut StdRng, hermitian: Hermitian) -> Result<(), String> {
    let data = random_data(rng, 300, 200, false);
    let cfg = config(64, false, Solver::Cholesky);
    let start = als::init_factors(data.n_users(), data.n_items(), 64, rng.random(), 1.0);
    let whole = GpuAlsOptions { hermitian, solver: GpuSolver::Cholesky, ..GpuAlsOptions::default() };
    let batched = GpuAlsOptions { batch_rows: Some(rng.random_range(3..40)), ..whole };
    let a = gpu_iteration(gpu, &data, &start, &cfg, whole)?;
    let b = gpu_iteration(gpu, &data, &start, &cfg, batched)?;
    if a == b {
        Ok(())
    } else {
        Err(format!("{hermitian:?}: {:?} rows per batch changed the factors", batched.batch_rows))
    }
}

/// v7 reorders the rows of each batch and stores A_u differently, with v5's sums: one explicit
/// iteration (where the two are bit-identical), v7 in random batches against v5 whole.
fn v7_equals_v5(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let data = random_data(rng, 300, 200, false);
    let cfg = config(100, false, Solver::Cholesky);
    let start = als::init_factors(data.n_users(), data.n_items(), 100, rng.random(), 1.0);
    let v5 =
        GpuAlsOptions { hermitian: Hermitian::version(5), solver: GpuSolver::Cholesky, ..GpuAlsOptions::default() };
    let v7 = GpuAlsOptions { hermitian: Hermitian::version(7), batch_rows: Some(rng.random_range(3..40)), ..v5 };
    let a = gpu_iteration(gpu, &data, &start, &cfg, v5)?;
    let b = gpu_iteration(gpu, &data, &start, &cfg, v7)?;
    if a == b {
        Ok(())
    } else {
        Err(format!("v7 with {:?} rows per batch differs from v5", v7.batch_rows))
    }
}

/// Thousands of users and a dozen or two items (items of ~300–700 entries), or its transpose;
/// and the number of the few.
fn skinny_data(rng: &mut StdRng, implicit: bool, transpose: bool) -> (Interactions, usize) {
    let (many, few) = (rng.random_range(2000..3000), rng.random_range(12..24));
    let skinny = random_data(rng, many, few, implicit);
    if !transpose {
        return (skinny, few);
    }
    let e: Vec<(u32, u32, f32)> = skinny.csr.iter().map(|(&v, (u, i))| (i, u, v)).collect();
    (Interactions::from_entries(few, many, &e, Duplicates::Last).unwrap(), few)
}

/// v8 or v9 with rows cut into pieces (the piece limit is at least 256 entries): skinny data,
/// whose items have ~300–700 entries, and its transpose, whose users do; exact solver and CG-fp16
/// (the fp16 finish kernel), in random batches.
fn pieces_match_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng, hermitian: Hermitian) -> Result<(), String> {
    for (f, implicit, transpose, half) in
        [(64, true, false, false), (100, false, true, false), (32, false, false, true), (128, true, true, false)]
    {
        let (data, few) = skinny_data(rng, implicit, transpose);
        let longest = if transpose {
            data.csr.outer_iterator().map(|r| r.nnz()).max()
        } else {
            data.csc.outer_iterator().map(|r| r.nnz()).max()
        };
        if longest.unwrap_or(0) <= 256 {
            return Err(format!("test data without a row of more than 256 entries ({longest:?}): nothing is split"));
        }
        let solver = if half { GpuSolver::CgHalf { steps: f as u32, tol: 0.0 } } else { GpuSolver::Cholesky };
        let opts = GpuAlsOptions {
            hermitian,
            solver,
            batch_rows: Some(rng.random_range(5..few + 5)),
            ..GpuAlsOptions::default()
        };
        compare_on(gpu, rng, &data, f, implicit, Solver::Cholesky, opts, if half { 2e-2 } else { 1e-3 })?;
    }
    Ok(())
}

/// Trains on planted data with the exact solver, CG (3 steps), CG-fp16 (3 steps) and matrix-free
/// CG (3 steps); returns the final value of the monitored test metric of each.
fn final_metrics(data: &Interactions, test: &Interactions, base: &AlsConfig) -> Result<Vec<(String, f64)>, String> {
    let runs = [
        ("cholesky", Solver::Cholesky, false, MatrixFree::Off),
        ("cg3", Solver::Cg { steps: 3, tol: None }, false, MatrixFree::Off),
        ("cg3-fp16", Solver::Cg { steps: 3, tol: None }, true, MatrixFree::Off),
        ("cg3-mf", Solver::Cg { steps: 3, tol: None }, false, MatrixFree::Both),
    ];
    runs.iter()
        .map(|&(name, solver, fp16, matrix_free)| {
            let cfg = AlsConfig { solver, ..base.clone() };
            let options = GpuOptions { hermitian: Hermitian::version(3), fp16, matrix_free, ..GpuOptions::default() };
            let backend = Backend::Gpu { device: 0, options, kernels: rustmf::kernels::PTX };
            let r = train::train(data, Some(test), &cfg, backend).map_err(|e| format!("{name}: {e:#}"))?;
            let m = r
                .iterations
                .last()
                .and_then(|l| l.test.as_ref())
                .and_then(|m| m.monitored())
                .ok_or("no test metric")?;
            Ok((name.to_string(), m.0))
        })
        .collect()
}

fn within_one_percent(what: &str, results: &[(String, f64)]) -> Result<(), String> {
    let exact = results[0].1;
    for (name, v) in &results[1..] {
        if ((v - exact) / exact).abs() > 0.01 {
            return Err(format!("{what}: {name} ended at {v:.5}, exact solver at {exact:.5} (more than 1% apart)"));
        }
    }
    Ok(())
}

fn cg_reaches_exact_rmse(_: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    use rustmf::data::split::{split, Holdout, SplitBy, SplitConfig};
    use rustmf::data::synth::{generate, Preset};
    let seed = rng.random();
    let planted = generate(&Preset::Movielens1m.config(0.5, seed));
    let whole = rustmf::data::Dataset { interactions: planted.interactions, times: None };
    let parts = split(&whole, &SplitConfig { by: SplitBy::Random, holdout: Holdout::Fraction(0.2), seed })
        .map_err(|e| e.to_string())?;
    let base = AlsConfig { iterations: 10, eval: EvalConfig::default(), ..config(32, false, Solver::Cholesky) };
    within_one_percent("test RMSE", &final_metrics(&parts.train.interactions, &parts.test.interactions, &base)?)
}

fn cg_reaches_exact_ndcg(_: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    use rustmf::data::split::{split, Holdout, SplitBy, SplitConfig};
    use rustmf::data::synth::{generate, Preset};
    let seed = rng.random();
    let mut shape = Preset::Lfm1b.config(0.02, seed);
    (shape.n_items, shape.nnz) = (20_000, 400_000);
    let planted = generate(&shape);
    let whole = rustmf::data::Dataset { interactions: planted.interactions, times: None };
    let parts = split(&whole, &SplitConfig { by: SplitBy::Random, holdout: Holdout::Fraction(0.2), seed })
        .map_err(|e| e.to_string())?;
    let base = AlsConfig {
        iterations: 10,
        eval: EvalConfig { k: 10, max_users: Some(2000), every: 10 },
        ..config(64, true, Solver::Cholesky)
    };
    within_one_percent("test NDCG@10", &final_metrics(&parts.train.interactions, &parts.test.interactions, &base)?)
}

/// One ALS iteration whose A and b come from the full phase variant of `staging` (random batches,
/// so `row_begin` varies), explicit and implicit, against the CPU reference, as the versions are.
fn phase_write_matches_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng, staging: Staging) -> Result<(), String> {
    for f in SUPPORTED_F {
        for implicit in [false, true] {
            let (users, items) = (rng.random_range(150..300), rng.random_range(150..400));
            let data = random_data(rng, users, items, implicit);
            let cfg = config(f, implicit, Solver::Cholesky);
            let start = als::init_factors(data.n_users(), data.n_items(), f, rng.random(), 1.0);
            let want = cpu_iteration(&data, &start, &cfg)?;
            let opts = GpuAlsOptions {
                hermitian: Hermitian::version(3),
                solver: GpuSolver::Cholesky,
                batch_rows: Some(rng.random_range(7..60)),
                ..GpuAlsOptions::default()
            };
            let mut gpu_als = GpuAls::new(gpu.clone(), &data, &start, opts).map_err(|e| e.to_string())?;
            for side in [Side::Users, Side::Items] {
                gpu_als.half_step_phases(side, &cfg, staging).map_err(|e| e.to_string())?;
            }
            let err = relative_error(&gpu_als.factors().map_err(|e| e.to_string())?, &want);
            if err > 1e-3 {
                let mode = if implicit { "implicit" } else { "explicit" };
                return Err(format!("{staging:?} f={f} {mode}: relative Frobenius error {err:e} > 1e-3"));
            }
        }
    }
    Ok(())
}

/// What A and b hold before a launch of [`phase_stops_write_nothing`]: no sum of the test's inputs.
const SENTINEL: f32 = -7.25e30;

/// At every f, on random users' rows, random θ and YᵀY: A and b, filled with [`SENTINEL`], are
/// untouched by the Load and Compute variants of `staging`; the full variant, launched the same
/// way, overwrites all of them with v3's A and b, bit for bit (same sums, same order).
fn phase_stops_write_nothing(gpu: &Arc<Gpu>, rng: &mut StdRng, staging: Staging) -> Result<(), String> {
    for f in SUPPORTED_F {
        let implicit = rng.random_bool(0.5);
        let (users, items) = (rng.random_range(60..120), rng.random_range(150..300));
        let data = random_data(rng, users, items, implicit);
        let theta: Vec<f32> = (0..items * f).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let gram: Vec<f32> = (0..f * f).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let launch = |entry: Entry| sentinel_launch(gpu, &data, &theta, &gram, f, implicit, entry);
        for stop in [StopAfter::Load, StopAfter::Compute] {
            let (a, b) = launch(phases::entry(staging, stop, f))?;
            if let Some(i) = a.iter().chain(&b).position(|&v| v != SENTINEL) {
                return Err(format!("{stop:?} variant of {staging:?} at f={f} wrote value {i} of A‖b"));
            }
        }
        let (a, b) = launch(phases::entry(staging, StopAfter::Write, f))?;
        if let Some(i) = a.iter().chain(&b).position(|&v| v == SENTINEL) {
            return Err(format!("Write variant of {staging:?} at f={f} left value {i} of A‖b unwritten"));
        }
        let v3 = Version::by_number(3).ok_or("no get_hermitian v3")?;
        let (want_a, want_b) = launch(v3.entry(f, false))?;
        expect_equal(&format!("{staging:?} Write variant's A, f={f}"), &a, &want_a)?;
        expect_equal(&format!("{staging:?} Write variant's b, f={f}"), &b, &want_b)?;
    }
    Ok(())
}

/// `entry` (taking `HermitianRows`, v3's launch) over every user row of `data`, with A and b filled
/// with [`SENTINEL`]; returns A and b.
fn sentinel_launch(
    gpu: &Gpu,
    data: &Interactions,
    theta: &[f32],
    gram: &[f32],
    f: usize,
    implicit: bool,
    entry: Entry,
) -> Result<(Vec<f32>, Vec<f32>), String> {
    let err = |e: rustmf::gpu::GpuError| e.to_string();
    let m = &data.csr;
    let n = m.outer_dims();
    let indptr: Vec<u64> = m.indptr().raw_storage().iter().map(|&p| p as u64).collect();
    let indptr = gpu.upload(&indptr, "indptr").map_err(err)?;
    let indices = gpu.upload(m.indices(), "indices").map_err(err)?;
    let values = gpu.upload(m.data(), "values").map_err(err)?;
    let (theta, gram) = (gpu.upload(theta, "θ").map_err(err)?, gpu.upload(gram, "YᵀY").map_err(err)?);
    let mut a: CudaSlice<f32> = gpu.upload(&vec![SENTINEL; n * f * f], "A").map_err(err)?;
    let mut b: CudaSlice<f32> = gpu.upload(&vec![SENTINEL; n * f], "b").map_err(err)?;
    let kernel = gpu.entry(entry).map_err(err)?;
    let args = HermitianRows {
        n_rows: n as u32,
        row_begin: 0,
        indptr: gpu.input(&indptr),
        indices: gpu.input(&indices),
        values: gpu.input(&values),
        theta: gpu.input(&theta),
        gram: gpu.input(&gram),
        lambda: 0.1,
        alpha: 2.0,
        eps: 1.0,
        mode: if implicit { MODE_IMPLICIT_LOG } else { MODE_EXPLICIT },
        a_out: gpu.output(&mut a),
        b_out: gpu.output(&mut b),
    };
    // Safety: θ has a row for every item index, YᵀY f×f values, A and b a system per row; the
    // shape is v3's, which the phase variants share.
    unsafe { gpu.launch_with(&kernel, &args, phases::launch(f, n)) }.map_err(err)?;
    Ok((gpu.download(&a).map_err(err)?, gpu.download(&b).map_err(err)?))
}

/// Random rows of 0..=`longest` entries (row 0 empty), so that rows span the loss kernel's chunks
/// and some are longer than one; explicit ratings 1..5 or implicit counts 1..20, some implicit
/// values 0 (which carry no weight).
fn random_rows(rng: &mut StdRng, users: usize, items: usize, longest: usize, implicit: bool) -> Interactions {
    let mut e = Vec::new();
    for u in 1..users as u32 {
        for _ in 0..rng.random_range(0..=longest) {
            let v = if implicit { rng.random_range(0..=20) as f32 } else { rng.random_range(1..=5) as f32 };
            e.push((u, rng.random_range(0..items as u32), v));
        }
    }
    Interactions::from_entries(users, items, &e, Duplicates::Last).unwrap()
}

fn relative(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs().max(f64::MIN_POSITIVE)
}

/// The GPU objective of random factors on `data` against the CPU reference's.
fn objective_against_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng, data: &Interactions, cfg: &AlsConfig) -> Result<(), String> {
    let start = als::init_factors(data.n_users(), data.n_items(), cfg.factors, rng.random(), 0.5);
    let opts = GpuAlsOptions { solver: GpuSolver::Cholesky, ..GpuAlsOptions::default() };
    let mut gpu_als = GpuAls::new(gpu.clone(), data, &start, opts).map_err(|e| e.to_string())?;
    let got = gpu_als.objective(cfg).map_err(|e| e.to_string())?;
    let mut cpu = CpuBackend::new(0).map_err(|e| e.to_string())?;
    let want = als::AlsBackend::objective(&mut cpu, data, &start, cfg).map_err(|e| e.to_string())?;
    // Explicit: the same fp64 products, summed in another order, and ‖θ‖² in fp32; implicit also
    // takes the grams from cuBLAS in fp32.
    let tolerance = if cfg.implicit { 1e-5 } else { 1e-6 };
    let err = relative(got, want);
    if err > tolerance || !got.is_finite() {
        return Err(format!(
            "f = {}, {}: GPU objective {got}, CPU {want} (relative error {err:.2e} > {tolerance:.0e})",
            cfg.factors,
            if cfg.implicit { "implicit" } else { "explicit" }
        ));
    }
    Ok(())
}

fn objective_matches_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    for f in SUPPORTED_F {
        for implicit in [false, true] {
            let data = random_rows(rng, 300, 2000, 1500, implicit);
            let mut cfg = config(f, implicit, Solver::Cholesky);
            cfg.lambda = rng.random_range(0.01..1.0);
            objective_against_cpu(gpu, rng, &data, &cfg)?;
            if implicit {
                cfg.confidence = Confidence::Linear;
                objective_against_cpu(gpu, rng, &data, &cfg)?;
            }
        }
    }
    Ok(())
}

/// More entries than one launch has warps times chunk entries, so that every warp takes several
/// chunks.
fn objective_many_chunks_matches_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    use rustmf_kernel_abi::loss;
    let most = loss::partials(loss::launch(usize::MAX, gpu.info.multiprocessors)) / loss::SUMS * loss::CHUNK;
    let users = 2 * most / 2000 + 2;
    let data = random_rows(rng, users, 30_000, 4000, false);
    if data.nnz() <= most {
        return Err(format!("{} entries do not exceed one launch's {most}", data.nnz()));
    }
    objective_against_cpu(gpu, rng, &data, &config(32, false, Solver::Cholesky))
}

fn test_rmse_mae_match_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let (users, items) = (400, 3000);
    let data = random_rows(rng, users, items, 1200, false);
    for f in [32, 100] {
        let start = als::init_factors(users, items, f, rng.random(), 0.5);
        let opts = GpuAlsOptions { solver: GpuSolver::Cholesky, ..GpuAlsOptions::default() };
        let mut gpu_als = GpuAls::new(gpu.clone(), &data, &start, opts).map_err(|e| e.to_string())?;
        if gpu_als.test_rmse_mae().map_err(|e| e.to_string())?.is_some() {
            return Err("test metrics before a test matrix was given".into());
        }
        let test = random_rows(rng, users, items, 700, false);
        gpu_als.set_test(&test.csr).map_err(|e| e.to_string())?;
        let (rmse, mae) = gpu_als.test_rmse_mae().map_err(|e| e.to_string())?.ok_or("no test metrics")?;
        let (want_rmse, want_mae) = rustmf::cpu::metrics::rmse_mae(&start, &test.csr);
        if relative(rmse, want_rmse) > 1e-9 || relative(mae, want_mae) > 1e-9 {
            return Err(format!("f = {f}: GPU RMSE {rmse} MAE {mae}, CPU {want_rmse} {want_mae}"));
        }
        let empty = Interactions::from_entries(users, items, &[], Duplicates::Last).map_err(|e| e.to_string())?;
        gpu_als.set_test(&empty.csr).map_err(|e| e.to_string())?;
        if gpu_als.test_rmse_mae().map_err(|e| e.to_string())? != Some((0.0, 0.0)) {
            return Err("an empty test matrix should give RMSE 0 and MAE 0, as the CPU's".into());
        }
        let wrong = Interactions::from_entries(users + 1, items, &[], Duplicates::Last).map_err(|e| e.to_string())?;
        if gpu_als.set_test(&wrong.csr).is_ok() {
            return Err("a test matrix of another shape was accepted".into());
        }
    }
    Ok(())
}

/// `train` on the GPU logs, every iteration, the objective and test RMSE the CPU computes from the
/// factors it returns (the last iteration's, fetched at the end), half-steps whose phases add up,
/// and a GPU busy fraction in (0, 1].
fn training_logs_match_cpu(_: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let (users, items) = (500, 2500);
    let (data, test) = (random_rows(rng, users, items, 600, false), random_rows(rng, users, items, 200, false));
    for solver in [Solver::Cholesky, Solver::Cg { steps: 3, tol: None }] {
        let cfg = AlsConfig { iterations: 2, compute_objective: true, seed: rng.random(), ..config(64, false, solver) };
        let matrix_free = if matches!(solver, Solver::Cg { .. }) { MatrixFree::Both } else { MatrixFree::Off };
        let backend = Backend::Gpu {
            device: 0,
            options: GpuOptions { hermitian: Hermitian::version(3), matrix_free, ..GpuOptions::default() },
            kernels: rustmf::kernels::PTX,
        };
        let report = train::train(&data, Some(&test), &cfg, backend).map_err(|e| e.to_string())?;
        let last = report.iterations.last().ok_or("no iteration logged")?;
        let factors = report.factors.as_ref().ok_or("no factors returned")?;
        let mut cpu = CpuBackend::new(0).map_err(|e| e.to_string())?;
        let want = als::AlsBackend::objective(&mut cpu, &data, factors, &cfg).map_err(|e| e.to_string())?;
        let got = last.objective.ok_or("no objective logged")?;
        let (want_rmse, _) = rustmf::cpu::metrics::rmse_mae(factors, &test.csr);
        let got_rmse = last.test.as_ref().and_then(|m| m.rmse).ok_or("no test RMSE logged")?;
        if relative(got, want) > 1e-6 || relative(got_rmse, want_rmse) > 1e-9 {
            return Err(format!(
                "{solver:?}: logged objective {got} and RMSE {got_rmse}, \
                 CPU on the returned factors {want} and {want_rmse}"
            ));
        }
        // The phases are timed between consecutive event marks: they add up to the half-step.
        for b in report.iterations.iter().flat_map(|l| [&l.user_breakdown, &l.item_breakdown]) {
            let b = b.as_ref().ok_or("a GPU half-step without its breakdown")?;
            if (b.gram_s + b.hermitian_s + b.solve_s - b.total_s).abs() > 1e-5 || b.total_s <= 0.0 {
                return Err(format!("{solver:?}: phases {b:?} do not add up to the half-step"));
            }
        }
        match report.gpu_busy_fraction() {
            Some(busy) if busy > 0.0 && busy <= 1.0 => {}
            other => return Err(format!("{solver:?}: GPU busy fraction {other:?}, not in (0, 1]")),
        }
    }
    Ok(())
}

/// GPU fold-in against the CPU's for new users of random lengths (one with no items, whose factors
/// are zero: b = 0), explicit and implicit, at two f.
fn fold_in_matches_cpu(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let items = 3000;
    for (f, implicit) in [(64, false), (64, true), (100, false), (100, true)] {
        let item_factors = als::init_factors(1, items, f, rng.random(), 0.5).items;
        let users: Vec<Vec<(u32, f32)>> = (0..17)
            .map(|u| {
                let n = if u == 0 { 0 } else { rng.random_range(1..=600) };
                let value =
                    |rng: &mut StdRng| if implicit { rng.random_range(1..=20) } else { rng.random_range(1..=5) };
                (0..n).map(|_| (rng.random_range(0..items as u32), value(rng) as f32)).collect()
            })
            .collect();
        let cfg = config(f, implicit, Solver::Cholesky);
        let got = rustmf::gpu::als::fold_in(gpu.clone(), &item_factors, &users, &cfg).map_err(|e| format!("{e:#}"))?;
        let want = rustmf::cpu::als::fold_in(&item_factors, &users, &cfg, 0).map_err(|e| format!("{e:#}"))?;
        let (mut diff, mut norm) = (0.0f64, 0.0f64);
        for (g, w) in got.data.iter().zip(&want.data) {
            diff += (*g as f64 - *w as f64).powi(2);
            norm += (*w as f64).powi(2);
        }
        let err = (diff / norm).sqrt();
        if err.is_nan() || err > 1e-4 || got.rows != users.len() || got.data[..f].iter().any(|v| *v != 0.0) {
            return Err(format!(
                "f = {f}, implicit {implicit}: relative error {err:.2e} (≤ 1e-4), {} rows, empty user {:?}",
                got.rows,
                &got.data[..4]
            ));
        }
    }
    Ok(())
}

fn longest_row(m: &rustmf::data::Csr) -> usize {
    m.outer_iterator().map(|r| r.nnz()).max().unwrap_or(0)
}

/// One iteration with `fit` (what streams, rows per batch, slot entries) instead of the plan's;
/// checks that the run streams what `fit` says.
fn streamed_iteration(
    gpu: &Arc<Gpu>,
    data: &Interactions,
    start: &Factors,
    cfg: &AlsConfig,
    opts: GpuAlsOptions,
    fit: Fit,
) -> Result<Factors, String> {
    let mut als = GpuAls::with_fit(gpu.clone(), data, start, opts, fit).map_err(|e| e.to_string())?;
    if als.streamed() != fit.streamed {
        return Err(format!(
            "asked to stream {}, the run streams {}",
            fit.streamed.describe(),
            als.streamed().describe()
        ));
    }
    als.half_step(Side::Users, cfg).map_err(|e| e.to_string())?;
    als.half_step(Side::Items, cfg).map_err(|e| e.to_string())?;
    als.factors().map_err(|e| e.to_string())
}

/// Issue 21: a side's rows streamed batch by batch through two slots give the in-core factors bit
/// for bit — the users', the items' or both sides' rows, in batches of random rows and slots of
/// random size (at least the longest row), explicit and implicit, on data whose long rows v8 and
/// v9 cut into pieces.
fn streamed_matches_in_core(gpu: &Arc<Gpu>, rng: &mut StdRng, hermitian: Hermitian) -> Result<(), String> {
    for (f, implicit, transpose) in [(64, true, false), (100, false, true)] {
        let (data, _) = skinny_data(rng, implicit, transpose);
        let cfg = config(f, implicit, Solver::Cholesky);
        let start = als::init_factors(data.n_users(), data.n_items(), f, rng.random(), 1.0);
        let opts = GpuAlsOptions { hermitian, solver: GpuSolver::Cholesky, ..GpuAlsOptions::default() };
        let in_core = gpu_iteration(gpu, &data, &start, &cfg, opts)?;
        let longest = longest_row(&data.csr).max(longest_row(&data.csc));
        for (users, items) in [(true, false), (false, true), (true, true)] {
            let fit = Fit {
                streamed: Streamed { users, items },
                batch_rows: rng.random_range(3..40),
                slot_entries: longest + rng.random_range(0..=2 * longest),
                bytes: 0,
            };
            let streamed = streamed_iteration(gpu, &data, &start, &cfg, opts, fit)?;
            if streamed != in_core {
                return Err(format!(
                    "{hermitian:?}, f = {f}, {}: {} ({} rows per batch, slots of {} entries) changed the factors",
                    if implicit { "implicit" } else { "explicit" },
                    fit.streamed.describe(),
                    fit.batch_rows,
                    fit.slot_entries
                ));
            }
        }
    }
    Ok(())
}

/// `gpu_memory` too small for the sparse rows: the plan streams both sides; two iterations give
/// the in-core factors bit for bit, and the objective (summed batch by batch over the streamed
/// user rows) agrees to 1e-12.
fn tiny_gpu_memory_streams(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let (f, iterations) = (32, 2);
    let data = random_rows(rng, 3000, 2000, 200, false);
    let shape = TrainShape::of(&data, None);
    let plan = GpuMemoryPlan::new(shape, f, MatrixFree::Off, false, false);
    // Less than either side's rows on top of what stays resident: neither side alone may stream.
    let rows_of = |side: Streamed| plan.resident_bytes() - plan.without_rows_of(side).resident_bytes();
    let (users, items) = (Streamed { users: true, items: false }, Streamed { users: false, items: true });
    let budget = plan.without_rows_of(Streamed { users: true, items: true }).resident_bytes()
        + rows_of(users).min(rows_of(items))
        - 1;
    if budget >= plan.minimum_bytes() {
        return Err(format!("a budget of {budget} B holds the in-core minimum {} B", plan.minimum_bytes()));
    }
    let cfg = config(f, false, Solver::Cholesky);
    let start = als::init_factors(data.n_users(), data.n_items(), f, rng.random(), 1.0);
    let in_core_opts = GpuAlsOptions { solver: GpuSolver::Cholesky, ..GpuAlsOptions::default() };
    let tiny_opts = GpuAlsOptions { gpu_memory: Some(budget), ..in_core_opts };
    let mut in_core = GpuAls::new(gpu.clone(), &data, &start, in_core_opts).map_err(|e| e.to_string())?;
    let mut tiny = GpuAls::new(gpu.clone(), &data, &start, tiny_opts).map_err(|e| e.to_string())?;
    let both = Streamed { users: true, items: true };
    if tiny.streamed() != both || in_core.streamed() != Streamed::NONE {
        return Err(format!(
            "in {budget} B the run is {} (in-core run: {})",
            tiny.streamed().describe(),
            in_core.streamed().describe()
        ));
    }
    for als in [&mut in_core, &mut tiny] {
        for _ in 0..iterations {
            als.half_step(Side::Users, &cfg).map_err(|e| e.to_string())?;
            als.half_step(Side::Items, &cfg).map_err(|e| e.to_string())?;
        }
    }
    let (want, got) = (in_core.factors().map_err(|e| e.to_string())?, tiny.factors().map_err(|e| e.to_string())?);
    if got != want {
        return Err(format!("streamed in {budget} B ({} rows per batch): other factors", tiny.batch_rows()));
    }
    let want = in_core.objective(&cfg).map_err(|e| e.to_string())?;
    let got = tiny.objective(&cfg).map_err(|e| e.to_string())?;
    if relative(got, want) > 1e-12 {
        return Err(format!("objective streamed {got}, in core {want}"));
    }
    Ok(())
}

/// Matrix-free sides and the cuBLAS baseline read whole sides: streaming them is refused with a
/// message; so is a slot smaller than the longest row.
fn streaming_refusals(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let data = random_rows(rng, 300, 200, 60, false);
    let start = als::init_factors(data.n_users(), data.n_items(), 32, rng.random(), 1.0);
    let longest = longest_row(&data.csr).max(longest_row(&data.csc));
    let fit = |users, items, slot_entries| Fit {
        streamed: Streamed { users, items },
        batch_rows: 16,
        slot_entries,
        bytes: 0,
    };
    let cg = GpuSolver::Cg { steps: 3, tol: 0.0 };
    let cases = [
        (
            GpuAlsOptions { solver: cg, matrix_free: MatrixFree::Users, ..GpuAlsOptions::default() },
            fit(true, false, longest),
            "matrix-free",
        ),
        (
            GpuAlsOptions { hermitian: Hermitian::Cublas, ..GpuAlsOptions::default() },
            fit(false, true, longest),
            "cuBLAS",
        ),
        (GpuAlsOptions::default(), fit(true, true, longest - 1), "longest row"),
    ];
    for (opts, fit, says) in cases {
        match GpuAls::with_fit(gpu.clone(), &data, &start, opts, fit) {
            Ok(_) => return Err(format!("{} with {opts:?} was accepted", fit.streamed.describe())),
            Err(e) if !e.to_string().contains(says) => return Err(format!("the refusal does not say {says:?}: {e}")),
            Err(_) => {}
        }
    }
    Ok(())
}

/// Issue 22: 1–4 logical ranks on one GPU, each solving its share of each side's rows and gathering
/// the others', give one rank's factors bit for bit after two iterations — every solver (matrix-free
/// on either or both sides included), v7's row order and v8's pieces, explicit and implicit, on
/// skinny data whose long rows v8 cuts, in random batches.
fn ranks_match_one_rank(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let cg = GpuSolver::Cg { steps: 3, tol: 0.0 };
    let runs = [
        (Hermitian::DEFAULT, GpuSolver::Cholesky, MatrixFree::Off),
        (Hermitian::version(7), GpuSolver::Cholesky, MatrixFree::Off),
        (Hermitian::DEFAULT, GpuSolver::Lu, MatrixFree::Off),
        (Hermitian::DEFAULT, GpuSolver::CublasLu, MatrixFree::Off),
        (Hermitian::DEFAULT, cg, MatrixFree::Off),
        (Hermitian::DEFAULT, GpuSolver::CgHalf { steps: 3, tol: 0.0 }, MatrixFree::Off),
        (Hermitian::DEFAULT, cg, MatrixFree::Both),
        (Hermitian::DEFAULT, cg, MatrixFree::Users),
        (Hermitian::DEFAULT, cg, MatrixFree::Items),
    ];
    for (f, implicit, transpose) in [(64, true, false), (100, false, true)] {
        let (data, few) = skinny_data(rng, implicit, transpose);
        let cfg = config(f, implicit, Solver::Cholesky);
        let start = als::init_factors(data.n_users(), data.n_items(), f, rng.random(), 1.0);
        for (hermitian, solver, matrix_free) in runs {
            let batch_rows = Some(rng.random_range(5..few + 5));
            let opts = GpuAlsOptions { hermitian, solver, matrix_free, batch_rows, ..GpuAlsOptions::default() };
            let what = format!(
                "{hermitian:?}, {}, matrix-free {matrix_free:?}, f = {f}, {batch_rows:?} rows per batch",
                solver.name()
            );
            let mut one = GpuAls::new(gpu.clone(), &data, &start, opts).map_err(|e| format!("{what}: {e}"))?;
            for _ in 0..2 {
                for side in [Side::Users, Side::Items] {
                    one.half_step(side, &cfg).map_err(|e| format!("{what}: {e}"))?;
                }
            }
            let want = one.factors().map_err(|e| e.to_string())?;
            for ranks in 1..=4 {
                let mut many = DataParallelAls::on_one_gpu(gpu.clone(), &data, &start, opts, ranks)
                    .map_err(|e| format!("{what}, {ranks} ranks: {e}"))?;
                for _ in 0..2 {
                    for side in [Side::Users, Side::Items] {
                        many.half_step(side, &cfg).map_err(|e| format!("{what}, {ranks} ranks: {e}"))?;
                    }
                }
                if many.factors().map_err(|e| e.to_string())? != want {
                    return Err(format!("{what}: {ranks} ranks (shares {:?}) changed the factors", many.shares()));
                }
            }
        }
    }
    Ok(())
}
