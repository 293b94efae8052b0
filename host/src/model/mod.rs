//! The device-independent ALS model: configuration ([`AlsConfig`]), dense factors ([`Matrix`],
//! [`Factors`]), the backend trait ([`AlsBackend`]), the recommend API ([`Recommender`]), the
//! test-set metrics' values ([`Metrics`]) and a trained model with its ids and history
//! ([`TrainedModel`]). It names no backend: backends depend on it, and the
//! training driver (`train`) picks one.
//!
//! # Model
//!
//! * **Explicit** (Zhou et al. 2008, as cuMF_als): minimise
//!   `Σ_{(u,i)∈Ω} (r_ui − x_uᵀy_i)² + λ(Σ_u n_u‖x_u‖² + Σ_i n_i‖y_i‖²)` (weighted-λ).
//!   Row update: `A_u = Σ_{i∈Ω_u} y_i y_iᵀ + λ n_u I`, `b_u = Σ r_ui y_i`. Rows with no
//!   interactions get a zero factor.
//! * **Implicit** (Hu, Koren & Volinsky 2008): preference `p = [r > 0]`, confidence
//!   `c = 1 + α r` ([`Confidence::Linear`]) or `c = 1 + α log(1 + r/ε)` ([`Confidence::Log`])
//!   (or `implicit`'s `c = α r`, [`Confidence::Proportional`], CPU only);
//!   minimise `Σ_{all u,i} c_ui (p_ui − x_uᵀy_i)² + λ(Σ‖x_u‖² + Σ‖y_i‖²)`.
//!   Row update: `A_u = YᵀY + Σ_{i∈Ω_u} (c_ui − 1) y_i y_iᵀ + λI`, `b_u = Σ c_ui p_ui y_i`, with
//!   `YᵀY` computed once per half-step. Stored values `r ≤ 0` are treated as "not observed"
//!   (c = 1, p = 0) and contribute nothing.
//!
//! Each iteration solves all users from the items (CSR rows), then all items from the users
//! (CSC columns).
//!
//! # Initialisation
//!
//! Both factor matrices are filled with i.i.d. `N(0, (init_scale)²/f)` values from a counter-based
//! generator (splitmix64 of `(seed, matrix, row, col)` + Box–Muller, see [`init_factors`]), so the
//! start point depends only on the seed and the shape — not on the thread count, nor on the
//! version of the `rand` crate. The first half-step overwrites the user factors (Cholesky/LU), so
//! for exact solvers only the item initialisation matters; CG warm-starts from both.

mod backend;
mod config;
mod factors;
mod hermitian;
mod init;
mod metrics;
mod trained;

pub use backend::{AlsBackend, Breakdown, Recommender, Side};
pub use config::{AlsConfig, Confidence, EarlyStopping, EvalConfig, GpuOptions, MatrixFree, Solver};
pub use factors::{Factors, Matrix};
pub use hermitian::Hermitian;
pub use init::init_factors;
pub use metrics::{Metrics, RankingMetrics};
pub use trained::{DataRecord, ModelInfo, SeenItems, SplitRecord, TrainedModel, MODEL_FORMAT, MODEL_VERSION};
