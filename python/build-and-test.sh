#!/usr/bin/env bash
# Builds the rustmf wheel (maturin, from PyPI), installs it into a fresh virtual environment with
# the test requirements (numpy, scipy, pytest, implicit from PyPI) and runs the pytest suite.
# GPU tests are skipped without a GPU. Needs the kernel toolchain (scripts/install-kernel-toolchain.sh)
# and the rustmf CLI for the CLI-parity test (built here unless RUSTMF_CLI names one).
#   bash python/build-and-test.sh [VENV_DIR]     (default: target/python-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(realpath -m "${1:-target/python-venv}")
python3 -m venv --clear "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q "maturin>=1.9,<2"
rm -rf target/wheels
"$venv/bin/maturin" build --locked --release --strip -m python/Cargo.toml --out target/wheels
"$venv/bin/pip" install -q "$(ls target/wheels/rustmf-*.whl)[test]"
if [ -z "${RUSTMF_CLI:-}" ]; then
  cargo build --locked --release --bin rustmf
  export RUSTMF_CLI=$PWD/target/release/rustmf
fi
cd python && "$venv/bin/pytest" -q -rs tests
