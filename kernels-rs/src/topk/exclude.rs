//! Marks excluded items in a dense score matrix: `scores[r][i / step] = EXCLUDED` for every item
//! i of row r's exclusion list with i % step == 0 (step 1: every item is a column; step s: the
//! matrix holds every s-th item, as the sample of the fused path does).
//!
//! Launch: grid-stride over the exclusion list entries; any 1-D shape (the host's:
//! `rustmf_kernel_abi::topk::mark_excluded_launch`). No shared memory.
//!
//! The fused scorers ask [`is_excluded`] instead, only for the few scores that pass their filter.
use super::{dense_len, EXCLUDED};
use crate::prelude::*;
use rustmf_kernel_abi::topk::MarkExcluded;

/// Whether `item` is in row `row`'s sorted exclusion list `items[indptr[row]..indptr[row + 1]]`
/// (binary search).
#[inline(always)]
pub fn is_excluded(indptr: Global<u32>, items: Global<u32>, row: usize, item: u32) -> bool {
    let (mut lo, mut hi) = (indptr.get(row) as usize, indptr.get(row + 1) as usize);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let v = items.ldg(mid);
        if v == item {
            return true;
        }
        if v < item {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    false
}

/// `indptr[r]..indptr[r+1]` are row r's entries of `items` (r < rows); columns of `scores` are
/// `ld` apart per row and hold `n_cols` items.
#[no_mangle]
pub unsafe extern "ptx-kernel" fn topk_mark_excluded(
    rows: u32,
    indptr: *const u32,
    items: *const u32,
    step: u32,
    n_cols: u64,
    ld: u64,
    scores: *mut f32,
) {
    // The contract's parameters (kernels-abi), by name and type.
    let _ = MarkExcluded { rows, indptr, items, step, n_cols, ld, scores };
    let (indptr, scores) =
        (Global::new(indptr, rows as usize + 1), GlobalMut::new(scores, dense_len(rows, n_cols, ld)));
    let scores = scores.cast::<u32>();
    let total = indptr.get(rows as usize) as usize;
    // indptr[rows] entries, by the launch's contract.
    let items = Global::new(items, total);
    let mut e = global_index();
    while e < total {
        let item = items.get(e);
        if item % step == 0 && ((item / step) as u64) < n_cols {
            let (mut lo, mut hi) = (0usize, rows as usize);
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                if (indptr.get(mid) as usize) <= e {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            scores.set(lo * ld as usize + (item / step) as usize, EXCLUDED);
        }
        e += grid_stride();
    }
}
