//! Exact re-scoring of approximate candidates (the tensor-core path): for each row's first
//! `counts[r]` candidate items, s = the sequential fp32 FMA chain of [`super::score`], so the
//! re-scored values are bit-identical to the fused kernel's and to the CPU reference.
//!
//! Launch: one thread per (row, slot): grid-stride over rows × cap; any 1-D shape (the host's:
//! `rustmf_kernel_abi::topk::rescore_launch`), no shared memory. f % 4 == 0 (each thread reads its
//! two rows in 128-bit loads). Writes the scores in place of the approximate ones; items are kept.
use crate::prelude::*;
use rustmf_kernel_abi::topk::Rescore;

#[no_mangle]
pub unsafe extern "ptx-kernel" fn topk_rescore(
    rows: u32,
    f: u32,
    cap: u32,
    queries: *const f32,
    items: *const f32,
    counts: *const u32,
    cand_items: *const u32,
    cand_scores: *mut f32,
) {
    // The contract's parameters (kernels-abi), by name and type.
    let _ = Rescore { rows, f, cap, queries, items, counts, cand_items, cand_scores };
    let (f, cap) = (f as usize, cap as usize);
    // θ's item count is not passed: `items` is unbounded.
    let (queries, items) = (Global::new(queries, rows as usize * f), Global::unbounded(items));
    let (counts, cand_items) = (Global::new(counts, rows as usize), Global::new(cand_items, rows as usize * cap));
    let cand_scores = GlobalMut::new(cand_scores, rows as usize * cap);
    if f % 4 != 0 {
        trap();
    }
    let mut e = global_index();
    while e < rows as usize * cap {
        let (row, slot) = (e / cap, e % cap);
        if (slot as u32) < counts.get(row) {
            let (q, y) = (queries.at(row * f), items.at(cand_items.get(e) as usize * f));
            let mut s = 0.0f32;
            let mut j = 0;
            while j < f {
                let (qj, yj) = (q.ldg4(j).0, y.ldg4(j).0);
                for c in 0..4 {
                    s = fma(qj[c], yj[c], s);
                }
                j += 4;
            }
            cand_scores.set(e, s);
        }
        e += grid_stride();
    }
}
