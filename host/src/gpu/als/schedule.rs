//! Which rows of a batch the get_hermitian blocks take, and in what order: v7 takes the batch's
//! rows longest first ([`longest_first`]); v8 also cuts rows longer than a limit into pieces
//! whose partial sums a second kernel adds ([`split_plan`]). Both fight the same loss: rows of
//! very different lengths, where a long row started late runs alone on its SM at the end.
use crate::data::Csr;
use std::cmp::Reverse;

/// v8's slot of a row that is not split (`kernels-rs/src/hermitian/v8_split.rs`).
pub const WHOLE: u32 = u32::MAX;

/// (first row, rows) of the batches of `batch` rows that cover rows `first..end`.
pub fn uniform_batches((first, end): (usize, usize), batch: usize) -> Vec<(usize, usize)> {
    (first..end).step_by(batch.max(1)).map(|b| (b, batch.min(end - b))).collect()
}

/// For each of `batches` (first row, rows) of `m`, which cover its rows in order, the batch's
/// rows (numbered from the batch's first) by decreasing number of entries, ties by index, at the
/// batch's positions.
pub fn longest_first(m: &Csr, batches: &[(usize, usize)]) -> Vec<u32> {
    let indptr = m.indptr();
    let ptr = indptr.raw_storage();
    let mut order = Vec::with_capacity(m.outer_dims());
    for &(begin, n) in batches {
        let mut local: Vec<u32> = (0..n as u32).collect();
        local.sort_by_key(|&l| Reverse(ptr[begin + l as usize + 1] - ptr[begin + l as usize]));
        order.extend(local);
    }
    order
}

/// Matrix-free CG gives a whole block to rows of more than this many entries and a warp to the
/// others: a warp has 2·32/L entries (L lanes each) in flight at a time, so a row of thousands of
/// entries, read steps + 1 times, would keep one warp busy long after the others are done.
pub const MATRIX_FREE_LONG_ROW: usize = 2048;

/// How many of rows `first..end` of `m` have more than `limit` entries.
pub fn long_rows(m: &Csr, (first, end): (usize, usize), limit: usize) -> usize {
    let ptr = m.indptr();
    let ptr = ptr.raw_storage();
    (first..end).filter(|&r| ptr[r + 1] - ptr[r] > limit).count()
}

/// The longest piece v8 gives one block: about a twelfth of an even share per SM of a batch's
/// `nnz` entries (so the pieces of the longest rows are shorter than what most blocks do), at
/// least 256. `nnz` is the side's mean per batch, not its whole: in a batch of a few thousand
/// rows (a streamed side's) one row cut to the side's share ran alone on its SM long after the
/// others were done. One limit per side keeps a row's pieces the same whatever batch it is in.
pub fn piece_limit(nnz: usize, multiprocessors: usize) -> usize {
    (nnz / (12 * multiprocessors.max(1))).max(256)
}

/// v8's work for the batch of `n` rows of `m` from `begin`, in the layout of `v8_split.rs`.
#[derive(Debug, PartialEq)]
pub struct SplitPlan {
    /// (lo, hi, slot << 32 | local) per work unit, longest first (ties in row order).
    pub units: Vec<u64>,
    /// (local, first slot, pieces) per split row.
    pub splits: Vec<u32>,
    /// Scratch slots the pieces use.
    pub slots: usize,
}

impl SplitPlan {
    /// The plan with entry positions counted from `first` (a streamed batch's first entry).
    pub fn rebased(mut self, first: usize) -> SplitPlan {
        for unit in self.units.chunks_exact_mut(3) {
            unit[0] -= first as u64;
            unit[1] -= first as u64;
        }
        self
    }
}

