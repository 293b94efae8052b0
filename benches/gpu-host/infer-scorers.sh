#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/infer-scorers.sh bench|sim  (results in /tmp/r, tarred to $OUT when set)
# Issue 6's GPU scorers, from the exact scorer v4 on (named infer-v4.sh until v5):
#   bench: GPU top-K tests; B=1000 × 5.6M batch of every GPU backend (recall against the exact fused
#          path), then B=1; Nsight Compute on one exact filter launch (instruction counts, scheduler
#          and warp-state statistics); both sanitizers over the inference tests.
#   sim:   the load simulation (CPU 1 thread, CPU all threads, GPU exact, GPU TF32) with plots.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
if [ "$1" = bench ]; then
  step 120 ./tests/gpu_infer --test-threads=1 2>&1 | tee $R/test-gpu_infer.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |rror|row"
  B="--threads 0 --items 5600000 --factors 64 --k 100 --exclude 50 --warmup 1 --repeats 7"
  step 150 ./rustmf infer-bench --backends gpu-fused,gpu-fused-tf32,gpu-tf32,gpu-sgemm $B --batch 1000 --out $R --name infer_bench_b1000 2>&1 | tee $R/infer-bench-b1000.txt | tail -n 14
  step 60 ./rustmf infer-bench --backends gpu-fused,gpu-fused-tf32 $B --batch 1 --out $R --name infer_bench_b1 2>&1 | tee $R/infer-bench-b1.txt | tail -n 8
  step 120 /usr/local/cuda/bin/ncu --kernel-name regex:score_filter_f64 -c 1 --section SpeedOfLight --section Occupancy --section SchedulerStats --section WarpStateStats \
    --metrics smsp__inst_executed.sum,smsp__inst_executed_pipe_fma.sum,smsp__inst_executed_op_ldgsts.sum \
    ./rustmf infer-bench --backends gpu-fused --batch 1000 --items 5600000 --factors 64 --k 100 --exclude 50 --repeats 1 --check-rows 1 --out $R/ncu-run --name ncu > $R/ncu-score-filter.txt 2>&1
  grep -E "Duration|Registers Per|Issue Slots Busy|inst_executed" $R/ncu-score-filter.txt
  CS=/usr/local/cuda/bin/compute-sanitizer
  step 200 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 > $R/sanitize-memcheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-memcheck-infer.log
  step 150 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 --skip equals_cpu --skip sgemm_agrees > $R/sanitize-racecheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-racecheck-infer.log
else
  step 400 ./rustmf serve-sim --backends gpu-fused,gpu-fused-tf32,cpu-mt,cpu1 --threads 0 --items 5600000 --factors 64 --users 120322 --rates 5,10,20,50,100,200,500,1000,2000 --requests-per-rate 200 --max-batch 1000 --max-wait-ms 2 --queue-cap 2000 --slo-ms 200 --k 100 --out $R/serve-sim > $R/serve-sim.txt 2>&1; tail -n 4 $R/serve-sim.txt
fi
