//! ALS half-steps on the CPU: one independent f×f solve per row, parallel over rows.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::solve::{cg_dense_g, cholesky_g, cholesky_solve_g, lu_g, lu_solve_g, mirror_upper};
use crate::cpu::kernels::{dot64, madd64, Packed};
use crate::cpu::{isa, Isa};
use crate::data::Csr;
use crate::model::{AlsConfig, Confidence, Matrix, Solver};

/// Rows of `YᵀY` accumulated by one task; partial sums are added in chunk order, so the result
/// does not depend on the number of threads.
pub const GRAM_CHUNK_ROWS: usize = 4096;

/// CG copies a row's fixed factors (those of its entries with a nonzero weight) into per-thread
/// scratch once per solve when they are at most this many values (4M: 16 MB per thread), so that
/// its 1 + steps products A·v read them contiguously instead of gathering each one from wherever
/// it lives every time — from DRAM when the fixed factors are larger than the caches. The
/// arithmetic and its order are the same either way; longer rows are read in place.
pub const CG_GATHER_LIMIT: usize = 1 << 22;

/// Read-only inputs shared by all rows of a half-step.
pub(crate) struct RowCtx<'a> {
    pub f: usize,
    pub m: &'a Csr,
    pub fixed: &'a [f32],
    pub implicit: bool,
    pub alpha: f32,
    pub confidence: Confidence,
    pub lambda: f64,
    pub solver: Solver,
    /// Full (both triangles) `YᵀY`, implicit only.
    pub yty: Option<&'a [f64]>,
    /// See [`CG_GATHER_LIMIT`].
    pub gather_limit: usize,
}

/// The fixed factors of a row's entries as CG's products read them: in place by index, or
/// gathered into scratch (entries of weight 0 left out), with each entry's weight.
#[derive(Clone, Copy)]
enum RowFactors<'a> {
    Indexed { idx: &'a [u32], w: &'a [f32] },
    Gathered { y: &'a [f32], w: &'a [f32] },
}

/// Per-thread scratch.
pub(crate) struct Scratch {
    packed: Packed,
    a: Vec<f64>,
    b: Vec<f64>,
    inv_diag: Vec<f64>,
    // CG
    r: Vec<f64>,
    p: Vec<f64>,
    ap: Vec<f64>,
    w: Vec<f32>,
    gathered: Vec<f32>,
    gathered_w: Vec<f32>,
}

impl Scratch {
    pub fn new(f: usize) -> Self {
        Scratch {
            packed: Packed::new(f),
            a: vec![0.0; f * f],
            b: vec![0.0; f],
            inv_diag: vec![0.0; f],
            r: vec![0.0; f],
            p: vec![0.0; f],
            ap: vec![0.0; f],
            w: Vec::new(),
            gathered: Vec::new(),
            gathered_w: Vec::new(),
        }
    }
}

/// Solve row `t` into `x`. Returns false if the system could not be solved.
#[inline(always)]
fn row_solve<const FMA: bool>(ctx: &RowCtx, s: &mut Scratch, t: usize, x: &mut [f32]) -> bool {
    let f = ctx.f;
    let range = ctx.m.indptr().outer_inds_sz(t);
    let idx = &ctx.m.indices()[range.clone()];
    let val = &ctx.m.data()[range];
    let n = idx.len();
    if !ctx.implicit && n == 0 {
        x.fill(0.0);
        return true;
    }
    if let Solver::Cg { steps, tol } = ctx.solver {
        return row_cg::<FMA>(ctx, s, idx, val, x, steps, tol);
    }
    let (a, b) = (&mut s.a, &mut s.b);
    if let Some(yty) = ctx.yty {
        a.copy_from_slice(yty);
        for i in 0..f {
            a[i * f + i] += ctx.lambda;
        }
    } else {
        a.fill(0.0);
        let d = ctx.lambda * n as f64;
        for i in 0..f {
            a[i * f + i] = d;
        }
    }
    b.fill(0.0);
    let packed = &mut s.packed;
    packed.clear();
    for (&j, &r) in idx.iter().zip(val) {
        let y = &ctx.fixed[j as usize * f..j as usize * f + f];
        let (w, bc) = if ctx.implicit {
            if r <= 0.0 {
                continue;
            }
            let w = ctx.confidence.weight(ctx.alpha, r);
            (w, 1.0 + w)
        } else {
            (1.0, r)
        };
        let bc = bc as f64;
        for (bi, yi) in b.iter_mut().zip(y) {
            *bi += bc * *yi as f64;
        }
        if w != 0.0 {
            packed.push(y, w);
            if packed.is_full() {
                packed.gram_into::<FMA>(a);
                packed.clear();
            }
        }
    }
    packed.gram_into::<FMA>(a);
    packed.clear();
    let ok = match ctx.solver {
        Solver::Lu => {
            mirror_upper(a, f);
            if lu_g::<FMA>(a, f) {
                lu_solve_g::<FMA>(a, f, b);
                true
            } else {
                false
            }
        }
        _ => {
            if cholesky_g::<FMA>(a, f, &mut s.inv_diag) {
                cholesky_solve_g::<FMA>(a, f, &s.inv_diag, b);
                true
            } else {
                false
            }
        }
    };
    if !ok || b.iter().any(|v| !v.is_finite()) {
        return false;
    }
    for (xi, bi) in x.iter_mut().zip(b.iter()) {
        *xi = *bi as f32;
    }
    true
}

