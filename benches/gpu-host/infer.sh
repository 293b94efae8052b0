#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/infer.sh  (results in /tmp/r, tarred to $OUT when set)
# Issue 6: GPU top-K tests and sanitizers, the B=1000 × 5.6M batch benchmark, the load simulation
# (CPU 1 thread, CPU all threads, GPU). Then issue 5's get_hermitian v6 beside v5 (kernel-bench and
# per-iteration ALS).
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
./rustmf info > $R/info.txt
step 90 ./tests/gpu_infer --test-threads=1 2>&1 | tee $R/test-gpu_infer.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |rror|row"
CS=/usr/local/cuda/bin/compute-sanitizer
step 150 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 > $R/sanitize-memcheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-memcheck-infer.log
step 150 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 --skip fused_equals --skip sgemm_agrees > $R/sanitize-racecheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-racecheck-infer.log
step 120 ./rustmf infer-bench --backends gpu-fused,gpu-sgemm,gpu-tf32,cpu-mt --threads 0 --batch 1000 --items 5600000 --factors 64 --k 100 --exclude 50 --warmup 1 --repeats 5 --out $R 2>&1 | tee $R/infer-bench.txt | tail -n 14
step 200 ./rustmf serve-sim --backends gpu-fused,cpu-mt,cpu1 --threads 0 --items 5600000 --factors 64 --users 120322 --rates 5,10,20,50,100,200,500,1000,2000 --requests-per-rate 200 --max-batch 1000 --max-wait-ms 2 --queue-cap 2000 --slo-ms 200 --k 100 --out $R/serve-sim > $R/serve-sim.txt 2>&1; tail -n 4 $R/serve-sim.txt
step 90 ./rustmf kernel-bench --input synth:netflix:1 --factors 100 --hermitian 6,5 --repeats 3 --warmup 1 --no-cg --out $R --name kernel-bench-v6 2>&1 | tail -n 6
LF="--input synth:lfm1b:1 --implicit --lambda 0.1 --alpha 1 --factors 64 --iterations 3 --bench-warmup 1 --bench-out $R"
step 100 ./rustmf train --device gpu $LF --solver cg --cg-steps 3 --hermitian 6,5 --bench-name gpu-lfm1b-implicit-f64-v6 2>&1 | grep -E --line-buffered "median|rror"
