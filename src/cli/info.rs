//! `rustmf info`: what this binary was built with and what it finds on this machine.

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print as JSON.
    #[arg(long)]
    json: bool,
    /// Also measure host→device copy rates (256 MiB, page-locked and pageable, best of 5).
    #[arg(long)]
    copy_rates: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut report = gather();
    if args.copy_rates {
        report["gpu"]["upload_gb_per_s"] = copy_rates();
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", as_text(&report));
    }
    Ok(())
}

fn gather() -> serde_json::Value {
    let archs: Vec<String> = crate::kernels::PTX.iter().map(|i| i.target.to_string()).collect();
    serde_json::json!({
        "rustmf": env!("CARGO_PKG_VERSION"),
        "kernel_toolchain": crate::kernels::TOOLCHAIN,
        "ptx_targets": archs,
        "cpu_threads": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "gpu": gpu_report(),
    })
}

#[cfg(feature = "gpu")]
fn gpu_report() -> serde_json::Value {
    use rustmf_host::gpu::{devices, driver_version, Blas};
    let devices = match devices() {
        Ok(d) => d,
        Err(e) => return serde_json::json!({ "available": false, "reason": e.to_string() }),
    };
    let mut report = serde_json::json!({
        "available": true,
        "cuda_driver_version": driver_version().map_err(|e| e.to_string()).unwrap_or_else(|e| e),
        "devices": devices,
    });
    match crate::kernels::open_gpu(0) {
        Ok(gpu) => {
            report["ptx_loaded"] = format!("sm_{}", gpu.ptx_arch).into();
            report["cublas_version"] =
                Blas::new(&gpu).and_then(|b| b.version()).unwrap_or_else(|e| e.to_string()).into();
        }
        Err(e) => report["ptx_loaded"] = format!("failed: {e}").into(),
    }
    report
}

#[cfg(feature = "gpu")]
fn copy_rates() -> serde_json::Value {
    match crate::kernels::open_gpu(0).and_then(|g| g.upload_rates(256 << 20, 5)) {
        Ok((pinned, pageable)) => serde_json::json!({ "pinned": pinned, "pageable": pageable }),
        Err(e) => serde_json::json!({ "error": e.to_string() }),
    }
}

#[cfg(not(feature = "gpu"))]
fn copy_rates() -> serde_json::Value {
    serde_json::json!({ "error": "built without GPU support" })
}

#[cfg(not(feature = "gpu"))]
fn gpu_report() -> serde_json::Value {
    serde_json::json!({ "available": false, "reason": "built without GPU support (--no-default-features)" })
}

fn as_text(r: &serde_json::Value) -> String {
    let s = |v: &serde_json::Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    let mut out = format!(
        "rustmf {}\nkernel toolchain: {}\nPTX targets embedded: {}\nCPU threads: {}\n",
        s(&r["rustmf"]),
        s(&r["kernel_toolchain"]),
        r["ptx_targets"]
            .as_array()
            .map(|a| a.iter().map(s).collect::<Vec<_>>().join(", "))
            .filter(|t| !t.is_empty())
            .unwrap_or("none".into()),
        r["cpu_threads"],
    );
    let gpu = &r["gpu"];
    if gpu["available"] != true {
        out += &format!("GPU: none available ({})\n", s(&gpu["reason"]));
        return out;
    }
    out += &format!(
        "CUDA driver: {}\ncuBLAS: {}\nPTX loaded: {}\n",
        s(&gpu["cuda_driver_version"]),
        s(&gpu["cublas_version"]),
        s(&gpu["ptx_loaded"])
    );
    if let Some(rates) = gpu.get("upload_gb_per_s") {
        out += &match (rates["pinned"].as_f64(), rates["pageable"].as_f64()) {
            (Some(p), Some(q)) => {
                format!("host→device copies (256 MiB): {p:.1} GB/s page-locked, {q:.1} GB/s pageable\n")
            }
            _ => format!("host→device copies: {}\n", s(&rates["error"])),
        };
    }
    for d in gpu["devices"].as_array().into_iter().flatten() {
        let gib = d["total_memory"].as_f64().unwrap_or(0.0) / (1u64 << 30) as f64;
        out += &format!(
            "GPU {}: {} (compute capability {}.{}), {} SMs, {:.1} GiB, L2 {} MiB, {} KiB shared/block max, {} MHz\n",
            d["ordinal"],
            s(&d["name"]),
            d["compute_capability"][0],
            d["compute_capability"][1],
            d["multiprocessors"],
            gib,
            d["l2_cache_bytes"].as_u64().unwrap_or(0) >> 20,
            d["max_shared_per_block_optin"].as_u64().unwrap_or(0) >> 10,
            d["sm_clock_khz"].as_u64().unwrap_or(0) / 1000,
        );
    }
    out
}
