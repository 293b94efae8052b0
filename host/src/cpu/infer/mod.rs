//! Inference on the CPU: the brute-force top-k [`CpuScorer`] (the [`crate::infer::Scorer`] baseline)
//! and the [`crate::model::Recommender`] API of [`crate::model::Factors`].

mod recommend;
mod scorer;

pub(crate) use recommend::row_sorted;
pub use recommend::{score_user, top_k_excluding};
pub use scorer::{CpuScorer, GEMV_MAX_ROWS, TILE_ITEMS, TILE_ROWS};
