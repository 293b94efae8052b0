//! Fused filtering with warpgroup `wgmma` (sm_90a: H100/H200): the test of [`super::score_tf32`],
//! TF32 scores kept when within a proven bound of their error of the row's threshold, with the
//! products issued by whole warpgroups straight from shared memory.
//!
//! ```text
//! keep (u, i)  ⇔  s̃_ui + slack_u·‖y_i‖ ≥ τ_u,    slack_u = 2⁻⁸·‖q_u‖ (host, rounded up)
//! ```
//!
//! The bound, and why no item of the exact top-K is lost, are [`super::score_tf32`]'s: queries
//! enter rounded to TF32, items as their fp32 bits, of which the tensor core uses the TF32 part
//! (each within 2⁻¹⁰ of its value either way), products accumulated in fp32.
//!
//! What changed from `score_tf32`, and why it was meant to be faster (it is not yet: see Measured
//! below). There, each warp kept its 32 users' TF32 fragments in registers (64 registers at f = 64)
//! and loaded, masked and fed every item fragment itself: per `mma.sync` (16×8×8, 1024
//! multiply-adds) a quarter of a 128-bit shared load, two masks and a share of the test, from
//! registers that also bounded the reuse of each item fragment to two m-tiles. Here a warpgroup's
//! `wgmma.m64n64k8` reads a 64-user × 8 and a 64-item × 8 tile from shared memory itself: 32768
//! multiply-adds per instruction, no operand registers, no masks, and the registers go to a
//! 128-user × 64-item accumulator instead.
//!
//! Work split. A block of two warpgroups keeps its U = 128·MT users' queries, rounded to TF32,
//! in shared memory for the whole kernel (MT = 2 m-tiles of 64 per warpgroup up to f = 64, else
//! 1), in the K-major layout of [`crate::prelude::wgmma`], and streams its partition of the items
//! through two 64-item stages with `cp.async`. Per stage, warpgroup w multiplies its users by the
//! stage's items (MT·f_pad/8 `wgmma`s, f_pad = 8·⌈f/8⌉, zeros past f), then each thread tests
//! its 32·MT scores against its users' thresholds and queues hits ([`super::queue`]) for `rescore`.
//!
//! Each m-tile's `wgmma`s are committed as their own group, so the first m-tile's scores are
//! tested while the tensor cores work on the second.
//!
//! Launch (`rustmf_kernel_abi::topk::wgmma::launch`): 256 threads; grid = ⌈B/U⌉ × partitions (block
//! b: user block b % ⌈B/U⌉, partition b / ⌈B/U⌉ of `tiles_per_block` 64-item tiles). Dynamic shared
//! memory `rustmf_kernel_abi::topk::wgmma::shared_bytes` (108 KiB at f = 64: two blocks per SM).
//! Registers: 32·MT accumulators, 16 item norms, 4·MT thresholds and slacks; 127 at f = 64 (launch
//! bounds, `rustmf_kernel_abi::bounds`: at most 128), spill-free.
//!
//! Measured (H200, B = 1000 × 5.6M, f = 64; benches/HISTORY.md): 6.81 ms at base clocks against
//! `score_tf32`'s 5.12 — slower. Nsight Compute: no eligible warp in 60% of the cycles. Every
//! 64-item tile ends at a block barrier, and a warpgroup issues its tile's `wgmma`s only after
//! testing the previous tile's scores, so the tensor cores idle through each epilogue. What would
//! change that: a second accumulator set (the next tile's `wgmma`s in flight during the test;
//! needs MT = 1 or N = 32 to fit the registers), larger N per instruction (fewer, longer
//! `wgmma`s per shared-memory read), and stages guarded by `mbarrier`s instead of a block barrier.
use super::queue::{Lists, Queue};
use crate::prelude::wgmma::{
    fence_proxy_async, kmajor_chunk, kmajor_desc, kmajor_offset, wgmma_commit, wgmma_fence, wgmma_tf32, wgmma_wait,
};
use crate::prelude::*;
use rustmf_kernel_abi::topk::wgmma::{block_users, m_tiles, padded, shared_bytes, BLOCK, NI, QUEUE};
use rustmf_kernel_abi::topk::{norms_len, ScoreFilterTensor};

