//! Matrix-free conjugate gradient: get_hermitian, get_bias and the CG solve of one half-step in
//! one kernel, without ever forming A_u (the CG of Takács, Pilászy & Tikk, RecSys 2011, which
//! `implicit` also uses). For each row u it runs `steps` CG iterations on A_u x = b_u, warm-started
//! from the current factor row, with
//!
//! ```text
//! A_u v = Σ_{i∈Ω_u} w_ui θ_i (θ_iᵀ v) + D v      D = λ·n_u·I (explicit), YᵀY + λI (implicit)
//! b_u   = Σ_{i∈Ω_u} c_ui θ_i
//! ```
//! and the weights of `hermitian::Problem::weights`; same stopping rule as [`super::cg`].
//!
//! Why it is faster than get_hermitian + CG (cuMF_als §III–IV) for a few CG steps: forming A_u
//! costs n_u·f²/2 FMAs and f² floats written, then read again at every CG step; applying A_u
//! through the row's entries costs 2·n_u·f FMAs per product, steps + 1 products, and re-reads the
//! row's θ_i each time — from L2 when the fixed factors fit there (Netflix items: 7 MB; LFM-1b
//! users: 31 MB of the H200's 50 MB). At f = 64 and 3 steps that is 8× fewer FMAs per entry and no
//! f×f traffic at all.
//!
//! Layout. A *team* owns one row at a time: the whole block for the `n_long` longest rows (the
//! first positions of `order`), one warp for the others — a long row alone on a warp would be the
//! kernel's tail. In a warp, groups of L lanes take one entry each: lane q of a group holds chunks
//! q and q + L (4 floats each; chunks past f/4 stay zero) of every f-vector, so θ_iᵀv is 8 FMAs and
//! log₂L shuffles. Every group of every warp keeps its own copy of x, r, p and the CG scalars,
//! made by the same operations in the same order: the copies are bit-identical, so branches on
//! them are uniform. A team's partial sums meet in shared memory; D·v reads YᵀY + λI from shared
//! memory, each group taking every (32/L)-th row of it.
//!
//! Launch: block [`BLOCK`] threads; grid-stride (any grid); dynamic shared memory
//! `rustmf_kernel_abi::solve::matrix_free::shared_bytes`: YᵀY + λI (implicit only), one f-vector
//! per warp for D·v, two per warp for a team's sums. Budget: on sm_90 launch bounds
//! (`kernels-abi/src/bounds.rs`) ask for two blocks per SM, 16 warps: at most 128 registers
//! (126–128; ~133 without the bounds, which would leave one block per SM); spill-free (`rustmf
//! ptx-check`).
use crate::hermitian::{gram_view, Problem, MODE_EXPLICIT};
use crate::prelude::*;
use rustmf_kernel_abi::solve::matrix_free::{BLOCK, WARPS};
use rustmf_kernel_abi::solve::MatrixFreeCg;

/// Lanes per entry for f: the f/4 chunks two per lane, rounded up to a power of two so that a
/// group is an aligned piece of the warp the xor-shuffles stay inside.
pub const fn lanes(f: usize) -> usize {
    (f / 4).div_ceil(2).next_power_of_two()
}

/// A lane's two chunks of an f-vector.
type Part = [[f32; 4]; 2];
const ZERO: Part = [[0.0; 4]; 2];

/// Where this lane sits: group `g` of warp `warp`, and its two chunks.
#[derive(Clone, Copy)]
struct Lane {
    g: usize,
    warp: usize,
    chunks: [usize; 2],
    valid: [bool; 2],
}

/// The block's shared memory: per warp one vector for D·v and two for a team's partial sums;
/// YᵀY + λI after them.
#[derive(Clone, Copy)]
struct Windows {
    vec: Shared<f32>,
    sums: Shared<f32>,
    gram: Shared<f32>,
}

#[inline(always)]
unsafe fn cg_matrix_free<const F: usize, const L: usize>(
    n_rows: u32,
    n_long: u32,
    p: Problem,
    order: Global<u32>,
    x: GlobalMut<f32>,
    steps: u32,
    tol: f32,
) {
    if block_dim() != BLOCK || L != lanes(F) || F % 4 != 0 {
        trap();
    }
    let implicit = p.mode != MODE_EXPLICIT;
    let vec = Shared::<f32>::new(0, (WARPS * F) as u32);
    let sums = Shared::<f32>::new(vec.end_offset(), (2 * WARPS * F) as u32);
    let gram = Shared::<f32>::new(sums.end_offset(), if implicit { (F * F) as u32 } else { 0 });
    let ws = Windows { vec, sums, gram };
    if implicit {
        let mut idx = thread_idx() as usize;
        while idx < F * F {
            let diag = if idx / F == idx % F { p.lambda } else { 0.0 };
            ws.gram.store_unchecked(idx as u32, p.gram.ldg(idx) + diag);
            idx += BLOCK as usize;
        }
    }
    sync_threads();
    let lane = lane_id() as usize;
    let (q, g) = (lane % L, lane / L);
    let chunks = [q, q + L];
    let me = Lane { g, warp: warp_id() as usize, chunks, valid: [chunks[0] < F / 4, chunks[1] < F / 4] };

    let mut k = block_idx();
    while k < n_long {
        solve_row::<F, L, true>(&p, &ws, &me, order.ldg(k as usize), x, steps, tol);
        k += grid_dim();
    }
    let mut k = n_long as usize + block_idx() as usize * WARPS + me.warp;
    while k < n_rows as usize {
        solve_row::<F, L, false>(&p, &ws, &me, order.ldg(k), x, steps, tol);
        k += grid_dim() as usize * WARPS;
    }
}

