#!/usr/bin/env bash
# Installs what building rustmf's GPU kernels needs, where it is missing (Debian bookworm, as root
# or with sudo): the kernel toolchain (Debian's rustc-web + rust-web-src, LLVM 22 tools) and ptxas
# (PyPI nvidia-cuda-nvcc, the CUDA 13.0 release that GPU hosts with driver 580 run) for the PTX
# check. Safe to run again: it skips what is already there.
set -euo pipefail
NVCC_WHEEL_VERSION=13.0.88

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library/core ] && command -v llc-22 >/dev/null; then
  echo "kernel toolchain: present ($(/usr/bin/rustc --version))"
else
  echo "kernel toolchain: installing rustc-web, cargo-web, rust-web-src and llvm-22 from Debian"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web cargo-web rust-web-src llvm-22 >/dev/null
fi

if python3 -c "import nvidia, os, sys; sys.exit(0 if any(os.path.isfile(os.path.join(d, 'cu13', 'bin', 'ptxas')) for d in nvidia.__path__) else 1)" 2>/dev/null; then
  echo "ptxas: present (PyPI nvidia-cuda-nvcc)"
else
  echo "ptxas: installing nvidia-cuda-nvcc==$NVCC_WHEEL_VERSION from PyPI"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "nvidia-cuda-nvcc==$NVCC_WHEEL_VERSION"
fi
