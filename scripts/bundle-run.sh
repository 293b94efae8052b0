#!/usr/bin/env bash
# rustmf bundle runner, for a GPU host without Rust (made by scripts/bundle.sh).
#   ./run.sh info       devices, CUDA and cuBLAS versions, kernel toolchain, PTX targets
#   ./run.sh test       every GPU test (a missing GPU is a failure here, not a skip)
#   ./run.sh sanitize   the GPU tests under compute-sanitizer memcheck and racecheck
#   ./run.sh ptx        the ptxas resource check (needs ptxas: CUDA toolkit or RUSTMF_PTXAS)
#   ./run.sh all        all of the above, and `python`
#   ./run.sh experiment quick           one small case per figure of every spec in experiments/
#                                       (rustmf experiment run SPEC --quick), then their reports
#   ./run.sh experiment full [SPEC...]  every case of the named specs (names or paths; default: all),
#                                       resumable: cases measured at this revision on this GPU are
#                                       skipped, so a suite spans several sessions; then the reports
#   ./run.sh python     install wheels/rustmf-*.whl (+ the wheels in $RUSTMF_EXTRA_WHEELS: pytest,
#                       implicit, ...) into $RUSTMF_PY_SITE and run its pytest suite, GPU tests required
#   ./run.sh python-bench [ARGS]  benches/python_api.py: Python API vs CLI vs implicit's GPU model
#   ./run.sh rustmf ... any rustmf command (benchmarks: see the README)
# Logs and results go to $OUT (default ./results); experiment results to $OUT/experiments/<name>/<gpu>/.
# [peers] cases use python3 (or $RUSTMF_PYTHON) with implicit / torch where installed, else are
# recorded as skipped.
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

export RUSTMF_PEERS=${RUSTMF_PEERS:-$here/peers.py}

# experiment quick|full [SPEC...]
run_experiments() {
  local mode=${1:-}; shift || true
  local flag=
  case "$mode" in
    quick) flag=--quick ;;
    full) ;;
    *) echo "usage: $0 experiment quick|full [SPEC...]" >&2; status=2; return ;;
  esac
  local specs=()
  if [ $# -eq 0 ]; then
    specs=("$here"/experiments/*.toml)
  else
    for s in "$@"; do
      if [ -f "$s" ]; then specs+=("$s"); else specs+=("$here/experiments/${s%.toml}.toml"); fi
    done
  fi
  local res="$out/experiments"
  mkdir -p "$res"
  for spec in "${specs[@]}"; do
    [ -f "$spec" ] || { echo "no spec $spec" >&2; status=1; continue; }
    local name; name=$(basename "$spec" .toml)
    echo "== experiment $mode $name =="
    "$here/rustmf" experiment run "$spec" $flag --out "$res" 2>&1 | tee -a "$out/experiment-$mode-$name.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  done
  # Reports of every results folder written so far (figures + report.md beside results.json).
  for dir in "$res"/*/*/; do
    [ -f "$dir/results.json" ] || continue
    "$here/rustmf" experiment report "$dir" > /dev/null 2>> "$out/experiment-report.log" || status=1
  done
  echo "results: $res"
}

py_site=${RUSTMF_PY_SITE:-/tmp/rustmf-site}
install_python() {
  local wheels=("$here"/wheels/*.whl)
  [ -n "${RUSTMF_EXTRA_WHEELS:-}" ] && wheels+=("$RUSTMF_EXTRA_WHEELS"/*.whl)
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$py_site" "${wheels[@]}" \
    || { status=1; return 1; }
  export PYTHONPATH=$py_site${PYTHONPATH:+:$PYTHONPATH}
}
run_python() {
  install_python || return
  (cd "$here/python-tests" && RUSTMF_CLI="$here/rustmf" python3 -m pytest -q -rs -p no:cacheprovider . 2>&1) \
    | tee "$out/pytest.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
}
run_python_bench() {
  install_python || return
  python3 "$here/python_api.py" --cli "$here/rustmf" --out "$out/python-api" "$@" 2>&1 | tee "$out/python-api.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
}
case "${1:-all}" in
  info) run_info ;;
  test) run_tests ;;
  sanitize) run_sanitizer ;;
  ptx) run_ptx ;;
  all) run_info; run_ptx; run_tests; run_sanitizer; run_python ;;
  experiment) shift; run_experiments "$@" ;;
  python) run_python ;;
  python-bench) shift; run_python_bench "$@" ;;
  rustmf) shift; "$here/rustmf" "$@" || status=1 ;;
  *) echo "usage: $0 info|test|sanitize|ptx|all|experiment quick|full [SPEC...]|python|python-bench [ARGS]|rustmf ARGS..." >&2; exit 2 ;;
esac
exit $status
