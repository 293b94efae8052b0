#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/streamed.sh  (results in /tmp/r, tarred to $OUT)
# Issue 21 (streamed rows) first, most important first: the streaming tests (every get_hermitian
# version bit for bit against in-core, the plan under a tiny --gpu-memory, the refusals), the
# experiments streamed.toml (Netflix-shaped) and streamed-implicit.toml (LFM-1b-shaped), memcheck on
# the streaming tests; then issue 20's solver-per-side data (LFM-1b, Netflix) and racecheck on the
# loss kernel (issue 19).
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
step 90 ./tests/gpu_als --test-threads=1 streamed 2>&1 | tee $R/test-gpu_als-streamed.log | grep -E "^test |test result|^---- "
report() { for d in $R/experiments/$1/*/; do ./rustmf experiment report "$d" > /dev/null 2>> $R/report.log; done; }
step 100 ./rustmf experiment run experiments/streamed.toml --out $R/experiments 2>&1 | tee $R/experiment-streamed.log | grep -E "median|rror|rows per batch"
report streamed
step 60 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 streamed --skip v1_ --skip v2_ --skip v3_ --skip v4_ --skip v6_ > $R/sanitize-memcheck-streamed.log 2>&1
grep -E "^test |SUMMARY|test result" $R/sanitize-memcheck-streamed.log
step 150 ./rustmf experiment run experiments/streamed-implicit.toml --out $R/experiments 2>&1 | tee $R/experiment-streamed-implicit.log | grep -E "median|rror|rows per batch"
report streamed-implicit
step 100 ./rustmf experiment run experiments/solver-per-side-implicit.toml --out $R/experiments 2>&1 | tee $R/experiment-solver-per-side-implicit.log | grep -E "median|rror"
report solver-per-side-implicit
step 90 ./rustmf experiment run experiments/solver-per-side.toml --only netflix --out $R/experiments 2>&1 | tee $R/experiment-solver-per-side.log | grep -E "median|rror"
report solver-per-side
step 45 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 loss:: --skip many_chunks --skip training_logs > $R/sanitize-racecheck-loss.log 2>&1
grep -E "^test |SUMMARY|test result" $R/sanitize-racecheck-loss.log
tar czf $OUT/r.tgz -C /tmp --exclude=work r