/// Rows of more than `limit` entries become ⌈len / limit⌉ pieces of nearly equal length.
pub fn split_plan(m: &Csr, begin: usize, n: usize, limit: usize) -> SplitPlan {
    let indptr = m.indptr();
    let ptr = indptr.raw_storage();
    let mut units: Vec<(usize, usize, u64)> = Vec::with_capacity(n);
    let (mut splits, mut slots) = (Vec::new(), 0usize);
    for local in 0..n {
        let (lo, hi) = (ptr[begin + local], ptr[begin + local + 1]);
        let len = hi - lo;
        if len <= limit {
            units.push((lo, hi, (WHOLE as u64) << 32 | local as u64));
            continue;
        }
        let pieces = len.div_ceil(limit);
        splits.extend([local as u32, slots as u32, pieces as u32]);
        for k in 0..pieces {
            let slot = (slots + k) as u64;
            units.push((lo + len * k / pieces, lo + len * (k + 1) / pieces, slot << 32 | local as u64));
        }
        slots += pieces;
    }
    units.sort_by_key(|&(lo, hi, _)| Reverse(hi - lo));
    SplitPlan {
        units: units.into_iter().flat_map(|(lo, hi, tag)| [lo as u64, hi as u64, tag]).collect(),
        splits,
        slots,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Row lengths 1, 3, 0, 3, 2, 5, 1 (also `streamed.rs`'s test rows).
    pub(in crate::gpu::als) fn rows() -> Csr {
        let lengths = [1usize, 3, 0, 3, 2, 5, 1];
        let mut indptr = vec![0usize];
        for l in lengths {
            indptr.push(indptr.last().unwrap() + l);
        }
        let indices: Vec<u32> = lengths.iter().flat_map(|&l| 0..l as u32).collect();
        let nnz = indices.len();
        Csr::new((lengths.len(), 8), indptr, indices, vec![1.0f32; nnz])
    }

    #[test]
    fn longest_first_orders_each_batch_by_length_ties_by_index() {
        assert_eq!(longest_first(&rows(), &uniform_batches((0, 7), 5)), vec![1, 3, 4, 0, 2, 0, 1]);
        assert_eq!(longest_first(&rows(), &uniform_batches((0, 7), 100)), vec![5, 1, 3, 4, 0, 6, 2]);
        assert_eq!(longest_first(&rows(), &[(0, 2), (2, 4), (6, 1)]), vec![1, 0, 3, 1, 2, 0, 0]);
    }

    #[test]
    fn split_plan_cuts_long_rows_into_even_pieces_longest_first() {
        // Rows 1..7 (lengths 3, 0, 3, 2, 5, 1; entries 1..15), limit 2: batch rows 0 and 2 in two
        // pieces (slots 0-1, 2-3), row 4 in three (slots 4-6).
        let plan = split_plan(&rows(), 1, 6, 2);
        assert_eq!(plan.slots, 7);
        assert_eq!(plan.splits, vec![0, 0, 2, 2, 2, 2, 4, 4, 3]);
        let units: Vec<(u64, u64, u32, u32)> =
            plan.units.chunks(3).map(|u| (u[0], u[1], (u[2] >> 32) as u32, u[2] as u32)).collect();
        let expected = vec![
            (2, 4, 1, 0),
            (5, 7, 3, 2),
            (7, 9, WHOLE, 3),
            (10, 12, 5, 4),
            (12, 14, 6, 4),
            (1, 2, 0, 0),
            (4, 5, 2, 2),
            (9, 10, 4, 4),
            (14, 15, WHOLE, 5),
            (4, 4, WHOLE, 1),
        ];
        assert_eq!(units, expected);
    }

    #[test]
    fn a_rebased_plan_counts_entries_from_the_batch_start() {
        let plan = split_plan(&rows(), 1, 6, 2);
        let rebased = split_plan(&rows(), 1, 6, 2).rebased(1);
        assert_eq!((rebased.splits, rebased.slots), (plan.splits, plan.slots));
        for (r, p) in rebased.units.chunks(3).zip(plan.units.chunks(3)) {
            assert_eq!([r[0] + 1, r[1] + 1, r[2]], [p[0], p[1], p[2]]);
        }
    }

    #[test]
    fn long_rows_counts_rows_over_the_limit() {
        assert_eq!(long_rows(&rows(), (0, 7), 2), 3);
        assert_eq!(long_rows(&rows(), (0, 7), 5), 0);
        assert_eq!(long_rows(&rows(), (2, 5), 2), 1);
    }
}
