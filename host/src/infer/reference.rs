//! The reference every scorer is checked against, and the checks.
//!
//! * [`reference_scores`]: each item's score as one sequential fp32 fused multiply-add chain,
//!   `acc = q[j].mul_add(y[j], acc)` for j = 0..f from `acc = 0.0`. A backend that sums in this
//!   order (the fused GPU kernel) must match it bit for bit.
//! * [`reference_top_k`]: the ranking rule of the module (score descending, ties by the lower item
//!   index, NaN as −∞) applied to one row of scores.
//! * [`compare_top_k`]: for backends that sum in another order (BLAS tiles): a slot may hold a
//!   different item than the reference only where the two items' reference scores are within the
//!   stated [`Tolerance`] of each other (a near-tie, e.g. around the k-th best); anything else is
//!   reported as the first real mismatch.
//! * [`recall_at_k`]: the share of the exact top-k an approximate top-k (TF32) found.

use anyhow::{ensure, Result};
use rayon::prelude::*;
use serde::Serialize;

use super::select::{canonical, rank_cmp};
use super::{validate_request, Exclusions, TopK, NO_ITEM};
use crate::model::Matrix;

/// One item's reference score: the sequential fp32 FMA chain over j = 0..f.
#[inline(always)]
fn fma_chain(q: &[f32], y: &[f32]) -> f32 {
    q.iter().zip(y).fold(0.0f32, |acc, (a, b)| a.mul_add(*b, acc))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn scores_fma(q: &[f32], items: &Matrix, out: &mut [f32]) {
    for (s, y) in out.iter_mut().zip(items.data.chunks_exact(items.cols)) {
        *s = fma_chain(q, y);
    }
}

/// The reference scores of query `q` against every item (`items`: n_items × f, row-major).
/// `mul_add` rounds once whether or not the CPU has an FMA unit; with one, it is used.
pub fn reference_scores(q: &[f32], items: &Matrix) -> Vec<f32> {
    assert_eq!(q.len(), items.cols, "query length {} ≠ f = {}", q.len(), items.cols);
    let mut out = vec![0f32; items.rows];
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports FMA (checked just above).
        unsafe { scores_fma(q, items, &mut out) };
        return out;
    }
    for (s, y) in out.iter_mut().zip(items.data.chunks_exact(items.cols)) {
        *s = fma_chain(q, y);
    }
    out
}

/// The best min(k, candidates) (item, score) pairs of one row of scores, best first, skipping the
/// sorted list `excluded`. Scores are reported canonically (NaN as −∞, −0 as +0).
pub fn reference_top_k(scores: &[f32], excluded: &[u32], k: usize) -> Vec<(u32, f32)> {
    let mut cand: Vec<(f32, u32)> = Vec::with_capacity(scores.len());
    let mut ex = excluded.iter().peekable();
    for (i, &s) in scores.iter().enumerate() {
        while ex.next_if(|&&e| (e as usize) < i).is_some() {}
        if ex.next_if(|&&e| e as usize == i).is_none() {
            cand.push((canonical(s), i as u32));
        }
    }
    if k == 0 {
        return Vec::new();
    }
    if cand.len() > k {
        cand.select_nth_unstable_by(k - 1, rank_cmp);
        cand.truncate(k);
    }
    cand.sort_unstable_by(rank_cmp);
    cand.into_iter().map(|(s, i)| (i, s)).collect()
}

/// The reference [`TopK`] of a whole batch (rows in parallel on the current rayon pool).
pub fn reference_top_k_batch(queries: &[f32], items: &Matrix, exclude: Option<&Exclusions>, k: usize) -> Result<TopK> {
    let f = items.cols;
    let b = validate_request(queries, f, items.rows, exclude, k)?;
    let rows: Vec<Vec<(u32, f32)>> = (0..b)
        .into_par_iter()
        .map(|r| {
            let scores = reference_scores(&queries[r * f..(r + 1) * f], items);
            reference_top_k(&scores, exclude.map_or(&[][..], |e| e.row(r)), k)
        })
        .collect();
    let mut out = TopK::empty(b, k);
    rows.iter().enumerate().for_each(|(r, ranked)| out.set_row(r, ranked));
    Ok(out)
}

