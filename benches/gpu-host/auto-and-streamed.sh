#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/auto-and-streamed.sh [WHEELS]  (results in /tmp/r, tarred to $OUT)
# Issue 20: `--solver auto` beside the per-side choices it was written from (Netflix, LFM-1b, all
# in the same call so that they compare on one GPU);
# issue 21: the host→device copy ceiling, the streaming tests, and the streamed experiments with
# the copies' time and rate in each record; issue 19: metrics-cost on the Netflix-shaped preset;
# with WHEELS (pytest and implicit's wheels, as for metrics-and-python.sh), the GPU pytest suite
# (the `auto` default and `gpu_memory=` are new since its last GPU run).
[ -n "${1:-}" ] && export RUSTMF_EXTRA_WHEELS=$(realpath "$1")
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
report() { for d in $R/experiments/$1/*/; do ./rustmf experiment report "$d" > /dev/null 2>> $R/report.log; done; }
run() { local secs=$1 spec=$2; shift 2; step $secs ./rustmf experiment run experiments/$spec.toml --out $R/experiments "$@" 2>&1 | tee -a $R/experiment-$spec.log | grep -E "median|rror"; report $spec; }
step 60 ./rustmf info --copy-rates 2>&1 | tee $R/info.txt; (command -v nsys ncu; nsys --version) > $R/profilers.txt 2>&1; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
step 60 ./tests/gpu_als --test-threads=1 streamed 2>&1 | tee $R/test-gpu_als-streamed.log | grep -E "^test |test result|^---- "
run 40 streamed
run 40 solver-per-side --only netflix
run 80 solver-per-side-implicit
run 80 streamed-implicit
run 40 metrics-cost --only netflix
[ -n "${RUSTMF_EXTRA_WHEELS:-}" ] && step 150 env OUT=$R ./run.sh python 2>&1 | tail -n 5
tar czf $OUT/r.tgz -C /tmp --exclude=work r