/// Copies item tile `tile` (zeros past the last item and past f) into `stage`.
#[inline(always)]
unsafe fn stage_items<const F: usize>(stage: Shared<f32>, items: Global<f32>, n: usize, tile: usize, tid: usize) {
    // Raw addresses, as before the views: the zero-filling copies select between two addresses
    // (as v6's `issue` does).
    let items = items.as_ptr();
    let kc = padded(F) / 4;
    let mut idx = tid;
    while idx < NI * kc {
        let (r, c) = kmajor_chunk(idx, kc);
        let item = tile * NI + r;
        let copy = item < n && 4 * c < F;
        let src = if copy { items.add(item * F + 4 * c) } else { items };
        cp_async_16_or_zero(stage, (kmajor_offset(r, 4 * c, kc) / 4) as u32, src, copy);
        idx += BLOCK as usize;
    }
}

/// Stores the block's queries, rounded to TF32 (zeros past the last row and past f).
#[inline(always)]
unsafe fn stage_queries<const F: usize, const U: usize>(
    users: Shared<f32>,
    queries: Global<f32>,
    rows: usize,
    first_user: usize,
    tid: usize,
) {
    let kc = padded(F) / 4;
    let mut idx = tid;
    while idx < U * kc {
        let (r, c) = kmajor_chunk(idx, kc);
        let u = first_user + r;
        let v = core::array::from_fn(|e| {
            let p = 4 * c + e;
            if u < rows && p < F {
                f32::from_bits(to_tf32(queries.get(u * F + p)))
            } else {
                0.0
            }
        });
        users.store4_unchecked((kmajor_offset(r, 4 * c, kc) / 4) as u32, F32x4(v));
        idx += BLOCK as usize;
    }
}

/// Tests one m-tile's 32 scores of this thread (users `user + 8h`, items `i0 + 8j + c`) and
/// queues the hits.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn test_scores(
    d: &[f32; 32],
    norm: &[[f32; 2]; NI / 8],
    thr: [f32; 2],
    sl: [f32; 2],
    user: usize,
    i0: usize,
    n: usize,
    hits: &Queue,
    lists: &Lists,
) {
    let mut hit = [false; 32];
    let mut any = false;
    for j in 0..NI / 8 {
        for h in 0..2 {
            for c in 0..2 {
                let e = 4 * j + 2 * h + c;
                hit[e] = fma(sl[h], norm[j][c], d[e]) >= thr[h];
                any |= hit[e];
            }
        }
    }
    if any {
        for j in 0..NI / 8 {
            for h in 0..2 {
                for c in 0..2 {
                    let item = i0 + 8 * j + c;
                    if hit[4 * j + 2 * h + c] && item < n {
                        hits.push(lists, user + 8 * h, item as u32, 0.0);
                    }
                }
            }
        }
    }
}

