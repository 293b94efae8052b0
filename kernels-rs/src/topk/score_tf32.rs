//! Fused filtering on the tensor cores: approximate scores in TF32 (`mma.sync.m16n8k8`), kept as
//! candidates when they reach the row's threshold less a proven bound of their error. The host
//! then scores the candidates exactly (`rescore`) and selects (`select::topk_candidates`).
//!
//! ```text
//! keep (u, i)  ⇔  s̃_ui + slack_u·‖y_i‖ ≥ τ_u,    slack_u = 2⁻⁸·‖q_u‖ (host, rounded up)
//! ```
//!
//! Why nothing is lost. The operands enter the `mma` as TF32: queries rounded to nearest,
//! items truncated (their low 13 bits masked), each within 2⁻¹⁰ of its value. So each product is
//! within (2⁻⁹ + 2⁻²⁰)·|q_j y_ij| of exact. The fp32 accumulation in the tensor core and the
//! reference's FMA chain (`score`) each add less than f·2⁻²³·Σ|q_j y_ij|. Summed,
//! |s̃ − s| < (2⁻⁹ + f·2⁻²²)·Σ_j|q_j||y_ij| ≤ 2⁻⁸·‖q‖‖y_i‖ for f ≤ 128 (Cauchy–Schwarz). An item
//! whose exact score s reaches τ_u (every true top-K item, as in `score`) therefore passes the
//! test. The exact top-K of the candidates is the exact top-K: the answer is the CPU reference's
//! bit for bit, while the B × N products run on the tensor cores.
//!
//! Work split. Each warp keeps MT m-tiles (16 users each) of queries in registers as `mma` A
//! fragments for the whole kernel: MT = 2 up to f = 64, else 1 (MT·f_pad/2 registers). A block of
//! 8 warps stages tiles of TI = 128 item rows in shared memory with `cp.async`, double-buffered,
//! and every warp multiplies its users by every 8-item n-tile of the tile, [`NT`] n-tiles at a time.
//!
//! The reduction index j is permuted, identically in A and B, so that each lane's B fragments for
//! two k-steps are one 128-bit shared load: lane (g, t) = (lane / 4, lane % 4) takes floats
//! 16·s′ + 4t .. +4 of item row g. Logical k = t of k-step 2s′ + h is float 16s′ + 4t + 2h, and
//! k = t + 4 is the float after it. Rows are S floats apart, with S ≡ 16 (mod 32), so the 8 lanes
//! of each 128-bit phase hit distinct banks. f is zero-padded to f_pad = 16·⌈f/16⌉.
//!
//! Hits go through the block's shared-memory queue ([`super::queue`]): appending in place stalled the
//! warps on exclusion searches and atomics.
//!
//! Launch (`rustmf_kernel_abi::topk::tf32::launch`): 256 threads; grid = ⌈B/(128·MT)⌉ × partitions
//! (block b: user block b % ⌈B/(128·MT)⌉, partition b / … of `tiles_per_block` item tiles). Dynamic
//! shared memory `rustmf_kernel_abi::topk::tf32::shared_bytes` (92 KiB at f = 64). Registers: A
//! fragments (64 at f = 64), B operands, 8·NT accumulators, 8 thresholds and 8 slacks, at most 128
//! (launch bounds, `rustmf_kernel_abi::bounds`: two blocks per SM); spill-free.
use super::queue::{Lists, Queue};
use crate::prelude::mma::TF32_MASK;
use crate::prelude::*;
use rustmf_kernel_abi::topk::tf32::{block_users, m_tiles, padded, row_stride, shared_bytes, BLOCK, QUEUE, TI};
use rustmf_kernel_abi::topk::{norms_len, ScoreFilterTensor};

/// 8-item n-tiles a warp multiplies per step, each with its own MT `mma` chains: on sm_90 two
/// (four independent chains at MT = 2 instead of two; spill-free in 128 registers); on sm_80 one,
/// as two spilled there.
const NT: usize = if cfg!(target_feature = "sm_90") { 2 } else { 1 };

/// Stages item tile `tile` (rows × f_pad floats, zero past the last item and past f) into `buf`.
#[inline(always)]
unsafe fn stage<const F: usize>(buf: Shared<f32>, items: Global<f32>, n: usize, tile: usize, tid: usize) {
    // Raw addresses, as before the views: the zero-filling copies select between two addresses
    // (as v6's `issue` does).
    let items = items.as_ptr();
    let quads = padded(F) / 4;
    let mut idx = tid;
    while idx < TI * quads {
        let (r, q) = (idx / quads, idx % quads);
        let item = tile * TI + r;
        let copy = item < n && 4 * q < F;
        let src = if copy { items.add(item * F + 4 * q) } else { items };
        cp_async_16_or_zero(buf, (r * row_stride(F) + 4 * q) as u32, src, copy);
        idx += BLOCK as usize;
    }
}