/// `out = A v` without forming `A`: the sparse part `Σ w_k (y_kᵀv) y_k` (fp32 factors, fp64
/// products and sums), the dense part (`YᵀY v` for implicit) and the regularisation.
#[inline(always)]
fn apply_a<const FMA: bool>(ctx: &RowCtx, rows: RowFactors, v: &[f64], out: &mut [f64], diag: f64) {
    let f = ctx.f;
    match ctx.yty {
        Some(g) => {
            for i in 0..f {
                out[i] = dot64::<FMA>(&g[i * f..i * f + f], v) + diag * v[i];
            }
        }
        None => {
            for i in 0..f {
                out[i] = diag * v[i];
            }
        }
    }
    let mut add = |wk: f32, y: &[f32]| {
        let t = wk as f64 * dot_mixed_g::<FMA>(y, v);
        for (o, yi) in out.iter_mut().zip(y) {
            *o = madd64::<FMA>(t, *yi as f64, *o);
        }
    };
    match rows {
        RowFactors::Indexed { idx, w } => {
            for (&j, &wk) in idx.iter().zip(w).filter(|(_, &wk)| wk != 0.0) {
                add(wk, &ctx.fixed[j as usize * f..j as usize * f + f]);
            }
        }
        RowFactors::Gathered { y, w } => y.chunks_exact(f).zip(w).for_each(|(y, &wk)| add(wk, y)),
    }
}

