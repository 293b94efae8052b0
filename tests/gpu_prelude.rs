//! Every primitive of the device prelude (kernels-rs/src/prelude), run on the GPU through its check
//! kernel (kernels-rs/src/prelude_checks.rs) on random inputs and compared with the same
//! computation on the CPU. Plus the runtime's error reporting.
mod common;

use common::{expect_close, expect_equal, gpu_err, gpu_trials, sm90a_trials, GpuCheck};
use half::f16;
use rand::rngs::StdRng;
use rand::Rng;
use rustmf::gpu::{Gpu, GpuError, LaunchShape};
use std::sync::Arc;

fn main() {
    if std::env::var_os(TRAP_CHILD).is_some() {
        return trap_child();
    }
    let checks: &[(&str, GpuCheck)] = &[
        ("prelude::index", index),
        ("prelude::shared_scalar_and_barrier", shared_reverse),
        ("prelude::shared_vec4_and_ldg_vec4", shared_vec4),
        ("prelude::shared_vec2_ldg_vec2_and_vec_loads", vec2),
        ("prelude::cp_async_groups", cp_async),
        ("prelude::warp_shuffles", shuffles),
        ("prelude::warp_and_block_reductions", reductions),
        ("prelude::fma", fma),
        ("prelude::f16_conversions", f16_round_trip),
        ("prelude::ldg_scalar", ldg),
        ("prelude::ld_ca_and_cg", ld_cache_ops),
        ("prelude::mma_tf32_and_3xtf32", mma_3xtf32),
        ("runtime::out_of_memory_error", out_of_memory),
        ("runtime::missing_kernel_error", missing_kernel),
        ("runtime::launch_failure_names_the_kernel", launch_failure),
        ("runtime::cublas_sgemm", cublas_sgemm),
    ];
    let sm90a: &[(&str, GpuCheck)] = &[("prelude::wgmma_tf32", wgmma_tf32)];
    let args = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(&args, gpu_trials(checks).into_iter().chain(sm90a_trials(sm90a)).collect()).exit();
}

fn random_f32(rng: &mut StdRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-4.0f32..4.0)).collect()
}

fn index(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let block = 32 * rng.random_range(1..=8u32);
    let grid = rng.random_range(1..=40u32);
    let threads = (grid * block) as usize;
    let k = gpu.kernel("prelude_check_index").map_err(gpu_err)?;
    let mut out = gpu.alloc_zeros::<u32>(6 * threads, "index output").map_err(gpu_err)?;
    let mut stride = gpu.alloc_zeros::<u64>(1, "stride").map_err(gpu_err)?;
    unsafe { gpu.launch(&k).arg(&mut out).arg(&mut stride).run(LaunchShape { grid, block, shared_bytes: 0 }) }
        .map_err(gpu_err)?;
    let want: Vec<u32> = (0..threads as u32)
        .flat_map(|g| {
            let t = g % block;
            [g, t, g / block, block, grid, (t % 32) | ((t / 32) << 16)]
        })
        .collect();
    expect_equal("index values", &gpu.download(&out).map_err(gpu_err)?, &want)?;
    expect_equal("grid stride", &gpu.download(&stride).map_err(gpu_err)?, &[threads as u64])
}

fn shared_reverse(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let block = 32 * rng.random_range(1..=32u32);
    let n = rng.random_range(1..20_000u32);
    let x = random_f32(rng, n as usize);
    let k = gpu.kernel("prelude_check_shared_reverse").map_err(gpu_err)?;
    let dx = gpu.upload(&x, "x").map_err(gpu_err)?;
    let mut dy = gpu.upload(&vec![f32::NAN; n as usize], "y").map_err(gpu_err)?;
    let shape = LaunchShape::cover(n as usize, block).with_shared(4 * block);
    unsafe { gpu.launch(&k).arg(&n).arg(&dx).arg(&mut dy).run(shape) }.map_err(gpu_err)?;
    let want: Vec<f32> = (0..n)
        .map(|i| {
            let (b, t) = (i / block, i % block);
            let j = b * block + block - 1 - t;
            if j < n {
                x[j as usize]
            } else {
                -1.0
            }
        })
        .collect();
    expect_equal("reversed blocks", &gpu.download(&dy).map_err(gpu_err)?, &want)
}

