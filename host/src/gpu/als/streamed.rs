//! A side's sparse rows streamed through the GPU instead of resident there (issue 21, the third
//! seed's lesson): the entries are copied once into page-locked host memory; each batch of rows —
//! at most `slot_entries` entries, cut greedily in row order — is copied into one of two device
//! slots on a copy stream while the compute stream works on the other slot's batch. Both sides
//! share the slots: their half-steps take turns.
//!
//! Per batch k (slots taken in turn), in stream order:
//! copy stream: wait `released[slot]` (the batch two before has left it) → copy row pointers
//! (rebased to the batch's first entry) and entries → record `filled[slot]`;
//! compute stream: wait `filled[slot]` → get_hermitian reads the slot → record `released[slot]`.
//! The kernels see the batch as a matrix of `n` rows from row 0, so they are the in-core ones and
//! give the same A, bit for bit.
use super::DeviceRows;
use crate::data::Csr;
use crate::gpu::{CudaView, Gpu, GpuError};
use cudarc::driver::result::memcpy_htod_async;
use cudarc::driver::sys::CUevent_flags;
use cudarc::driver::{CudaEvent, CudaStream, DevicePtrMut, DriverError, PinnedHostSlice};
use rayon::prelude::*;
use std::sync::Arc;

/// The batches of rows `(first, rows)` of `m`: up to `rows_per_batch` rows and `slot_entries`
/// entries each (a row longer than `slot_entries` is refused by the caller's plan).
pub fn batches_by_entries(m: &Csr, rows_per_batch: usize, slot_entries: usize) -> Vec<(usize, usize)> {
    let indptr = m.indptr();
    let ptr = indptr.raw_storage();
    let mut out = Vec::new();
    let mut begin = 0;
    while begin < m.outer_dims() {
        let mut end = begin + 1;
        while end < m.outer_dims() && end - begin < rows_per_batch && ptr[end + 1] - ptr[begin] <= slot_entries {
            end += 1;
        }
        out.push((begin, end - begin));
        begin = end;
    }
    out
}

/// The longest row of `m`, in entries.
pub fn longest_row(m: &Csr) -> usize {
    m.outer_iterator().map(|r| r.nnz()).max().unwrap_or(0)
}

/// One side's rows in page-locked host memory, cut into batches.
pub(super) struct StreamedRows {
    pub rows: usize,
    pub batches: Vec<(usize, usize)>,
    /// Each batch's row pointers rebased to its first entry, batch after batch (rows + batches).
    host_indptr: PinnedHostSlice<u64>,
    host_indices: PinnedHostSlice<u32>,
    host_values: PinnedHostSlice<f32>,
    /// Where each batch's rebased row pointers start in `host_indptr`, and its entry range.
    batch_indptr: Vec<usize>,
    batch_entries: Vec<(usize, usize)>,
}

/// The two device slots the streamed sides' batches pass through (one pair for both sides: the
/// half-steps take turns), and the copy stream that fills them.
pub(super) struct SlotPair {
    slots: [DeviceRows; 2],
    copy: Arc<CudaStream>,
    filled: [CudaEvent; 2],
    released: [CudaEvent; 2],
    /// (start, end, bytes) of each copy since [`SlotPair::take_copies`].
    copies: Vec<(CudaEvent, CudaEvent, usize)>,
    /// The slot of batch 0 of the pass under way, and the slot after the last one filled: a pass
    /// starts in the slot the previous pass did not end in, so its first copy overlaps that
    /// pass's last batch.
    first: usize,
    after_last: usize,
}

/// A batch's rows as the kernels read them: row pointers from 0 for its rows, its entries.
pub(super) struct RowsView<'a> {
    pub indptr: CudaView<'a, u64>,
    pub indices: CudaView<'a, u32>,
    pub values: CudaView<'a, f32>,
    /// The batch's entries (a slot may hold more).
    pub nnz: usize,
    /// The first row of the batch in the rows the kernels' `row_begin` counts (0 for a slot).
    pub row_begin: usize,
}

