//! Compiles the device crate `kernels-rs` to PTX for each supported GPU architecture and embeds the
//! PTX in the `rustmf` library (`rustmf::kernels::PTX`).
//!
//! Kernel toolchain, first found wins (the one used is printed as a cargo warning):
//! 1. environment overrides: `RUSTMF_KERNEL_RUSTC` and `RUSTMF_KERNEL_CARGO`, and, for a toolchain
//!    without the bitcode linker, `RUSTMF_LLVM_BIN` (a folder with llvm-link, opt, llc; a suffix such
//!    as `-22` may be given in `RUSTMF_LLVM_SUFFIX`);
//! 2. a rustup toolchain that has `rust-src` and the `llvm-bitcode-linker` component;
//! 3. Debian's `rustc-web` + `rust-web-src` (/usr/bin/rustc) with the LLVM 22 tools, linked through
//!    `kernels-rs/ptx-linker.sh`.
//!
//! The nested cargo gets a clean environment (the outer build's RUSTFLAGS, target dir, rustup
//! toolchain and jobserver must not leak in) and its own target dir, `kernels-rs/target/<arch>`,
//! so kernels rebuild only when their sources change. A CPU-only build (`--no-default-features`)
//! runs none of this.
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// GPU architectures the PTX is built for, as (compute capability × 10, LLVM target): sm_80 (A100
/// and newer) and sm_90a (H100/H200 only: the arch-specific target, for `wgmma`; a newer GPU runs
/// the sm_80 image).
const ARCHS: [(u32, &str); 2] = [(80, "sm_80"), (90, "sm_90a")];
const UNROLL_THRESHOLD: u32 = 4000;
const SETUP_COMMAND: &str = "bash scripts/install-kernel-toolchain.sh";
struct Toolchain {
    description: String,
    cargo: PathBuf,
    rustc: PathBuf,
    /// llvm-link, opt, llc for `ptx-linker.sh`; None when rustc has its own bitcode linker.
    llvm: Option<[PathBuf; 3]>,
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=kernels-rs/src");
    println!("cargo:rerun-if-changed=kernels-rs/Cargo.toml");
    println!("cargo:rerun-if-changed=kernels-rs/ptx-linker.sh");
    println!("cargo:rerun-if-changed=kernels-abi/src");
    for var in ["RUSTMF_KERNEL_RUSTC", "RUSTMF_KERNEL_CARGO", "RUSTMF_LLVM_BIN", "RUSTMF_LLVM_SUFFIX"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));

    if env::var_os("CARGO_FEATURE_GPU").is_none() {
        write_embedding(&out_dir, "none (CPU-only build)", &[]);
        return;
    }
    let toolchain = find_toolchain().unwrap_or_else(|| {
        panic!(
            "\n\nrustmf: no kernel toolchain found to compile kernels-rs to PTX.\n\
             Set it up with:   {SETUP_COMMAND}\n\
             or build without GPU support:   cargo build --no-default-features\n\
             (searched: RUSTMF_KERNEL_RUSTC/RUSTMF_KERNEL_CARGO, rustup toolchains with rust-src and \
             llvm-bitcode-linker, /usr/bin/rustc with /usr/lib/rustlib/src and llvm-link-22/opt-22/llc-22)\n"
        )
    });
    println!("cargo:warning=rustmf kernels: {}", toolchain.description);

    let mut built = Vec::new();
    for (arch, target) in ARCHS {
        let ptx = build_kernels(&toolchain, &manifest_dir, target);
        let text = fs::read_to_string(&ptx).unwrap_or_else(|e| panic!("reading {}: {e}", ptx.display()));
        let text = with_launch_bounds(&text, arch).into_bytes();
        // Unrolled register-tiled kernels make megabytes of PTX; deflated, every binary stays small.
        let dest = out_dir.join(format!("rustmf_kernels.{target}.ptx.deflate"));
        fs::write(&dest, miniz_oxide::deflate::compress_to_vec(&text, 9)).expect("writing the deflated PTX");
        built.push((arch, target, dest));
    }
    write_embedding(&out_dir, &toolchain.description, &built);
}

/// The PTX for `arch` with the launch bounds of `rustmf_kernel_abi::bounds` written after the
/// parameter list of each matching `.entry` (Rust cannot attach `__launch_bounds__` to a kernel).
fn with_launch_bounds(ptx: &str, arch: u32) -> String {
    let mut out = String::with_capacity(ptx.len() + 4096);
    let mut pending = None;
    for line in ptx.lines() {
        out.push_str(line);
        out.push('\n');
        if let Some(name) = line.strip_prefix(".visible .entry ") {
            pending = rustmf_kernel_abi::bounds::launch_bound(name, arch);
        } else if line.starts_with(')') {
            if let Some(bound) = pending.take() {
                let _ = writeln!(out, ".maxntid {}, 1, 1\n.minnctapersm {}", bound.threads, bound.blocks_per_sm);
            }
        }
    }
    out
}

fn find_toolchain() -> Option<Toolchain> {
    from_environment().or_else(from_rustup).or_else(from_debian)
}

fn from_environment() -> Option<Toolchain> {
    let rustc = PathBuf::from(env::var_os("RUSTMF_KERNEL_RUSTC")?);
    let cargo = PathBuf::from(env::var_os("RUSTMF_KERNEL_CARGO")?);
    let llvm = env::var_os("RUSTMF_LLVM_BIN").map(|dir| {
        let suffix = env::var("RUSTMF_LLVM_SUFFIX").unwrap_or_default();
        let dir = PathBuf::from(dir);
        ["llvm-link", "opt", "llc"].map(|t| dir.join(format!("{t}{suffix}")))
    });
    Some(Toolchain {
        description: format!("environment override: {} ({})", rustc.display(), version_of(&rustc)),
        cargo,
        rustc,
        llvm,
    })
}

