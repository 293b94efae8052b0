//! Dense f×f solvers for the per-row systems (fp64, row-major, in place).
//!
//! * [`cholesky_in_place`] + [`cholesky_solve_in_place`]: `A = UᵀU`, reads the upper triangle only.
//! * [`lu_in_place`] + [`lu_solve_in_place`]: LU **without pivoting** on the full matrix, as GPU
//!   batched LU (cuBLAS getrf without pivots). For symmetric positive definite matrices Gaussian
//!   elimination without pivoting never meets a zero pivot and is backward stable (the pivots
//!   are the squared Cholesky diagonal; growth factor 1), so it agrees with Cholesky to rounding.
//! * [`cg_dense`]: conjugate gradient on a formed SPD matrix (the row step uses a matrix-free
//!   variant, see [`super::step`]); kept for parity tests against GPU CG on formed matrices.
//!
//! The `pub fn` wrappers (no generic parameter) run the baseline (non-FMA) instantiation.

use crate::cpu::kernels::{axpy64, dot64, madd64};

/// Right-looking blocked Cholesky `A = UᵀU` on the **upper** triangle of `a` (f×f, row-major).
/// Panels of 4 rows are factored, then the trailing matrix gets one fused rank-4 update per row
/// (`A[i][i..] −= Σ_t U[k+t][i]·U[k+t][i..]`): contiguous, reduction-free loops that vectorise,
/// with one load/store of `A` per 4 FMAs. Afterwards the upper triangle holds `U`, with the
/// reciprocal of each diagonal stored in `inv_diag`. Returns false if a pivot is not positive.
#[inline(always)]
pub fn cholesky_g<const FMA: bool>(a: &mut [f64], f: usize, inv_diag: &mut [f64]) -> bool {
    const PB: usize = 4;
    let mut k0 = 0;
    while k0 < f {
        let kb = PB.min(f - k0);
        // factor the panel rows k0..k0+kb (updates stay inside the panel)
        for k in k0..k0 + kb {
            let (top, rest) = a.split_at_mut((k + 1) * f);
            let row_k = &mut top[k * f..k * f + f];
            let d = row_k[k];
            if d <= 0.0 || d.is_nan() {
                return false;
            }
            let s = d.sqrt();
            let inv = 1.0 / s;
            inv_diag[k] = inv;
            row_k[k] = s;
            for v in row_k[k + 1..].iter_mut() {
                *v *= inv;
            }
            let row_k = &row_k[..];
            for (ii, row_i) in rest.chunks_exact_mut(f).take(k0 + kb - k - 1).enumerate() {
                let i = k + 1 + ii;
                axpy64::<FMA>(-row_k[i], &row_k[i..], &mut row_i[i..]);
            }
        }
        // trailing update with the panel
        let (top, rest) = a.split_at_mut((k0 + kb) * f);
        let panel = &top[k0 * f..];
        if kb == PB {
            let (u0, u1, u2, u3) = (&panel[..f], &panel[f..2 * f], &panel[2 * f..3 * f], &panel[3 * f..4 * f]);
            for (ii, row_i) in rest.chunks_exact_mut(f).enumerate() {
                let i = k0 + kb + ii;
                let (c0, c1, c2, c3) = (-u0[i], -u1[i], -u2[i], -u3[i]);
                let n = f - i;
                let (x, a0, a1, a2, a3) = (&mut row_i[i..f], &u0[i..f], &u1[i..f], &u2[i..f], &u3[i..f]);
                let (x, a0, a1, a2, a3) = (&mut x[..n], &a0[..n], &a1[..n], &a2[..n], &a3[..n]);
                for j in 0..n {
                    let t = madd64::<FMA>(c1, a1[j], madd64::<FMA>(c0, a0[j], x[j]));
                    x[j] = madd64::<FMA>(c3, a3[j], madd64::<FMA>(c2, a2[j], t));
                }
            }
        } else {
            for t in 0..kb {
                let ut = &panel[t * f..t * f + f];
                for (ii, row_i) in rest.chunks_exact_mut(f).enumerate() {
                    let i = k0 + kb + ii;
                    axpy64::<FMA>(-ut[i], &ut[i..], &mut row_i[i..]);
                }
            }
        }
        k0 += kb;
    }
    true
}

