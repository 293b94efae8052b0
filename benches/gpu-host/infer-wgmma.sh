#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/infer-wgmma.sh  (results in /tmp/r, tarred to $OUT when set)
# The wgmma filter (gpu-fused-wgmma, kernels-rs/src/topk/score_wgmma.rs): the prelude and inference
# GPU tests; the B=1000 × 5.6M batch beside gpu-fused (the recall yardstick) and gpu-fused-tf32,
# then B=1; each kernel's time under Nsight Compute (base clocks) and the filter's speed of light;
# both sanitizers over the inference tests (racecheck without the large bit-for-bit cases) and the
# wgmma prelude check; the ALS tests and the GPU demo (the stop's final check).
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
for t in gpu_prelude gpu_infer gpu_als; do
  step 150 ./tests/$t --test-threads=1 2>&1 | tee $R/test-$t.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |rror|row|wgmma"
done
B="--threads 0 --items 5600000 --factors 64 --k 100 --exclude 50 --warmup 1 --repeats 7"
step 150 ./rustmf infer-bench --backends gpu-fused,gpu-fused-wgmma,gpu-fused-tf32,gpu-tf32,gpu-sgemm $B --batch 1000 --out $R --name infer_bench_b1000 2>&1 | tee $R/infer-bench-b1000.txt | tail -n 12
step 60 ./rustmf infer-bench --backends gpu-fused,gpu-fused-wgmma,gpu-fused-tf32 $B --batch 1 --out $R --name infer_bench_b1 2>&1 | tee $R/infer-bench-b1.txt | tail -n 8
NCU=/usr/local/cuda/bin/ncu
NB="--batch 1000 --items 5600000 --factors 64 --k 100 --exclude 50 --repeats 1 --check-rows 1"
step 120 $NCU --metrics gpu__time_duration.sum ./rustmf infer-bench --backends gpu-fused-wgmma,gpu-fused-tf32,gpu-fused $NB --out $R/ncu-run1 --name ncu1 > $R/ncu-times.txt 2>&1
awk '/^  [a-z_0-9]+ \(/{k=$1} /gpu__time_duration/{print k, $(NF-1), $NF}' $R/ncu-times.txt
step 120 $NCU --kernel-name regex:score_filter_wgmma -c 1 --section SpeedOfLight --section Occupancy --section SchedulerStats --section WarpStateStats \
  --metrics smsp__inst_executed.sum,sm__pipe_tensor_op_gmma_cycles_active.avg.pct_of_peak_sustained_active,sm__inst_executed_pipe_uniform.sum \
  ./rustmf infer-bench --backends gpu-fused-wgmma $NB --out $R/ncu-run2 --name ncu2 > $R/ncu-filter-wgmma.txt 2>&1
grep -E "Duration|Registers Per|Issue Slots Busy|Achieved Occupancy|Compute \(SM\) Throughput|Memory Throughput|gmma|No Eligible" $R/ncu-filter-wgmma.txt
CS=/usr/local/cuda/bin/compute-sanitizer
step 200 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 --skip sgemm_agrees --skip tf32_rescored > $R/sanitize-memcheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-memcheck-infer.log
step 150 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 --skip equals_cpu --skip sgemm_agrees > $R/sanitize-racecheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-racecheck-infer.log
step 60 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_prelude --test-threads=1 --exact prelude::wgmma_tf32 > $R/sanitize-memcheck-prelude-wgmma.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-memcheck-prelude-wgmma.log
step 60 ./rustmf demo --device gpu 2>&1 | tee $R/demo-gpu.txt | tail -n 3
