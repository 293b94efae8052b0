//! The cuBLAS get_hermitian baseline ([`Hermitian::Cublas`](super::Hermitian), cuMF_als Fig. 7a):
//! the hermitian of each row as a dense GEMM over its gathered factors,
//! A_u = G_uᵀG_u with G_u = [w_i·θ_i] (`kernels-rs/src/baseline`).
//!
//! Per chunk of a batch, three steps on the stream:
//! 1. `baseline_gather_f<f>` copies every row's weighted θ_i into its zero-padded block of the
//!    gather buffer and writes b_u;
//! 2. one `cublasSgemmGroupedBatched` writes A_u = G_uᵀG_u straight into the batch's A buffer,
//!    rows grouped by padded length L_u (one group per distinct L_u);
//! 3. `baseline_finish_f<f>` adds λ·n_u·I (explicit) or YᵀY + λI (implicit).
//!
//! Padding: L_u is n_u rounded up to a multiple of 8 (at least 8, so no GEMM has depth 0), and
//! above 64 to a multiple of 2^(⌊log₂ n_u⌋ − 3): at most 12.5% padding, about 8 groups per octave.
//! Chunks: a batch's rows are cut into runs whose blocks fit the gather buffer, which gets a share
//! of the memory left free by the batch's systems. The plan — chunks, block offsets, the device
//! arrays of GEMM operand addresses — depends only on the sparsity pattern and the buffers, so it is
//! built and uploaded once, when [`super::GpuAls`] is created.
use super::{DeviceRows, Scalars};
use crate::data::Csr;
use crate::gpu::blas_batched::GramGroup;
use crate::gpu::{Blas, CudaSlice, Gpu, GpuError, Kernel, LaunchShape};
use crate::model::Side;
use cudarc::driver::DevicePtr;
use rustmf_kernel_abi::baseline::{self, BaselineFinish, BaselineGather};
use std::ops::Range;

/// Share of the free memory (after the batch's systems) given to the gather buffer; the rest is
/// left to cuBLAS's workspace and everything else.
const GATHER_SHARE: f64 = 0.7;

/// Rows of a block for a row with `n` entries.
fn padded(n: usize) -> usize {
    if n <= 64 {
        n.max(1).next_multiple_of(8)
    } else {
        n.next_multiple_of(1 << (n.ilog2() - 3))
    }
}

/// A run of rows of one batch whose blocks fit the gather buffer together.
struct Chunk {
    /// Global rows.
    rows: Range<usize>,
    /// First row of the batch the chunk belongs to.
    batch_begin: usize,
    /// Where the chunk's `rows.len() + 1` block offsets start in [`SidePlan::offsets`].
    offsets_at: usize,
    /// Where the chunk's GEMM operand addresses start in [`SidePlan::m_ptrs`] / `c_ptrs`.
    ptrs_at: usize,
    groups: Vec<GramGroup>,
}

/// The chunks of one side and their device arrays.
struct SidePlan {
    chunks: Vec<Chunk>,
    /// Per chunk: the first block row of each of its rows in the gather buffer, and the end.
    offsets: CudaSlice<u64>,
    /// Per chunk, rows ordered by group: address of G_u (the GEMM's M = G_uᵀ, column-major f × L_u).
    m_ptrs: CudaSlice<u64>,
    /// The same order: address of A_u in the batch's A buffer.
    c_ptrs: CudaSlice<u64>,
}

pub(super) struct CublasHermitian {
    f: usize,
    gather: Kernel,
    finish: Kernel,
    gathered: CudaSlice<f32>,
    users: SidePlan,
    items: SidePlan,
}

/// The addresses a plan points into.
struct Buffers {
    f: usize,
    batch: usize,
    capacity_rows: usize,
    gathered: u64,
    a: u64,
}