/// `Σ y_i v_i` for fp32 `y` and fp64 `v`, 8 accumulators.
#[inline(always)]
fn dot_mixed_g<const FMA: bool>(y: &[f32], v: &[f64]) -> f64 {
    let n = y.len().min(v.len());
    let (y, v) = (&y[..n], &v[..n]);
    let mut acc = [0f64; 8];
    let (cy, cv) = (y.chunks_exact(8), v.chunks_exact(8));
    let (ry, rv) = (cy.remainder(), cv.remainder());
    for (a, b) in cy.zip(cv) {
        for l in 0..8 {
            acc[l] = madd64::<FMA>(a[l] as f64, b[l], acc[l]);
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (a, b) in ry.iter().zip(rv) {
        s = madd64::<FMA>(*a as f64, *b, s);
    }
    s
}

/// Matrix-free CG for one row, warm-started from `x`.
#[inline(always)]
fn row_cg<const FMA: bool>(
    ctx: &RowCtx,
    s: &mut Scratch,
    idx: &[u32],
    val: &[f32],
    x: &mut [f32],
    steps: usize,
    tol: Option<f64>,
) -> bool {
    let f = ctx.f;
    // weights and right-hand side
    s.w.clear();
    s.b.fill(0.0);
    for (&j, &r) in idx.iter().zip(val) {
        let y = &ctx.fixed[j as usize * f..j as usize * f + f];
        let (w, bc) = if ctx.implicit {
            if r <= 0.0 {
                (0.0, 0.0)
            } else {
                let w = ctx.confidence.weight(ctx.alpha, r);
                (w, 1.0 + w)
            }
        } else {
            (1.0, r)
        };
        s.w.push(w);
        if bc != 0.0 {
            let bc = bc as f64;
            for (bi, yi) in s.b.iter_mut().zip(y) {
                *bi += bc * *yi as f64;
            }
        }
    }
    let diag = if ctx.implicit { ctx.lambda } else { ctx.lambda * idx.len() as f64 };
    let rows = if idx.len() * f <= ctx.gather_limit {
        s.gathered.clear();
        s.gathered_w.clear();
        for (&j, &wk) in idx.iter().zip(&s.w).filter(|(_, &wk)| wk != 0.0) {
            s.gathered.extend_from_slice(&ctx.fixed[j as usize * f..j as usize * f + f]);
            s.gathered_w.push(wk);
        }
        RowFactors::Gathered { y: &s.gathered, w: &s.gathered_w }
    } else {
        RowFactors::Indexed { idx, w: &s.w }
    };
    // x in fp64 lives in s.a[..f] (unused by CG otherwise)
    let (xs, _) = s.a.split_at_mut(f);
    for (d, v) in xs.iter_mut().zip(x.iter()) {
        *d = *v as f64;
    }
    apply_a::<FMA>(ctx, rows, xs, &mut s.ap, diag);
    for i in 0..f {
        s.r[i] = s.b[i] - s.ap[i];
    }
    s.p.copy_from_slice(&s.r);
    let mut rs = dot64::<FMA>(&s.r, &s.r);
    let stop = tol.map(|t| t * t * dot64::<FMA>(&s.b, &s.b)).unwrap_or(0.0).max(1e-300);
    for _ in 0..steps {
        if rs <= stop {
            break;
        }
        apply_a::<FMA>(ctx, rows, &s.p, &mut s.ap, diag);
        let pap = dot64::<FMA>(&s.p, &s.ap);
        if pap <= 0.0 || !pap.is_finite() {
            break;
        }
        let alpha = rs / pap;
        for ((xi, ri), (pi, api)) in xs.iter_mut().zip(s.r.iter_mut()).zip(s.p.iter().zip(&s.ap)) {
            *xi += alpha * pi;
            *ri -= alpha * api;
        }
        let rs_new = dot64::<FMA>(&s.r, &s.r);
        let beta = rs_new / rs;
        for i in 0..f {
            s.p[i] = s.r[i] + beta * s.p[i];
        }
        rs = rs_new;
    }
    if xs.iter().any(|v| !v.is_finite()) {
        return false;
    }
    for (d, v) in x.iter_mut().zip(xs.iter()) {
        *d = *v as f32;
    }
    true
}

/// Upper triangle of `Σ_{r in rows} y_r y_rᵀ` (fp64 f×f).
#[inline(always)]
fn gram_rows<const FMA: bool>(y: &[f32], f: usize, rows: std::ops::Range<usize>, out: &mut [f64]) {
    let mut packed = Packed::new(f);
    out.fill(0.0);
    for r in rows {
        packed.push(&y[r * f..r * f + f], 1.0);
        if packed.is_full() {
            packed.gram_into::<FMA>(out);
            packed.clear();
        }
    }
    packed.gram_into::<FMA>(out);
}

/// Objective terms of one row of the training matrix (user `u` = row of csr).
#[inline(always)]
fn objective_row<const FMA: bool>(
    x: &[f32],
    items: &Matrix,
    idx: &[u32],
    val: &[f32],
    cfg: &AlsConfig,
    yty: Option<&[f64]>,
    xs: &mut Vec<f64>,
) -> f64 {
    let f = x.len();
    let mut loss = 0.0f64;
    if let Some(g) = yty {
        // Σ_i (x·y_i)² over all items = xᵀ (YᵀY) x
        xs.clear();
        xs.extend(x.iter().map(|v| *v as f64));
        for i in 0..f {
            loss += xs[i] * dot64::<FMA>(&g[i * f..i * f + f], xs);
        }
    }
    for (&j, &r) in idx.iter().zip(val) {
        let y = items.row(j as usize);
        let s = dot_mixed(x, y);
        if cfg.implicit {
            if r > 0.0 {
                let c = 1.0 + cfg.confidence.weight(cfg.alpha, r) as f64;
                loss += c * (1.0 - s) * (1.0 - s) - s * s;
            }
        } else {
            let e = r as f64 - s;
            loss += e * e;
        }
    }
    loss
}

/// `Σ x_i y_i` with fp64 products and a fixed order.
#[inline(always)]
pub(crate) fn dot_mixed(x: &[f32], y: &[f32]) -> f64 {
    let mut acc = [0f64; 4];
    let (cx, cy) = (x.chunks_exact(4), y.chunks_exact(4));
    let (rx, ry) = (cx.remainder(), cy.remainder());
    for (a, b) in cx.zip(cy) {
        for l in 0..4 {
            acc[l] += a[l] as f64 * b[l] as f64;
        }
    }
    let mut s = (acc[0] + acc[2]) + (acc[1] + acc[3]);
    for (a, b) in rx.iter().zip(ry) {
        s += *a as f64 * *b as f64;
    }
    s
}

macro_rules! multiversion {
    ($(fn $name:ident $(<$lt:lifetime>)? ($($arg:ident : $ty:ty),*) -> $ret:ty => $generic:ident;)*) => {
        $(
            #[allow(clippy::too_many_arguments)]
            fn $name $(<$lt>)? (isa: Isa, $($arg: $ty),*) -> $ret {
                #[cfg(target_arch = "x86_64")]
                {
                    #[target_feature(enable = "avx2,fma")]
                    fn avx2 $(<$lt>)? ($($arg: $ty),*) -> $ret {
                        $generic::<true>($($arg),*)
                    }
                    if isa == Isa::Avx2Fma {
                        // SAFETY: Isa::Avx2Fma is only selected when the CPU reports avx2 and fma.
                        return unsafe { avx2($($arg),*) };
                    }
                }
                let _ = isa;
                $generic::<false>($($arg),*)
            }
        )*
    };
}

multiversion! {
    fn row_solve_dispatch<'a>(ctx: &RowCtx<'a>, s: &mut Scratch, t: usize, x: &mut [f32]) -> bool => row_solve;
    fn gram_rows_dispatch(y: &[f32], f: usize, rows: std::ops::Range<usize>, out: &mut [f64]) -> () => gram_rows;
    fn objective_row_dispatch<'a>(
        x: &[f32], items: &Matrix, idx: &[u32], val: &[f32], cfg: &AlsConfig, yty: Option<&'a [f64]>, xs: &mut Vec<f64>
    ) -> f64 => objective_row;
    fn cholesky_dispatch(a: &mut [f64], f: usize, inv_diag: &mut [f64]) -> bool => cholesky_g;
    fn cg_dense_dispatch(
        a: &[f64], f: usize, b: &[f64], x: &mut [f64], steps: usize, tol: Option<f64>
    ) -> usize => cg_dense_g;
}