/// CG on row `row`, by the whole block (`BLOCK_TEAM`) or by this warp alone.
#[inline(always)]
unsafe fn solve_row<const F: usize, const L: usize, const BLOCK_TEAM: bool>(
    p: &Problem,
    ws: &Windows,
    me: &Lane,
    row: u32,
    x: GlobalMut<f32>,
    steps: u32,
    tol: f32,
) {
    let (lo, hi) = p.entries(row);
    let xrow = x.at(row as usize * F);
    let mut xv = ZERO;
    for c in 0..2 {
        if me.valid[c] {
            xv[c] = xrow.get4(4 * me.chunks[c]).0;
        }
    }
    let (ax, b) = apply::<F, L, BLOCK_TEAM, true>(p, ws, me, lo, hi, &xv);
    let mut r = sub(&b, &ax);
    let mut pv = r;
    let mut rs = dot::<L>(&r, &r);
    let tol = tol.max(f32::EPSILON);
    let threshold = tol * tol * dot::<L>(&b, &b);
    let mut step = 0;
    while step < steps && rs > threshold {
        let (ap, _) = apply::<F, L, BLOCK_TEAM, false>(p, ws, me, lo, hi, &pv);
        let p_ap = dot::<L>(&pv, &ap);
        if !(p_ap > 0.0) {
            break;
        }
        let alpha = rs / p_ap;
        for c in 0..2 {
            for j in 0..4 {
                xv[c][j] = fma(alpha, pv[c][j], xv[c][j]);
                r[c][j] = fma(-alpha, ap[c][j], r[c][j]);
            }
        }
        let rs_next = dot::<L>(&r, &r);
        let beta = rs_next / rs;
        for c in 0..2 {
            for j in 0..4 {
                pv[c][j] = fma(beta, pv[c][j], r[c][j]);
            }
        }
        rs = rs_next;
        step += 1;
    }
    if me.g == 0 && (!BLOCK_TEAM || me.warp == 0) {
        for c in 0..2 {
            if me.valid[c] {
                xrow.set4(4 * me.chunks[c], F32x4(xv[c]));
            }
        }
    }
}

/// A_u·v for the row with entries `lo..hi`, and with `WITH_B` also b_u (else zero): this team's
/// share of the entries, then the sums over groups, over the team's warps, and D·v.
#[inline(always)]
unsafe fn apply<const F: usize, const L: usize, const BLOCK_TEAM: bool, const WITH_B: bool>(
    p: &Problem,
    ws: &Windows,
    me: &Lane,
    lo: usize,
    hi: usize,
    v: &Part,
) -> (Part, Part) {
    let groups = 32 / L;
    let (team_groups, first) = if BLOCK_TEAM { (WARPS * groups, me.warp * groups + me.g) } else { (groups, me.g) };
    let (mut acc, mut b) = (ZERO, ZERO);
    // The entries of the next round are fetched a round ahead, so that gathering θ_i does not
    // wait for its index to arrive first.
    let entry = |e: usize| if e < hi { (p.indices.ldg(e), p.values.ldg(e)) } else { (0, 0.0) };
    let mut base = lo;
    let mut next = [entry(base + first), entry(base + first + team_groups)];
    while base < hi {
        let e = [base + first, base + first + team_groups];
        let current = next;
        next = [entry(e[0] + 2 * team_groups), entry(e[1] + 2 * team_groups)];
        let mut theta = [ZERO; 2];
        let mut w = [(0.0f32, 0.0f32); 2];
        for u in 0..2 {
            if e[u] < hi {
                let i = current[u].0 as usize;
                w[u] = p.weights(current[u].1);
                for c in 0..2 {
                    if me.valid[c] {
                        theta[u][c] = p.theta.ldg4(i * F + 4 * me.chunks[c]).0;
                    }
                }
            }
        }
        for u in 0..2 {
            let coef = w[u].0 * dot::<L>(&theta[u], v);
            for c in 0..2 {
                for j in 0..4 {
                    acc[c][j] = fma(coef, theta[u][c][j], acc[c][j]);
                    if WITH_B {
                        b[c][j] = fma(w[u].1, theta[u][c][j], b[c][j]);
                    }
                }
            }
        }
        base += 2 * team_groups;
    }
    across_groups::<L>(&mut acc);
    if WITH_B {
        across_groups::<L>(&mut b);
    }
    if BLOCK_TEAM {
        across_warps::<F>(ws, me, &mut acc, 0);
        if WITH_B {
            across_warps::<F>(ws, me, &mut b, 1);
        }
    }
    let dv = if p.mode == MODE_EXPLICIT {
        let n_u = hi - lo;
        let diag = if n_u == 0 { 1.0 } else { p.lambda * n_u as f32 };
        let mut d = *v;
        for c in 0..2 {
            for j in 0..4 {
                d[c][j] *= diag;
            }
        }
        d
    } else {
        gram_times::<F, L>(ws, me, v)
    };
    for c in 0..2 {
        for j in 0..4 {
            acc[c][j] += dv[c][j];
        }
    }
    (acc, b)
}