impl CublasHermitian {
    /// Allocates the gather buffer and plans both sides for batches of `batch` rows whose
    /// systems live in `a`.
    pub fn new(
        gpu: &Gpu,
        csr: &Csr,
        csc: &Csr,
        f: usize,
        batch: usize,
        a: &CudaSlice<u8>,
    ) -> Result<CublasHermitian, GpuError> {
        let needed = [csr, csc].iter().map(|m| batch_blocks(m, batch)).max().unwrap_or(1).max(1);
        let (free, _) = gpu.memory()?;
        let capacity_rows = needed.min((free as f64 * GATHER_SHARE) as usize / (4 * f));
        let longest = [csr, csc].iter().flat_map(|m| row_lengths(m)).map(padded).max().unwrap_or(8);
        if longest > capacity_rows {
            return Err(GpuError::Unsupported(format!(
                "the cuBLAS hermitian needs a gather buffer of at least {longest} rows of {f} floats for the \
                 longest row; {capacity_rows} fit"
            )));
        }
        let gathered = gpu.alloc_zeros::<f32>(capacity_rows * f, "the cuBLAS hermitian's gather buffer")?;
        let bufs = Buffers {
            f,
            batch,
            capacity_rows,
            gathered: gathered.device_ptr(gpu.stream()).0,
            a: a.device_ptr(gpu.stream()).0,
        };
        Ok(CublasHermitian {
            f,
            gather: gpu.entry(baseline::gather_entry(f))?,
            finish: gpu.entry(baseline::finish_entry(f))?,
            users: SidePlan::new(gpu, csr, &bufs)?,
            items: SidePlan::new(gpu, csc, &bufs)?,
            gathered,
        })
    }

    /// A and b of the batch of `side` that starts at row `begin`, as every get_hermitian version
    /// writes them.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        gpu: &Gpu,
        blas: &Blas,
        side: Side,
        begin: usize,
        rows: &DeviceRows,
        fixed: &CudaSlice<f32>,
        gram: &CudaSlice<f32>,
        s: Scalars,
        a: &mut CudaSlice<u8>,
        b: &mut CudaSlice<f32>,
    ) -> Result<(), GpuError> {
        let plan = match side {
            Side::Users => &self.users,
            Side::Items => &self.items,
        };
        let f = self.f;
        for c in plan.chunks.iter().filter(|c| c.batch_begin == begin) {
            let (n32, first) = (c.rows.len() as u32, c.rows.start as u32);
            let local = c.rows.start - begin;
            let offsets = plan.offsets.slice(c.offsets_at..c.offsets_at + c.rows.len() + 1);
            let gather = BaselineGather {
                n_rows: n32,
                row_begin: first,
                indptr: gpu.input(&rows.indptr),
                indices: gpu.input(&rows.indices),
                values: gpu.input(&rows.values),
                theta: gpu.input(fixed),
                alpha: s.alpha,
                eps: s.eps,
                mode: s.mode,
                offsets: gpu.input(&offsets),
                gathered: gpu.output(&mut self.gathered),
                b_out: gpu.output(&mut b.slice_mut(local * f..)),
            };
            let finish = BaselineFinish {
                n_rows: n32,
                row_begin: first,
                indptr: gpu.input(&rows.indptr),
                gram: gpu.input(gram),
                lambda: s.lambda,
                mode: s.mode,
                a_out: gpu.output_as(&mut a.slice_mut(local * f * f * 4..)),
            };
            // Safety: the kernels' arguments follow their headers; offsets and addresses were
            // planned for these buffers (`SidePlan::new`).
            unsafe {
                gpu.launch_with(&self.gather, &gather, baseline::gather_launch(f, c.rows.len()))?;
                let total = c.rows.len();
                let (m, cc) =
                    (plan.m_ptrs.slice(c.ptrs_at..c.ptrs_at + total), plan.c_ptrs.slice(c.ptrs_at..c.ptrs_at + total));
                blas.grams_grouped(f, &c.groups, &m, &cc)?;
                gpu.launch_with(&self.finish, &finish, LaunchShape::per_row(c.rows.len(), baseline::FINISH_BLOCK, 0))?;
            }
        }
        Ok(())
    }
}

fn row_lengths(m: &Csr) -> Vec<usize> {
    m.indptr().raw_storage().windows(2).map(|w| w[1] - w[0]).collect()
}

/// The most block rows one batch of `batch` rows of `m` needs.
fn batch_blocks(m: &Csr, batch: usize) -> usize {
    let lengths: Vec<usize> = row_lengths(m).into_iter().map(padded).collect();
    lengths.chunks(batch.max(1)).map(|c| c.iter().sum()).max().unwrap_or(0)
}

impl SidePlan {
    fn new(gpu: &Gpu, m: &Csr, bufs: &Buffers) -> Result<SidePlan, GpuError> {
        let lengths: Vec<usize> = row_lengths(m).into_iter().map(padded).collect();
        let host = plan_side(&lengths, bufs);
        Ok(SidePlan {
            chunks: host.chunks,
            offsets: gpu.upload(&host.offsets, "the cuBLAS hermitian's block offsets")?,
            m_ptrs: gpu.upload(&host.m_ptrs, "the cuBLAS hermitian's operand addresses")?,
            c_ptrs: gpu.upload(&host.c_ptrs, "the cuBLAS hermitian's result addresses")?,
        })
    }
}