impl<'a> RowsView<'a> {
    /// Rows `begin..` of a resident matrix.
    pub fn resident(rows: &'a DeviceRows, begin: usize) -> RowsView<'a> {
        RowsView {
            indptr: rows.indptr.slice(..),
            indices: rows.indices.slice(..),
            values: rows.values.slice(..),
            nnz: rows.indices.len(),
            row_begin: begin,
        }
    }
}

impl StreamedRows {
    /// Copies `m` into page-locked host memory in batches of at most `rows_per_batch` rows and
    /// `slot_entries` entries.
    pub fn new(
        g: &Gpu,
        m: &Csr,
        rows_per_batch: usize,
        slot_entries: usize,
        what: &str,
    ) -> Result<StreamedRows, GpuError> {
        let batches = batches_by_entries(m, rows_per_batch, slot_entries);
        let indptr = m.indptr();
        let ptr = indptr.raw_storage();
        let mut rebased = Vec::with_capacity(m.outer_dims() + batches.len());
        let (mut batch_indptr, mut batch_entries) = (Vec::new(), Vec::new());
        for &(begin, n) in &batches {
            batch_indptr.push(rebased.len());
            batch_entries.push((ptr[begin], ptr[begin + n]));
            rebased.extend(ptr[begin..=begin + n].iter().map(|&p| (p - ptr[begin]) as u64));
        }
        Ok(StreamedRows {
            rows: m.outer_dims(),
            batches,
            host_indptr: pinned_copy(g, &rebased, &format!("{what}: row pointers"))?,
            host_indices: pinned_copy(g, m.indices(), &format!("{what}: indices"))?,
            host_values: pinned_copy(g, m.data(), &format!("{what}: values"))?,
            batch_indptr,
            batch_entries,
        })
    }

    /// The most rows and the most entries of any batch.
    fn largest_batch(&self) -> (usize, usize) {
        let rows = self.batches.iter().map(|b| b.1).max().unwrap_or(0);
        (rows, self.batch_entries.iter().map(|(lo, hi)| hi - lo).max().unwrap_or(0))
    }
}

impl SlotPair {
    /// Two slots that hold any batch of `sides`; `None` if no side streams.
    pub fn for_sides(g: &Gpu, sides: [Option<&StreamedRows>; 2]) -> Result<Option<SlotPair>, GpuError> {
        let largest: Vec<(usize, usize)> = sides.iter().flatten().map(|s| s.largest_batch()).collect();
        if largest.is_empty() {
            return Ok(None);
        }
        let rows = largest.iter().map(|b| b.0).max().unwrap_or(0);
        let entries = largest.iter().map(|b| b.1).max().unwrap_or(0);
        let slot = |k: usize| -> Result<DeviceRows, GpuError> {
            Ok(DeviceRows {
                indptr: g.alloc_zeros::<u64>(rows + 1, &format!("streamed slot {k}, row pointers"))?,
                indices: g.alloc_zeros::<u32>(entries.max(1), &format!("streamed slot {k}, indices"))?,
                values: g.alloc_zeros::<f32>(entries.max(1), &format!("streamed slot {k}, values"))?,
                rows,
            })
        };
        let slots = [slot(0)?, slot(1)?];
        let event = || g.context().new_event(None).map_err(GpuError::driver("creating a CUDA event"));
        let (filled, released) = ([event()?, event()?], [event()?, event()?]);
        for e in released.iter().chain(&filled) {
            e.record(g.stream()).map_err(GpuError::driver("recording a CUDA event"))?;
        }
        // The slots are allocated on the compute stream; the copy stream must not touch them first.
        g.synchronize()?;
        Ok(Some(SlotPair {
            slots,
            copy: g.context().new_stream().map_err(GpuError::driver("creating the copy stream"))?,
            filled,
            released,
            copies: Vec::new(),
            first: 0,
            after_last: 0,
        }))
    }

