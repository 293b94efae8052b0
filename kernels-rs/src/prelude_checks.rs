//! One small kernel per prelude primitive, so each can be checked on a GPU against a CPU
//! computation (`tests/gpu_prelude.rs`). They are tests, not library kernels: each writes what a
//! primitive returned so that the host can compare it element by element.
//!
//! Launch shape for all: 1-D grid of 1-D blocks; the block size must be a multiple of 32 (the
//! shuffles use the full-warp mask). Dynamic shared memory where noted.
use crate::prelude::*;

/// out[6·g .. 6·g+6] = [global_index, thread_idx, block_idx, block_dim, grid_dim, lane | warp << 16]
/// for every thread g of the grid, and out_stride[0] = grid_stride (written by thread 0).
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_index(out: *mut u32, out_stride: *mut u64) {
    let g = global_index();
    let o = out.add(6 * g);
    *o = g as u32;
    *o.add(1) = thread_idx();
    *o.add(2) = block_idx();
    *o.add(3) = block_dim();
    *o.add(4) = grid_dim();
    *o.add(5) = lane_id() | (warp_id() << 16);
    if g == 0 {
        *out_stride = grid_stride() as u64;
    }
}

/// Each block reverses its chunk of `x` through shared memory: y[b·B + t] = x[b·B + (B−1−t)],
/// with elements past `n` read as −1. Checks scalar `st.shared`/`ld.shared` and the block barrier.
/// Dynamic shared memory: block_dim × 4 bytes.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_shared_reverse(n: u32, x: *const f32, y: *mut f32) {
    let tile = Shared::<f32>::new(0, block_dim());
    let base = block_idx() * block_dim();
    let i = base + thread_idx();
    tile.store(thread_idx(), if i < n { *x.add(i as usize) } else { -1.0 });
    sync_threads();
    if i < n {
        *y.add(i as usize) = tile.load(block_dim() - 1 - thread_idx());
    }
}

/// Each thread loads four floats with a 128-bit read-only load, stores them to shared memory with a
/// 128-bit store, and after the barrier writes out its right neighbour's four (wrapping in the
/// block): y[4i..4i+4] = x[4j..4j+4], j = base + (t+1) mod B. `n4` counts groups of four;
/// the grid covers exactly n4 threads (n4 a multiple of block_dim).
/// Dynamic shared memory: block_dim × 16 bytes.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_shared_vec4(n4: u32, x: *const f32, y: *mut f32) {
    let tile = Shared::<f32>::new(0, 4 * block_dim());
    let i = block_idx() * block_dim() + thread_idx();
    if i >= n4 {
        trap();
    }
    tile.store4(4 * thread_idx(), ldg_f32x4(x.add(4 * i as usize)));
    sync_threads();
    let v = tile.load4(4 * ((thread_idx() + 1) % block_dim()));
    for k in 0..4 {
        *y.add(4 * i as usize + k) = v.0[k];
    }
}

/// Per thread i (n a multiple of 32): xor[i] = shfl_xor(x, mask), down[i] = shfl_down(x, delta),
/// idx[i] = shfl_idx(x, (7·lane + src) mod 32), bits[i] = shfl_xor(bits of i, mask) as u32,
/// wide[i] = shfl_xor_f64(x + i·2⁻⁴⁰ in fp64, mask), a value whose low 32 bits are in use.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_shuffles(
    n: u32,
    mask: u32,
    delta: u32,
    src: u32,
    x: *const f32,
    out_xor: *mut f32,
    out_down: *mut f32,
    out_idx: *mut f32,
    out_bits: *mut u32,
    out_wide: *mut f64,
) {
    let i = global_index();
    if i >= n as usize {
        return;
    }
    let v = *x.add(i);
    *out_xor.add(i) = shfl_xor(v, mask);
    *out_down.add(i) = shfl_down(v, delta);
    *out_idx.add(i) = shfl_idx(v, (7 * lane_id() + src) % 32);
    *out_bits.add(i) = shfl_xor(i as u32, mask);
    *out_wide.add(i) = shfl_xor_f64(v as f64 + i as f64 / (1u64 << 40) as f64, mask);
}

/// Reductions over x (n elements, grid exactly covering them): for every warp w,
/// warp_sums[w] = Σ and warp_maxes[w] = max of its 32 values (written by lane 0, after checking all
/// lanes got the same answer — a mismatch traps); for every block b, block_sums[b] = Σ of the block.
/// Dynamic shared memory: ceil(block_dim / 32) × 4 bytes.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_reductions(
    n: u32,
    x: *const f32,
    warp_sums: *mut f32,
    warp_maxes: *mut f32,
    block_sums: *mut f32,
) {
    let i = global_index();
    if i >= n as usize {
        trap();
    }
    let v = *x.add(i);
    let s = warp_sum(v);
    let m = warp_max(v);
    if shfl_idx(s, 0).to_bits() != s.to_bits() || shfl_idx(m, 0).to_bits() != m.to_bits() {
        trap();
    }
    if lane_id() == 0 {
        *warp_sums.add(i / 32) = s;
        *warp_maxes.add(i / 32) = m;
    }
    let scratch = Shared::<f32>::new(0, block_dim().div_ceil(WARP_SIZE));
    let b = block_sum(v, scratch);
    if thread_idx() == 0 {
        *block_sums.add(block_idx() as usize) = b;
    }
}