/// Solve `UᵀU x = b` in place (`b` becomes `x`) with the factor from [`cholesky_g`].
#[inline(always)]
pub fn cholesky_solve_g<const FMA: bool>(u: &[f64], f: usize, inv_diag: &[f64], b: &mut [f64]) {
    // forward: Uᵀ y = b, column-oriented on the rows of U
    for i in 0..f {
        let row = &u[i * f..i * f + f];
        let yi = b[i] * inv_diag[i];
        b[i] = yi;
        axpy64::<FMA>(-yi, &row[i + 1..], &mut b[i + 1..]);
    }
    // backward: U x = y
    for i in (0..f).rev() {
        let row = &u[i * f..i * f + f];
        let s = dot64::<FMA>(&row[i + 1..], &b[i + 1..]);
        b[i] = (b[i] - s) * inv_diag[i];
    }
}

/// Copy the upper triangle of `a` onto the lower one.
#[inline(always)]
pub fn mirror_upper(a: &mut [f64], f: usize) {
    for i in 0..f {
        for j in i + 1..f {
            a[j * f + i] = a[i * f + j];
        }
    }
}

/// Copy the lower triangle of `a` onto the upper one.
#[inline(always)]
pub fn mirror_lower(a: &mut [f64], f: usize) {
    for i in 0..f {
        for j in i + 1..f {
            a[i * f + j] = a[j * f + i];
        }
    }
}

/// Doolittle LU without pivoting of the full matrix `a` (f×f), in place (unit-lower L below the
/// diagonal, U on and above). Returns false on a zero or non-finite pivot.
#[inline(always)]
pub fn lu_g<const FMA: bool>(a: &mut [f64], f: usize) -> bool {
    for k in 0..f {
        let (top, bottom) = a.split_at_mut((k + 1) * f);
        let row_k = &top[k * f..k * f + f];
        let piv = row_k[k];
        if piv == 0.0 || !piv.is_finite() {
            return false;
        }
        for i in 0..f - k - 1 {
            let row_i = &mut bottom[i * f..i * f + f];
            let l = row_i[k] / piv;
            row_i[k] = l;
            axpy64::<FMA>(-l, &row_k[k + 1..], &mut row_i[k + 1..]);
        }
    }
    true
}

/// Solve `L U x = b` in place with the factors from [`lu_g`].
#[inline(always)]
pub fn lu_solve_g<const FMA: bool>(lu: &[f64], f: usize, b: &mut [f64]) {
    for i in 0..f {
        let row = &lu[i * f..i * f + f];
        b[i] -= dot64::<FMA>(&row[..i], &b[..i]);
    }
    for i in (0..f).rev() {
        let row = &lu[i * f..i * f + f];
        let s = dot64::<FMA>(&row[i + 1..], &b[i + 1..]);
        b[i] = (b[i] - s) / row[i];
    }
}

/// Symmetric matrix–vector product using only the lower triangle of `a`: `out = A v`.
#[inline(always)]
pub fn symv_lower_g<const FMA: bool>(a: &[f64], f: usize, v: &[f64], out: &mut [f64]) {
    out[..f].fill(0.0);
    for i in 0..f {
        let row = &a[i * f..i * f + i];
        // A[i][0..i] contributes to out[i] (row) and out[0..i] (column, by symmetry)
        out[i] += dot64::<FMA>(row, &v[..i]) + a[i * f + i] * v[i];
        axpy64::<FMA>(v[i], row, &mut out[..i]);
    }
}

/// CG on a formed SPD matrix (lower triangle read), `steps` iterations warm-started from `x`;
/// stops early when `‖r‖ ≤ tol·‖b‖`. Returns the number of steps taken.
#[inline(always)]
pub fn cg_dense_g<const FMA: bool>(
    a: &[f64],
    f: usize,
    b: &[f64],
    x: &mut [f64],
    steps: usize,
    tol: Option<f64>,
) -> usize {
    let mut r = vec![0.0; f];
    let mut ap = vec![0.0; f];
    symv_lower_g::<FMA>(a, f, x, &mut ap);
    for i in 0..f {
        r[i] = b[i] - ap[i];
    }
    let mut p = r.clone();
    let mut rs = dot64::<FMA>(&r, &r);
    let stop = tol.map(|t| t * t * dot64::<FMA>(b, b)).unwrap_or(0.0).max(1e-300);
    for s in 0..steps {
        if rs <= stop {
            return s;
        }
        symv_lower_g::<FMA>(a, f, &p, &mut ap);
        let pap = dot64::<FMA>(&p, &ap);
        if pap <= 0.0 {
            return s;
        }
        let alpha = rs / pap;
        axpy64::<FMA>(alpha, &p, x);
        axpy64::<FMA>(-alpha, &ap, &mut r);
        let rs_new = dot64::<FMA>(&r, &r);
        let beta = rs_new / rs;
        for (pi, ri) in p.iter_mut().zip(&r) {
            *pi = ri + beta * *pi;
        }
        rs = rs_new;
    }
    steps
}

