#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/gpu-als.sh  (results in /tmp/r, tarred to $OUT when set)
# Tests, sanitizers and full-scale GPU ALS benchmarks; results tarred after every step.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
./rustmf info > $R/info.txt
step 30 ./tests/gpu_prelude --test-threads=1 2>&1 | tee $R/test-gpu_prelude.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |error"
step 90 ./tests/gpu_als --test-threads=1 2>&1 | tee $R/test-gpu_als.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |error|relative"
CS=/usr/local/cuda/bin/compute-sanitizer
for tool in memcheck racecheck; do
  step 30 $CS --tool $tool --error-exitcode 99 ./tests/gpu_prelude --test-threads=1 --skip launch_failure > $R/sanitize-$tool-prelude.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-$tool-prelude.log
  step 60 $CS --tool $tool --error-exitcode 99 ./tests/gpu_als --test-threads=1 v5_pipelined lu_matches cg_with batches > $R/sanitize-$tool-als.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-$tool-als.log
done
NF="--input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 3 --bench-warmup 1 --bench-out $R"
step 90 ./rustmf train --device gpu $NF --solver cg,lu,cholesky --cg-steps 3 --hermitian 5,3,4,2 --bench-name gpu-netflix-explicit-f100 2>&1 | grep -E --line-buffered "median|rror"
step 40 ./rustmf train --device gpu $NF --solver cg --cg-steps 3 --hermitian 5 --fp16 --bench-name gpu-netflix-explicit-f100-cgfp16 2>&1 | grep -E --line-buffered "median|rror"
LF="--input synth:lfm1b:1 --implicit --lambda 0.1 --alpha 1 --factors 64 --iterations 3 --bench-warmup 1 --bench-out $R"
step 120 ./rustmf train --device gpu $LF --solver cg,cholesky --cg-steps 3 --hermitian 5,3 --bench-name gpu-lfm1b-implicit-f64 2>&1 | grep -E --line-buffered "median|rror"
step 45 ./rustmf train --device gpu --input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 2 --bench-warmup 1 --bench-out $R --solver cg --cg-steps 3 --hermitian 1 --bench-name gpu-netflix-explicit-f100-v1 2>&1 | grep -E --line-buffered "median|rror"