/// `YᵀY` (full, both triangles, fp64) of a rows × f matrix, in a thread-count-independent order.
pub(crate) fn gram(isa: Isa, y: &Matrix) -> Vec<f64> {
    let f = y.cols;
    let chunks: Vec<std::ops::Range<usize>> =
        (0..y.rows).step_by(GRAM_CHUNK_ROWS).map(|s| s..(s + GRAM_CHUNK_ROWS).min(y.rows)).collect();
    let partials: Vec<Vec<f64>> = chunks
        .into_par_iter()
        .map(|rows| {
            let mut out = vec![0.0; f * f];
            gram_rows_dispatch(isa, &y.data, f, rows, &mut out);
            out
        })
        .collect();
    let mut g = vec![0.0; f * f];
    for p in &partials {
        for (a, b) in g.iter_mut().zip(p) {
            *a += *b;
        }
    }
    mirror_upper(&mut g, f);
    g
}

/// Solve every row of `target` (see [`crate::model::AlsBackend::half_step`]). Runs on the current
/// rayon pool. Returns the first row that failed, if any.
pub(crate) fn half_step(isa: Isa, m: &Csr, fixed: &Matrix, target: &mut Matrix, cfg: &AlsConfig) -> Option<usize> {
    half_step_gathering(isa, m, fixed, target, cfg, CG_GATHER_LIMIT)
}

/// [`half_step`] with CG gathering rows of at most `gather_limit` factor values.
fn half_step_gathering(
    isa: Isa,
    m: &Csr,
    fixed: &Matrix,
    target: &mut Matrix,
    cfg: &AlsConfig,
    gather_limit: usize,
) -> Option<usize> {
    let f = cfg.factors;
    let yty = cfg.implicit.then(|| gram(isa, fixed));
    let ctx = RowCtx {
        f,
        m,
        fixed: &fixed.data,
        implicit: cfg.implicit,
        alpha: cfg.alpha,
        confidence: cfg.confidence,
        lambda: cfg.lambda as f64,
        solver: cfg.solver,
        yty: yty.as_deref(),
        gather_limit,
    };
    let failed = AtomicUsize::new(usize::MAX);
    target.data.par_chunks_mut(f).enumerate().with_min_len(4).for_each_init(
        || Scratch::new(f),
        |s, (t, x)| {
            if !row_solve_dispatch(isa, &ctx, s, t, x) {
                failed.fetch_min(t, Ordering::Relaxed);
            }
        },
    );
    let first = failed.load(Ordering::Relaxed);
    (first != usize::MAX).then_some(first)
}

