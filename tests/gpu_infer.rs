//! GPU top-K (issue 6) against the CPU reference (`infer::reference_top_k_batch`) on fresh random
//! data: every scoring mode, with exact ties (duplicated item rows), exclusions, k larger than
//! the number of candidates, B = 1 and large B, and the fused path's overflow fallback.
mod common;

use common::gpu_err;
use common::{gpu_trials, sm90a_trials, GpuCheck};
use rand::rngs::StdRng;
use rand::Rng;
use rustmf::gpu::infer::{GpuScorer, GpuScoring, InferBreakdown};
use rustmf::gpu::Gpu;
use rustmf::infer::{compare_top_k, recall_at_k, reference_top_k_batch, Exclusions, Scorer, Tolerance, TopK};
use rustmf::model::Matrix;
use rustmf_kernel_abi::topk;
use std::sync::Arc;

fn main() {
    let checks: &[(&str, GpuCheck)] = &[
        ("infer::fused_equals_cpu_bit_for_bit", |g, r| exact_modes(g, r, GpuScoring::Fused)),
        ("infer::fused_tf32_equals_cpu_bit_for_bit", |g, r| exact_modes(g, r, GpuScoring::FusedTf32)),
        ("infer::sgemm_agrees_with_cpu_up_to_rounding", sgemm_agrees),
        ("infer::tf32_rescored_scores_exact_and_recall", tf32_recall),
        ("infer::k_larger_than_candidates", k_larger_than_candidates),
        ("infer::fused_overflow_falls_back_exactly", fused_overflow),
        ("infer::fused_threshold_above_kth_falls_back_exactly", fused_short),
        ("infer::threshold_is_the_kth_best_bin_edge", threshold),
    ];
    let sm90a: &[(&str, GpuCheck)] =
        &[("infer::fused_wgmma_equals_cpu_bit_for_bit", |g, r| exact_modes(g, r, GpuScoring::FusedWgmma))];
    let args = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(&args, gpu_trials(checks).into_iter().chain(sm90a_trials(sm90a)).collect()).exit();
}

/// n × f items in [−1, 1), with every 7th row a copy of an earlier row (exact score ties).
fn random_items(rng: &mut StdRng, n: usize, f: usize) -> Matrix {
    let mut data: Vec<f32> = (0..n * f).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    for i in (7..n).step_by(7) {
        let src = rng.random_range(0..i);
        data.copy_within(src * f..(src + 1) * f, i * f);
    }
    Matrix { rows: n, cols: f, data }
}

