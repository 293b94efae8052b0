//! get_hermitian v9 — v8's work units on Hopper's warpgroup tensor cores (`wgmma`, sm_90a only:
//! H100/H200), in 3×TF32 (fp32 accuracy), with b_u computed by the same products.
//!
//! Changed from v8 (same work units, finish kernel and output): the FMAs of v8's register tiles
//! become asynchronous `wgmma` products read straight from shared memory, and b_u is one more row
//! of the operand. v8's tiles reached 27% of the fp32 peak, bound by latency at three blocks per
//! SM; v9 reaches 51% on the Netflix shape (measured below).
//!
//! ## Notes
//!
//! What it computes: for each work unit of v8 (a whole row, or a piece of a long one), with
//! X = the unit's n × f matrix of rows √w_i·θ_iᵀ (w = 1, or c − 1, as `Problem::weights`) and
//! y_i = w_b,i / √w_i (r_i when explicit; 0 when w_i = 0), the (f + 1)-row operand
//! Z = [Xᵀ; yᵀ] gives
//!
//! ```text
//! Z·Zᵀ = [ XᵀX  Xᵀy ]      XᵀX = Σ w θθᵀ (A_u without its extra term),   yᵀX = Σ w_b θᵀ = b_uᵀ
//!        [ yᵀX  yᵀy ]
//! ```
//!
//! so one product yields A_u's lower triangle and, in row f, b_u.
//!
//! Changed from v8 (same work units, longest first; same finish kernel for split rows; same
//! output): the FMAs become `wgmma.mma_async` TF32 tiles read straight from shared memory.
//! v8's 10×10 register tiles keep the FMA pipe ~65% busy but deliver 27% of the fp32 peak
//! (Nsight Compute: three 128-thread blocks per SM, latency at every item and every chunk);
//! v6's `mma.sync` (16×8 tiles per warp) spent its issue slots on fragment loads around each
//! `mma`. A `wgmma` is one instruction per warp for 64×N×8 multiply-adds (64·104·8 = 53,248 at
//! f = 100), its operands never pass through registers, and it runs asynchronously: the
//! warpgroup stages the next chunk while the tensor cores multiply the current one. The cost
//! moves to staging, which is per element of X (f per item), not per product (f²/2 per item).
//!
//! * **Operand**: Z for a chunk of KC = 32 items, split into TF32 big and small parts, each in
//!   the K-major layout of `prelude::wgmma` (rows: the P = 8·⌈(f+1)/8⌉ rows of Z, zeros past
//!   row f; K: the chunk's items, zeros past the unit's end). TF32 `wgmma` reads only K-major
//!   operands, and θ's rows are item-major, so staging transposes: a warp's store fills one
//!   128-byte core matrix (8 rows × 4 items), bank-conflict free; its loads read 8 consecutive
//!   floats of θ from each of 4 items. Each element is loaded, scaled by √w, split and stored
//!   once, by one thread.
//! * **Tiles**: A_u is covered by 64-row windows from the bottom, tile t holding rows
//!   [P − 64(t+1), P − 64t) (the last one clipped at row 0) × columns [0, P − 64t): everything
//!   on or below the diagonal, with b_u in row f. At f = 100 (P = 104): rows 40..103 × 104
//!   columns and rows 0..63 × 40 columns (the second writes only rows 0..39): 9,216
//!   multiply-adds per item for the 5,150 needed. Both tiles read the same operand, A at their
//!   first row and B at row 0, because Z·Zᵀ multiplies Z by itself.
//! * **3×TF32**: Z = big + small (`prelude::mma::split_tf32`), Z·Zᵀ ≈ big·bigᵀ + big·smallᵀ +
//!   small·bigᵀ (small·smallᵀ, ~2⁻²² relative, dropped), three `wgmma`s per tile and k-step.
//! * **Pipeline**: two stages. The warpgroup issues the current chunk's `wgmma`s and commits
//!   them, waits until the previous chunk's group is done (its stage is then free), and stages
//!   the next chunk there while the tensor cores work; the next chunk's column indices and
//!   values are fetched a chunk earlier still, so the θ gathers do not wait for them. Every
//!   chunk issues all four k-steps, a unit's last one too (see the loop for why).
//! * **Epilogue**: the accumulators go to shared memory (the stages, free by then) as all of
//!   A_u, each entry below the diagonal also at its mirror place, and b_u; the block then writes
//!   A_u out coalesced, one 16-byte shared load per piece ([`write_full`]), or a
//!   split row's partial sums to its scratch slot.
//!
//! Launch: as v8 (grid = work units, `hermitian_v8_finish` after for split rows) with one warpgroup
//! per block, [`BLOCK`] = 128 threads; dynamic shared memory
//! `rustmf_kernel_abi::hermitian::wgmma::shared_bytes` (52 KiB at f = 100: four blocks per SM).
//! Budget: N/2 accumulator registers per tile (52 + 20 at f = 100; 68 + 36 + 4 at f = 128), plus
//! the staged values: 128 registers at f = 100 (four blocks per SM), 96 at f = 64, 168 at f = 128
//! on sm_90a; spill-free (`rustmf ptx-check`). Needs f % 4 == 0.
//!
//! Measured (H200, Netflix shape f = 100, both sides): 58.8 ms against v8's 110.8 ms, 34.0
//! TFLOP/s of useful fp32-equivalent work, 50.8% of the fp32 FMA peak; LFM-1b shape f = 64:
//! 166.5 ms against 278.2 ms. Nsight Compute: the L1/shared-memory path is the busiest unit
//! (75–78%: operand reads, transposing stores, gathers), ahead of issue (47–52%); see
//! benches/HISTORY.md, "get_hermitian v9".
use super::v8_split::{work_unit, WHOLE};
use super::{store_a4, Problem};
use crate::prelude::wgmma::{
    fence_proxy_async, kmajor_desc, kmajor_offset, wgmma_commit, wgmma_fence, wgmma_tf32, wgmma_wait,
    wgmma_wait_others, Accumulator,
};
use crate::prelude::*;
use rustmf_kernel_abi::hermitian::wgmma::{padded, shared_bytes, stage_rows, tile_registers, BLOCK, KC};

