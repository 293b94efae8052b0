#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/final-check.sh  (results in /tmp/r, tarred to $OUT when set)
# The check of a stop's final commit: every GPU test binary (prelude, ALS, inference) and the GPU
# demo with the default get_hermitian version.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
for t in gpu_prelude gpu_als gpu_infer; do
  step 120 ./tests/$t --test-threads=1 2>&1 | tee $R/test-$t.log | grep -E --line-buffered "FAILED|test result|panicked|^---- "
done
step 60 ./rustmf demo --device gpu 2>&1 | tee $R/demo-gpu.txt | tail -n 8