/// Candidates of rows × all n_items items: item i of row r when its TF32 score plus
/// slack[r]·norms[i] reaches the row's threshold `tau[r]` and i is not excluded, appended to
/// `cand_items` (capacity `cap` per row, `counts[r]` counting; `cand_scores` gets zeros, for
/// `topk_rescore` to fill). `norms` holds ⌈n/128⌉·128 entries.
#[inline(always)]
unsafe fn filter_tf32<const F: usize, const MT: usize, const KSTEPS: usize>(a: ScoreFilterTensor) {
    let ScoreFilterTensor { rows, queries, items, norms, n_items, tiles_per_block, tau, slack, .. } = a;
    let (ex_indptr, ex_items, cap, counts) = (a.ex_indptr, a.ex_items, a.cap as usize, a.counts);
    let lists = &Lists::new(rows as usize, ex_indptr, ex_items, cap, counts, a.cand_scores, a.cand_items);
    let (rows, n, tiles_per_block) = (rows as usize, n_items as usize, tiles_per_block as usize);
    let (queries, items, norms) =
        (Global::new(queries, rows * F), Global::new(items, n * F), Global::new(norms, norms_len(n)));
    let (tau, slack) = (Global::new(tau, rows), Global::new(slack, rows));
    if block_dim() != BLOCK
        || MT != m_tiles(F)
        || KSTEPS != padded(F) / 8
        || dynamic_shared_bytes() < shared_bytes(F) as u32
    {
        trap();
    }
    let tid = thread_idx() as usize;
    let (g, t) = (lane_id() as usize / 4, lane_id() as usize % 4);
    let user_blocks = rows.div_ceil(block_users(F));
    let (ub, part) = (block_idx() as usize % user_blocks, block_idx() as usize / user_blocks);
    let first = part * tiles_per_block;
    let last = (first + tiles_per_block).min(n.div_ceil(TI));
    if first >= last {
        return;
    }
    let u_warp = ub * block_users(F) + warp_id() as usize * 16 * MT;
    // Lane's users: u_warp + 16m + g + 8h. Their A fragments, thresholds and slacks, for good.
    let query = |r: usize, p: usize| if r < rows && p < F { queries.get(r * F + p) } else { 0.0 };
    let mut a = [[[0u32; 4]; KSTEPS]; MT];
    let mut thr = [[f32::INFINITY; 2]; MT];
    let mut sl = [[0.0f32; 2]; MT];
    for m in 0..MT {
        let r = u_warp + 16 * m + g;
        for s in 0..KSTEPS {
            let p = 16 * (s / 2) + 4 * t + 2 * (s % 2);
            a[m][s] = [
                to_tf32(query(r, p)),
                to_tf32(query(r + 8, p)),
                to_tf32(query(r, p + 1)),
                to_tf32(query(r + 8, p + 1)),
            ];
        }
        for h in 0..2 {
            if r + 8 * h < rows {
                thr[m][h] = tau.get(r + 8 * h);
                sl[m][h] = slack.get(r + 8 * h);
            }
        }
    }
    let tile_floats = (TI * row_stride(F)) as u32;
    let hits = Queue::new(8 * tile_floats, QUEUE as u32);
    hits.clear();
    // Buffer b of the two; chosen by arithmetic, as an array indexed at run time would live in local memory.
    let buf = |b: usize| Shared::<f32>::new(4 * tile_floats * b as u32, tile_floats);
    stage::<F>(buf(0), items, n, first, tid);
    cp_async_commit();
    for tile in first..last {
        let cur = (tile - first) % 2;
        // One barrier per tile, as in `score`: this tile has landed, the previous one is done.
        cp_async_wait::<0>();
        sync_threads();
        hits.drain(lists, false);
        if tile + 1 < last {
            stage::<F>(buf(1 - cur), items, n, tile + 1, tid);
        }
        cp_async_commit();
        // A warp with no user (past the last: 7 of 8 at B = 1) only stages and meets the barriers.
        if u_warp >= rows {
            continue;
        }
        let ys = buf(cur);
        let mut nt = 0;
        while nt < opaque(TI / 8) {
            let i0: [usize; NT] = core::array::from_fn(|p| tile * TI + 8 * (nt + p) + 2 * t);
            let norm = i0.map(|i| norms.ldg2(i));
            let mut d = [[[0.0f32; 4]; MT]; NT];
            for s2 in 0..KSTEPS / 2 {
                for p in 0..NT {
                    let row = ((8 * (nt + p) + g) * row_stride(F) + 4 * t) as u32;
                    let y = ys.load4_unchecked(row + 16 * s2 as u32).0.map(|v| v.to_bits() & TF32_MASK);
                    for m in 0..MT {
                        mma_tf32(&mut d[p][m], a[m][2 * s2], [y[0], y[1]]);
                        mma_tf32(&mut d[p][m], a[m][2 * s2 + 1], [y[2], y[3]]);
                    }
                }
            }
            for p in 0..NT {
                let mut hit = [[[false; 2]; 2]; MT];
                let mut any = false;
                for m in 0..MT {
                    for h in 0..2 {
                        for c in 0..2 {
                            hit[m][h][c] = fma(sl[m][h], norm[p][c], d[p][m][2 * h + c]) >= thr[m][h];
                            any |= hit[m][h][c];
                        }
                    }
                }
                if any {
                    for m in 0..MT {
                        for h in 0..2 {
                            for c in 0..2 {
                                if hit[m][h][c] && i0[p] + c < n {
                                    hits.push(lists, u_warp + 16 * m + g + 8 * h, (i0[p] + c) as u32, 0.0);
                                }
                            }
                        }
                    }
                }
            }
            nt += NT;
        }
    }
    sync_threads();
    hits.drain(lists, true);
}

/// Declares the kernel for each f.
macro_rules! filter_kernels {
    ([$($f:literal),*]) => {
        rustmf_kernel_abi::score_filter_tensor_kernels! {
            $(${concat(score_filter_tf32_f, $f)} => filter_tf32::<$f, { m_tiles($f) }, { padded($f) / 8 }>,)*
        }
    };
}

rustmf_kernel_abi::with_supported_f!(filter_kernels!());
