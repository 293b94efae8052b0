//! get_hermitian v6 — the sum of rank-1 updates as a matrix product on the tensor cores, in
//! 3×TF32 (fp32 accuracy).
//!
//! Changed from v5: A_u − extra = Σ_i w_i θ_i θ_iᵀ = XᵀX with X the n_u × f matrix of rows
//! √w_i·θ_i (w ≥ 0 in every mode: 1, or c − 1), so the FMAs of v1–v5 become `mma.sync.m16n8k8`
//! TF32 tiles (16 rows of A_u × 8 columns × 8 items each). v5 peaked at ~11 TFLOP/s of fp32
//! FMA at f = 100, because each FMA needs an issue slot and register-tile operands; one `mma`
//! does 1024 multiply-adds per warp instruction. TF32 keeps only 10 mantissa bits, so every
//! operand is split into big + small TF32 parts and each tile product is three `mma`s (see
//! `prelude::mma`), giving results as accurate as fp32 FMAs. Slower than v5 at f = 100, faster
//! at f = 64 (measured below).
//!
//! ## Notes
//!
//! The work (cuMF §III's idea, that one block owns A_u and each thread a piece of it in registers,
//! kept):
//! * Staging as v5: S = 32 items at a time, θ rows with stride SP and values, double-buffered
//!   with `cp.async`; the rows that pad the last chunk to a multiple of 8 are zero-filled by the
//!   copy engine. Each item's √w and b-weight are computed once, by the thread that copied its
//!   value; then the whole block splits the chunk's X = √w·θ into TF32 big and small parts in
//!   shared memory (stride SX ≡ 8 mod 32, so the fragment loads below hit 32 different banks), once
//!   per element — not once per warp that reads it.
//! * A_u (padded to FP = 16·NT) is cut into 16×16 super-tiles (two 16×8 `mma` tiles each); only
//!   the NT(NT+1)/2 on or below the diagonal are computed. Warp role q owns super-rows q and
//!   NT−1−q, so every role has NT+1 super-tiles (balanced), and NQ = ⌈NT/2⌉ roles cover the
//!   triangle. G groups of NQ warps take every G-th 8-item step.
//! * The A-fragment of super-row j holds exactly the two B-fragments of super-column j (A_u is
//!   XᵀX), so a warp loads one fragment (8 × 32-bit shared loads) per super-row or column it
//!   touches per step, and reuses it for all its tiles in that row and column.
//! * At the end the groups' accumulators are added into an f×f copy of A_u in shared memory
//!   (group by group), which the whole block then writes out coalesced with the regularization
//!   (and YᵀY) added: no strided mirror stores.
//!
//! Launch: one block of 32·G·NQ threads per row, dynamic shared memory
//! `rustmf_kernel_abi::hermitian::tensor::shared_bytes` (62 KB at f = 100). G is 4, 2, 1, 1, 1 for
//! f = 32, 64, 96, 100, 128: with 256-thread blocks the registers allowed one block per SM; at 128
//! threads three fit (shared memory is then the limit). Budget: accumulators 8·(NT+1) registers per
//! thread (64 at f = 100) plus three fragments in flight; 128 registers at f = 100 on sm_90,
//! spill-free (`rustmf ptx-check`). Needs f % 4 == 0.
//!
//! Measured (H200, Netflix shape f = 100): 230 ms against v5's 189 ms — slower; LFM-1b shape
//! f = 64: 299 ms against 347 ms — faster. Nsight Compute: 12 warps per SM issue 1.64
//! instructions per cycle, mostly the staging, split and index work around the `mma`s; the
//! tensor cores are far from busy (benches/HISTORY.md, "get_hermitian v6").
use super::{store_a, Problem};
use crate::prelude::*;
use rustmf_kernel_abi::hermitian::tensor::{groups, roles, shared_bytes, split_stride, stride, super_rows};
use rustmf_kernel_abi::hermitian::STAGED_ITEMS as S;

/// One staging buffer: θ of S items (stride SP) and their values.
#[derive(Clone, Copy)]
struct Buffer {
    theta: Shared<f32>,
    values: Shared<f32>,
}

