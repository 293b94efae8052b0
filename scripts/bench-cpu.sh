#!/usr/bin/env bash
# CPU microbenchmarks (criterion: benches/cpu_als.rs, cpu_topk.rs, parsers.rs) with saved baselines
# for regression checks. See benches/README.md, "CPU microbenchmarks (criterion)".
#
#   scripts/bench-cpu.sh save [NAME]      run every bench, save the results as baseline NAME (default main)
#   scripts/bench-cpu.sh compare [NAME]   run every bench, compare with the saved baseline NAME (default main)
#   scripts/bench-cpu.sh run              run every bench (criterion compares with the previous run)
#   scripts/bench-cpu.sh list             list the benchmarks
#
# Arguments after `--` go to criterion, e.g. a filter: `scripts/bench-cpu.sh compare main -- half_step`.
# Baselines live under the target dir (target/criterion/<group>/<bench>/<NAME>/): per machine, never
# committed. `compare` ends with the benchmarks criterion found slower or faster (p < 0.05, beyond
# the benches' ±5% noise threshold); with BENCH_FAIL_ON_REGRESSION=1 it exits 1 when any regressed.
# Builds without the GPU feature (no kernel toolchain needed); BENCH_CARGO_FLAGS replaces that
# (e.g. BENCH_CARGO_FLAGS="" for the default build). The output is also written to BENCH_LOG if set.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
[ $# -gt 0 ] && shift
name=main
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    name=$1
    shift
fi
[ "${1:-}" = "--" ] && shift

# The lib and bin are not bench targets (Cargo.toml), so `cargo bench` runs the criterion targets alone.
read -r -a flags <<<"${BENCH_CARGO_FLAGS---no-default-features}"
cargo_bench=(cargo bench --locked "${flags[@]}" --)

case "$mode" in
    save) args=(--save-baseline "$name") ;;
    compare) args=(--baseline "$name") ;;
    run) args=() ;;
    list)
        "${cargo_bench[@]}" --list "$@"
        exit 0
        ;;
    *)
        sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac

log=${BENCH_LOG:-$(mktemp)}
echo "== ${cargo_bench[*]} ${args[*]} $* (revision $(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
"${cargo_bench[@]}" "${args[@]}" "$@" 2>&1 | tee "$log"

if [ "$mode" = compare ]; then
    # A benchmark's id starts a line at column 0; criterion's verdict follows a few lines below.
    summary=$(awk '/^[^ \t]/ && !/^(Benchmarking|Found|Warning|Gnuplot)/ { id = $1 }
        /Performance has regressed/ { print "  regressed: " id; bad++ }
        /Performance has improved/ { print "  improved:  " id }
        END { exit (bad > 0) }' "$log") && regressed=0 || regressed=1
    echo "== against baseline '$name':"
    echo "${summary:-  no significant change}"
    if [ "$regressed" = 1 ] && [ "${BENCH_FAIL_ON_REGRESSION:-0}" = 1 ]; then
        exit 1
    fi
fi