fn from_rustup() -> Option<Toolchain> {
    let list = Command::new("rustup").args(["toolchain", "list"]).output().ok()?;
    let host = env::var("HOST").ok()?;
    String::from_utf8_lossy(&list.stdout).lines().find_map(|line| {
        let name = line.split_whitespace().next()?;
        let sysroot = Command::new("rustup").args(["run", name, "rustc", "--print", "sysroot"]).output().ok()?;
        let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
        let has_src = sysroot.join("lib/rustlib/src/rust/library/core").is_dir();
        let has_linker = sysroot.join(format!("lib/rustlib/{host}/bin/llvm-bitcode-linker")).is_file();
        (has_src && has_linker).then(|| {
            let rustc = sysroot.join("bin/rustc");
            Toolchain {
                description: format!("rustup toolchain {name} ({})", version_of(&rustc)),
                cargo: sysroot.join("bin/cargo"),
                rustc,
                llvm: None,
            }
        })
    })
}

fn from_debian() -> Option<Toolchain> {
    let rustc = PathBuf::from("/usr/bin/rustc");
    let cargo = PathBuf::from("/usr/bin/cargo");
    let src = Path::new("/usr/lib/rustlib/src/rust/library/core");
    if !(rustc.is_file() && cargo.is_file() && src.is_dir()) {
        return None;
    }
    let tools = ["llvm-link-22", "opt-22", "llc-22"].map(|t| {
        [PathBuf::from("/usr/bin").join(t), PathBuf::from("/usr/lib/llvm-22/bin").join(t.trim_end_matches("-22"))]
            .into_iter()
            .find(|p| p.is_file())
    });
    let [Some(link), Some(opt), Some(llc)] = tools else { return None };
    Some(Toolchain {
        description: format!("Debian rustc-web {} with LLVM 22 tools via kernels-rs/ptx-linker.sh", version_of(&rustc)),
        cargo,
        rustc,
        llvm: Some([link, opt, llc]),
    })
}

fn version_of(rustc: &Path) -> String {
    Command::new(rustc)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "version unknown".into())
}

/// Runs the nested cargo for one architecture; returns the PTX file it produced.
fn build_kernels(tc: &Toolchain, root: &Path, target: &str) -> PathBuf {
    let crate_dir = root.join("kernels-rs");
    let target_dir = env::var_os("RUSTMF_KERNEL_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("target"))
        .join(target);
    // The register-tiled kernels keep T×T accumulators in registers only if every loop over them is
    // fully unrolled; LLVM's default unroll threshold leaves some loops rolled, which puts the
    // array in local memory (the PTX check's spill gate catches that).
    let mut rustflags = format!("-C target-cpu={target} -C llvm-args=-unroll-threshold={UNROLL_THRESHOLD}");
    let mut cmd = Command::new(&tc.cargo);
    cmd.env_clear();
    for keep in ["PATH", "HOME", "CARGO_HOME", "RUSTUP_HOME", "TMPDIR"] {
        if let Some(v) = env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    if let Some([link, opt, llc]) = &tc.llvm {
        let _ = write!(rustflags, " -C linker={}", crate_dir.join("ptx-linker.sh").display());
        cmd.env("RUSTMF_LLVM_LINK", link).env("RUSTMF_LLVM_OPT", opt).env("RUSTMF_LLVM_LLC", llc);
        cmd.env("RUSTMF_UNROLL_THRESHOLD", UNROLL_THRESHOLD.to_string());
    }
    cmd.env("RUSTC", &tc.rustc)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", &rustflags)
        .env("CARGO_TARGET_DIR", &target_dir)
        .current_dir(&crate_dir)
        .args(["build", "--release", "--target", "nvptx64-nvidia-cuda", "-Zbuild-std=core", "--locked"]);
    let output = cmd.output().unwrap_or_else(|e| panic!("could not run {}: {e}", tc.cargo.display()));
    if !output.status.success() {
        panic!(
            "\n\nrustmf: compiling kernels-rs for {target} failed ({}):\n{}\n",
            tc.description,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let ptx = target_dir.join("nvptx64-nvidia-cuda/release/rustmf_kernels.ptx");
    assert!(ptx.is_file(), "kernels-rs built for {target} but {} is missing", ptx.display());
    ptx
}

/// Writes `$OUT_DIR/kernels.rs`, included by `src/kernels.rs`: the toolchain used and one
/// deflate-compressed PTX image per architecture.
fn write_embedding(out_dir: &Path, toolchain: &str, built: &[(u32, &str, PathBuf)]) {
    let mut s = format!("/// The kernel toolchain this build used.\npub const TOOLCHAIN: &str = {toolchain:?};\n");
    s += "/// PTX of kernels-rs, one image per architecture, lowest first.\npub static PTX: &[PtxImage] = &[\n";
    for (arch, target, path) in built {
        let _ = writeln!(
            s,
            "    PtxImage {{ arch: {arch}, target: {target:?}, deflated: include_bytes!({:?}) }},",
            path.display().to_string()
        );
    }
    s += "];\n";
    fs::write(out_dir.join("kernels.rs"), s).expect("writing kernels.rs");
}