/// The current chunk, ready for the tensor cores: per item √w (weight in A_u) and the weight in
/// b_u, and X = √w·θ split into TF32 big and small parts (stride SX, rows padded with zeros to
/// 16·NT).
#[derive(Clone, Copy)]
struct Split {
    sqrt_wa: Shared<f32>,
    wb: Shared<f32>,
    big: Shared<u32>,
    small: Shared<u32>,
}

/// A fragment of X for one super-row (or column) and one 8-item step, split for 3×TF32:
/// element e is X[k][r] with k = t + 4·(e / 2) and r = 16·j + g + 8·(e % 2) (the A layout).
#[derive(Clone, Copy)]
struct Fragment {
    big: [u32; 4],
    small: [u32; 4],
}

impl Fragment {
    /// B-fragment of the n8 tile `half` of this super-column.
    #[inline(always)]
    fn columns(&self, half: usize) -> ([u32; 2], [u32; 2]) {
        ([self.big[half], self.big[half + 2]], [self.small[half], self.small[half + 2]])
    }
}

/// Loads super-row `j`'s fragment of the step whose first item is `k0`.
#[inline(always)]
unsafe fn fragment<const SX: usize>(x: Split, k0: usize, j: usize, lane: (usize, usize)) -> Fragment {
    let (g, t) = lane;
    let mut f = Fragment { big: [0; 4], small: [0; 4] };
    for e in 0..4 {
        let at = ((k0 + t + 4 * (e / 2)) * SX + 16 * j + g + 8 * (e % 2)) as u32;
        (f.big[e], f.small[e]) = (x.big.load_unchecked(at), x.small.load_unchecked(at));
    }
    f
}

/// Splits the chunk's `rows` staged items (weights already in `x`) into `x.big` / `x.small`.
#[inline(always)]
unsafe fn split_chunk<const F: usize, const SP: usize, const SX: usize, const NT: usize>(
    buf: Buffer,
    x: Split,
    rows: usize,
    tid: usize,
    block: usize,
) {
    let width = 16 * NT;
    let mut idx = tid;
    while idx < rows * width {
        let (k, r) = (idx / width, idx % width);
        let v = if r < F {
            x.sqrt_wa.load_unchecked(k as u32) * buf.theta.load_unchecked((k * SP + r) as u32)
        } else {
            0.0
        };
        let (big, small) = split_tf32(v);
        x.big.store_unchecked((k * SX + r) as u32, big);
        x.small.store_unchecked((k * SX + r) as u32, small);
        idx += block;
    }
}

/// The accumulators of one 16×16 super-tile: its two n8 tiles, in the C layout.
type SuperTile = [[f32; 4]; 2];

/// acc += (row fragment) · (column fragment)ᵀ.
#[inline(always)]
fn super_tile(acc: &mut SuperTile, row: &Fragment, col: &Fragment) {
    for (half, d) in acc.iter_mut().enumerate() {
        let (b_big, b_small) = col.columns(half);
        mma_3xtf32(d, row.big, row.small, b_big, b_small);
    }
}

/// Issues the copies of chunk `start..start+n` into `buf` (rows up to the next multiple of 8
/// zero-filled) and commits them as one group.
#[inline(always)]
unsafe fn issue<const F: usize, const SP: usize>(
    p: &Problem,
    buf: Buffer,
    start: usize,
    n: usize,
    tid: usize,
    block: usize,
) {
    let quads = F / 4;
    let rows = n.div_ceil(8) * 8;
    let mut idx = tid;
    while idx < rows * quads {
        let (s, q) = (idx / quads, idx % quads);
        let real = s < n;
        let col = if real { p.indices.ldg(start + s) as usize } else { 0 };
        // Raw addresses here, as before the views: through `cp_async_*_or_zero_unchecked` LLVM
        // selects between two addresses rather than two indices and v6's PTX changes.
        cp_async_16_or_zero(buf.theta, (s * SP + 4 * q) as u32, p.theta.as_ptr().add(col * F + 4 * q), real);
        idx += block;
    }
    if tid < rows {
        let real = tid < n;
        cp_async_4_or_zero(buf.values, tid as u32, p.values.as_ptr().add(if real { start + tid } else { 0 }), real);
    }
    cp_async_commit();
}