fn random_queries(rng: &mut StdRng, b: usize, f: usize) -> Vec<f32> {
    (0..b * f).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// Up to `max` random excluded items per row.
fn random_exclusions(rng: &mut StdRng, b: usize, n: usize, max: usize) -> Exclusions {
    let rows: Vec<Vec<u32>> = (0..b)
        .map(|_| {
            let mut v: Vec<u32> = (0..rng.random_range(0..=max)).map(|_| rng.random_range(0..n as u32)).collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    Exclusions::from_lists(&rows).unwrap()
}

/// `modes`, and `FusedWgmma` where the loaded PTX has its kernels (H100/H200).
fn with_wgmma(gpu: &Arc<Gpu>, modes: &[GpuScoring]) -> Vec<GpuScoring> {
    let mut all = modes.to_vec();
    if gpu.entry(topk::Scorer::FilterWgmma.entry(64)).is_ok() {
        all.push(GpuScoring::FusedWgmma);
    }
    all
}

fn scorer(gpu: &Arc<Gpu>, items: &Matrix, mode: GpuScoring) -> Result<GpuScorer, String> {
    GpuScorer::new(gpu.clone(), items, mode).map_err(|e| e.to_string())
}

fn run(s: &mut GpuScorer, q: &[f32], ex: Option<&Exclusions>, k: usize) -> Result<TopK, String> {
    Scorer::top_k(s, q, ex, k).map_err(|e| format!("{e:#}"))
}

fn expect_identical(what: &str, got: &TopK, want: &TopK) -> Result<(), String> {
    for r in 0..want.counts.len() {
        if got.counts[r] != want.counts[r] || got.row_items(r) != want.row_items(r) {
            return Err(format!(
                "{what}: row {r}: got {} items {:?}…, want {} items {:?}…",
                got.counts[r],
                &got.row_items(r)[..got.k.min(8)],
                want.counts[r],
                &want.row_items(r)[..want.k.min(8)]
            ));
        }
        let bits = |t: &TopK| t.row_scores(r).iter().map(|s| s.to_bits()).collect::<Vec<_>>();
        if bits(got) != bits(want) {
            return Err(format!("{what}: row {r}: same items, scores differ in their bits"));
        }
    }
    Ok(())
}

/// The fused paths return exactly the reference: same items, same order, same score bits. In the
/// f = 32 and f = 96 cases item rows are scaled by random powers of two from 2⁻⁸ to 2⁸, so that
/// the TF32 filter's error bound must hold for norms far apart.
fn exact_modes(gpu: &Arc<Gpu>, rng: &mut StdRng, mode: GpuScoring) -> Result<(), String> {
    let cases = [
        (64, 1, 100, 40_000),
        (32, 37, 10, 40_000),
        (100, 300, 1024, 20_000),
        (64, 2000, 100, 6000),
        (128, 5, 1, 40_000),
        (96, 600, 100, 40_000),
    ];
    for (f, b, k, n_max) in cases {
        let n = rng.random_range(3000..n_max);
        let mut items = random_items(rng, n, f);
        if f % 32 == 0 && f % 64 != 0 {
            for row in items.data.chunks_mut(f) {
                let scale = 2f32.powi(rng.random_range(-8..=8));
                row.iter_mut().for_each(|v| *v *= scale);
            }
        }
        let q = random_queries(rng, b, f);
        let ex = random_exclusions(rng, b, n, 300);
        let want = reference_top_k_batch(&q, &items, Some(&ex), k).map_err(|e| e.to_string())?;
        let got = run(&mut scorer(gpu, &items, mode)?, &q, Some(&ex), k)?;
        expect_identical(&format!("{} f={f} B={b} k={k} N={n}", mode.name()), &got, &want)?;
    }
    Ok(())
}

/// cuBLAS sums in its own order: the same items except near-ties within 2× the rounding bound.
fn sgemm_agrees(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    for (f, b, k) in [(64, 1, 100), (100, 200, 1024), (32, 1000, 50)] {
        let n = rng.random_range(3000..40_000);
        let items = random_items(rng, n, f);
        let q = random_queries(rng, b, f);
        let ex = random_exclusions(rng, b, n, 300);
        let got = run(&mut scorer(gpu, &items, GpuScoring::Sgemm)?, &q, Some(&ex), k)?;
        let rows: Vec<usize> = (0..b).collect();
        let a = compare_top_k(&got, &q, &items, Some(&ex), &rows, Tolerance::RoundingBound(2.0))
            .map_err(|e| e.to_string())?;
        if !a.is_ok() {
            return Err(format!("gpu-sgemm f={f} B={b} k={k} N={n}: {a}"));
        }
    }
    Ok(())
}

/// TF32 candidates re-scored exactly: every reported score is the reference score of its item,
/// and recall@k against the exact top-k is high.
fn tf32_recall(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let (f, b, k, n) = (64, 300, 100, 30_000);
    let items = random_items(rng, n, f);
    let q = random_queries(rng, b, f);
    let ex = random_exclusions(rng, b, n, 100);
    let exact = reference_top_k_batch(&q, &items, Some(&ex), k).map_err(|e| e.to_string())?;
    let got = run(&mut scorer(gpu, &items, GpuScoring::SgemmTf32)?, &q, Some(&ex), k)?;
    for r in 0..b {
        let scores = rustmf::infer::reference_scores(&q[r * f..(r + 1) * f], &items);
        for (&i, &s) in got.row_items(r).iter().zip(got.row_scores(r)) {
            if scores[i as usize].to_bits() != s.to_bits() || ex.row(r).contains(&i) {
                return Err(format!(
                    "gpu-tf32 row {r}: item {i} reported with score {s}, reference {} (or excluded)",
                    scores[i as usize]
                ));
            }
        }
    }
    let recall = recall_at_k(&got, &exact).map_err(|e| e.to_string())?;
    if recall < 0.99 {
        return Err(format!("gpu-tf32 recall@{k} = {recall} < 0.99"));
    }
    Ok(())
}

/// k above the number of items left after exclusions: every mode returns all of them.
fn k_larger_than_candidates(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let (f, b, n) = (32, 20, rng.random_range(40..90));
    let items = random_items(rng, n, f);
    let q = random_queries(rng, b, f);
    let ex = random_exclusions(rng, b, n, 30);
    let want = reference_top_k_batch(&q, &items, Some(&ex), 100).map_err(|e| e.to_string())?;
    for mode in with_wgmma(gpu, &[GpuScoring::Fused, GpuScoring::FusedTf32, GpuScoring::Sgemm, GpuScoring::SgemmTf32]) {
        let got = run(&mut scorer(gpu, &items, mode)?, &q, Some(&ex), 100)?;
        if got.counts != want.counts {
            return Err(format!("{}: counts {:?}, want {:?}", mode.name(), got.counts, want.counts));
        }
        if mode != GpuScoring::Sgemm {
            expect_identical(mode.name(), &got, &want)?;
        }
    }
    Ok(())
}

/// All items equal: every score ties, candidate lists overflow, and the dense fallback must
/// still return the lowest-index items.
fn fused_overflow(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let (f, b, n, k) = (64, 9, 20_000, 50);
    let row: Vec<f32> = (0..f).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    let items = Matrix { rows: n, cols: f, data: row.repeat(n) };
    let q = random_queries(rng, b, f);
    let ex = random_exclusions(rng, b, n, 20);
    let want = reference_top_k_batch(&q, &items, Some(&ex), k).map_err(|e| e.to_string())?;
    every_row_redone(gpu, &items, &q, &ex, k, &want, "all scores tied", "overflow", |r| r.overflow_rows)
}

/// Each fused mode redoes all rows of the batch, as `count` (a field of the breakdown) tells, and
/// still returns exactly `want`.
#[allow(clippy::too_many_arguments)]
fn every_row_redone(
    gpu: &Arc<Gpu>,
    items: &Matrix,
    q: &[f32],
    ex: &Exclusions,
    k: usize,
    want: &TopK,
    case: &str,
    why: &str,
    count: fn(&InferBreakdown) -> usize,
) -> Result<(), String> {
    let b = want.counts.len();
    for mode in with_wgmma(gpu, &[GpuScoring::Fused, GpuScoring::FusedTf32]) {
        let mut s = scorer(gpu, items, mode)?;
        let got = run(&mut s, q, Some(ex), k)?;
        let redone = count(&s.breakdown());
        if redone != b {
            return Err(format!("{}: expected all {b} rows to {why}, {redone} did", mode.name()));
        }
        expect_identical(&format!("{}, {case}", mode.name()), &got, want)?;
    }
    Ok(())
}

/// The fused paths take τ from the sample's k_s-th best, k_s < k at scale, and must notice when
/// fewer than k items reach it. Here every sampled item (every 100th: n = 40,000, k = 100 give
/// step 100, k_s = 8) is scaled by 8, so each row's best items are nearly all in the sample, only
/// about 8 items reach τ, and every row must be redone, exactly.
fn fused_short(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let (f, b, n, k) = (64, 40, 40_000, 100);
    let mut items = random_items(rng, n, f);
    for row in items.data.chunks_mut(f).step_by(100) {
        row.iter_mut().for_each(|v| *v *= 8.0);
    }
    let q = random_queries(rng, b, f);
    let ex = random_exclusions(rng, b, n, 20);
    let want = reference_top_k_batch(&q, &items, Some(&ex), k).map_err(|e| e.to_string())?;
    every_row_redone(gpu, &items, &q, &ex, k, &want, "best items in the sample", "fall short of k items at τ", |r| {
        r.short_rows
    })
}

/// `topk_threshold` on dense rows of random scores with ties, NaNs, infinities, signed zeros and
/// excluded entries: τ is exactly the lowest score of the 24-bit key bin holding the k-th best of
/// the keys its threads keep (each of the 512 the four best of the entries i ≡ t mod 512; NaN
/// ranking as −∞), or −∞ when those are fewer than k; and never above the row's k-th best.
fn threshold(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    const EXCLUDED: u32 = u32::MAX;
    let (rows, n, k) = (rng.random_range(1..300usize), rng.random_range(1..30_000usize), rng.random_range(1..=1024u32));
    let pool: Vec<f32> = (0..64).map(|_| rng.random_range(-3.0f32..3.0)).collect();
    let mut bits: Vec<u32> = (0..rows * n)
        .map(|_| match rng.random_range(0..100) {
            0..10 => EXCLUDED,
            10..20 => pool[rng.random_range(0..pool.len())].to_bits(),
            20 => [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0][rng.random_range(0..5)].to_bits(),
            _ => (rng.random_range(-3.0f32..3.0) * 2f32.powi(rng.random_range(-20..20))).to_bits(),
        })
        .collect();
    // Rows of mostly excluded entries, some left with fewer than k.
    let sparse = rng.random_range(0..rows);
    for v in &mut bits[sparse * n..(sparse + 1) * n] {
        if rng.random_range(0..n) > k as usize / 2 {
            *v = EXCLUDED;
        }
    }
    let kernel = gpu.entry(topk::THRESHOLD).map_err(gpu_err)?;
    let scores: Vec<f32> = bits.iter().map(|&b| f32::from_bits(b)).collect();
    let scores = gpu.upload(&scores, "scores").map_err(gpu_err)?;
    let mut tau = gpu.upload(&vec![f32::NAN; rows], "tau").map_err(gpu_err)?;
    let args = topk::Threshold {
        rows: rows as u32,
        n: n as u64,
        ld: n as u64,
        scores: gpu.input(&scores),
        k,
        tau: gpu.output(&mut tau),
    };
    unsafe { gpu.launch_with(&kernel, &args, topk::select::threshold_launch(rows)) }.map_err(gpu_err)?;
    let got = gpu.download(&tau).map_err(gpu_err)?;
    let neg_inf_key = score_key(f32::NEG_INFINITY);
    let descending = |mut v: Vec<u32>| {
        v.sort_unstable_by(|a, b| b.cmp(a));
        v
    };
    for r in 0..rows {
        let row = &bits[r * n..(r + 1) * n];
        let key = |i: usize| if row[i] == EXCLUDED { 0 } else { score_key(f32::from_bits(row[i])) };
        let kept: Vec<u32> =
            (0..512).flat_map(|t| descending((t..n).step_by(512).map(key).collect()).into_iter().take(4)).collect();
        let kept = descending(kept.into_iter().filter(|&key| key != 0).collect());
        let want = match kept.get(k as usize - 1) {
            Some(&kth) if kth >> 8 << 8 > neg_inf_key => key_score(kth >> 8 << 8),
            _ => f32::NEG_INFINITY,
        };
        let all = descending((0..n).map(key).filter(|&key| key != 0).collect());
        let below_kth =
            all.get(k as usize - 1).is_none_or(|&kth| got[r] == f32::NEG_INFINITY || score_key(got[r]) <= kth);
        if got[r].to_bits() != want.to_bits() || !below_kth {
            return Err(format!("row {r} ({} entries, k = {k}): τ = {:e}, want {want:e}", all.len(), got[r]));
        }
    }
    Ok(())
}

/// The kernels' order-preserving key of a score (kernels-rs topk/mod.rs): NaN as −∞, −0 as +0.
fn score_key(s: f32) -> u32 {
    let b = if s.is_nan() {
        f32::NEG_INFINITY.to_bits()
    } else if s == 0.0 {
        0
    } else {
        s.to_bits()
    };
    if b & 0x8000_0000 != 0 {
        !b
    } else {
        b | 0x8000_0000
    }
}

fn key_score(k: u32) -> f32 {
    f32::from_bits(if k & 0x8000_0000 != 0 { k & 0x7fff_ffff } else { !k })
}