fn shared_vec4(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let block = 32 * rng.random_range(1..=8u32);
    let n4 = block * rng.random_range(1..=50u32);
    let x = random_f32(rng, 4 * n4 as usize);
    let k = gpu.kernel("prelude_check_shared_vec4").map_err(gpu_err)?;
    let dx = gpu.upload(&x, "x").map_err(gpu_err)?;
    let mut dy = gpu.upload(&vec![f32::NAN; x.len()], "y").map_err(gpu_err)?;
    let shape = LaunchShape::cover(n4 as usize, block).with_shared(16 * block);
    unsafe { gpu.launch(&k).arg(&n4).arg(&dx).arg(&mut dy).run(shape) }.map_err(gpu_err)?;
    let want: Vec<f32> = (0..4 * n4)
        .map(|e| {
            let (i, c) = (e / 4, e % 4);
            let (b, t) = (i / block, i % block);
            x[(4 * (b * block + (t + 1) % block) + c) as usize]
        })
        .collect();
    expect_equal("rotated vec4 groups", &gpu.download(&dy).map_err(gpu_err)?, &want)
}

fn vec2(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let block = 160u32;
    let n2 = block * rng.random_range(1..=40u32);
    let x = random_f32(rng, 2 * n2 as usize);
    let k = gpu.kernel("prelude_check_vec2").map_err(gpu_err)?;
    let dx = gpu.upload(&x, "x").map_err(gpu_err)?;
    let nan = |n: usize| gpu.upload(&vec![f32::NAN; n], "output").map_err(gpu_err);
    let (mut y, mut z, mut w) = (nan(2 * n2 as usize)?, nan(10 * n2 as usize)?, nan(10 * n2 as usize)?);
    let shape = LaunchShape::cover(n2 as usize, block).with_shared(8 * block);
    unsafe { gpu.launch(&k).arg(&n2).arg(&dx).arg(&mut y).arg(&mut z).arg(&mut w).run(shape) }.map_err(gpu_err)?;
    let want_y: Vec<f32> = (0..2 * n2)
        .map(|e| {
            let (i, c) = (e / 2, e % 2);
            let (b, t) = (i / block, i % block);
            x[(2 * (b * block + (t + 1) % block) + c) as usize]
        })
        .collect();
    let want_z: Vec<f32> = (0..10 * n2)
        .map(|e| {
            let (i, c) = (e / 10, e % 10);
            let (b, t) = (i / block, i % block);
            x[(2 * b * block + 10 * (t / 5) + c) as usize]
        })
        .collect();
    expect_equal("ld.global.nc.v2 → shared → ld.shared.v2", &gpu.download(&y).map_err(gpu_err)?, &want_y)?;
    expect_equal("Shared::load_vec_unchecked::<10>", &gpu.download(&z).map_err(gpu_err)?, &want_z)?;
    expect_equal("ldg_vec::<10>", &gpu.download(&w).map_err(gpu_err)?, &want_z)
}

fn cp_async(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let block = 32 * rng.random_range(1..=8u32);
    let blocks = rng.random_range(1..=50u32);
    let chunk = 4 * block as usize;
    let x = random_f32(rng, chunk * blocks as usize);
    let k = gpu.kernel("prelude_check_cp_async").map_err(gpu_err)?;
    let dx = gpu.upload(&x, "x").map_err(gpu_err)?;
    let mut y = gpu.upload(&vec![f32::NAN; x.len()], "y").map_err(gpu_err)?;
    let shape = LaunchShape { grid: blocks, block, shared_bytes: 16 * block };
    unsafe { gpu.launch(&k).arg(&dx).arg(&mut y).run(shape) }.map_err(gpu_err)?;
    let want: Vec<f32> = (0..x.len()).map(|e| x[e / chunk * chunk + chunk - 1 - e % chunk]).collect();
    expect_equal("cp.async 16 B + 4 B groups, reversed", &gpu.download(&y).map_err(gpu_err)?, &want)
}

