#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/metrics-on-device.sh  (results in /tmp/r, tarred to $OUT)
# Issue 19, items 4 and 5: GPU fold-in; the objective and test RMSE on the device. The loss
# kernel's tests, fold-in's and the prelude's shuffle check (fp64 shuffle), then
# benches/experiments/metrics-cost.toml (iteration alone against iteration + objective + test
# RMSE), then compute-sanitizer memcheck and racecheck on the tests.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
step 150 ./tests/gpu_als --test-threads=1 loss:: 2>&1 | tee $R/test-gpu_als-loss.log | grep -E --line-buffered "^test |test result|panicked|^---- "
step 60 ./tests/gpu_als --test-threads=1 fold_in:: 2>&1 | tee $R/test-gpu_als-fold_in.log | grep -E --line-buffered "^test |test result|panicked|^---- "
step 60 ./tests/gpu_prelude --test-threads=1 shuffles 2>&1 | tee $R/test-gpu_prelude-shuffles.log | grep -E --line-buffered "^test |test result"
step 420 ./rustmf experiment run experiments/metrics-cost.toml --out $R/experiments 2>&1 | tee $R/experiment-metrics-cost.log | grep -vE "^\s*$" | tail -n 30
for d in $R/experiments/metrics-cost/*/; do ./rustmf experiment report "$d" > /dev/null 2>> $R/report.log; done
for tool in memcheck racecheck; do
  step 120 $CS --tool $tool --error-exitcode 99 ./tests/gpu_als --test-threads=1 loss:: --skip many_chunks > $R/sanitize-$tool-loss.log 2>&1
  grep -E "^test |SUMMARY|test result" $R/sanitize-$tool-loss.log
  step 60 $CS --tool $tool --error-exitcode 99 ./tests/gpu_als --test-threads=1 fold_in:: > $R/sanitize-$tool-fold_in.log 2>&1
  grep -E "SUMMARY|test result" $R/sanitize-$tool-fold_in.log
done
step 60 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_prelude --test-threads=1 shuffles > $R/sanitize-memcheck-shuffles.log 2>&1
grep -E "SUMMARY|test result" $R/sanitize-memcheck-shuffles.log
tar czf $OUT/r.tgz -C /tmp --exclude=work r
