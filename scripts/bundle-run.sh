#!/usr/bin/env bash
# rustmf bundle runner, for a GPU host without Rust (made by scripts/bundle.sh).
#   ./run.sh info       devices, CUDA and cuBLAS versions, kernel toolchain, PTX targets
#   ./run.sh test       every GPU test (a missing GPU is a failure here, not a skip)
#   ./run.sh sanitize   the GPU tests under compute-sanitizer memcheck and racecheck
#   ./run.sh ptx        the ptxas resource check (needs ptxas: CUDA toolkit or RUSTMF_PTXAS)
#   ./run.sh all        all of the above
#   ./run.sh rustmf ... any rustmf command (benchmarks: see the README)
# Logs and results go to $OUT (default ./results).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here/results}
mkdir -p "$out"
export RUSTMF_GIT_REV=$(cat "$here/REVISION")
export RUSTMF_REQUIRE_GPU=1
status=0

gpu_tests() { ls "$here"/tests/gpu_* 2>/dev/null; }

run_info() { "$here/rustmf" info | tee "$out/info.txt"; "$here/rustmf" info --json > "$out/info.json"; }

run_tests() {
  for t in $(gpu_tests); do
    echo "== $(basename "$t") =="
    "$t" --test-threads=1 2>&1 | tee "$out/test-$(basename "$t").log" || status=1
  done
}

run_sanitizer() {
  local cs; cs=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null) || { echo "compute-sanitizer not found"; status=1; return; }
  for tool in memcheck racecheck; do
    for t in $(gpu_tests); do
      echo "== compute-sanitizer --tool $tool $(basename "$t") =="
      # The launch-failure test makes a kernel trap on purpose (in a child process); the
      # accuracy-over-training tests run the same kernels as the others, on data too large to
      # instrument in reasonable time.
      "$cs" --tool "$tool" --error-exitcode 99 --print-limit 20 "$t" --test-threads=1 \
        --skip launch_failure_names_the_kernel --skip cg_and_fp16_reach 2>&1 \
        | tee "$out/sanitize-$tool-$(basename "$t").log"
      [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    done
  done
}

run_ptx() {
  export RUSTMF_REQUIRE_PTXAS=1
  [ -n "${RUSTMF_PTXAS:-}" ] || export RUSTMF_PTXAS=$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)
  "$here/rustmf" ptx-check --json "$out/ptx-check.json" | tee "$out/ptx-check.txt" || status=1
}

case "${1:-all}" in
  info) run_info ;;
  test) run_tests ;;
  sanitize) run_sanitizer ;;
  ptx) run_ptx ;;
  all) run_info; run_ptx; run_tests; run_sanitizer ;;
  rustmf) shift; "$here/rustmf" "$@" || status=1 ;;
  *) echo "usage: $0 info|test|sanitize|ptx|all|rustmf ARGS..." >&2; exit 2 ;;
esac
exit $status