/// The training objective (see [`crate::model`]): per-row terms summed in row order.
pub(crate) fn objective(isa: Isa, csr: &Csr, csc: &Csr, users: &Matrix, items: &Matrix, cfg: &AlsConfig) -> f64 {
    let lam = cfg.lambda as f64;
    let yty = cfg.implicit.then(|| gram(isa, items));
    let user_terms: Vec<f64> = (0..users.rows)
        .into_par_iter()
        .with_min_len(64)
        .map_init(Vec::new, |xs, u| {
            let range = csr.indptr().outer_inds_sz(u);
            let idx = &csr.indices()[range.clone()];
            let val = &csr.data()[range];
            let x = users.row(u);
            let reg_w = if cfg.implicit { 1.0 } else { idx.len() as f64 };
            objective_row_dispatch(isa, x, items, idx, val, cfg, yty.as_deref(), xs) + lam * reg_w * dot_mixed(x, x)
        })
        .collect();
    let item_terms: Vec<f64> = (0..items.rows)
        .into_par_iter()
        .with_min_len(64)
        .map(|i| {
            let y = items.row(i);
            let reg_w = if cfg.implicit { 1.0 } else { csc.indptr().outer_inds_sz(i).len() as f64 };
            lam * reg_w * dot_mixed(y, y)
        })
        .collect();
    user_terms.iter().sum::<f64>() + item_terms.iter().sum::<f64>()
}

/// [`super::solve::cholesky_in_place`] with the dispatched (FMA where available) kernels.
pub fn cholesky_fast(a: &mut [f64], f: usize, inv_diag: &mut [f64]) -> bool {
    cholesky_dispatch(isa(), a, f, inv_diag)
}

/// CG on a formed SPD matrix with the dispatched (FMA where available) kernels.
pub fn cg_dense_fast(a: &[f64], f: usize, b: &[f64], x: &mut [f64], steps: usize, tol: Option<f64>) -> usize {
    cg_dense_dispatch(isa(), a, f, b, x, steps, tol)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The packed fp32 hermitian kernel agrees with a naive fp64 sum, for widths that are and
    /// are not multiples of the register block, and for more than one KC block.
    #[test]
    fn gram_matches_naive() {
        for f in [1, 3, 4, 8, 15, 16, 17, 33, 64, 100] {
            for n in [1, 5, 300, 600] {
                let y = crate::model::init_factors(n, 1, f, f as u64 + n as u64, 1.0).users;
                for isa in [Isa::Base, crate::cpu::isa()] {
                    let mut out = vec![0.0; f * f];
                    gram_rows_dispatch(isa, &y.data, f, 0..n, &mut out);
                    for i in 0..f {
                        for j in i..f {
                            let want: f64 = (0..n).map(|r| y.row(r)[i] as f64 * y.row(r)[j] as f64).sum();
                            let got = out[i * f + j];
                            assert!(
                                (got - want).abs() <= 1e-5 * (1.0 + want.abs()),
                                "f={f} n={n} ({i},{j}) {got} {want}"
                            );
                        }
                        for j in 0..i {
                            assert_eq!(out[i * f + j], 0.0, "lower triangle must stay untouched");
                        }
                    }
                }
            }
        }
    }

    /// CG reading the fixed factors gathered or in place gives the same factors, bit for bit:
    /// explicit and implicit (with zero counts, whose weight 0 leaves them out of A), every ISA.
    #[test]
    fn cg_gathered_rows_change_no_bit() {
        use crate::data::{Duplicates, Interactions};
        let (users, items, f) = (60, 500, 24);
        let mut entries = Vec::new();
        for u in 0..users as u32 {
            for k in 0..(5 + 7 * u as usize % 90) {
                entries.push((u, ((k * 37 + u as usize * 11) % items) as u32, (k % 4) as f32));
            }
        }
        let data = Interactions::from_entries(users, items, &entries, Duplicates::Last).unwrap();
        let fixed = crate::model::init_factors(items, 1, f, 5, 1.0).users;
        for implicit in [false, true] {
            let cfg =
                AlsConfig { factors: f, implicit, solver: Solver::Cg { steps: 3, tol: None }, ..AlsConfig::default() };
            for isa in [Isa::Base, crate::cpu::isa()] {
                let start = crate::model::init_factors(users, 1, f, 9, 1.0).users;
                let (mut gathered, mut in_place) = (start.clone(), start);
                assert_eq!(half_step_gathering(isa, &data.csr, &fixed, &mut gathered, &cfg, usize::MAX), None);
                assert_eq!(half_step_gathering(isa, &data.csr, &fixed, &mut in_place, &cfg, 0), None);
                assert_eq!(gathered.data, in_place.data, "implicit {implicit}, {isa:?}");
            }
        }
    }
}