fn shuffles(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let n = 32 * rng.random_range(1..=200u32);
    let (mask, delta, src) = (rng.random_range(1..32u32), rng.random_range(1..32u32), rng.random_range(0..32u32));
    let x = random_f32(rng, n as usize);
    let k = gpu.kernel("prelude_check_shuffles").map_err(gpu_err)?;
    let dx = gpu.upload(&x, "x").map_err(gpu_err)?;
    let out = || gpu.alloc_zeros::<f32>(n as usize, "shuffle output").map_err(gpu_err);
    let (mut o_xor, mut o_down, mut o_idx) = (out()?, out()?, out()?);
    let mut bits = gpu.alloc_zeros::<u32>(n as usize, "bits").map_err(gpu_err)?;
    let mut wide = gpu.alloc_zeros::<f64>(n as usize, "fp64 shuffle output").map_err(gpu_err)?;
    unsafe {
        gpu.launch(&k)
            .arg(&n)
            .arg(&mask)
            .arg(&delta)
            .arg(&src)
            .arg(&dx)
            .arg(&mut o_xor)
            .arg(&mut o_down)
            .arg(&mut o_idx)
            .arg(&mut bits)
            .arg(&mut wide)
            .run(LaunchShape::cover(n as usize, 128))
    }
    .map_err(gpu_err)?;
    let lane_of = |i: u32| (i / 32 * 32, i % 32);
    let want_xor: Vec<f32> = (0..n)
        .map(|i| {
            let (b, l) = lane_of(i);
            x[(b + (l ^ mask)) as usize]
        })
        .collect();
    let want_down: Vec<f32> = (0..n)
        .map(|i| {
            let (b, l) = lane_of(i);
            if l + delta < 32 {
                x[(b + l + delta) as usize]
            } else {
                x[i as usize]
            }
        })
        .collect();
    let want_idx: Vec<f32> = (0..n)
        .map(|i| {
            let (b, l) = lane_of(i);
            x[(b + (7 * l + src) % 32) as usize]
        })
        .collect();
    let want_bits: Vec<u32> = (0..n)
        .map(|i| {
            let (b, l) = lane_of(i);
            b + (l ^ mask)
        })
        .collect();
    expect_equal(&format!("shfl_xor mask {mask}"), &gpu.download(&o_xor).map_err(gpu_err)?, &want_xor)?;
    expect_equal(&format!("shfl_down delta {delta}"), &gpu.download(&o_down).map_err(gpu_err)?, &want_down)?;
    expect_equal(&format!("shfl_idx src {src}"), &gpu.download(&o_idx).map_err(gpu_err)?, &want_idx)?;
    let want_wide: Vec<f64> = (0..n)
        .map(|i| {
            let (b, l) = lane_of(i);
            let j = b + (l ^ mask);
            x[j as usize] as f64 + j as f64 / (1u64 << 40) as f64
        })
        .collect();
    expect_equal("shfl_xor on u32", &gpu.download(&bits).map_err(gpu_err)?, &want_bits)?;
    expect_equal("shfl_xor_f64", &gpu.download(&wide).map_err(gpu_err)?, &want_wide)
}

