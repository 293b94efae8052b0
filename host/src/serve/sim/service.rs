//! How long a batch occupies the simulated server: measured on a real backend, or given by a
//! formula (deterministic, for tests).

use std::time::Instant;

use anyhow::Result;

use crate::infer::Scorer;
use crate::model::Matrix;

/// The service time of a batch.
pub trait ServiceModel {
    fn name(&self) -> String;
    /// Serve one batch (one request per entry, the user it is for); returns its service time (s).
    fn serve(&mut self, users: &[u32]) -> Result<f64>;
}

/// `fixed_s + per_request_s · batch size`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearService {
    pub fixed_s: f64,
    pub per_request_s: f64,
}

impl ServiceModel for LinearService {
    fn name(&self) -> String {
        format!("linear({} s + {} s/request)", self.fixed_s, self.per_request_s)
    }

    fn serve(&mut self, users: &[u32]) -> Result<f64> {
        Ok(self.fixed_s + self.per_request_s * users.len() as f64)
    }
}

/// Runs each batch on a [`Scorer`] (gathering the users' factor rows as the queries, top-k of
/// `k`) and returns the wall time it took.
pub struct MeasuredService<'a> {
    scorer: Box<dyn Scorer>,
    users: &'a Matrix,
    k: usize,
    queries: Vec<f32>,
}

impl<'a> MeasuredService<'a> {
    /// `users`: the user factors (n_users × f, the scorer's f).
    pub fn new(scorer: Box<dyn Scorer>, users: &'a Matrix, k: usize) -> Result<Self> {
        anyhow::ensure!(
            users.cols == scorer.n_factors(),
            "user factors have {} columns, the {} scorer's items {}",
            users.cols,
            scorer.name(),
            scorer.n_factors()
        );
        Ok(MeasuredService { scorer, users, k, queries: Vec::new() })
    }
}

impl ServiceModel for MeasuredService<'_> {
    fn name(&self) -> String {
        self.scorer.name()
    }

    fn serve(&mut self, users: &[u32]) -> Result<f64> {
        let t = Instant::now();
        self.queries.clear();
        for &u in users {
            self.queries.extend_from_slice(self.users.row(u as usize));
        }
        std::hint::black_box(self.scorer.top_k(&self.queries, None, self.k)?);
        Ok(t.elapsed().as_secs_f64())
    }
}
