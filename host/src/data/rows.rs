//! Parallel work over the rows of a compressed matrix: rows are grouped into contiguous blocks of
//! similar entry counts, and each block gets its own disjoint part of the entry arrays.

use std::ops::Range;

/// About `n_blocks` contiguous row ranges covering `0..indptr.len() - 1`, each holding roughly
/// the same number of entries plus rows (so that many empty rows still spread out).
pub(crate) fn row_blocks(indptr: &[usize], n_blocks: usize) -> Vec<Range<usize>> {
    let rows = indptr.len() - 1;
    let nnz = indptr[rows];
    let n_blocks = n_blocks.clamp(1, rows.max(1));
    let work_per_block = (nnz + rows).div_ceil(n_blocks).max(1);
    let mut blocks = Vec::with_capacity(n_blocks + 1);
    let mut start = 0;
    for r in 0..rows {
        if indptr[r + 1] + r + 1 - (indptr[start] + start) >= work_per_block {
            blocks.push(start..r + 1);
            start = r + 1;
        }
    }
    if start < rows || blocks.is_empty() {
        blocks.push(start..rows);
    }
    blocks
}

/// Enough blocks to balance uneven rows over the rayon threads.
pub(crate) fn balanced_row_blocks(indptr: &[usize]) -> Vec<Range<usize>> {
    row_blocks(indptr, rayon::current_num_threads() * 8)
}

/// Split `entries` (aligned with `indptr`) into one mutable slice per block of rows.
pub(crate) fn split_entries<'a, T>(
    mut entries: &'a mut [T],
    indptr: &[usize],
    blocks: &[Range<usize>],
) -> Vec<&'a mut [T]> {
    let mut parts = Vec::with_capacity(blocks.len());
    for b in blocks {
        let (head, tail) = entries.split_at_mut(indptr[b.end] - indptr[b.start]);
        parts.push(head);
        entries = tail;
    }
    parts
}

/// Exclusive prefix sum of per-row counts: the `indptr` of a matrix with those row lengths.
pub(crate) fn indptr_from_counts(counts: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut indptr = vec![0];
    let mut total = 0;
    for c in counts {
        total += c;
        indptr.push(total);
    }
    indptr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_every_row_once() {
        let indptr = indptr_from_counts([5, 0, 0, 100, 1, 1, 0, 3]);
        let blocks = row_blocks(&indptr, 4);
        let covered: Vec<usize> = blocks.iter().flat_map(|b| b.clone()).collect();
        assert_eq!(covered, (0..8).collect::<Vec<_>>());
        let mut entries = vec![0u8; 110];
        let parts = split_entries(&mut entries, &indptr, &blocks);
        assert_eq!(parts.iter().map(|p| p.len()).sum::<usize>(), 110);
    }

    #[test]
    fn empty_matrix_has_one_empty_block() {
        assert_eq!(row_blocks(&[0], 8), vec![0..0]);
    }
}