/// 16-byte chunks per operand row.
const CHUNKS: usize = KC / 4;

/// One stage: the big and small TF32 parts of Z.
#[derive(Clone, Copy)]
struct Stage {
    big: Shared<u32>,
    small: Shared<u32>,
}

/// What staging needs of one item: its column of θ, √w and y (zeros past the unit's end).
#[derive(Clone, Copy)]
struct Item {
    col: usize,
    scale: f32,
    y: f32,
}

/// This thread's two items of a stage: 4·warp + lane % 4 and 16 more (a warp's stores then fill
/// whole core matrices: 8 rows × 4 items).
#[inline(always)]
fn my_items() -> [usize; 2] {
    let k = 4 * warp_id() as usize + lane_id() as usize % 4;
    [k, k + 16]
}

/// Column, √w and y of this thread's items in the chunk of entries `start..end`.
#[inline(always)]
unsafe fn fetch(p: &Problem, start: usize, end: usize) -> [Item; 2] {
    my_items().map(|k| {
        if start + k >= end {
            return Item { col: 0, scale: 0.0, y: 0.0 };
        }
        let (wa, wb) = p.weights(p.values.ldg(start + k));
        let scale = sqrt(wa);
        Item { col: p.indices.ldg(start + k) as usize, scale, y: if wa > 0.0 { wb / scale } else { 0.0 } }
    })
}

/// Writes Z's rows 0..8G for this thread's items into `stage`, split into TF32 parts: row
/// 8g + lane / 4 of each item for every row group g.
#[inline(always)]
unsafe fn stage_chunk<const F: usize, const G: usize>(p: &Problem, stage: Stage, items: [Item; 2]) {
    let row0 = lane_id() as usize / 4;
    let z: [[f32; 2]; G] = core::array::from_fn(|g| {
        let r = 8 * g + row0;
        items.map(|it| {
            if r < F && it.scale != 0.0 {
                it.scale * p.theta.ldg(it.col * F + r)
            } else if r == F {
                it.y
            } else {
                0.0
            }
        })
    });
    let ks = my_items();
    for (g, pair) in z.iter().enumerate() {
        for (i, &v) in pair.iter().enumerate() {
            let at = (kmajor_offset(8 * g + row0, ks[i], CHUNKS) / 4) as u32;
            let (big, small) = split_tf32(v);
            stage.big.store_unchecked(at, big);
            stage.small.store_unchecked(at, small);
        }
    }
}

