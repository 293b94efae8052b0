//! Shared by the GPU test binaries (harness = false, run with libtest-mimic so that a machine with
//! no GPU reports each GPU test as *ignored*, never as passed).
//!
//! * No usable GPU: every GPU trial is marked ignored, with the reason printed once.
//! * `RUSTMF_REQUIRE_GPU=1` (set by the bundle's run script on GPU hosts): no GPU is a failure.
//! * Inputs are fresh random numbers every run; the seed is printed, and `RUSTMF_TEST_SEED=N`
//!   replays a run.
#![allow(dead_code)]

use libtest_mimic::{Failed, Trial};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rustmf::gpu::Gpu;
use std::sync::{Arc, OnceLock};

pub type GpuCheck = fn(&Arc<Gpu>, &mut StdRng) -> Result<(), String>;

fn gpu() -> &'static Result<Arc<Gpu>, String> {
    static GPU: OnceLock<Result<Arc<Gpu>, String>> = OnceLock::new();
    GPU.get_or_init(|| rustmf::kernels::open_gpu(0).map(Arc::new).map_err(|e| e.to_string()))
}

fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        let s = std::env::var("RUSTMF_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        });
        eprintln!("GPU tests: random seed {s} (replay with RUSTMF_TEST_SEED={s})");
        s
    })
}

/// One trial per check. Each check gets its own random stream derived from the run's seed and
/// its name, so results do not depend on the order or parallelism of the trials.
pub fn gpu_trials(checks: &[(&'static str, GpuCheck)]) -> Vec<Trial> {
    trials(checks, gpu_runs())
}

/// Whether GPU checks run: a usable GPU, or `RUSTMF_REQUIRE_GPU=1` (then its absence fails them).
fn gpu_runs() -> bool {
    static RUNS: OnceLock<bool> = OnceLock::new();
    *RUNS.get_or_init(|| {
        let require = std::env::var("RUSTMF_REQUIRE_GPU").is_ok_and(|v| v == "1");
        if let Err(reason) = gpu() {
            eprintln!(
                "GPU tests: no usable GPU ({reason}); {}",
                if require { "RUSTMF_REQUIRE_GPU=1, so they fail" } else { "they are reported as ignored" }
            );
        }
        gpu().is_ok() || require
    })
}

/// As [`gpu_trials`], for checks of sm_90a kernels (`wgmma`): also ignored on a GPU whose loaded
/// PTX lacks them (anything but an H100/H200), with the reason printed.
pub fn sm90a_trials(checks: &[(&'static str, GpuCheck)]) -> Vec<Trial> {
    trials(checks, sm90a_runs())
}

fn sm90a_runs() -> bool {
    static RUNS: OnceLock<bool> = OnceLock::new();
    *RUNS.get_or_init(|| match gpu() {
        Ok(g) if g.kernel("prelude_check_wgmma_tf32").is_ok() => true,
        Ok(g) => {
            eprintln!(
                "sm_90a tests: {} runs the sm_{} PTX, which has no wgmma kernels; they are reported as ignored",
                g.info.name, g.ptx_arch
            );
            false
        }
        Err(_) => std::env::var("RUSTMF_REQUIRE_GPU").is_ok_and(|v| v == "1"),
    })
}

/// A check made for one case at run time (a kernel version, say), named by it.
pub type GpuCase = Box<dyn Fn(&Arc<Gpu>, &mut StdRng) -> Result<(), String> + Send + Sync>;

/// As [`gpu_trials`], for checks built per case; `sm90a` cases run as [`sm90a_trials`] do.
pub fn case_trials(cases: Vec<(String, bool, GpuCase)>) -> Vec<Trial> {
    let any = gpu_runs();
    let sm90a = sm90a_runs();
    cases
        .into_iter()
        .map(|(name, needs_sm90a, check)| {
            let runs = if needs_sm90a { sm90a } else { any };
            Trial::test(name.clone(), move || {
                let gpu = gpu().as_ref().map_err(|e| Failed::from(format!("no usable GPU: {e}")))?;
                let mut rng = StdRng::seed_from_u64(seed() ^ fxhash(&name));
                check(gpu, &mut rng).map_err(Failed::from)
            })
            .with_ignored_flag(!runs)
        })
        .collect()
}

fn trials(checks: &[(&'static str, GpuCheck)], runs: bool) -> Vec<Trial> {
    checks
        .iter()
        .map(|&(name, check)| {
            Trial::test(name, move || {
                let gpu = gpu().as_ref().map_err(|e| Failed::from(format!("no usable GPU: {e}")))?;
                let mut rng = StdRng::seed_from_u64(seed() ^ fxhash(name));
                check(gpu, &mut rng).map_err(Failed::from)
            })
            .with_ignored_flag(!runs)
        })
        .collect()
}

fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Ok when `got == want` element by element; otherwise the first mismatches, with their indices.
pub fn expect_equal<T: PartialEq + std::fmt::Debug>(what: &str, got: &[T], want: &[T]) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!("{what}: {} values, expected {}", got.len(), want.len()));
    }
    let bad: Vec<String> = (0..got.len())
        .filter(|&i| got[i] != want[i])
        .take(5)
        .map(|i| format!("[{i}] got {:?} want {:?}", got[i], want[i]))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        let n = (0..got.len()).filter(|&i| got[i] != want[i]).count();
        Err(format!("{what}: {n} of {} differ: {}", got.len(), bad.join(", ")))
    }
}

/// Ok when every |got − want| ≤ tol(i).
pub fn expect_close(what: &str, got: &[f32], want: &[f64], tol: impl Fn(usize) -> f64) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!("{what}: {} values, expected {}", got.len(), want.len()));
    }
    for i in 0..got.len() {
        let err = (got[i] as f64 - want[i]).abs();
        // Also fails when either side is NaN.
        if !matches!(err.partial_cmp(&tol(i)), Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)) {
            return Err(format!("{what}: [{i}] got {} want {} (error {err:e} > {:e})", got[i], want[i], tol(i)));
        }
    }
    Ok(())
}

pub fn gpu_err(e: rustmf::gpu::GpuError) -> String {
    e.to_string()
}
