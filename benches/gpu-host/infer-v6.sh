#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/infer-v6.sh  (results in /tmp/r, tarred to $OUT when set)
# Issue 6 (GPU top-K: tests, sanitizers, batch benchmark, load simulation) and the tensor-core
# get_hermitian v6 (tests, racecheck, full-scale ALS beside v5).
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
./rustmf info > $R/info.txt
step 60 ./tests/gpu_infer --test-threads=1 2>&1 | tee $R/test-gpu_infer.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |rror|row"
step 60 ./tests/gpu_als --test-threads=1 v6 2>&1 | tee $R/test-gpu_als-v6.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |error|relative"
step 30 ./tests/gpu_prelude --test-threads=1 2>&1 | tee $R/test-gpu_prelude.log | grep -E --line-buffered "FAILED|test result"
CS=/usr/local/cuda/bin/compute-sanitizer
step 150 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 --skip sgemm_agrees > $R/sanitize-memcheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-memcheck-infer.log
step 90 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 k_larger > $R/sanitize-racecheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-racecheck-infer.log
step 90 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 v6_tensor > $R/sanitize-racecheck-als-v6.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-racecheck-als-v6.log
step 120 ./rustmf infer-bench --backends gpu-fused,gpu-sgemm,gpu-tf32,cpu-mt --threads 0 --batch 1000 --items 5600000 --factors 64 --k 100 --exclude 50 --warmup 1 --repeats 5 --out $R 2>&1 | tail -n 25
step 150 ./rustmf serve-sim --backends gpu-fused,cpu-mt,cpu1 --threads 0 --items 5600000 --factors 64 --users 120322 --rates 10,20,50,100,200,500,1000,2000,5000 --requests-per-rate 600 --max-batch 1000 --max-wait-ms 2 --queue-cap 2000 --slo-ms 200 --k 100 --out $R/serve-sim 2>&1 | tail -n 40
step 90 ./rustmf kernel-bench --input synth:netflix:1 --factors 100 --hermitian 6,5 --repeats 3 --warmup 1 --out $R --name kernel-bench-v6 2>&1 | tail -n 12
NF="--input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 3 --bench-warmup 1 --bench-out $R"
step 80 ./rustmf train --device gpu $NF --solver cg,lu --cg-steps 3 --hermitian 6,5 --bench-name gpu-netflix-explicit-f100-v6b 2>&1 | grep -E --line-buffered "median|rror"
LF="--input synth:lfm1b:1 --implicit --lambda 0.1 --alpha 1 --factors 64 --iterations 3 --bench-warmup 1 --bench-out $R"
step 100 ./rustmf train --device gpu $LF --solver cg --cg-steps 3 --hermitian 6,5 --bench-name gpu-lfm1b-implicit-f64-v6b 2>&1 | grep -E --line-buffered "median|rror"