/// First row of tile t's 64-row window.
const fn window(p: usize, t: usize) -> usize {
    if p > 64 * (t + 1) {
        p - 64 * (t + 1)
    } else {
        0
    }
}

/// Tile t's three products for one k-step, the operand's stage at byte addresses `big` and
/// `small` (already advanced to the k-step): A from the window's first row, B from row 0.
#[inline(always)]
unsafe fn multiply(acc: &mut impl Accumulator, first_row: usize, big: u32, small: u32, overwrite: bool) {
    let row = kmajor_offset(first_row, 0, CHUNKS) as u32;
    let desc = |addr: u32| kmajor_desc(addr, CHUNKS as u32);
    wgmma_tf32(acc, desc(big + row), desc(big), !overwrite);
    wgmma_tf32(acc, desc(big + row), desc(small), true);
    wgmma_tf32(acc, desc(small + row), desc(big), true);
}

/// Puts this thread's part of tile t (rows `first_row..end_row`) into `a_s`, each entry below the
/// diagonal also at its mirror place (so `a_s` holds all of A_u, exactly symmetric), and b_u
/// (row f) into `b_s`.
#[inline(always)]
unsafe fn keep<const F: usize, const R: usize>(
    acc: &[f32; R],
    first_row: usize,
    end_row: usize,
    a_s: Shared<f32>,
    b_s: Shared<f32>,
) {
    let (w, g, t) = (warp_id() as usize, lane_id() as usize / 4, lane_id() as usize % 4);
    for j in 0..R / 4 {
        for h in 0..2 {
            for c in 0..2 {
                let (m, n) = (first_row + 16 * w + g + 8 * h, 8 * j + 2 * t + c);
                let v = acc[4 * j + 2 * h + c];
                if m >= end_row {
                    continue;
                }
                if m < F && n <= m {
                    a_s.store_unchecked((m * F + n) as u32, v);
                    a_s.store_unchecked((n * F + m) as u32, v);
                } else if m == F && n < F {
                    b_s.store_unchecked(n as u32, v);
                }
            }
        }
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn hermitian_wgmma<
    const F: usize,
    const G: usize,
    const R0: usize,
    const R1: usize,
    const R2: usize,
    const HALF: bool,
>(
    n_units: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
    work: Global<u64>,
    partial_a: GlobalMut<f32>,
    partial_b: GlobalMut<f32>,
) where
    [f32; R0]: Accumulator,
    [f32; R1]: Accumulator,
    [f32; R2]: Accumulator,
{
    let pad = padded(F);
    if block_dim() != BLOCK
        || F % 4 != 0
        || 8 * G != pad
        || R0 != tile_registers(F, 0)
        || R1 != tile_registers(F, 1)
        || R2 != tile_registers(F, 2)
        || tile_registers(F, 3) != 0
        || dynamic_shared_bytes() < shared_bytes(F) as u32
    {
        trap();
    }
    let unit = block_idx() as usize;
    if unit >= n_units as usize {
        return;
    }
    let tid = thread_idx() as usize;
    let (lo, hi, local, slot) = work_unit(work, unit);
    let words = stage_rows(F) * KC;
    let part = |i: usize| Shared::<u32>::new((4 * words * i) as u32, words as u32);
    let stage = |s: usize| Stage { big: part(2 * s), small: part(2 * s + 1) };
    // Rows past P (at f = 32, where the window has 64 rows) stay zero.
    for i in 0..4 {
        for at in (pad * KC + tid..words).step_by(BLOCK as usize) {
            part(i).store_unchecked(at as u32, 0);
        }
    }

    let (mut acc0, mut acc1, mut acc2) = ([0.0f32; R0], [0.0f32; R1], [0.0f32; R2]);
    // At least one chunk, so that the accumulators are always defined by `wgmma`s (an empty
    // row's products of zeros): zeros reaching the epilogue on a path that skips them make
    // ptxas serialize every `wgmma` (C7515).
    let chunks = (hi - lo).div_ceil(KC).max(1);
    stage_chunk::<F, G>(&p, stage(0), fetch(&p, lo, hi));
    let mut next = fetch(&p, lo + KC, hi);
    fence_proxy_async();
    sync_threads();
    for c in 0..chunks {
        let cur = stage(c % 2);
        wgmma_fence(&mut acc0);
        wgmma_fence(&mut acc1);
        wgmma_fence(&mut acc2);
        // All four k-steps, also in a unit's last chunk (its padding items are zeros): the
        // `wgmma`s must follow their fence in one basic block, up to the commit, or ptxas
        // serializes them — a loop of run-time length, or a branch to variants with fewer
        // k-steps, breaks that (both tried: C7515, and 152 registers instead of 128).
        for s in 0..KC / 8 {
            let at = (kmajor_offset(0, 8 * s, CHUNKS) / 4) as u32;
            let (big, small) = (cur.big.address(at), cur.small.address(at));
            let overwrite = c == 0 && s == 0;
            multiply(&mut acc0, window(pad, 0), big, small, overwrite);
            multiply(&mut acc1, window(pad, 1), big, small, overwrite);
            multiply(&mut acc2, window(pad, 2), big, small, overwrite);
        }
        wgmma_commit();
        if c + 1 < chunks {
            // The previous chunk's products are done with the other stage.
            wgmma_wait_others::<1>();
            stage_chunk::<F, G>(&p, stage((c + 1) % 2), next);
            next = fetch(&p, lo + (c + 2) * KC, hi);
            fence_proxy_async();
        }
        sync_threads();
    }
    wgmma_wait::<0>(&mut acc0);
    wgmma_wait::<0>(&mut acc1);
    wgmma_wait::<0>(&mut acc2);
    // Every warp's products are done: the stages are free for A_u.
    sync_threads();
    let a_s = Shared::<f32>::new(0, (F * F) as u32);
    let b_s = Shared::<f32>::new(a_s.end_offset(), F as u32);
    keep::<F, R0>(&acc0, window(pad, 0), pad, a_s, b_s);
    keep::<F, R1>(&acc1, window(pad, 1), window(pad, 0), a_s, b_s);
    keep::<F, R2>(&acc2, window(pad, 2), window(pad, 1), a_s, b_s);
    sync_threads();
    let (b_row, b_dst) = if slot == WHOLE {
        write_full::<F, HALF, BLOCK>(a_s, |i, j| p.extra(i, j, F, hi - lo), local, a_out);
        (local, b_out)
    } else {
        write_full::<F, false, BLOCK>(a_s, |_, _| 0.0, slot, partial_a);
        (slot, partial_b)
    };
    if tid < F {
        b_dst.set(b_row as usize * F + tid, b_s.load_unchecked(tid as u32));
    }
}

/// As [`super::tiles::write_symmetric`], from a full, exactly symmetric f×f matrix in `a_s`: each piece is one
/// 16-byte shared load and one row-and-column computation, `extra` taken at the lower-triangle
/// place (i ≥ j) of each entry so that A_u stays exactly symmetric.
///
/// # Safety
/// As [`super::tiles::write_symmetric`].
#[inline(always)]
pub unsafe fn write_full<const F: usize, const HALF: bool, const BLOCK: u32>(
    a_s: Shared<f32>,
    extra: impl Fn(usize, usize) -> f32,
    local: u32,
    a_out: GlobalMut<f32>,
) {
    if F % 4 != 0 {
        trap();
    }
    let a = local as usize * F * F;
    let mut q = thread_idx() as usize;
    while q < F * F / 4 {
        let (r, c0) = (q / (F / 4), 4 * (q % (F / 4)));
        let mut v = a_s.load4_unchecked((4 * q) as u32).0;
        for (e, x) in v.iter_mut().enumerate() {
            let c = c0 + e;
            *x += extra(r.max(c), r.min(c));
        }
        store_a4::<HALF>(a_out, a + 4 * q, v);
        q += BLOCK as usize;
    }
}

// <F, G = P/8, tile registers R0, R1, R2, HALF>
hermitian_kernels!(9, fp16, Units => hermitian_wgmma::<F, { padded(F) / 8 }, { tile_registers(F, 0) }, { tile_registers(F, 1) }, { tile_registers(F, 2) }, HALF>);