/// A side's plan before it is uploaded.
#[derive(Default)]
struct HostPlan {
    chunks: Vec<Chunk>,
    offsets: Vec<u64>,
    m_ptrs: Vec<u64>,
    c_ptrs: Vec<u64>,
}

/// Cuts each batch of rows with padded lengths `lengths` into chunks that fit the gather buffer.
fn plan_side(lengths: &[usize], bufs: &Buffers) -> HostPlan {
    let mut plan = HostPlan::default();
    for (b, batch) in lengths.chunks(bufs.batch.max(1)).enumerate() {
        let batch_begin = b * bufs.batch;
        let mut start = 0;
        while start < batch.len() {
            let (mut end, mut used) = (start, 0);
            while end < batch.len() && used + batch[end] <= bufs.capacity_rows {
                used += batch[end];
                end += 1;
            }
            assert!(
                end > start,
                "a row of {} block rows exceeds the gather buffer ({})",
                batch[start],
                bufs.capacity_rows
            );
            plan_chunk(&batch[start..end], batch_begin, start, bufs, &mut plan);
            start = end;
        }
    }
    plan
}

/// Plans the rows `batch_begin + local ..` with padded lengths `lengths`: appends their block
/// offsets and, ordered by length, their operand and result addresses.
fn plan_chunk(lengths: &[usize], batch_begin: usize, local: usize, bufs: &Buffers, plan: &mut HostPlan) {
    let (offsets_at, ptrs_at) = (plan.offsets.len(), plan.m_ptrs.len());
    let mut first = Vec::with_capacity(lengths.len());
    let mut row = 0u64;
    for &l in lengths {
        first.push(row);
        row += l as u64;
    }
    plan.offsets.extend(&first);
    plan.offsets.push(row);
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&k| lengths[k]);
    let mut groups: Vec<GramGroup> = Vec::new();
    let f = bufs.f as u64;
    for k in order {
        match groups.last_mut() {
            Some(g) if g.depth == lengths[k] => g.count += 1,
            _ => groups.push(GramGroup { depth: lengths[k], count: 1 }),
        }
        plan.m_ptrs.push(bufs.gathered + first[k] * f * 4);
        plan.c_ptrs.push(bufs.a + ((local + k) as u64) * f * f * 4);
    }
    let rows = batch_begin + local..batch_begin + local + lengths.len();
    plan.chunks.push(Chunk { rows, batch_begin, offsets_at, ptrs_at, groups });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_small_and_at_least_8() {
        for n in 0..5000 {
            let l = padded(n);
            assert!(l >= n.max(8) && l % 8 == 0, "padded({n}) = {l}");
            assert!(n < 64 || (l - n) * 8 <= n, "padded({n}) = {l}: more than 12.5% padding");
        }
    }

    /// Every row lands in exactly one chunk of its batch, chunks fit the buffer, blocks do not
    /// overlap, and the address lists are ordered by group.
    #[test]
    fn plans_cover_every_row_once() {
        let lengths: Vec<usize> = (0..1000).map(|i| padded((i * 7919) % 300)).collect();
        let bufs = Buffers { f: 4, batch: 137, capacity_rows: 900, gathered: 1 << 20, a: 1 << 40 };
        let plan = plan_side(&lengths, &bufs);
        let mut next = 0;
        for c in &plan.chunks {
            assert_eq!(c.rows.start, next);
            assert_eq!(c.batch_begin, c.rows.start / bufs.batch * bufs.batch);
            assert!(c.rows.end <= c.batch_begin + bufs.batch);
            let offsets = &plan.offsets[c.offsets_at..c.offsets_at + c.rows.len() + 1];
            assert_eq!(offsets[0], 0);
            for (k, row) in c.rows.clone().enumerate() {
                assert_eq!((offsets[k + 1] - offsets[k]) as usize, lengths[row]);
            }
            assert!(*offsets.last().unwrap() as usize <= bufs.capacity_rows);
            assert_eq!(c.groups.iter().map(|g| g.count).sum::<usize>(), c.rows.len());
            assert!(c.groups.windows(2).all(|w| w[0].depth < w[1].depth));
            let (mut at, m, cp) = (c.ptrs_at, &plan.m_ptrs, &plan.c_ptrs);
            for g in &c.groups {
                for _ in 0..g.count {
                    let k = ((cp[at] - bufs.a) / 64) as usize - (c.rows.start - c.batch_begin);
                    assert_eq!(m[at], bufs.gathered + offsets[k] * 16);
                    assert_eq!(lengths[c.rows.start + k], g.depth);
                    at += 1;
                }
            }
            next = c.rows.end;
        }
        assert_eq!(next, lengths.len());
    }
}