fn reductions(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let block = 32 * rng.random_range(1..=32u32);
    let blocks = rng.random_range(1..=60u32);
    let n = block * blocks;
    let x = random_f32(rng, n as usize);
    let k = gpu.kernel("prelude_check_reductions").map_err(gpu_err)?;
    let dx = gpu.upload(&x, "x").map_err(gpu_err)?;
    let mut ws = gpu.alloc_zeros::<f32>((n / 32) as usize, "warp sums").map_err(gpu_err)?;
    let mut wm = gpu.alloc_zeros::<f32>((n / 32) as usize, "warp maxes").map_err(gpu_err)?;
    let mut bs = gpu.alloc_zeros::<f32>(blocks as usize, "block sums").map_err(gpu_err)?;
    let shape = LaunchShape::cover(n as usize, block).with_shared(4 * block / 32);
    unsafe { gpu.launch(&k).arg(&n).arg(&dx).arg(&mut ws).arg(&mut wm).arg(&mut bs).run(shape) }.map_err(gpu_err)?;
    let sums = |size: usize| -> (Vec<f64>, Vec<f64>) {
        x.chunks(size)
            .map(|c| (c.iter().map(|&v| v as f64).sum::<f64>(), c.iter().map(|v| v.abs() as f64).sum::<f64>()))
            .unzip()
    };
    let (warp_sum, warp_abs) = sums(32);
    let (block_sum, block_abs) = sums(block as usize);
    // f32 summation in another order: error ≤ (terms) · ε · Σ|x|
    expect_close("warp sums", &gpu.download(&ws).map_err(gpu_err)?, &warp_sum, |i| {
        32.0 * f32::EPSILON as f64 * warp_abs[i]
    })?;
    expect_close("block sums", &gpu.download(&bs).map_err(gpu_err)?, &block_sum, |i| {
        block as f64 * f32::EPSILON as f64 * block_abs[i]
    })?;
    let want_max: Vec<f32> = x.chunks(32).map(|c| c.iter().copied().fold(f32::NEG_INFINITY, f32::max)).collect();
    expect_equal("warp maxes", &gpu.download(&wm).map_err(gpu_err)?, &want_max)
}

fn fma(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let n = rng.random_range(1..300_000u32);
    let (a, b, c) = (random_f32(rng, n as usize), random_f32(rng, n as usize), random_f32(rng, n as usize));
    let k = gpu.kernel("prelude_check_fma").map_err(gpu_err)?;
    let (da, db, dc) = (
        gpu.upload(&a, "a").map_err(gpu_err)?,
        gpu.upload(&b, "b").map_err(gpu_err)?,
        gpu.upload(&c, "c").map_err(gpu_err)?,
    );
    let mut out = gpu.upload(&vec![f32::NAN; n as usize], "out").map_err(gpu_err)?;
    // Fewer threads than elements, so the grid-stride loop runs several rounds.
    let shape = LaunchShape { grid: rng.random_range(1..=64), block: 128, shared_bytes: 0 };
    unsafe { gpu.launch(&k).arg(&n).arg(&da).arg(&db).arg(&dc).arg(&mut out).run(shape) }.map_err(gpu_err)?;
    let want: Vec<u32> = (0..n as usize).map(|i| a[i].mul_add(b[i], c[i]).to_bits()).collect();
    let got: Vec<u32> = gpu.download(&out).map_err(gpu_err)?.iter().map(|v| v.to_bits()).collect();
    expect_equal("fma (bitwise, one rounding)", &got, &want)
}

