//! Inference (`kernels-rs/src/topk/`): top-K selection, exclusion marking and the fused scorers.
use crate::{Entry, Image};

/// Kernels with one instance.
pub const SINGLE: [&str; 5] = ["topk_dense", "topk_candidates", "topk_threshold", "topk_mark_excluded", "topk_rescore"];

/// Scorer families, one entry per f, and the images that have them.
pub const SCORER_FAMILIES: [(&str, Image); 4] = [
    ("score_sample", Image::Every),
    ("score_filter", Image::Every),
    ("score_filter_tf32", Image::Every),
    ("score_filter_wgmma", Image::Sm90a),
];

pub const fn scorer_entry(family: &'static str, f: usize) -> Entry {
    Entry::for_f(family, f)
}
