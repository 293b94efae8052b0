//! The load simulator with a formula for the service time (fully deterministic), a real CPU
//! scorer as the service, and the plots.

use rustmf::bench::Metadata;
use rustmf::model::Matrix;
use rustmf::serve::sim::{
    simulate, simulate_rate, write_outputs, LinearService, MeasuredService, Requests, SimConfig, SimReport,
};
use rustmf::serve::{make_scorer, plot, ScorerBackend};

fn config(rates: &[f64], seed: u64) -> SimConfig {
    SimConfig {
        rates: rates.to_vec(),
        requests: Requests::PerRate(3000),
        max_batch: 10,
        max_wait_s: 0.002,
        queue_cap: 50,
        slo_s: 0.05,
        seed,
    }
}

/// 10 ms per batch + 1 ms per request: at most 10 requests per 20 ms = 500 requests/s.
fn service() -> LinearService {
    LinearService { fixed_s: 0.010, per_request_s: 0.001 }
}

#[test]
fn same_seed_same_results_other_seed_other_results() {
    let run = |seed| {
        serde_json::to_string(&simulate(&config(&[100.0, 400.0, 2000.0], seed), 1000, &mut service()).unwrap()).unwrap()
    };
    let a = run(7);
    assert_eq!(a, run(7));
    assert_ne!(a, run(8));
}

#[test]
fn at_low_load_latency_is_wait_plus_service() {
    // ~1 request per second: the server is nearly always idle at an arrival, batches hold one
    // request (only the rare arrivals less than 13 ms apart queue)
    let cfg = SimConfig { requests: Requests::PerRate(200), ..config(&[1.0], 1) };
    let r = simulate_rate(&cfg, 0, 100, &mut service()).unwrap();
    let want_ms = 2.0 + 11.0; // max wait + (10 + 1) ms service
    for v in [r.cdf_ms[0], r.p50_ms, r.p95_ms] {
        assert!((v - want_ms).abs() < 0.02, "{v} ms, want {want_ms} ms: {r:?}");
    }
    assert_eq!((r.completed, r.dropped, r.late, r.batches), (200, 0, 0, 200));
    assert!(r.utilization < 0.05);
    // max wait 0: a batch leaves as soon as the server is free
    let cfg = SimConfig { max_wait_s: 0.0, ..cfg };
    let r = simulate_rate(&cfg, 0, 100, &mut service()).unwrap();
    assert!((r.p50_ms - 11.0).abs() < 0.02, "{r:?}");
}

#[test]
fn overload_drops_and_is_late_and_throughput_saturates() {
    let r = simulate(&config(&[100.0, 2000.0, 8000.0], 3), 1000, &mut service()).unwrap().rates;
    assert_eq!((r[0].dropped, r[0].late), (0, 0), "100/s is well under the capacity of 500/s: {:?}", r[0]);
    for over in &r[1..] {
        assert!(over.dropped > 0 && over.late > 0, "over capacity: {over:?}");
        assert!((over.throughput_rps - 500.0).abs() < 25.0, "capacity is 500/s: {over:?}");
        assert!(over.mean_batch > 9.9 && over.utilization > 0.95, "{over:?}");
        assert_eq!(over.completed + over.dropped, over.arrived);
    }
    assert!(r[2].dropped > r[1].dropped);
    assert!(r[1].p95_ms > 5.0 * r[0].p95_ms);
}

#[test]
fn batches_fill_up_under_load_and_duration_sets_the_count() {
    // 400/s against 500/s capacity: batches grow beyond one request, no drops
    let cfg = SimConfig { requests: Requests::Duration(2.5), ..config(&[400.0], 5) };
    let r = simulate_rate(&cfg, 0, 1000, &mut service()).unwrap();
    assert_eq!(r.arrived, 1000);
    assert!(r.mean_batch > 2.0 && r.dropped == 0, "{r:?}");
}

#[test]
fn bad_configurations_are_rejected() {
    let bad = |cfg: SimConfig| simulate_rate(&cfg, 0, 10, &mut service()).unwrap_err().to_string();
    assert!(bad(config(&[], 0)).contains("no offered rates"));
    assert!(bad(config(&[-5.0], 0)).contains("offered rate -5"));
    assert!(bad(SimConfig { queue_cap: 5, ..config(&[1.0], 0) })
        .contains("queue capacity (5) must hold at least one full batch (10)"));
    assert!(bad(SimConfig { requests: Requests::PerRate(0), ..config(&[1.0], 0) }).contains("at least 1"));
}

#[test]
fn a_real_cpu_scorer_serves_and_the_outputs_and_plots_are_written() {
    let items = Matrix::from_vec(3000, 8, (0..24000).map(|i| ((i * 7919) % 13) as f32 - 6.0).collect()).unwrap();
    let users = Matrix::from_vec(50, 8, (0..400).map(|i| ((i * 104729) % 5) as f32 - 2.0).collect()).unwrap();
    let cfg = SimConfig { requests: Requests::PerRate(100), ..config(&[50.0, 5000.0], 11) };
    let mut backends = Vec::new();
    for backend in [ScorerBackend::Cpu1, ScorerBackend::CpuMt] {
        let mut s =
            MeasuredService::new(make_scorer(backend, &items, 2, rustmf::kernels::PTX).unwrap(), &users, 20).unwrap();
        let b = simulate(&cfg, users.rows, &mut s).unwrap();
        assert!(b.rates.iter().all(|r| r.completed > 0 && r.mean_service_ms > 0.0), "{b:?}");
        backends.push(b);
    }
    let report = SimReport { meta: Metadata::collect(), params: serde_json::json!({}), config: cfg, backends };
    let dir = tempfile::tempdir().unwrap();
    let (json, csv) = write_outputs(dir.path(), &report).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    assert_eq!(v["backends"][1]["rates"].as_array().unwrap().len(), 2);
    assert_eq!(std::fs::read_to_string(csv).unwrap().lines().count(), 1 + 4);
    let files = plot::write_plots(dir.path(), &report).unwrap();
    let names: Vec<String> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for want in ["p95-vs-load.svg", "p95-vs-load.png", "latency-cdf-cpu1.png", "latency-cdf-cpu-mt-2-threads.svg"] {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
    let png = std::fs::read(dir.path().join("p95-vs-load.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 10_000, "a PNG of {} bytes has no plot in it", png.len());
    let svg = std::fs::read_to_string(dir.path().join("p95-vs-load.svg")).unwrap();
    assert!(svg.contains("offered load (requests/s)") && svg.contains("cpu-mt (2 threads)"));
}