/// out[i] = fma(a[i], b[i], c[i]) for i < n (grid-stride loop).
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_fma(
    n: u32,
    a: *const f32,
    b: *const f32,
    c: *const f32,
    out: *mut f32,
) {
    let mut i = global_index();
    while i < n as usize {
        *out.add(i) = fma(*a.add(i), *b.add(i), *c.add(i));
        i += grid_stride();
    }
}

/// h[i] = f16(x[i]) rounded to nearest (i < n).
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_f16_store(n: u32, x: *const f32, h: *mut f16) {
    let i = global_index();
    if i < n as usize {
        store_f16(h.add(i), *x.add(i));
    }
}

/// y[i] = f32(h[i]) (scalar f16 load) and pairs[i] = f32(h[i]) through the paired 32-bit load
/// (thread i < n/2 reads h[2i], h[2i+1]); n even.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_f16_load(n: u32, h: *const f16, y: *mut f32, pairs: *mut f32) {
    let i = global_index();
    if i < n as usize {
        *y.add(i) = load_f16(h.add(i));
    }
    if i < n as usize / 2 {
        let (lo, hi) = load_f16x2(h.add(2 * i));
        *pairs.add(2 * i) = lo;
        *pairs.add(2 * i + 1) = hi;
    }
}

/// y[i] = x[i] and yi[i] = xi[i] through scalar read-only loads (i < n).
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_ldg(n: u32, x: *const f32, xi: *const u32, y: *mut f32, yi: *mut u32) {
    let i = global_index();
    if i < n as usize {
        *y.add(i) = ldg_f32(x.add(i));
        *yi.add(i) = ldg_u32(xi.add(i));
    }
}

/// y_ca[i] = x[i] through `ld.global.ca`, y_cg[i] = x[i] through `ld.global.cg` (i < n).
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_ld_cache_ops(n: u32, x: *const f32, y_ca: *mut f32, y_cg: *mut f32) {
    let i = global_index();
    if i < n as usize {
        *y_ca.add(i) = ldca_f32(x.add(i));
        *y_cg.add(i) = ldcg_f32(x.add(i));
    }
}

/// The 64-bit and width-choosing loads. Thread i (grid exactly covering n2 threads, block size B
/// a multiple of 5) reads x[2i..2i+2] with `ldg_f32x2` and stores it to shared memory; after the
/// barrier it writes its right neighbour's pair (wrapping in the block), read with `load2`, to
/// y[2i..2i+2]; and ten values of its block's slice xb = x[2·B·block ..], starting at
/// s = 10·⌊t/5⌋, read with `load_vec_unchecked::<10>` from shared memory to z[10i..10i+10] and
/// with `ldg_vec::<10>` from global memory to w[10i..10i+10].
/// Dynamic shared memory: B × 8 bytes.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_vec2(n2: u32, x: *const f32, y: *mut f32, z: *mut f32, w: *mut f32) {
    let tile = Shared::<f32>::new(0, 2 * block_dim());
    let i = block_idx() * block_dim() + thread_idx();
    if i >= n2 || block_dim() % 5 != 0 {
        trap();
    }
    let pair = ldg_f32x2(x.add(2 * i as usize));
    tile.store_unchecked(2 * thread_idx(), pair[0]);
    tile.store_unchecked(2 * thread_idx() + 1, pair[1]);
    sync_threads();
    let v = tile.load2(2 * ((thread_idx() + 1) % block_dim()));
    *y.add(2 * i as usize) = v[0];
    *y.add(2 * i as usize + 1) = v[1];
    let start = 10 * (thread_idx() / 5);
    let from_shared = tile.load_vec_unchecked::<10>(start);
    let block_x = x.add(2 * (block_idx() * block_dim()) as usize);
    let from_global = ldg_vec::<10>(block_x.add(start as usize));
    for c in 0..10 {
        *z.add(10 * i as usize + c) = from_shared[c];
        *w.add(10 * i as usize + c) = from_global[c];
    }
}

/// Asynchronous copies in two groups: each block copies its chunk of x (4·block_dim floats) to
/// shared memory, the first half with 16-byte copies and the second half with 4-byte ones as a
/// second group; it waits for the first group only (`wait::<1>`), then for both (`wait::<0>`),
/// and after a barrier writes the chunk out reversed: y[b·4B + e] = x[b·4B + 4B − 1 − e].
/// Dynamic shared memory: block_dim × 16 bytes.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_cp_async(x: *const f32, y: *mut f32) {
    let b = block_dim();
    let tile = Shared::<f32>::new(0, 4 * b);
    let base = x.add((4 * b * block_idx()) as usize);
    let t = thread_idx();
    if t < b / 2 {
        cp_async_16(tile, 4 * t, base.add(4 * t as usize));
    }
    cp_async_commit();
    for e in (2 * b + t..4 * b).step_by(b as usize) {
        cp_async_4(tile, e, base.add(e as usize));
    }
    cp_async_commit();
    cp_async_wait::<1>();
    cp_async_wait::<0>();
    sync_threads();
    let out = y.add((4 * b * block_idx()) as usize);
    for e in (t..4 * b).step_by(b as usize) {
        *out.add(e as usize) = tile.load(4 * b - 1 - e);
    }
}

