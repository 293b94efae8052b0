#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/gpu-als-v6.sh  (results in /tmp/r, tarred to $OUT when set)
# The tensor-core get_hermitian (v6): prelude and ALS tests, sanitizers on its tests, and the
# full-scale benchmarks of v6 beside v5 on the same GPU in the same run.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
./rustmf info > $R/info.txt
step 40 ./tests/gpu_prelude --test-threads=1 2>&1 | tee $R/test-gpu_prelude.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |error"
step 120 ./tests/gpu_als --test-threads=1 2>&1 | tee $R/test-gpu_als.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |error|relative"
CS=/usr/local/cuda/bin/compute-sanitizer
for tool in memcheck racecheck; do
  step 60 $CS --tool $tool --error-exitcode 99 ./tests/gpu_prelude --test-threads=1 mma > $R/sanitize-$tool-prelude-mma.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-$tool-prelude-mma.log
  step 150 $CS --tool $tool --error-exitcode 99 ./tests/gpu_als --test-threads=1 v6 > $R/sanitize-$tool-als-v6.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-$tool-als-v6.log
done
NF="--input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 3 --bench-warmup 1 --bench-out $R"
step 120 ./rustmf train --device gpu $NF --solver cg,lu,cholesky --cg-steps 3 --hermitian 6,5 --bench-name gpu-netflix-explicit-f100-v6 2>&1 | grep -E --line-buffered "median|rror"
step 40 ./rustmf train --device gpu $NF --solver cg --cg-steps 3 --hermitian 6 --fp16 --bench-name gpu-netflix-explicit-f100-v6-cgfp16 2>&1 | grep -E --line-buffered "median|rror"
LF="--input synth:lfm1b:1 --implicit --lambda 0.1 --alpha 1 --factors 64 --iterations 3 --bench-warmup 1 --bench-out $R"
step 150 ./rustmf train --device gpu $LF --solver cg,cholesky --cg-steps 3 --hermitian 6,5 --bench-name gpu-lfm1b-implicit-f64-v6 2>&1 | grep -E --line-buffered "median|rror"