/// Writes (`first`) or adds this warp's super-tile (i, j) into the f×f copy of A_u: each element
/// (r, c) on or below the diagonal, and its mirror.
#[inline(always)]
unsafe fn gather_tile<const F: usize>(
    a: Shared<f32>,
    acc: &SuperTile,
    i: usize,
    j: usize,
    lane: (usize, usize),
    first: bool,
) {
    let (g, t) = lane;
    for e in 0..8 {
        let (half, v) = (e / 4, acc[e / 4][e % 4]);
        let r = 16 * i + g + 8 * ((e % 4) / 2);
        let c = 16 * j + 8 * half + 2 * t + e % 2;
        if r < F && c < F && (i > j || r >= c) {
            add_to(a, (r * F + c) as u32, v, first);
            if r != c {
                add_to(a, (c * F + r) as u32, v, first);
            }
        }
    }
}

/// a[idx] = v (`first`) or a[idx] += v.
#[inline(always)]
unsafe fn add_to(a: Shared<f32>, idx: u32, v: f32, first: bool) {
    let old = if first { 0.0 } else { a.load_unchecked(idx) };
    a.store_unchecked(idx, old + v);
}

/// The kernel body for warp role Q (super-rows Q and NT−1−Q); every warp of the block runs it,
/// the role only decides which tiles it accumulates.
#[inline(always)]
unsafe fn hermitian_tensor_role<
    const F: usize,
    const SP: usize,
    const SX: usize,
    const NT: usize,
    const NQ: usize,
    const G: usize,
    const Q: usize,
    const HALF: bool,
