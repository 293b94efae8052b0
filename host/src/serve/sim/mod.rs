//! The load simulator: a recommendation server under open-loop Poisson load, as a discrete-event
//! simulation on a virtual clock.
//!
//! * **Arrivals.** At each offered rate λ (requests/s), a fixed number of requests (or as many as a
//!   duration holds, [`Requests`]) arrive with exponential gaps of mean 1/λ, each for one user
//!   drawn uniformly; the stream depends only on the seed and the rate's position in the ramp, so
//!   every backend sees the same requests.
//! * **Queue.** An arriving request joins a FIFO queue of at most `queue_cap` waiting requests;
//!   when it is full the request is dropped (and counted).
//! * **Micro-batching.** One server runs one batch at a time. A batch of up to `max_batch` queued
//!   requests (oldest first) launches at the first moment when the server is free **and** either
//!   `max_batch` requests are waiting or the oldest has waited `max_wait`. So with
//!   `max_wait = 0` an idle server starts on whatever is waiting at once (work-conserving
//!   greedy batching), and a busy server's backlog goes in the next batch, full or not.
//! * **Service.** A batch occupies the server for the time its [`ServiceModel`] returns: for a
//!   real backend the measured wall time of running that batch ([`MeasuredService`]), for tests a
//!   formula ([`LinearService`]). The clock is virtual: the results do not depend on how this
//!   process is scheduled while it waits, only on how long each batch took to serve.
//! * **Outputs.** Every completed request's latency (completion − arrival) goes into an HDR
//!   histogram (µs, 3 significant digits); per rate: latency percentiles, achieved throughput,
//!   dropped and late (over the SLO) requests, mean batch size and server utilization.

mod output;
mod service;

pub use output::{write_outputs, SimReport};
pub use service::{LinearService, MeasuredService, ServiceModel};

use std::collections::VecDeque;

use anyhow::{ensure, Result};
use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp};
use serde::Serialize;

/// What is simulated, the same for every backend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimConfig {
    /// Offered rates (requests/s), one simulation each.
    pub rates: Vec<f64>,
    pub requests: Requests,
    pub max_batch: usize,
    pub max_wait_s: f64,
    /// Most requests waiting (not counting the batch in service); over it, arrivals are dropped.
    pub queue_cap: usize,
    /// A completed request slower than this is late.
    pub slo_s: f64,
    pub seed: u64,
}

impl SimConfig {
    pub fn validate(&self) -> Result<()> {
        ensure!(!self.rates.is_empty(), "no offered rates");
        if let Some(r) = self.rates.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
            anyhow::bail!("offered rate {r} is not a positive number of requests per second");
        }
        match self.requests {
            Requests::PerRate(n) => ensure!(n >= 1, "requests per rate must be at least 1"),
            Requests::Duration(d) => ensure!(d.is_finite() && d > 0.0, "the duration per rate must be > 0 s (got {d})"),
        }
        ensure!(self.max_batch >= 1, "max batch must be at least 1");
        ensure!(
            self.max_wait_s.is_finite() && self.max_wait_s >= 0.0,
            "max wait must be ≥ 0 (got {})",
            self.max_wait_s
        );
        ensure!(
            self.queue_cap >= self.max_batch,
            "the queue capacity ({}) must hold at least one full batch ({})",
            self.queue_cap,
            self.max_batch
        );
        ensure!(self.slo_s.is_finite() && self.slo_s > 0.0, "the SLO must be > 0 (got {})", self.slo_s);
        Ok(())
    }
}

/// How many requests arrive at each rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requests {
    /// This many at every rate.
    PerRate(usize),
    /// ⌈rate × seconds⌉ (at least 1): the same span of arrivals at every rate.
    Duration(f64),
}

impl Requests {
    pub fn at(&self, rate: f64) -> usize {
        match *self {
            Requests::PerRate(n) => n,
            Requests::Duration(d) => ((rate * d).ceil() as usize).max(1),
        }
    }
}

/// The percentiles the latency distribution is reported at (for CDF plots).
pub const CDF_PERCENTILES: &[f64] = &[
    0.0, 1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 75.0, 80.0, 85.0, 90.0, 92.5, 95.0, 97.5, 99.0, 99.5,
    99.9, 99.99, 100.0,
];

/// One backend at one offered rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateResult {
    pub offered_rps: f64,
    pub arrived: usize,
    pub completed: usize,
    pub dropped: usize,
    /// Completed with latency over the SLO.
    pub late: usize,
    /// Completed requests per second, from the first arrival to the last completion.
    pub throughput_rps: f64,
    /// Completed within the SLO per second (same span).
    pub goodput_rps: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    pub batches: usize,
    pub mean_batch: f64,
    /// Share of the span the server was busy.
    pub utilization: f64,
    /// Mean service time of a batch.
    pub mean_service_ms: f64,
    /// Latency at each of [`CDF_PERCENTILES`] (ms).
    pub cdf_ms: Vec<f64>,
}

/// One backend over the whole ramp.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackendResult {
    pub backend: String,
    pub rates: Vec<RateResult>,
}

