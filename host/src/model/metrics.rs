//! Test-set metrics: the values a training run logs (the CPU backend computes them).

use serde::{Deserialize, Serialize};

/// Test-set metrics (the ones that apply: RMSE/MAE for explicit, ranking metrics for implicit).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rmse: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mae: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranking: Option<RankingMetrics>,
}

impl Metrics {
    /// The monitored value and whether higher is better.
    pub fn monitored(&self) -> Option<(f64, bool)> {
        if let Some(r) = &self.ranking {
            Some((r.ndcg, true))
        } else {
            self.rmse.map(|v| (v, false))
        }
    }
}

/// Ranking metrics at `k`, means over `users` evaluated users.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RankingMetrics {
    pub k: usize,
    pub precision: f64,
    pub recall: f64,
    pub map: f64,
    pub ndcg: f64,
    pub coverage: f64,
    pub users: usize,
}