/// The tensor-core primitives. Block k (one warp) multiplies its 16×8 slice of `a` (row-major) by
/// its 8×8 slice of `b` (row-major, rows = k) into a 16×8 slice of `d1` with one plain TF32 `mma`
/// and of `d3` with the 3×TF32 split, loading and storing through the fragment layouts of
/// `prelude::mma`.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_mma_3xtf32(a: *const f32, b: *const f32, d1: *mut f32, d3: *mut f32) {
    let k = block_idx() as usize;
    let (a, b, d1, d3) = (a.add(128 * k), b.add(64 * k), d1.add(128 * k), d3.add(128 * k));
    let (g, t) = ((lane_id() / 4) as usize, (lane_id() % 4) as usize);
    let a_at = [g * 8 + t, (g + 8) * 8 + t, g * 8 + t + 4, (g + 8) * 8 + t + 4];
    let b_at = [t * 8 + g, (t + 4) * 8 + g];
    let (mut a_big, mut a_small, mut b_big, mut b_small) = ([0; 4], [0; 4], [0; 2], [0; 2]);
    for e in 0..4 {
        (a_big[e], a_small[e]) = split_tf32(*a.add(a_at[e]));
    }
    for e in 0..2 {
        (b_big[e], b_small[e]) = split_tf32(*b.add(b_at[e]));
    }
    let mut plain = [0.0f32; 4];
    mma_tf32(&mut plain, a_big, b_big);
    let mut split = [0.0f32; 4];
    mma_3xtf32(&mut split, a_big, a_small, b_big, b_small);
    let d_at = [g * 8 + 2 * t, g * 8 + 2 * t + 1, (g + 8) * 8 + 2 * t, (g + 8) * 8 + 2 * t + 1];
    for e in 0..4 {
        *d1.add(d_at[e]) = plain[e];
        *d3.add(d_at[e]) = split[e];
    }
}

/// `wgmma` (sm_90a builds only). One warpgroup (128 threads) multiplies `a` (64×16, row-major)
/// by `b`ᵀ (`b`: 64×16, row-major) into `d` (64×64, row-major): d[m][n] = Σ_k a[m][k]·b[n][k], in
/// two k-steps, the operands laid out as `prelude::wgmma` says (`a` by shared stores, `b` by
/// `cp.async`) and described with the given leading and stride byte offsets (128 and 512 are
/// this layout's; the test also tries them swapped when they fail, to say which is wrong).
/// Dynamic shared memory: 8 KiB.
#[cfg(target_feature = "sm_90a")]
#[no_mangle]
pub unsafe extern "ptx-kernel" fn prelude_check_wgmma_tf32(
    a: *const f32,
    b: *const f32,
    d: *mut f32,
    leading: u32,
    stride: u32,
) {
    use crate::prelude::wgmma::*;
    const KC: usize = 4;
    let (sa, sb) = (Shared::<f32>::new(0, 64 * 16), Shared::<f32>::new(4096, 64 * 16));
    let t = thread_idx() as usize;
    for idx in (t..64 * KC).step_by(128) {
        let (r, c) = kmajor_chunk(idx, KC);
        let at = (kmajor_offset(r, 4 * c, KC) / 4) as u32;
        sa.store4(at, F32x4(core::array::from_fn(|e| *a.add(16 * r + 4 * c + e))));
        cp_async_16(sb, at, b.add(16 * r + 4 * c));
    }
    cp_async_commit();
    cp_async_wait::<0>();
    fence_proxy_async();
    sync_threads();
    let desc =
        |addr: u32| ((addr as u64 & 0x3ffff) >> 4) | ((leading as u64 >> 4) << 16) | ((stride as u64 >> 4) << 32);
    if leading == 128 && stride == 128 * KC as u32 && desc(sa.address(0)) != kmajor_desc(sa.address(0), KC as u32) {
        trap();
    }
    let mut acc = [0.0f32; 32];
    wgmma_fence(&mut acc);
    for s in 0..2 {
        let step = (kmajor_offset(0, 8 * s, KC) / 4) as u32;
        wgmma_tf32(&mut acc, desc(sa.address(step)), desc(sb.address(step)), s > 0);
    }
    wgmma_commit();
    wgmma_wait::<0>(&mut acc);
    let (w, g, tt) = (warp_id() as usize, lane_id() as usize / 4, lane_id() as usize % 4);
    for j in 0..8 {
        for h in 0..2 {
            for c in 0..2 {
                *d.add((16 * w + g + 8 * h) * 64 + 8 * j + 2 * tt + c) = acc[4 * j + 2 * h + c];
            }
        }
    }
}
