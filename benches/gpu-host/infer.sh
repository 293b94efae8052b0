#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/infer.sh  (results in /tmp/r, tarred to $OUT when set)
# Issue 6: GPU top-K tests and sanitizers, the B=1000 × 5.6M batch benchmark, the load simulation;
# then Nsight Compute's view of get_hermitian v6 and v5 (stall reasons) on a small Netflix shape.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
./rustmf info > $R/info.txt
step 90 ./tests/gpu_infer --test-threads=1 2>&1 | tee $R/test-gpu_infer.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |rror|row"
CS=/usr/local/cuda/bin/compute-sanitizer
step 150 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 --skip sgemm_agrees > $R/sanitize-memcheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-memcheck-infer.log
step 100 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 k_larger > $R/sanitize-racecheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-racecheck-infer.log
step 120 ./rustmf infer-bench --backends gpu-fused,gpu-sgemm,gpu-tf32,cpu-mt --threads 0 --batch 1000 --items 5600000 --factors 64 --k 100 --exclude 50 --warmup 1 --repeats 5 --out $R 2>&1 | tee $R/infer-bench.txt | tail -n 25
step 150 ./rustmf serve-sim --backends gpu-fused,cpu-mt,cpu1 --threads 0 --items 5600000 --factors 64 --users 120322 --rates 10,20,50,100,200,500,1000,2000,5000 --requests-per-rate 600 --max-batch 1000 --max-wait-ms 2 --queue-cap 2000 --slo-ms 200 --k 100 --out $R/serve-sim 2>&1 | tee $R/serve-sim.txt | tail -n 30
NCU=/usr/local/cuda/bin/ncu
for v in 6 5; do
  step 90 $NCU --kernel-name regex:hermitian_v${v}_f100 --launch-count 1 --section SpeedOfLight --section Occupancy --section WarpStateStats --section SchedulerStats --section ComputeWorkloadAnalysis ./rustmf train --device gpu --input synth:netflix:0.2 --explicit --factors 100 --iterations 1 --hermitian $v --solver cg > $R/ncu-hermitian-v$v.txt 2>&1; grep -E "Duration|Throughput|Achieved Occupancy|Theoretical Occupancy|Stall|Issued Warp|No Eligible|Registers" $R/ncu-hermitian-v$v.txt | head -30
done