    /// Queues the copy of batch `k` of `rows` into its slot on the copy stream (after the slot's
    /// previous batch was released); returns at once. Past the last batch, nothing.
    pub fn fill(&mut self, rows: &StreamedRows, k: usize) -> Result<(), GpuError> {
        let Some(&(_, n)) = rows.batches.get(k) else { return Ok(()) };
        if k == 0 {
            self.first = self.after_last;
        }
        let s = self.slot(k);
        self.after_last = 1 - s;
        let (lo, hi) = rows.batch_entries[k];
        let at = rows.batch_indptr[k];
        self.copy.wait(&self.released[s]).map_err(copy_error)?;
        let start = self.copy.record_event(Some(CUevent_flags::CU_EVENT_DEFAULT)).map_err(copy_error)?;
        let slot = &mut self.slots[s];
        let stream = self.copy.cu_stream();
        // Safety: the page-locked buffers are only read after construction, each range lies inside
        // them (`batch_indptr` and `batch_entries` were cut from the same matrix), and each slot
        // holds the most rows and entries of any batch.
        unsafe {
            let indptr = std::slice::from_raw_parts(rows.host_indptr.as_ptr().map_err(copy_error)?.add(at), n + 1);
            let indices = std::slice::from_raw_parts(rows.host_indices.as_ptr().map_err(copy_error)?.add(lo), hi - lo);
            let values = std::slice::from_raw_parts(rows.host_values.as_ptr().map_err(copy_error)?.add(lo), hi - lo);
            memcpy_htod_async(slot.indptr.device_ptr_mut(&self.copy).0, indptr, stream).map_err(copy_error)?;
            memcpy_htod_async(slot.indices.device_ptr_mut(&self.copy).0, indices, stream).map_err(copy_error)?;
            memcpy_htod_async(slot.values.device_ptr_mut(&self.copy).0, values, stream).map_err(copy_error)?;
        }
        self.filled[s].record(&self.copy).map_err(copy_error)?;
        let end = self.copy.record_event(Some(CUevent_flags::CU_EVENT_DEFAULT)).map_err(copy_error)?;
        self.copies.push((start, end, 8 * (n + 1) + 8 * (hi - lo)));
        Ok(())
    }

    /// Seconds and bytes of the copies queued since the last call (waits for them).
    pub fn take_copies(&mut self) -> Result<(f64, usize), GpuError> {
        let (mut seconds, mut bytes) = (0.0, 0);
        for (start, end, b) in self.copies.drain(..) {
            end.synchronize().map_err(copy_error)?;
            seconds += start.elapsed_ms(&end).map_err(copy_error)? as f64 / 1e3;
            bytes += b;
        }
        Ok((seconds, bytes))
    }

    /// Batch `k` of `rows` for the kernels, once its copy is done (the compute stream waits for it).
    pub fn view(&self, g: &Gpu, rows: &StreamedRows, k: usize) -> Result<RowsView<'_>, GpuError> {
        let s = self.slot(k);
        g.stream().wait(&self.filled[s]).map_err(GpuError::driver("waiting for a streamed batch"))?;
        let (lo, hi) = rows.batch_entries[k];
        Ok(RowsView { nnz: hi - lo, ..RowsView::resident(&self.slots[s], 0) })
    }

    /// Marks batch `k`'s slot free once the work queued on the compute stream so far is done.
    pub fn release(&self, g: &Gpu, k: usize) -> Result<(), GpuError> {
        self.released[self.slot(k)].record(g.stream()).map_err(GpuError::driver("recording a CUDA event"))
    }

    fn slot(&self, k: usize) -> usize {
        (self.first + k) % 2
    }
}

/// A page-locked copy of `data`, written by all threads.
fn pinned_copy<T: cudarc::driver::DeviceRepr + cudarc::driver::ValidAsZeroBits + Copy + Send + Sync>(
    g: &Gpu,
    data: &[T],
    what: &str,
) -> Result<PinnedHostSlice<T>, GpuError> {
    let bytes = std::mem::size_of_val(data);
    // Safety: every element is written below before any read. Flags 0: cacheable memory.
    let mut pinned = unsafe { g.context().alloc_pinned_with_flags::<T>(data.len().max(1), 0) }
        .map_err(GpuError::driver(format!("allocating {bytes} bytes of page-locked host memory for {what}")))?;
    let host = pinned.as_mut_slice().map_err(GpuError::driver("opening page-locked host memory"))?;
    const CHUNK: usize = 1 << 20;
    host[..data.len()].par_chunks_mut(CHUNK).zip(data.par_chunks(CHUNK)).for_each(|(d, s)| d.copy_from_slice(s));
    Ok(pinned)
}

fn copy_error(source: DriverError) -> GpuError {
    GpuError::Driver { context: "copying a streamed batch to the GPU".into(), source }
}

#[cfg(test)]
mod tests {
    use super::super::schedule::tests::rows;
    use super::*;

    #[test]
    fn batches_stop_at_the_row_or_entry_limit_whichever_comes_first() {
        assert_eq!(batches_by_entries(&rows(), 100, 5), vec![(0, 3), (3, 2), (5, 1), (6, 1)]);
        assert_eq!(batches_by_entries(&rows(), 2, 100), vec![(0, 2), (2, 2), (4, 2), (6, 1)]);
        assert_eq!(batches_by_entries(&rows(), 100, 15), vec![(0, 7)]);
        assert_eq!(longest_row(&rows()), 5);
    }
}
