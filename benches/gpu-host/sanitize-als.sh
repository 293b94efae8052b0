#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/sanitize-als.sh
# compute-sanitizer memcheck and racecheck over every ALS kernel test (the training-accuracy tests
# reuse the same kernels on data too large to instrument).
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1
CS=/usr/local/cuda/bin/compute-sanitizer
for tool in memcheck racecheck; do
  echo "== $tool"
  timeout 200 $CS --tool $tool --error-exitcode 99 ./tests/gpu_als --test-threads=1 --skip cg_and_fp16_reach > $R/sanitize-$tool-gpu_als.log 2>&1
  echo "== exit $?"; grep -E "^test |SUMMARY|test result" $R/sanitize-$tool-gpu_als.log | grep -v "random seed" ; tar czf $OUT/r.tgz -C /tmp r
done
