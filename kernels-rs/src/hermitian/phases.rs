//! get_hermitian in phases — the measurement behind cuMF_als Fig. 4 (§III, Solution 2: load,
//! compute and write times of get_hermitian with coalesced and non-coalesced staging, with and
//! without L1). Not a version of the list: nine variants of v3's kernel (`v3_tiled.rs`), each
//! computing what v3 computes,
//!
//! ```text
//! A_u = Σ_{i∈Ω_u} w_ui θ_i θ_iᵀ + (λ·n_u·I, or YᵀY + λI)       b_u = Σ c_ui θ_i
//! ```
//!
//! with one way of staging θ ([`Staging`]) and stopping after one phase:
//! * `Load`: chunk after chunk, θ of S = 32 items and their weights staged in shared memory, with
//!   v3's barriers; no arithmetic on them, nothing written;
//! * `Compute`: also the T×T rank-1 updates, b_u and the groups' sum of v3; A_u and b_u are
//!   stored only if `n_rows == u32::MAX`, which the compiler cannot rule out and no launch passes,
//!   so the FMAs stay and the stores never happen;
//! * `Write`: v3's whole kernel in fp32, storing A_u (regularization and YᵀY added) and b_u.
//!
//! Phase times are differences of whole-kernel times over the same rows:
//! load = t(Load), compute = t(Compute) − t(Load), write = t(Write) − t(Compute).
//!
//! Staging (`Staging` of `rustmf_kernel_abi::hermitian_phases`):
//! * `Coalesced` — v3's `stage`: consecutive threads read consecutive floats of a row
//!   (`ld.global.nc`), Fig. 3(a);
//! * `NonCoalescedL1` — thread s < S copies item s's whole row, f scalar loads, so each load
//!   instruction of the warp touches 32 rows, Fig. 3(b); `ld.global.ca`, cached in L1;
//! * `NonCoalescedNoL1` — the same with `ld.global.cg`: L2 only, bypassing L1.
//!
//! The two non-coalesced settings differ only in the cache operator. Thread s starts its row at
//! column s (< f) and wraps around, so a warp's shared-memory stores fall in 32 different banks
//! (row s starts at s·f words, a multiple of 32 for every f but 100); the layout in shared memory
//! is v3's, and the compute phase reads it as v3 does. Each thread has 4 loads in flight
//! (`IN_FLIGHT`), which keeps the registers at v3's.
//!
//! Launch: v3's (`Layout::Tiled`): grid = rows in the batch, block 128/128/96/128/160 threads at
//! f = 32/64/96/100/128, dynamic shared memory max(S·(f+2), (G−1)·tiles·T²) floats (one staging
//! buffer, or the groups' reduction). Budget: v3's, T² + 2T + ~30 registers, spill-free; `Load`
//! holds no tile. ptxas (13.0, 2026-12-07): within 10 registers of v3 at every f on sm_80 and
//! sm_90a (f = 100: 156–166 against 164–168), except the non-coalesced ones at f = 128 on sm_80
//! (118 against 96: 3 blocks of 160 threads per SM instead of 4).
use super::tiles::{rank1, store, sum_groups, Tile};
use super::Problem;
use crate::prelude::*;
use rustmf_kernel_abi::hermitian::{tiles, STAGED_ITEMS as S};
use rustmf_kernel_abi::hermitian_phases::StopAfter;

#[inline(always)]
unsafe fn hermitian_phases<
    St: Staging,
    const F: usize,
    const T: usize,
    const G: usize,
    const BLOCK: u32,
    const STOP: u8,
>(
    n_rows: u32,
    row_begin: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
) {
    let Some((tile, local)) = Tile::enter::<F, T, G, BLOCK>(n_rows) else { return };
    let tid = thread_idx();
    let computes = STOP != StopAfter::Load as u8;
    let active = computes && tile.active::<G>();
    let (row_off, col_off) = tile.offsets(T);

    let theta_s = Shared::<f32>::new(0, (S * F) as u32);
    let wa_s = Shared::<f32>::new(theta_s.end_offset(), S as u32);
    let wb_s = Shared::<f32>::new(wa_s.end_offset(), S as u32);

    let mut acc = [[0.0f32; T]; T];
    let mut bias = 0.0f32;
    let (lo, hi) = p.entries(row_begin + local);
    let mut start = lo;
    while start < hi {
        let n = (hi - start).min(S);
        St::stage::<F, BLOCK>(&p, theta_s, start, n);
        if (tid as usize) < n {
            let (wa, wb) = p.weights(p.values.ldg(start + tid as usize));
            wa_s.store_unchecked(tid, wa);
            wb_s.store_unchecked(tid, wb);
        }
        sync_threads();
        if active {
            let mut s = tile.group as usize;
            while s < n {
                let base = s * F;
                let rows = theta_s.load_vec_unchecked::<T>((base + row_off) as u32);
                let cols = theta_s.load_vec_unchecked::<T>((base + col_off) as u32);
                rank1(&mut acc, wa_s.load_unchecked(s as u32), &rows, &cols);
                s += G;
            }
        }
        if computes && (tid as usize) < F {
            for s in 0..n {
                bias = fma(wb_s.load_unchecked(s as u32), theta_s.load_unchecked((s * F) as u32 + tid), bias);
            }
        }
        sync_threads();
        start += n;
    }
    if !computes {
        return;
    }

    sum_groups::<T, G>(&mut acc, &tile, tid);
    if STOP == StopAfter::Compute as u8 && n_rows != u32::MAX {
        return;
    }
    store::<F, T, false>(&acc, &tile, &p, hi - lo, local, a_out);
    if (tid as usize) < F {
        b_out.set(local as usize * F + tid as usize, bias);
    }
}

