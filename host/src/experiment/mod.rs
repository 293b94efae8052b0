//! Experiments as files (issue 18): a TOML spec ([`spec`]) names datasets, grids of training,
//! kernel and inference cases, repeats and the figures to draw; [`run`] measures every case in one
//! process and writes `results.json` and `results.csv` with full provenance under
//! `<out>/<experiment>/<machine>/` after every case, skipping cases already measured at the same
//! revision on the same machine (so a suite resumes across sessions); [`report()`] draws the
//! figures (SVG and PNG) and a Markdown table; [`compare()`] gives per-case ratios and flags
//! regressions beyond the spread. `[peers]` cases run other libraries on the same data through
//! the Python side-car `benches/peers.py` ([`peers`]).
//!
//! The top layer: it runs the training grid (`train::grid`), the scorers (`serve`), the kernels
//! alone (`gpu`, [`kernels`]) and records through `bench`.

mod cases;
pub mod check;
pub mod compare;
#[cfg(feature = "gpu")]
pub mod kernels;
pub mod peers;
mod plot;
pub mod quote;
pub mod report;
pub mod results;
mod runner;
pub mod spec;

pub use cases::{expand, matches_filter, quick, Case, Work, DIM_ORDER};
pub use compare::{compare, Comparison, Verdict};
pub use peers::PeerRunner;
pub use quote::quote;
pub use report::{report, Report};
pub use results::{Provenance, Record, ResultsFile, Status};
pub use runner::{result_dirs, run, RunOptions, RunSummary};
pub use spec::Spec;