/// Cholesky factorisation in place (upper triangle read and overwritten with `U`); returns the
/// reciprocal diagonal of `U`, or `None` if not SPD.
pub fn cholesky_in_place(a: &mut [f64], f: usize) -> Option<Vec<f64>> {
    let mut inv = vec![0.0; f];
    cholesky_g::<false>(a, f, &mut inv).then_some(inv)
}
/// Solve with the factor from [`cholesky_in_place`]; `b` becomes `x`.
pub fn cholesky_solve_in_place(u: &[f64], f: usize, inv_diag: &[f64], b: &mut [f64]) {
    cholesky_solve_g::<false>(u, f, inv_diag, b)
}
/// LU without pivoting in place (full matrix); false on a zero pivot.
pub fn lu_in_place(a: &mut [f64], f: usize) -> bool {
    lu_g::<false>(a, f)
}
/// Solve with LU factors; `b` becomes `x`.
pub fn lu_solve_in_place(lu: &[f64], f: usize, b: &mut [f64]) {
    lu_solve_g::<false>(lu, f, b)
}
/// CG on a formed SPD matrix (lower triangle), see [`cg_dense_g`].
pub fn cg_dense(a: &[f64], f: usize, b: &[f64], x: &mut [f64], steps: usize, tol: Option<f64>) -> usize {
    cg_dense_g::<false>(a, f, b, x, steps, tol)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd(f: usize, seed: u64) -> Vec<f64> {
        // A = M Mᵀ + f I with a deterministic M
        let mut s = seed;
        let mut m = vec![0.0; f * f];
        for v in m.iter_mut() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *v = ((s >> 33) as f64 / (1u64 << 31) as f64) - 0.5;
        }
        let mut a = vec![0.0; f * f];
        for i in 0..f {
            for j in 0..f {
                a[i * f + j] =
                    (0..f).map(|k| m[i * f + k] * m[j * f + k]).sum::<f64>() + if i == j { 0.5 } else { 0.0 };
            }
        }
        a
    }

    fn matvec(a: &[f64], f: usize, x: &[f64]) -> Vec<f64> {
        (0..f).map(|i| (0..f).map(|j| a[i * f + j] * x[j]).sum()).collect()
    }

    #[test]
    fn solvers_agree_and_solve() {
        for f in [1, 3, 8, 17, 64] {
            let a = spd(f, f as u64);
            let b: Vec<f64> = (0..f).map(|i| (i as f64 * 0.37).sin()).collect();
            let mut l = a.clone();
            let inv = cholesky_in_place(&mut l, f).unwrap();
            let mut xc = b.clone();
            cholesky_solve_in_place(&l, f, &inv, &mut xc);
            let r = matvec(&a, f, &xc);
            for i in 0..f {
                assert!((r[i] - b[i]).abs() < 1e-8, "cholesky residual f={f}");
            }
            let mut lu = a.clone();
            assert!(lu_in_place(&mut lu, f));
            let mut xl = b.clone();
            lu_solve_in_place(&lu, f, &mut xl);
            let mut xg = vec![0.0; f];
            cg_dense(&a, f, &b, &mut xg, 4 * f, None);
            let n = xc.iter().map(|v| v * v).sum::<f64>().sqrt();
            for i in 0..f {
                assert!((xl[i] - xc[i]).abs() <= 1e-9 * n.max(1.0), "lu f={f}");
                assert!((xg[i] - xc[i]).abs() <= 1e-6 * n.max(1.0), "cg f={f}");
            }
        }
    }

    #[test]
    fn cholesky_rejects_indefinite() {
        let mut a = vec![1.0, 2.0, 2.0, 1.0];
        assert!(cholesky_in_place(&mut a, 2).is_none());
    }
}
