//! get_hermitian v8 — v7 with long rows split across blocks.
//!
//! Changed from v7: v7's item side, longest rows first, still had its SMs active in only 66% of
//! the elapsed cycles (Nsight Compute, Netflix shape, f = 100, H200, `benches/results/gpu/v7/`):
//! the longest item (463,506 entries) in one block, a few warps on one SM, outlasts everything
//! else. Here the host cuts every row longer than L entries (L ≈ nnz / (12 · SMs), at least 256)
//! into ⌈len / L⌉ pieces of nearly equal length. A work unit is a whole row or a piece; the units
//! go longest first, one per block. A piece's block writes its partial sums (Σ w θθᵀ, Σ w θ) to
//! a scratch slot, and `hermitian_v8_finish` adds a row's slots in piece order —
//! deterministic, unlike atomics — and writes A_u and b_u. Rows that are not split are written
//! as in v7, so they are bit-identical to v7's.
//!
//! Work unit k: `work[3k] = lo`, `work[3k + 1] = hi` (entries of the sparse matrix),
//! `work[3k + 2] = slot << 32 | local` (batch row; slot [`WHOLE`] for a row in one piece).
//! Split row s: `splits[3s..3s + 3] = (local, first slot, pieces)`.
//!
//! Launch: as v7 with grid = work units; then `hermitian_v8_finish`: one block of 256 threads per
//! split row, no shared memory. Budget: as v7 (launch bounds at f = 64), spill-free.
use super::tiles::{store_coalesced, sum_groups, Tile};
use super::v5_pipelined::accumulate;
use super::{outputs, store_a4, Problem, ProblemOf};
use crate::prelude::*;
use rustmf_kernel_abi::hermitian::{tiles, HermitianFinish, FINISH_BLOCK};

/// The slot of a row that is not split.
pub const WHOLE: u32 = u32::MAX;

/// Work unit `k`: its entries `lo..hi`, its batch row and its slot ([`WHOLE`] for a whole row).
#[inline(always)]
pub fn work_unit(work: Global<u64>, k: usize) -> (usize, usize, u32, u32) {
    let (lo, hi, tag) = (work.get(3 * k), work.get(3 * k + 1), work.get(3 * k + 2));
    (lo as usize, hi as usize, tag as u32, (tag >> 32) as u32)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn hermitian_split<const F: usize, const T: usize, const G: usize, const BLOCK: u32, const HALF: bool>(
    n_units: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
    work: Global<u64>,
    partial_a: GlobalMut<f32>,
    partial_b: GlobalMut<f32>,
) {
    let Some((tile, unit)) = Tile::enter::<F, T, G, BLOCK>(n_units) else { return };
    let tid = thread_idx();
    let (lo, hi, local, slot) = work_unit(work, unit as usize);
    let (mut acc, bias) = accumulate::<F, T, G, BLOCK>(&p, &tile, lo, hi);
    sum_groups::<T, G>(&mut acc, &tile, tid);
    let (b_row, b_dst) = if slot == WHOLE {
        store_coalesced::<F, T, HALF, BLOCK>(&acc, &tile, |i, j| p.extra(i, j, F, hi - lo), local, a_out);
        (local, b_out)
    } else {
        store_coalesced::<F, T, false, BLOCK>(&acc, &tile, |_, _| 0.0, slot, partial_a);
        (slot, partial_b)
    };
    if (tid as usize) < F {
        b_dst.set(b_row as usize * F + tid as usize, bias);
    }
}

/// A_u and b_u of each split row: its pieces' partial sums added in order, plus
/// `Problem::extra` (with the whole row's length).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn finish<const F: usize, const HALF: bool>(
    n_split: u32,
    row_begin: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
    splits: Global<u32>,
    partial_a: Global<f32>,
    partial_b: Global<f32>,
) {
    if block_dim() != FINISH_BLOCK || F % 4 != 0 {
        trap();
    }
    let s = block_idx() as usize;
    if s >= n_split as usize {
        return;
    }
    let (local, first, pieces) =
        (splits.get(3 * s) as usize, splits.get(3 * s + 1) as usize, splits.get(3 * s + 2) as usize);
    let (lo, hi) = p.entries(row_begin + local as u32);
    let tid = thread_idx() as usize;
    let mut q = tid;
    while q < F * F / 4 {
        let mut v = [0.0f32; 4];
        for k in first..first + pieces {
            let x = partial_a.ldg4(k * F * F + 4 * q).0;
            for e in 0..4 {
                v[e] += x[e];
            }
        }
        for (e, x) in v.iter_mut().enumerate() {
            let (r, c) = ((4 * q + e) / F, (4 * q + e) % F);
            *x += p.extra(r.max(c), r.min(c), F, hi - lo);
        }
        store_a4::<HALF>(a_out, local * F * F + 4 * q, v);
        q += FINISH_BLOCK as usize;
    }
    if tid < F {
        let mut b = 0.0f32;
        for k in first..first + pieces {
            b += partial_b.ldg(k * F + tid);
        }
        b_out.set(local * F + tid, b);
    }
}

hermitian_kernels!(8, fp16, Units => hermitian_split::<F, { tiles(F).t }, { tiles(F).groups }, { tiles(F).block }, HALF>);

/// The finish kernel's entry points, one per f, fp32 and fp16 A.
macro_rules! finish_kernels {
    ([$($f:literal),*]) => {
        rustmf_kernel_abi::hermitian_finish_kernels! {
            $(${concat(hermitian_v8_finish_f, $f)} => |a: HermitianFinish| finish_all::<$f, false>(a),)*
            $(${concat(hermitian_v8_finish_f, $f, _half)} => |a: HermitianFinish| finish_all::<$f, true>(a),)*
        }
    };
}

rustmf_kernel_abi::with_supported_f!(finish_kernels!());

/// The views of the finish kernel's arguments. The split rows name batch rows and scratch slots,
/// neither count passed: A, b and the partial sums are unbounded.
#[inline(always)]
unsafe fn finish_all<const F: usize, const HALF: bool>(a: HermitianFinish) {
    let p = a.problem::<F>();
    let (a_out, b_out) = outputs::<F, HALF>(a.a_out, a.b_out, None);
    let splits = Global::new(a.splits, 3 * a.n_split as usize);
    let (partial_a, partial_b) = (Global::unbounded(a.partial_a), Global::unbounded(a.partial_b));
    finish::<F, HALF>(a.n_split, a.row_begin, p, a_out, b_out, splits, partial_a, partial_b)
}