/// Candidates of rows × all n_items items: item i of row r when its TF32 score plus
/// slack[r]·norms[i] reaches the row's threshold `tau[r]` and i is not excluded, appended to
/// `cand_items` (capacity `cap` per row, `counts[r]` counting; `cand_scores` gets zeros, for
/// `topk_rescore` to fill). `norms` holds ⌈n/64⌉·64 entries.
#[inline(always)]
unsafe fn filter_wgmma<const F: usize, const MT: usize, const U: usize, const KSTEPS: usize>(a: ScoreFilterTensor) {
    let ScoreFilterTensor { rows, queries, items, norms, n_items, tiles_per_block, tau, slack, .. } = a;
    let (ex_indptr, ex_items, cap, counts) = (a.ex_indptr, a.ex_items, a.cap as usize, a.counts);
    let lists = &Lists::new(rows as usize, ex_indptr, ex_items, cap, counts, a.cand_scores, a.cand_items);
    let (rows, n, tiles_per_block) = (rows as usize, n_items as usize, tiles_per_block as usize);
    let (queries, items, norms) =
        (Global::new(queries, rows * F), Global::new(items, n * F), Global::new(norms, norms_len(n)));
    let (tau, slack) = (Global::new(tau, rows), Global::new(slack, rows));
    if block_dim() != BLOCK
        || MT != m_tiles(F)
        || U != block_users(F)
        || KSTEPS != padded(F) / 8
        || dynamic_shared_bytes() < shared_bytes(F) as u32
    {
        trap();
    }
    let tid = thread_idx() as usize;
    let (g, t) = (lane_id() as usize / 4, lane_id() as usize % 4);
    let (wg, w) = (warp_id() as usize / 4, warp_id() as usize % 4);
    let user_blocks = rows.div_ceil(U);
    let (ub, part) = (block_idx() as usize % user_blocks, block_idx() as usize / user_blocks);
    let first = part * tiles_per_block;
    let last = (first + tiles_per_block).min(n.div_ceil(NI));
    if first >= last {
        return;
    }
    let kc = padded(F) / 4;
    let users = Shared::<f32>::new(0, (U * padded(F)) as u32);
    let stage = |b: usize| Shared::<f32>::new((4 * padded(F) * (U + NI * b)) as u32, (NI * padded(F)) as u32);
    let hits = Queue::new(stage(1).end_offset(), QUEUE as u32);
    hits.clear();
    stage_queries::<F, U>(users, queries, rows, ub * U, tid);
    stage_items::<F>(stage(0), items, n, first, tid);
    cp_async_commit();
    // This thread's users: u_wg + 64m + 16w + g + 8h (rows of the accumulators it holds).
    let u_wg = ub * U + wg * 64 * MT;
    let mut thr = [[f32::INFINITY; 2]; MT];
    let mut sl = [[0.0f32; 2]; MT];
    for m in 0..MT {
        for h in 0..2 {
            let r = u_wg + 64 * m + 16 * w + g + 8 * h;
            if r < rows {
                thr[m][h] = tau.get(r);
                sl[m][h] = slack.get(r);
            }
        }
    }
    let mut d = [[0.0f32; 32]; MT];
    for tile in first..last {
        let cur = (tile - first) % 2;
        // This stage (and, the first time, the queries) landed and visible to the tensor cores;
        // every warpgroup is done with the other stage.
        cp_async_wait::<0>();
        fence_proxy_async();
        sync_threads();
        hits.drain(lists, false);
        if tile + 1 < last {
            stage_items::<F>(stage(1 - cur), items, n, tile + 1, tid);
        }
        cp_async_commit();
        // A warpgroup with no user (the second one at B ≤ 64·MT) only stages and meets the barriers.
        if u_wg >= rows {
            continue;
        }
        for dm in d.iter_mut() {
            wgmma_fence(dm);
        }
        // One commit group per m-tile, so that the first m-tile's scores are tested while the
        // tensor cores still work on the second.
        for (m, dm) in d.iter_mut().enumerate() {
            let a = users.address((kmajor_offset(64 * (wg * MT + m), 0, kc) / 4) as u32);
            let b = stage(cur).address(0);
            for s in 0..KSTEPS {
                let step = (kmajor_offset(0, 8 * s, kc)) as u32;
                wgmma_tf32(dm, kmajor_desc(a + step, kc as u32), kmajor_desc(b + step, kc as u32), s > 0);
            }
            wgmma_commit();
        }
        // The stage's norms load while the tensor cores work (the column items 8j + 2t + c).
        let i0 = tile * NI + 2 * t;
        let norm: [[f32; 2]; NI / 8] = core::array::from_fn(|j| norms.ldg2(i0 + 8 * j));
        let first_user = u_wg + 16 * w + g;
        if MT == 2 {
            wgmma_wait::<1>(&mut d[0]);
            test_scores(&d[0], &norm, thr[0], sl[0], first_user, i0, n, &hits, lists);
        }
        wgmma_wait::<0>(&mut d[MT - 1]);
        test_scores(&d[MT - 1], &norm, thr[MT - 1], sl[MT - 1], first_user + 64 * (MT - 1), i0, n, &hits, lists);
    }
    sync_threads();
    hits.drain(lists, true);
}

/// Declares the kernel for each f.
macro_rules! filter_kernels {
    ([$($f:literal),*]) => {
        rustmf_kernel_abi::score_filter_tensor_kernels! {
            $(${concat(score_filter_wgmma_f, $f)} =>
                filter_wgmma::<$f, { m_tiles($f) }, { block_users($f) }, { padded($f) / 8 }>,)*
        }
    };
}

rustmf_kernel_abi::with_supported_f!(filter_kernels!());