fn f16_round_trip(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let n = 2 * rng.random_range(1..100_000u32);
    // Magnitudes from 2^-30 (below f16's subnormals) to 2^20 (above its largest finite value).
    let x: Vec<f32> = (0..n)
        .map(|_| {
            let sign = if rng.random::<bool>() { -1.0 } else { 1.0 };
            sign * rng.random_range(-30.0f32..20.0).exp2()
        })
        .collect();
    let store = gpu.kernel("prelude_check_f16_store").map_err(gpu_err)?;
    let load = gpu.kernel("prelude_check_f16_load").map_err(gpu_err)?;
    let dx = gpu.upload(&x, "x").map_err(gpu_err)?;
    let mut h = gpu.alloc_zeros::<u16>(n as usize, "f16 values").map_err(gpu_err)?;
    let mut y = gpu.upload(&vec![f32::NAN; n as usize], "y").map_err(gpu_err)?;
    let mut pairs = gpu.upload(&vec![f32::NAN; n as usize], "pairs").map_err(gpu_err)?;
    let shape = LaunchShape::cover(n as usize, 256);
    unsafe {
        gpu.launch(&store).arg(&n).arg(&dx).arg(&mut h).run(shape).map_err(gpu_err)?;
        gpu.launch(&load).arg(&n).arg(&h).arg(&mut y).arg(&mut pairs).run(shape).map_err(gpu_err)?;
    }
    let want_bits: Vec<u16> = x.iter().map(|&v| f16::from_f32(v).to_bits()).collect();
    expect_equal("f32 → f16 (round to nearest even)", &gpu.download(&h).map_err(gpu_err)?, &want_bits)?;
    let want_back: Vec<u32> = want_bits.iter().map(|&b| f16::from_bits(b).to_f32().to_bits()).collect();
    let bits = |v: Vec<f32>| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    expect_equal("f16 → f32", &bits(gpu.download(&y).map_err(gpu_err)?), &want_back)?;
    expect_equal("f16x2 → f32 pairs", &bits(gpu.download(&pairs).map_err(gpu_err)?), &want_back)
}

fn ldg(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let n = rng.random_range(1..200_000u32);
    let x = random_f32(rng, n as usize);
    let xi: Vec<u32> = (0..n).map(|_| rng.random()).collect();
    let k = gpu.kernel("prelude_check_ldg").map_err(gpu_err)?;
    let (dx, dxi) = (gpu.upload(&x, "x").map_err(gpu_err)?, gpu.upload(&xi, "xi").map_err(gpu_err)?);
    let mut y = gpu.upload(&vec![f32::NAN; n as usize], "y").map_err(gpu_err)?;
    let mut yi = gpu.alloc_zeros::<u32>(n as usize, "yi").map_err(gpu_err)?;
    unsafe {
        gpu.launch(&k).arg(&n).arg(&dx).arg(&dxi).arg(&mut y).arg(&mut yi).run(LaunchShape::cover(n as usize, 256))
    }
    .map_err(gpu_err)?;
    expect_equal("ld.global.nc f32", &gpu.download(&y).map_err(gpu_err)?, &x)?;
    expect_equal("ld.global.nc u32", &gpu.download(&yi).map_err(gpu_err)?, &xi)
}

fn ld_cache_ops(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let n = rng.random_range(1..200_000u32);
    let x = random_f32(rng, n as usize);
    let k = gpu.kernel("prelude_check_ld_cache_ops").map_err(gpu_err)?;
    let dx = gpu.upload(&x, "x").map_err(gpu_err)?;
    let mut y_ca = gpu.upload(&vec![f32::NAN; n as usize], "y_ca").map_err(gpu_err)?;
    let mut y_cg = gpu.upload(&vec![f32::NAN; n as usize], "y_cg").map_err(gpu_err)?;
    unsafe { gpu.launch(&k).arg(&n).arg(&dx).arg(&mut y_ca).arg(&mut y_cg).run(LaunchShape::cover(n as usize, 256)) }
        .map_err(gpu_err)?;
    expect_equal("ld.global.ca f32", &gpu.download(&y_ca).map_err(gpu_err)?, &x)?;
    expect_equal("ld.global.cg f32", &gpu.download(&y_cg).map_err(gpu_err)?, &x)
}

