//! Serving: every top-k scorer ([`ScorerBackend`], [`make_scorer`]), the load simulator ([`sim`]) and its
//! plots ([`plot`]). Sits above the backends (`cpu::infer`, `gpu::infer`), which it picks from.

pub mod plot;
mod scorers;
pub mod sim;

pub use scorers::{make_scorer, ScorerBackend, SCORE_BATCH_ROWS};