/// (YᵀY + λI)·v: v goes through this warp's vector window; group g sums rows g, g + 32/L, … of
/// the (symmetric) matrix, then the groups' sums are added.
#[inline(always)]
unsafe fn gram_times<const F: usize, const L: usize>(ws: &Windows, me: &Lane, v: &Part) -> Part {
    let window = me.warp * F;
    sync_warp();
    if me.g == 0 {
        for c in 0..2 {
            if me.valid[c] {
                ws.vec.store4_unchecked((window + 4 * me.chunks[c]) as u32, F32x4(v[c]));
            }
        }
    }
    sync_warp();
    let mut out = ZERO;
    let mut j = me.g;
    while j < F {
        let vj = ws.vec.load_unchecked((window + j) as u32);
        for c in 0..2 {
            if me.valid[c] {
                let gj = ws.gram.load4_unchecked((j * F + 4 * me.chunks[c]) as u32).0;
                for l in 0..4 {
                    out[c][l] = fma(gj[l], vj, out[c][l]);
                }
            }
        }
        j += 32 / L;
    }
    across_groups::<L>(&mut out);
    out
}

/// Sum over the warp's groups, returned to every group (butterfly: bit-identical everywhere).
#[inline(always)]
fn across_groups<const L: usize>(v: &mut Part) {
    let mut m = L as u32;
    while m < 32 {
        for c in 0..2 {
            for j in 0..4 {
                v[c][j] += shfl_xor(v[c][j], m);
            }
        }
        m *= 2;
    }
}

/// Sum over the block's warps (in warp order, the same in every warp) through sums window `slot`.
#[inline(always)]
unsafe fn across_warps<const F: usize>(ws: &Windows, me: &Lane, v: &mut Part, slot: usize) {
    let base = slot * WARPS * F;
    if me.g == 0 {
        for c in 0..2 {
            if me.valid[c] {
                ws.sums.store4_unchecked((base + me.warp * F + 4 * me.chunks[c]) as u32, F32x4(v[c]));
            }
        }
    }
    sync_threads();
    let mut total = ZERO;
    for w in 0..WARPS {
        for c in 0..2 {
            if me.valid[c] {
                let s = ws.sums.load4_unchecked((base + w * F + 4 * me.chunks[c]) as u32).0;
                for j in 0..4 {
                    total[c][j] += s[j];
                }
            }
        }
    }
    sync_threads();
    *v = total;
}

/// u·v over the whole vector: this lane's 8 products, summed over its group.
#[inline(always)]
fn dot<const L: usize>(u: &Part, v: &Part) -> f32 {
    let mut s = 0.0f32;
    for c in 0..2 {
        for j in 0..4 {
            s = fma(u[c][j], v[c][j], s);
        }
    }
    let mut m = 1;
    while m < L as u32 {
        s += shfl_xor(s, m);
        m *= 2;
    }
    s
}

#[inline(always)]
fn sub(a: &Part, b: &Part) -> Part {
    let mut d = *a;
    for c in 0..2 {
        for j in 0..4 {
            d[c][j] -= b[c][j];
        }
    }
    d
}

macro_rules! cg_matrix_free_kernels {
    ([$($f:literal),*]) => {
        rustmf_kernel_abi::matrix_free_cg_kernels! {
            $(${concat(solve_cg_matrix_free_f, $f)} => |a: MatrixFreeCg| {
                // `order` lists every row of the side once: n_rows rows of indptr, x and order.
                let rows = a.n_rows as usize;
                let p = Problem {
                    indptr: Global::new(a.indptr, rows + 1),
                    // nnz and θ's row count are not passed.
                    indices: Global::unbounded(a.indices),
                    values: Global::unbounded(a.values),
                    theta: Global::unbounded(a.theta),
                    gram: gram_view::<$f>(a.gram, a.mode),
                    lambda: a.lambda, alpha: a.alpha, eps: a.eps, mode: a.mode,
                };
                let (order, x) = (Global::new(a.order, rows), GlobalMut::new(a.x, rows * $f));
                cg_matrix_free::<$f, { lanes($f) }>(a.n_rows, a.n_long, p, order, x, a.steps, a.tol)
            },)*
        }
    };
}

rustmf_kernel_abi::with_supported_f!(cg_matrix_free_kernels!());