/// The tensor-core tile against fp64: 3×TF32 within a few fp32 ulps of each entry's Σ|a·b|, plain
/// TF32 within its 10-bit mantissa, and 3×TF32 clearly the more accurate (the split works).
fn mma_3xtf32(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let blocks = rng.random_range(1..=64usize);
    let (a, b) = (random_f32(rng, 128 * blocks), random_f32(rng, 64 * blocks));
    let k = gpu.kernel("prelude_check_mma_3xtf32").map_err(gpu_err)?;
    let (da, db) = (gpu.upload(&a, "a").map_err(gpu_err)?, gpu.upload(&b, "b").map_err(gpu_err)?);
    let mut d1 = gpu.upload(&vec![f32::NAN; 128 * blocks], "d1").map_err(gpu_err)?;
    let mut d3 = gpu.upload(&vec![f32::NAN; 128 * blocks], "d3").map_err(gpu_err)?;
    let shape = LaunchShape { grid: blocks as u32, block: 32, shared_bytes: 0 };
    unsafe { gpu.launch(&k).arg(&da).arg(&db).arg(&mut d1).arg(&mut d3).run(shape) }.map_err(gpu_err)?;
    let (d1, d3) = (gpu.download(&d1).map_err(gpu_err)?, gpu.download(&d3).map_err(gpu_err)?);
    let (mut worst1, mut worst3) = (0.0f64, 0.0f64);
    for blk in 0..blocks {
        for m in 0..16 {
            for n in 0..8 {
                let (mut want, mut scale) = (0.0f64, 0.0f64);
                for kk in 0..8 {
                    let p = a[128 * blk + 8 * m + kk] as f64 * b[64 * blk + 8 * kk + n] as f64;
                    want += p;
                    scale += p.abs();
                }
                let at = 128 * blk + 8 * m + n;
                worst1 = worst1.max((d1[at] as f64 - want).abs() / scale);
                worst3 = worst3.max((d3[at] as f64 - want).abs() / scale);
            }
        }
    }
    if !(worst3 <= 3e-6 && worst1 <= 2e-3 && worst3 * 100.0 < worst1) {
        return Err(format!(
            "relative errors: 3×TF32 {worst3:e} (want ≤ 3e-6), TF32 {worst1:e} (want ≤ 2e-3 and > 100× the former)"
        ));
    }
    Ok(())
}

fn out_of_memory(gpu: &Arc<Gpu>, _: &mut StdRng) -> Result<(), String> {
    let too_many = gpu.info.total_memory / 4 + (1 << 28);
    match gpu.alloc_zeros::<f32>(too_many, "a test buffer larger than the GPU") {
        Err(e @ GpuError::OutOfMemory { .. }) => {
            let msg = e.to_string();
            if msg.contains("out of GPU memory: a test buffer larger than the GPU needs") && msg.contains("GiB free") {
                Ok(())
            } else {
                Err(format!("unhelpful message: {msg}"))
            }
        }
        Err(e) => Err(format!("expected OutOfMemory, got {e}")),
        Ok(_) => Err("allocating more than the GPU's memory succeeded".into()),
    }
}

fn missing_kernel(gpu: &Arc<Gpu>, _: &mut StdRng) -> Result<(), String> {
    match gpu.kernel("no_such_kernel") {
        Err(e) if e.to_string() == "kernel `no_such_kernel` is not in the loaded PTX module" => Ok(()),
        Err(e) => Err(format!("unexpected error: {e}")),
        Ok(_) => Err("found a kernel that does not exist".into()),
    }
}

const TRAP_CHILD: &str = "RUSTMF_TEST_TRAP_CHILD";