>(
    local: u32,
    row_begin: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
) {
    const {
        assert!(
            F % 4 == 0
                && SP % 32 == 8
                && SX % 32 == 8
                && SX >= 16 * NT
                && 16 * NT >= F
                && NQ == NT.div_ceil(2)
                && S % (8 * G) == 0
        )
    };
    let block = 32 * G * NQ;
    let tid = thread_idx();
    let lane = ((lane_id() / 4) as usize, (lane_id() % 4) as usize);
    let group = (warp_id() as usize) / NQ;
    let (r0, r1) = (Q, NT.saturating_sub(1 + Q));

    let theta0 = Shared::<f32>::new(0, (S * SP) as u32);
    let theta1 = Shared::<f32>::new(theta0.end_offset(), (S * SP) as u32);
    let values0 = Shared::<f32>::new(theta1.end_offset(), S as u32);
    let values1 = Shared::<f32>::new(values0.end_offset(), S as u32);
    let sqrt_wa = Shared::<f32>::new(values1.end_offset(), S as u32);
    let wb = Shared::<f32>::new(sqrt_wa.end_offset(), S as u32);
    let big = Shared::<u32>::new(wb.end_offset(), (S * SX) as u32);
    let small = Shared::<u32>::new(big.end_offset(), (S * SX) as u32);
    let x = Split { sqrt_wa, wb, big, small };
    let buffer = |c: usize| {
        if c % 2 == 0 {
            Buffer { theta: theta0, values: values0 }
        } else {
            Buffer { theta: theta1, values: values1 }
        }
    };

    let mut acc_hi = [[[0.0f32; 4]; 2]; NT];
    let mut acc_lo = [[[0.0f32; 4]; 2]; NT];
    let mut bias = 0.0f32;
    let (lo, hi) = p.entries(row_begin + local);
    let chunks = (hi - lo).div_ceil(S);
    if chunks > 0 {
        issue::<F, SP>(&p, buffer(0), lo, S.min(hi - lo), tid as usize, block);
    }
    for c in 0..chunks {
        let start = lo + c * S;
        let n = S.min(hi - start);
        if c + 1 < chunks {
            let next = start + S;
            issue::<F, SP>(&p, buffer(c + 1), next, S.min(hi - next), tid as usize, block);
            cp_async_wait::<1>();
        } else {
            cp_async_wait::<0>();
        }
        let buf = buffer(c);
        let rows = n.div_ceil(8) * 8;
        // Thread s copied item s's value, so it sees it now; the weights are derived once per item.
        if (tid as usize) < rows {
            let (wa, wb) = p.weights(buf.values.load_unchecked(tid));
            x.sqrt_wa.store_unchecked(tid, sqrt(wa));
            x.wb.store_unchecked(tid, wb);
        }
        sync_threads();
        split_chunk::<F, SP, SX, NT>(buf, x, rows, tid as usize, block);
        sync_threads();
        let mut k0 = 8 * group;
        while k0 < n {
            let row1 = fragment::<SX>(x, k0, r1, lane);
            let row0 = if r0 == r1 { row1 } else { fragment::<SX>(x, k0, r0, lane) };
            for j in 0..NT {
                if j <= r1 {
                    let col = if j == r1 {
                        row1
                    } else if j == r0 {
                        row0
                    } else {
                        fragment::<SX>(x, k0, j, lane)
                    };
                    super_tile(&mut acc_hi[j], &row1, &col);
                    if r0 != r1 && j <= r0 {
                        super_tile(&mut acc_lo[j], &row0, &col);
                    }
                }
            }
            k0 += 8 * G;
        }
        if (tid as usize) < F {
            for s in 0..n {
                bias = fma(x.wb.load_unchecked(s as u32), buf.theta.load_unchecked((s * SP) as u32 + tid), bias);
            }
        }
        sync_threads();
    }

    let a = Shared::<f32>::new(0, (F * F) as u32);
    for g in 0..G {
        if group == g {
            for j in 0..NT {
                if j <= r1 {
                    gather_tile::<F>(a, &acc_hi[j], r1, j, lane, g == 0);
                }
                if r0 != r1 && j <= r0 {
                    gather_tile::<F>(a, &acc_lo[j], r0, j, lane, g == 0);
                }
            }
        }
        sync_threads();
    }
    let n_u = hi - lo;
    let base = local as usize * F * F;
    let mut idx = tid as usize;
    while idx < F * F {
        let v = a.load_unchecked(idx as u32) + p.extra(idx / F, idx % F, F, n_u);
        store_a::<HALF>(a_out, base + idx, v);
        idx += block;
    }
    if (tid as usize) < F {
        b_out.set(local as usize * F + tid as usize, bias);
    }
}

/// Checks the launch, then runs the body of this warp's role.
#[inline(always)]
unsafe fn hermitian_tensor<
    const F: usize,
    const SP: usize,
    const SX: usize,
    const NT: usize,
    const NQ: usize,
    const G: usize,
    const HALF: bool,
>(
    n_rows: u32,
    row_begin: u32,
    p: Problem,
    a_out: GlobalMut<f32>,
    b_out: GlobalMut<f32>,
) {
    if block_dim() != (32 * G * NQ) as u32
        || SP != stride(F)
        || SX != split_stride(F)
        || dynamic_shared_bytes() < shared_bytes(F) as u32
    {
        trap();
    }
    let local = block_idx();
    if local >= n_rows {
        return;
    }
    match warp_id() as usize % NQ {
        0 => hermitian_tensor_role::<F, SP, SX, NT, NQ, G, 0, HALF>(local, row_begin, p, a_out, b_out),
        1 if NQ > 1 => hermitian_tensor_role::<F, SP, SX, NT, NQ, G, 1, HALF>(local, row_begin, p, a_out, b_out),
        2 if NQ > 2 => hermitian_tensor_role::<F, SP, SX, NT, NQ, G, 2, HALF>(local, row_begin, p, a_out, b_out),
        3 if NQ > 3 => hermitian_tensor_role::<F, SP, SX, NT, NQ, G, 3, HALF>(local, row_begin, p, a_out, b_out),
        _ => trap(),
    }
}

hermitian_kernels!(6, fp16, Rows => hermitian_tensor::<F, { stride(F) }, { split_stride(F) }, { super_rows(F) }, { roles(F) }, { groups(F) }, HALF>);
