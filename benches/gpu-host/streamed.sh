#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/streamed.sh  (results in /tmp/r, tarred to $OUT)
# Issue 21 (streamed rows): every GPU ALS test (the streaming ones check every get_hermitian
# version bit for bit against in-core, the plan under a tiny --gpu-memory, the refusals), the
# experiments streamed.toml (Netflix-shaped) and streamed-implicit.toml (LFM-1b-shaped), and
# memcheck and racecheck on the streaming tests.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
step 200 ./tests/gpu_als --test-threads=1 2>&1 | tee $R/test-gpu_als.log | grep -E "test result|^---- |FAILED|panicked"
report() { for d in $R/experiments/$1/*/; do ./rustmf experiment report "$d" > /dev/null 2>> $R/report.log; done; }
step 60 ./rustmf experiment run experiments/streamed.toml --out $R/experiments 2>&1 | tee $R/experiment-streamed.log | grep -E "median|rror"
report streamed
step 80 ./rustmf experiment run experiments/streamed-implicit.toml --out $R/experiments 2>&1 | tee $R/experiment-streamed-implicit.log | grep -E "median|rror"
report streamed-implicit
step 90 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 streamed --skip v1_ --skip v2_ --skip v3_ --skip v4_ --skip v6_ > $R/sanitize-memcheck-streamed.log 2>&1
grep -E "^test |SUMMARY|test result" $R/sanitize-memcheck-streamed.log
step 90 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 streamed::tiny v8_split::streamed v9_wgmma::streamed > $R/sanitize-racecheck-streamed.log 2>&1
grep -E "^test |SUMMARY|test result" $R/sanitize-racecheck-streamed.log
tar czf $OUT/r.tgz -C /tmp --exclude=work r
