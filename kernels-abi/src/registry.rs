//! Every entry point of the PTX, enumerated from the families' own lists: `rustmf ptx-check`
//! compares it with the PTX (both ways) and the tests iterate it.
use crate::hermitian::{finish_entry, VERSIONS};
use crate::hermitian_phases::{self, Staging, StopAfter};
use crate::solve::{matrix_free, Solver};
use crate::{baseline, loss, topk, Entry, Image, SUPPORTED_F};

/// One check kernel per prelude primitive (`kernels-rs/src/prelude_checks.rs`).
pub const PRELUDE_CHECKS: [(&str, Image); 14] = [
    ("prelude_check_cp_async", Image::Every),
    ("prelude_check_index", Image::Every),
    ("prelude_check_shared_reverse", Image::Every),
    ("prelude_check_shared_vec4", Image::Every),
    ("prelude_check_vec2", Image::Every),
    ("prelude_check_shuffles", Image::Every),
    ("prelude_check_reductions", Image::Every),
    ("prelude_check_fma", Image::Every),
    ("prelude_check_f16_store", Image::Every),
    ("prelude_check_f16_load", Image::Every),
    ("prelude_check_ldg", Image::Every),
    ("prelude_check_ld_cache_ops", Image::Every),
    ("prelude_check_mma_3xtf32", Image::Every),
    ("prelude_check_wgmma_tf32", Image::Sm90a),
];

/// Calls `visit` with every entry point of the image built for `target` ("sm_80", "sm_90a").
pub fn for_each_entry(target: &str, mut visit: impl FnMut(Entry)) {
    for (name, image) in PRELUDE_CHECKS {
        if image.in_target(target) {
            visit(Entry::single(name));
        }
    }
    for version in VERSIONS.iter().filter(|v| v.image.in_target(target)) {
        for f in SUPPORTED_F {
            visit(version.entry(f, false));
            if version.half_output {
                visit(version.entry(f, true));
            }
        }
    }
    for f in SUPPORTED_F {
        visit(finish_entry(f, false));
        visit(finish_entry(f, true));
        for staging in Staging::ALL {
            for stop in StopAfter::ALL {
                visit(hermitian_phases::entry(staging, stop, f));
            }
        }
        for solver in Solver::ALL {
            visit(solver.entry(f));
        }
        visit(matrix_free::entry(f));
        visit(baseline::gather_entry(f));
        visit(baseline::finish_entry(f));
        visit(loss::entry(f));
    }
    for entry in topk::SINGLE {
        visit(entry);
    }
    for scorer in topk::Scorer::ALL.into_iter().filter(|s| s.image().in_target(target)) {
        for f in SUPPORTED_F {
            visit(scorer.entry(f));
        }
    }
}
