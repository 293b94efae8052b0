#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/metrics-and-python.sh WHEELS  (results in /tmp/r, tarred to $OUT)
# One call for issues 19 and 23 when device time is short, most important first: the loss kernel's
# and fold-in's tests and the fp64 shuffle check; benches/experiments/metrics-cost.toml on the
# Yahoo!-shaped preset; the Python API benchmark and the GPU pytest suite (WHEELS: pytest and
# implicit's wheels); compute-sanitizer memcheck on the loss and fold-in tests.
export RUSTMF_EXTRA_WHEELS=$(realpath "$1")
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
step 120 ./tests/gpu_als --test-threads=1 loss:: 2>&1 | tee $R/test-gpu_als-loss.log | grep -E "^test |test result|^---- "
step 60 ./tests/gpu_als --test-threads=1 fold_in:: 2>&1 | tee $R/test-gpu_als-fold_in.log | grep -E "^test |test result|^---- "
step 30 ./tests/gpu_prelude --test-threads=1 shuffles 2>&1 | tee $R/test-gpu_prelude-shuffles.log | grep -E "^test |test result"
step 200 ./rustmf experiment run experiments/metrics-cost.toml --only yahoo --out $R/experiments 2>&1 | tee $R/experiment-metrics-cost.log | grep -E "median|rror"
for d in $R/experiments/metrics-cost/*/; do ./rustmf experiment report "$d" > /dev/null 2>> $R/report.log; done
step 180 env OUT=$R ./run.sh python-bench 2>&1 | tail -n 22
step 120 env OUT=$R ./run.sh python 2>&1 | tail -n 5
step 90 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 loss:: --skip many_chunks --skip training_logs > $R/sanitize-memcheck-loss.log 2>&1
grep -E "^test |SUMMARY|test result" $R/sanitize-memcheck-loss.log
step 60 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 fold_in:: > $R/sanitize-memcheck-fold_in.log 2>&1
grep -E "SUMMARY|test result" $R/sanitize-memcheck-fold_in.log
tar czf $OUT/r.tgz -C /tmp --exclude=work r