/// A kernel that traps leaves its CUDA context unusable, so this runs in a child process: the
/// shared-memory check kernel launched without the shared memory it needs traps in `Shared::new`.
fn launch_failure(_: &Arc<Gpu>, _: &mut StdRng) -> Result<(), String> {
    let out = std::process::Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .env(TRAP_CHILD, "1")
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let want = "last kernel launched: `prelude_check_shared_reverse`";
    if stdout.contains(want) {
        Ok(())
    } else {
        Err(format!(
            "child reported {stdout:?} (stderr {:?}), expected it to contain {want:?}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn trap_child() {
    let gpu = rustmf::kernels::open_gpu(0).expect("open GPU");
    let k = gpu.kernel("prelude_check_shared_reverse").unwrap();
    let n = 64u32;
    let x = gpu.upload(&vec![1.0f32; 64], "x").unwrap();
    let mut y = gpu.alloc_zeros::<f32>(64, "y").unwrap();
    let launched = unsafe { gpu.launch(&k).arg(&n).arg(&x).arg(&mut y).run(LaunchShape::cover(64, 64)) };
    match launched.and_then(|_| gpu.synchronize()) {
        Err(e) => println!("{e}"),
        Ok(()) => println!("no error"),
    }
}

fn cublas_sgemm(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let (m, n, k) = (rng.random_range(1..200usize), rng.random_range(1..200usize), rng.random_range(1..100usize));
    let a = random_f32(rng, m * k);
    let b = random_f32(rng, k * n);
    let blas = rustmf::gpu::Blas::new(gpu).map_err(gpu_err)?;
    let (da, db) = (gpu.upload(&a, "A").map_err(gpu_err)?, gpu.upload(&b, "B").map_err(gpu_err)?);
    let mut dc = gpu.upload(&vec![f32::NAN; m * n], "C").map_err(gpu_err)?;
    blas.sgemm_row_major(m, n, k, &da, &db, &mut dc).map_err(gpu_err)?;
    let want: Vec<f64> =
        (0..m * n).map(|e| (0..k).map(|p| a[e / n * k + p] as f64 * b[p * n + e % n] as f64).sum()).collect();
    let scale: Vec<f64> =
        (0..m * n).map(|e| (0..k).map(|p| (a[e / n * k + p] * b[p * n + e % n]).abs() as f64).sum()).collect();
    expect_close("cuBLAS sgemm (row-major)", &gpu.download(&dc).map_err(gpu_err)?, &want, |i| {
        4.0 * k as f64 * f32::EPSILON as f64 * scale[i] + 1e-30
    })
}

/// `wgmma` from shared memory: a 64×16 by (64×16)ᵀ product in two k-steps, on values that TF32
/// holds exactly (multiples of 2⁻⁶ below 8 in magnitude), so every product and sum is exact and
/// the result must equal the CPU's bit for bit. On a mismatch, the run with the descriptor's two
/// offsets swapped says whether the layout's reading of them is the fault.
fn wgmma_tf32(gpu: &Arc<Gpu>, rng: &mut StdRng) -> Result<(), String> {
    let exact =
        |rng: &mut StdRng| (0..64 * 16).map(|_| rng.random_range(-512i32..512) as f32 / 64.0).collect::<Vec<f32>>();
    let (a, b) = (exact(rng), exact(rng));
    let want: Vec<f32> =
        (0..64 * 64).map(|e| (0..16).map(|k| a[(e / 64) * 16 + k] * b[(e % 64) * 16 + k]).sum()).collect();
    let k = gpu.kernel("prelude_check_wgmma_tf32").map_err(gpu_err)?;
    let (da, db) = (gpu.upload(&a, "a").map_err(gpu_err)?, gpu.upload(&b, "b").map_err(gpu_err)?);
    let run = |leading: u32, stride: u32| -> Result<Vec<f32>, String> {
        let mut d = gpu.upload(&vec![f32::NAN; 64 * 64], "d").map_err(gpu_err)?;
        let shape = LaunchShape { grid: 1, block: 128, shared_bytes: 8192 };
        unsafe { gpu.launch(&k).arg(&da).arg(&db).arg(&mut d).arg(&leading).arg(&stride).run(shape) }
            .map_err(gpu_err)?;
        gpu.download(&d).map_err(gpu_err)
    };
    let got = run(128, 512)?;
    if let Err(e) = expect_equal("wgmma m64n64k8 TF32 (exact inputs)", &got, &want) {
        let swapped = run(512, 128)?;
        let hint = if swapped == want {
            "with the offsets swapped it agrees"
        } else {
            "swapping the offsets does not help either"
        };
        return Err(format!("{e}; {hint}"));
    }
    Ok(())
}
