#!/usr/bin/env bash
# The whole test suite, on a fresh machine of the project's kind: installs the kernel toolchain and
# ptxas if missing, then runs every test. GPU tests are reported as ignored on a machine without a
# GPU (run them on a GPU host from the bundle: scripts/bundle.sh). Ends with the Python package's
# suite (python/build-and-test.sh: PyPI's maturin, numpy, scipy, pytest and implicit in a venv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-kernel-toolchain.sh
export RUSTMF_REQUIRE_PTXAS=1
echo "== formatting (rustfmt, both workspaces) =="
cargo fmt --all --check
(cd kernels-rs && cargo fmt --check)
echo "== CPU-only build (no kernel toolchain involved) =="
cargo build --locked --no-default-features --bin rustmf
echo "== clippy (host side, every target, warnings are errors) =="
cargo clippy --locked --workspace --all-targets -- -D warnings
echo "== full test suite =="
cargo test --locked --workspace
echo "== Python package: wheel (maturin), fresh virtual environment, pytest =="
RUSTMF_CLI=$PWD/target/debug/rustmf bash python/build-and-test.sh
