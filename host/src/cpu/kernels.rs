//! Inner loops of the CPU reference, written so the autovectoriser handles them: contiguous
//! slices, `chunks_exact`, fixed-size register blocks, several independent accumulators for
//! reductions (Rust never reassociates floating point, so a plain `sum()` stays scalar).
//!
//! Every function here is `#[inline(always)]` and generic over `FMA`: the row-level entry points
//! in [`super::step`] are instantiated twice, once for the baseline target and once inside a
//! `#[target_feature(enable = "avx2,fma")]` function chosen at run time, so the same portable
//! source compiles to 8-wide FMA code where the CPU has it (no `-C target-cpu` needed).

/// Rows of the register block of the hermitian kernel.
pub const MR: usize = 4;
/// Columns of the register block (two AVX vectors).
pub const NR: usize = 16;
/// Interactions accumulated in fp32 before the block sums are added into the fp64 matrix.
pub const KC: usize = 256;

#[inline(always)]
pub fn madd32<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

#[inline(always)]
pub fn madd64<const FMA: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `Σ a_i b_i` in fp64 with 8 independent accumulators (fixed summation order).
#[inline(always)]
pub fn dot64<const FMA: bool>(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] = madd64::<FMA>(x[l], y[l], acc[l]);
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s = madd64::<FMA>(*x, *y, s);
    }
    s
}

/// `Σ a_i b_i` in fp32 with 16 independent accumulators (fixed summation order).
#[inline(always)]
pub fn dot32<const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..16 {
            acc[l] = madd32::<FMA>(x[l], y[l], acc[l]);
        }
    }
    let mut h = [0f32; 8];
    for l in 0..8 {
        h[l] = acc[l] + acc[l + 8];
    }
    let mut s = ((h[0] + h[4]) + (h[1] + h[5])) + ((h[2] + h[6]) + (h[3] + h[7]));
    for (x, y) in ra.iter().zip(rb) {
        s = madd32::<FMA>(*x, *y, s);
    }
    s
}

/// `y += a·x` (fp64).
#[inline(always)]
pub fn axpy64<const FMA: bool>(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi = madd64::<FMA>(a, *xi, *yi);
    }
}

/// `y += a·x` (fp32).
#[inline(always)]
pub fn axpy32<const FMA: bool>(a: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi = madd32::<FMA>(a, *xi, *yi);
    }
}

/// Up to [`KC`] weighted vectors packed for the hermitian kernel:
/// `pg` holds the vectors in panels of [`NR`] columns (`[col block][k][NR]`), `pw` the weighted
/// vectors `w_k y_k` in panels of [`MR`] rows (`[row block][k][MR]`), zero-padded past `f`.
pub struct Packed {
    f: usize,
    nbc: usize,
    nbr: usize,
    n: usize,
    pg: Vec<f32>,
    pw: Vec<f32>,
}

impl Packed {
    pub fn new(f: usize) -> Self {
        let nbc = f.div_ceil(NR);
        let nbr = f.div_ceil(MR);
        Packed { f, nbc, nbr, n: 0, pg: vec![0.0; nbc * KC * NR], pw: vec![0.0; nbr * KC * MR] }
    }
    #[inline]
    pub fn len(&self) -> usize {
        self.n
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    #[inline]
    pub fn is_full(&self) -> bool {
        self.n == KC
    }
    #[inline]
    pub fn clear(&mut self) {
        self.n = 0;
    }

    /// Append `y` (length f) with weight `w`. The caller flushes when [`Packed::is_full`].
    #[inline(always)]
    pub fn push(&mut self, y: &[f32], w: f32) {
        let (f, k) = (self.f, self.n);
        debug_assert!(k < KC && y.len() == f);
        for cb in 0..self.nbc {
            let dst = &mut self.pg[(cb * KC + k) * NR..(cb * KC + k + 1) * NR];
            let lo = cb * NR;
            let hi = (lo + NR).min(f);
            dst[..hi - lo].copy_from_slice(&y[lo..hi]);
            dst[hi - lo..].fill(0.0);
        }
        for rb in 0..self.nbr {
            let dst = &mut self.pw[(rb * KC + k) * MR..(rb * KC + k + 1) * MR];
            let lo = rb * MR;
            let hi = (lo + MR).min(f);
            for (d, s) in dst.iter_mut().zip(&y[lo..hi]) {
                *d = w * *s;
            }
            dst[hi - lo..].fill(0.0);
        }
        self.n = k + 1;
    }

    /// Upper triangle of `a` (f×f fp64, row-major) `+= Σ_k w_k y_k y_kᵀ` over the packed vectors
    /// (fp32 register accumulation over the block, one fp64 add per element per block).
    /// Entries below the diagonal are left untouched.
    #[inline(always)]
    pub fn gram_into<const FMA: bool>(&self, a: &mut [f64]) {
        let (f, n) = (self.f, self.n);
        if n == 0 {
            return;
        }
        for rb in 0..self.nbr {
            let r0 = rb * MR;
            let w = &self.pw[rb * KC * MR..(rb * KC + n) * MR];
            for cb in r0 / NR..self.nbc {
                let c0 = cb * NR;
                let g = &self.pg[cb * KC * NR..(cb * KC + n) * NR];
                let acc = micro::<FMA>(w, g);
                for (r, accr) in acc.iter().enumerate() {
                    let rr = r0 + r;
                    if rr >= f {
                        break;
                    }
                    let arow = &mut a[rr * f..rr * f + f];
                    let cstart = rr.max(c0);
                    let cend = (c0 + NR).min(f);
                    if cstart < cend {
                        for (dst, v) in arow[cstart..cend].iter_mut().zip(&accr[cstart - c0..]) {
                            *dst += *v as f64;
                        }
                    }
                }
            }
        }
    }
}

/// The MR×NR register block: `acc[r][c] = Σ_k w[k][r] · g[k][c]`.
#[inline(always)]
fn micro<const FMA: bool>(w: &[f32], g: &[f32]) -> [[f32; NR]; MR] {
    let mut acc = [[0f32; NR]; MR];
    for (wk, gk) in w.chunks_exact(MR).zip(g.chunks_exact(NR)) {
        let gk: &[f32; NR] = gk.try_into().unwrap();
        let wk: &[f32; MR] = wk.try_into().unwrap();
        for r in 0..MR {
            let s = wk[r];
            for c in 0..NR {
                acc[r][c] = madd32::<FMA>(s, gk[c], acc[r][c]);
            }
        }
    }
    acc
}
