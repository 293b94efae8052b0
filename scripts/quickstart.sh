#!/usr/bin/env bash
# Set up and run rustmf's main job: installs the kernel toolchain and ptxas if missing, builds
# rustmf in release mode, and trains on the built-in synthetic dataset (`rustmf demo`).
# Extra arguments go to `rustmf demo` (e.g. --device gpu on a GPU machine).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-kernel-toolchain.sh
cargo run --locked --release --bin rustmf -- demo "$@"