/// When two reference scores count as a near-tie (and how far a reported score may be from the
/// reference score of its item).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Tolerance {
    /// Within this absolute distance.
    Absolute(f32),
    /// Within this multiple of the fp32 rounding-error bound of a length-f dot product,
    /// `γ_f Σ_j |q_j y_j|` with `γ_f = f·u/(1 − f·u)`, `u = 2⁻²⁴`: for a reported score, the bound
    /// of its item; for a near-tie, the sum of the two items' bounds. Any summation order stays
    /// within 1× of the exact value, so 2× covers a backend's order against the reference's.
    RoundingBound(f32),
}

/// The first slot where a scorer's top-k is not explained by near-ties.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    pub row: usize,
    pub slot: usize,
    pub got_item: u32,
    pub got_score: f32,
    pub want_item: u32,
    pub want_score: f32,
    pub why: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "row {} slot {}: got item {} (score {}), reference item {} (score {}): {}",
            self.row, self.slot, self.got_item, self.got_score, self.want_item, self.want_score, self.why
        )
    }
}

/// What [`compare_top_k`] found over the checked rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    pub rows_checked: usize,
    /// Rows whose items equal the reference's slot for slot.
    pub identical_rows: usize,
    /// Slots holding another item than the reference, accepted as near-ties.
    pub near_tie_slots: usize,
    /// The largest |reported score − reference score| of the same item.
    pub max_score_error: f32,
    pub tolerance: Tolerance,
    pub mismatch: Option<Mismatch>,
}

impl Agreement {
    pub fn is_ok(&self) -> bool {
        self.mismatch.is_none()
    }
}

impl std::fmt::Display for Agreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{} rows identical, {} near-tie slots, max score error {:.3e}",
            self.identical_rows, self.rows_checked, self.near_tie_slots, self.max_score_error
        )?;
        match &self.mismatch {
            Some(m) => write!(f, "; MISMATCH {m}"),
            None => write!(f, "; agrees"),
        }
    }
}

/// Check rows `rows` of `got` (the answer to `queries`, `exclude`, `got.k`) against the reference,
/// allowing near-ties within `tol`. Errors only on inputs that do not fit together.
pub fn compare_top_k(
    got: &TopK,
    queries: &[f32],
    items: &Matrix,
    exclude: Option<&Exclusions>,
    rows: &[usize],
    tol: Tolerance,
) -> Result<Agreement> {
    let f = items.cols;
    let b = validate_request(queries, f, items.rows, exclude, got.k)?;
    ensure!(got.rows() == b, "the top-k has {} rows, the batch {b}", got.rows());
    ensure!(
        got.items.len() == b * got.k && got.scores.len() == b * got.k,
        "the top-k arrays do not hold {b}×{} slots",
        got.k
    );
    if let Some(&r) = rows.iter().find(|&&r| r >= b) {
        anyhow::bail!("row {r} to check is out of range ({b} rows)");
    }
    let per_row: Vec<RowCheck> = rows
        .par_iter()
        .map(|&r| {
            let q = &queries[r * f..(r + 1) * f];
            let excluded = exclude.map_or(&[][..], |e| e.row(r));
            check_row(got, r, q, items, excluded, tol)
        })
        .collect();
    Ok(Agreement {
        rows_checked: rows.len(),
        identical_rows: per_row.iter().filter(|c| c.identical).count(),
        near_tie_slots: per_row.iter().map(|c| c.near_ties).sum(),
        max_score_error: per_row.iter().map(|c| c.max_score_error).fold(0.0, f32::max),
        tolerance: tol,
        mismatch: per_row.into_iter().find_map(|c| c.mismatch),
    })
}

struct RowCheck {
    identical: bool,
    near_ties: usize,
    max_score_error: f32,
    mismatch: Option<Mismatch>,
}

