//! Fold-in (`cpu::als::fold_in`) is one row of the full user half-step: for users of the training
//! data it gives what the CPU half-step gives, to 1e-5, explicit and implicit.

mod cpu_common;

use cpu_common::*;
use rustmf::cpu::als::{fold_in, UserRow};
use rustmf::cpu::CpuBackend;
use rustmf::model::{AlsBackend, AlsConfig, Confidence, Side, Solver};
use rustmf::train::{self, Backend};

fn row(x: &rustmf::data::Interactions, u: usize) -> UserRow {
    let range = x.csr.indptr().outer_inds_sz(u);
    x.csr.indices()[range.clone()].iter().copied().zip(x.csr.data()[range].iter().copied()).collect()
}

fn check(implicit: bool, data: rustmf::data::Interactions) {
    let cfg = AlsConfig {
        factors: 12,
        iterations: 3,
        implicit,
        lambda: if implicit { 0.1 } else { 0.05 },
        alpha: 2.0,
        confidence: if implicit { Confidence::Log { eps: 0.5 } } else { Confidence::Linear },
        solver: Solver::Cholesky,
        compute_objective: false,
        ..AlsConfig::default()
    };
    let report = train::train(&data, None, &cfg, Backend::Cpu { threads: 2 }).unwrap();
    let mut factors = report.factors.unwrap();
    let users: Vec<usize> = (0..data.n_users()).step_by(3).collect();
    let rows: Vec<UserRow> = users.iter().map(|&u| row(&data, u)).collect();
    let folded = fold_in(&factors.items, &rows, &cfg, 1).unwrap();
    CpuBackend::new(2).unwrap().half_step(Side::Users, &data, &mut factors, &cfg).unwrap();
    let mut worst = 0.0f32;
    for (r, &u) in users.iter().enumerate() {
        for (a, b) in folded.row(r).iter().zip(factors.users.row(u)) {
            worst = worst.max((a - b).abs());
        }
    }
    assert!(worst <= 1e-5, "implicit = {implicit}: fold-in differs from the half-step by {worst}");
    assert!(factors.users.data.iter().any(|v| v.abs() > 1e-3), "a trivial model proves nothing");
}

#[test]
fn fold_in_matches_the_explicit_half_step() {
    check(false, planted_explicit(60, 40, 4, 0.3, 0.1, 0.0, 3).0);
}

#[test]
fn fold_in_matches_the_implicit_half_step() {
    check(true, planted_implicit(60, 50, 4, 8, 0.8, 0, 5).0);
}

#[test]
fn fold_in_under_a_cg_model_still_solves_exactly() {
    let data = planted_explicit(30, 20, 3, 0.4, 0.1, 0.0, 9).0;
    let cfg = AlsConfig { factors: 6, implicit: false, lambda: 0.05, ..AlsConfig::default() };
    let items = train::train(&data, None, &cfg, Backend::Cpu { threads: 1 }).unwrap().factors.unwrap().items;
    let rows = vec![row(&data, 0)];
    let exact = fold_in(&items, &rows, &cfg, 1).unwrap();
    let cg = AlsConfig { solver: Solver::Cg { steps: 1, tol: None }, ..cfg };
    assert_eq!(fold_in(&items, &rows, &cg, 1).unwrap(), exact);
    let e = fold_in(&items, &[vec![(20, 1.0)]], &cfg, 1).unwrap_err().to_string();
    assert!(e.contains("item index 20"), "{e}");
}
