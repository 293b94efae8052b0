//! The data layer: interactions, loaders, cache, synthetic data, splits.

mod interactions;

pub use interactions::{Csc, Csr, IdMap, Interactions};