fn check_row(got: &TopK, r: usize, q: &[f32], items: &Matrix, excluded: &[u32], tol: Tolerance) -> RowCheck {
    let scores = reference_scores(q, items);
    let want = reference_top_k(&scores, excluded, got.k);
    let item_tol = |a: u32| match tol {
        Tolerance::Absolute(t) => t,
        Tolerance::RoundingBound(m) => m * rounding_bound(q, items.row(a as usize)),
    };
    let pair_tol = |a: u32, b: u32| match tol {
        Tolerance::Absolute(t) => t,
        Tolerance::RoundingBound(_) => item_tol(a) + item_tol(b),
    };
    let mut check = RowCheck { identical: true, near_ties: 0, max_score_error: 0.0, mismatch: None };
    let slot = |j: usize| (got.items[r * got.k + j], got.scores[r * got.k + j]);
    let fail = |j: usize, why: String| {
        let (gi, gs) = slot(j);
        let (wi, ws) = want.get(j).copied().unwrap_or((NO_ITEM, f32::NEG_INFINITY));
        Some(Mismatch { row: r, slot: j, got_item: gi, got_score: gs, want_item: wi, want_score: ws, why })
    };
    let count = got.counts[r] as usize;
    if count != want.len() {
        check.mismatch = fail(count.min(want.len()), format!("{count} items returned, {} expected", want.len()));
        return check;
    }
    let mut seen = std::collections::HashSet::with_capacity(count);
    for (j, &(wi, ws)) in want.iter().enumerate() {
        let (gi, gs) = slot(j);
        if gi as usize >= items.rows {
            check.mismatch = fail(j, format!("item {gi} is out of range"));
            return check;
        }
        if excluded.binary_search(&gi).is_ok() {
            check.mismatch = fail(j, format!("item {gi} is excluded for this row"));
            return check;
        }
        if !seen.insert(gi) {
            check.mismatch = fail(j, format!("item {gi} appears twice"));
            return check;
        }
        let exact = canonical(scores[gi as usize]);
        let err = (canonical(gs) - exact).abs();
        check.max_score_error = check.max_score_error.max(err);
        if err.is_nan() || err > item_tol(gi) {
            check.mismatch = fail(j, format!("reported score {gs} but the reference score of item {gi} is {exact}"));
            return check;
        }
        if gi != wi {
            check.identical = false;
            let gap = (exact - ws).abs();
            if gap.is_nan() || gap > pair_tol(gi, wi) {
                check.mismatch = fail(
                    j,
                    format!("not a near-tie: reference scores differ by {gap:e} (allowed {:e})", pair_tol(gi, wi)),
                );
                return check;
            }
            check.near_ties += 1;
        }
    }
    if let Some(j) = (count..got.k).find(|&j| slot(j).0 != NO_ITEM || slot(j).1 != f32::NEG_INFINITY) {
        check.mismatch = fail(j, "an unused slot must hold item u32::MAX and score −∞".into());
    }
    check
}

/// `γ_f Σ_j |q_j y_j|`: the worst-case rounding error of an fp32 dot product of length f.
fn rounding_bound(q: &[f32], y: &[f32]) -> f32 {
    let u = f32::EPSILON as f64 / 2.0;
    let nu = q.len() as f64 * u;
    let abs: f64 = q.iter().zip(y).map(|(a, b)| (*a as f64 * *b as f64).abs()).sum();
    (nu / (1.0 - nu) * abs) as f32
}

/// Mean over rows of |approx ∩ exact| / |exact| (rows where exact is empty are left out; 1.0 when
/// all are).
pub fn recall_at_k(approx: &TopK, exact: &TopK) -> Result<f64> {
    ensure!(approx.rows() == exact.rows(), "recall: {} rows against {} exact rows", approx.rows(), exact.rows());
    let mut sum = 0.0;
    let mut n = 0usize;
    for r in 0..exact.rows() {
        let want = exact.row_items(r);
        if want.is_empty() {
            continue;
        }
        let mut w = want.to_vec();
        w.sort_unstable();
        let hits = approx.row_items(r).iter().filter(|i| w.binary_search(i).is_ok()).count();
        sum += hits as f64 / want.len() as f64;
        n += 1;
    }
    Ok(if n == 0 { 1.0 } else { sum / n as f64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_top_k_ties_exclusion_and_short_rows() {
        let scores = [0.5, 0.9, 0.9, f32::NAN, 0.1, 0.9];
        let ids = |v: Vec<(u32, f32)>| v.into_iter().map(|t| t.0).collect::<Vec<_>>();
        assert_eq!(ids(reference_top_k(&scores, &[2], 3)), vec![1, 5, 0]);
        assert_eq!(ids(reference_top_k(&scores, &[0, 1, 2, 4, 5], 3)), vec![3]);
        assert_eq!(reference_top_k(&scores, &[0, 1, 2, 4, 5], 3)[0].1, f32::NEG_INFINITY);
    }

    #[test]
    fn rounding_bound_is_gamma_times_abs_sum() {
        let b = rounding_bound(&[1.0, -2.0], &[3.0, 4.0]);
        let u = f32::EPSILON as f64 / 2.0;
        assert!((b as f64 - 2.0 * u / (1.0 - 2.0 * u) * 11.0).abs() < 1e-12);
    }
}