/// Requests of one rate: arrival times (s, ascending) and users.
fn arrivals(cfg: &SimConfig, rate_index: usize, n_users: usize) -> (Vec<f64>, Vec<u32>) {
    let seed = cfg.seed ^ (rate_index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut rng = StdRng::seed_from_u64(seed);
    let gap = Exp::new(cfg.rates[rate_index]).expect("rates are validated positive");
    let mut t = 0.0;
    (0..cfg.requests.at(cfg.rates[rate_index]))
        .map(|_| {
            t += gap.sample(&mut rng);
            (t, rng.random_range(0..n_users as u32))
        })
        .unzip()
}

/// Simulate rate `rate_index` of `cfg` for users `0..n_users` served by `service`.
pub fn simulate_rate(
    cfg: &SimConfig,
    rate_index: usize,
    n_users: usize,
    service: &mut dyn ServiceModel,
) -> Result<RateResult> {
    cfg.validate()?;
    ensure!(n_users >= 1 && n_users <= u32::MAX as usize, "the simulation needs 1 to 2^32−1 users, got {n_users}");
    let (arrive, users) = arrivals(cfg, rate_index, n_users);
    let n = arrive.len();
    let mut hist = Histogram::<u64>::new_with_bounds(1, 24 * 3_600_000_000, 3)?;
    let mut queue: VecDeque<usize> = VecDeque::with_capacity(cfg.queue_cap);
    let (mut next, mut dropped, mut late, mut batches) = (0usize, 0usize, 0usize, 0usize);
    let (mut t_free, mut busy, mut last_done) = (0.0f64, 0.0f64, 0.0f64);
    let mut batch_users = Vec::with_capacity(cfg.max_batch);
    loop {
        if queue.is_empty() {
            if next == n {
                break;
            }
            queue.push_back(next);
            next += 1;
            continue;
        }
        let mut launch = if queue.len() >= cfg.max_batch {
            t_free
        } else {
            t_free.max(arrive[*queue.front().expect("not empty")] + cfg.max_wait_s)
        };
        while next < n && arrive[next] <= launch {
            if queue.len() >= cfg.queue_cap {
                dropped += 1;
            } else {
                queue.push_back(next);
                if queue.len() >= cfg.max_batch {
                    launch = launch.min(t_free.max(arrive[next]));
                }
            }
            next += 1;
        }
        let batch: Vec<usize> = queue.drain(..queue.len().min(cfg.max_batch)).collect();
        batch_users.clear();
        batch_users.extend(batch.iter().map(|&i| users[i]));
        let service_s = service.serve(&batch_users)?;
        ensure!(service_s.is_finite() && service_s >= 0.0, "{}: service time {service_s} s", service.name());
        let done = launch + service_s;
        for &i in &batch {
            let latency = done - arrive[i];
            late += usize::from(latency > cfg.slo_s);
            hist.saturating_record((latency * 1e6).round() as u64);
        }
        t_free = done;
        last_done = done;
        busy += service_s;
        batches += 1;
    }
    let completed = n - dropped;
    let span = (last_done - arrive[0]).max(f64::MIN_POSITIVE);
    let ms = |us: u64| us as f64 / 1e3;
    Ok(RateResult {
        offered_rps: cfg.rates[rate_index],
        arrived: n,
        completed,
        dropped,
        late,
        throughput_rps: completed as f64 / span,
        goodput_rps: (completed - late) as f64 / span,
        p50_ms: ms(hist.value_at_quantile(0.50)),
        p95_ms: ms(hist.value_at_quantile(0.95)),
        p99_ms: ms(hist.value_at_quantile(0.99)),
        max_ms: ms(hist.max()),
        mean_ms: hist.mean() / 1e3,
        batches,
        mean_batch: completed as f64 / batches.max(1) as f64,
        utilization: busy / span,
        mean_service_ms: busy / batches.max(1) as f64 * 1e3,
        cdf_ms: CDF_PERCENTILES.iter().map(|p| ms(hist.value_at_quantile(p / 100.0))).collect(),
    })
}

/// Simulate every rate of `cfg` for one backend, printing a line per rate to stderr.
pub fn simulate(cfg: &SimConfig, n_users: usize, service: &mut dyn ServiceModel) -> Result<BackendResult> {
    let mut out = BackendResult { backend: service.name(), rates: Vec::new() };
    for i in 0..cfg.rates.len() {
        let r = simulate_rate(cfg, i, n_users, service)?;
        eprintln!("{}", progress_line(&out.backend, &r));
        out.rates.push(r);
    }
    Ok(out)
}

/// One human-readable line about a finished rate.
pub fn progress_line(backend: &str, r: &RateResult) -> String {
    format!(
        "[{backend}] {:>8.1} req/s offered: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
         {:.1} req/s served, {} dropped, {} late, mean batch {:.1}, utilization {:.0}%",
        r.offered_rps,
        r.p50_ms,
        r.p95_ms,
        r.p99_ms,
        r.max_ms,
        r.throughput_rps,
        r.dropped,
        r.late,
        r.mean_batch,
        r.utilization * 100.0
    )
}