/// How θ of entries `start..start + n` (n ≤ S) reaches rows `0..n` of `theta_s` (f floats each);
/// every thread of the block calls it.
trait Staging {
    unsafe fn stage<const F: usize, const BLOCK: u32>(p: &Problem, theta_s: Shared<f32>, start: usize, n: usize);
}

struct Coalesced;
struct NonCoalescedL1;
struct NonCoalescedNoL1;

impl Staging for Coalesced {
    #[inline(always)]
    unsafe fn stage<const F: usize, const BLOCK: u32>(p: &Problem, theta_s: Shared<f32>, start: usize, n: usize) {
        super::v3_tiled::stage::<F>(p, theta_s, start, n, thread_idx() as usize, BLOCK as usize);
    }
}

impl Staging for NonCoalescedL1 {
    #[inline(always)]
    unsafe fn stage<const F: usize, const BLOCK: u32>(p: &Problem, theta_s: Shared<f32>, start: usize, n: usize) {
        copy_own_row::<F>(p, theta_s, start, n, |row, c| row.ldca(c));
    }
}

impl Staging for NonCoalescedNoL1 {
    #[inline(always)]
    unsafe fn stage<const F: usize, const BLOCK: u32>(p: &Problem, theta_s: Shared<f32>, start: usize, n: usize) {
        copy_own_row::<F>(p, theta_s, start, n, |row, c| row.ldcg(c));
    }
}

/// Thread s < n copies θ of entry `start + s` with `load`, from column s on, wrapping around
/// (see the header: the stores of a warp fall in distinct banks), [`IN_FLIGHT`] floats at a time
/// in a loop kept rolled.
#[inline(always)]
unsafe fn copy_own_row<const F: usize>(
    p: &Problem,
    theta_s: Shared<f32>,
    start: usize,
    n: usize,
    load: impl Fn(&Global<f32>, usize) -> f32,
) {
    let tid = thread_idx();
    if tid as usize >= n {
        return;
    }
    let row = p.theta.at(p.indices.ldg(start + tid as usize) as usize * F);
    // tid < S ≤ f and k + j < f, so one subtraction wraps a column.
    let column = |k: usize, j: usize| {
        let c = tid + (k + j) as u32;
        if c >= F as u32 {
            c - F as u32
        } else {
            c
        }
    };
    let mut k = 0;
    while k < opaque(F) {
        no_unroll();
        let mut values = [0.0f32; IN_FLIGHT];
        for (j, v) in values.iter_mut().enumerate() {
            *v = load(&row, column(k, j) as usize);
        }
        for (j, v) in values.into_iter().enumerate() {
            theta_s.store_unchecked(tid * F as u32 + column(k, j), v);
        }
        k += IN_FLIGHT;
    }
}

/// Loads a non-coalesced staging thread has in flight: its 32 threads then have 128, as many as
/// v3's 128-thread block has with one each. Unrolled (by LLVM, or by ptxas without
/// [`no_unroll`]), all f loads of the row are issued first and the kernel takes up to 255
/// registers, fewer blocks per SM than v3 (f divides by 4).
const IN_FLIGHT: usize = 4;

macro_rules! phase_kernels {
    ($($name:ident $staging:ident $stop:ident;)*) => {
        $(rustmf_kernel_abi::with_supported_f!(phase_entries!($name, $staging, $stop,));)*
    };
}

macro_rules! phase_entries {
    ($name:ident, $staging:ident, $stop:ident, [$($f:literal),*]) => {
        $(hermitian_entry!(Rows, ${concat(hermitian_phases_, $name, _f, $f)}, $f, false, {
            hermitian_phases::<
                $staging, F, { tiles(F).t }, { tiles(F).groups }, { tiles(F).block }, { StopAfter::$stop as u8 }
            >
        });)*
    };
}

rustmf_kernel_abi::hermitian_phase_variants!(phase_kernels!);
