#!/usr/bin/env bash
# Builds everything a GPU host needs to run rustmf's GPU tests and benchmarks — the release CLI,
# the GPU test binaries, the experiment specs (experiments/*.toml), the peers' side-car
# (peers.py) and the Python package (the rustmf wheel, its pytest suite and benches/python_api.py)
# — into one folder with a run script. The host needs no Rust, only the
# NVIDIA driver, the CUDA 13 libraries (libcublas) and glibc ≥ 2.36.
#
#   bash scripts/bundle.sh [OUT_DIR]        (default: bundle/, git-ignored)
#   rsync -a bundle/ gpu-host:rustmf/ && ssh gpu-host 'cd rustmf && ./run.sh all'
#   ssh gpu-host 'cd rustmf && ./run.sh experiment quick'     (one small case per figure of every spec)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-bundle}")
bash scripts/install-kernel-toolchain.sh >/dev/null

cargo build --locked --release --bin rustmf
mapfile -t test_bins < <(cargo test --locked --release --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] == ["test"]:
        name = m["target"]["name"]
        if name.startswith("gpu_") or name == "ptx_check":
            print(name + "\t" + m["executable"])
')
[ ${#test_bins[@]} -gt 0 ] || { echo "bundle: no GPU test binaries were built" >&2; exit 1; }

venv=target/maturin-venv
[ -x "$venv/bin/maturin" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q "maturin>=1.9,<2"; }
rm -rf target/wheels
"$venv/bin/maturin" build --locked --release --strip -m python/Cargo.toml --out target/wheels

rm -rf "$out" && mkdir -p "$out/tests" "$out/experiments" "$out/wheels"
cp target/wheels/rustmf-*.whl "$out/wheels/"
cp -r python/tests "$out/python-tests"
cp benches/python_api.py "$out/"
cp target/release/rustmf "$out/"
for entry in "${test_bins[@]}"; do cp "${entry#*$'\t'}" "$out/tests/${entry%%$'\t'*}"; done
cp scripts/bundle-run.sh "$out/run.sh"
cp benches/gpu-host/*.sh "$out/"
cp benches/experiments/*.toml "$out/experiments/"
cp benches/peers.py benches/implicit_cpu.py "$out/"
git describe --always --dirty --abbrev=12 > "$out/REVISION"
strip --strip-debug "$out/rustmf" "$out"/tests/*
echo "bundle: $out ($(du -sh "$out" | cut -f1)), revision $(cat "$out/REVISION")"
ls -l "$out" "$out/tests"
