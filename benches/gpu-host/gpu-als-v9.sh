#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/gpu-als-v9.sh  (results in /tmp/r, tarred to $OUT when set)
# Issue 5, get_hermitian v9 (`wgmma`, 3×TF32; H100/H200 only) against v8: the v9 tests, then
# get_hermitian alone on the Netflix shape (kernel-bench), full iterations on the Netflix
# (explicit f=100) and LFM-1b (implicit f=64) shapes, the other GPU tests (ALS, prelude, the
# `wgmma` inference ones, whose prelude changed), both sanitizers on the v9 tests, and Nsight
# Compute's summary of one v9 launch per side.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1
step 100 ./tests/gpu_als --test-threads=1 v9 2>&1 | tee $R/test-gpu_als-v9.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |error|relative"
step 60 ./rustmf kernel-bench --input synth:netflix:1 --factors 100 --hermitian 9,8 --no-cg --repeats 5 --warmup 1 --out $R --name kernel-bench-netflix-f100-v9 2>&1 | tail -n 6
step 60 ./rustmf kernel-bench --input synth:lfm1b:1 --implicit --factors 64 --hermitian 9,8 --no-cg --repeats 3 --warmup 1 --out $R --name kernel-bench-lfm1b-f64-v9 2>&1 | tail -n 6
NF="--input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 4 --bench-warmup 1 --bench-out $R"
step 60 ./rustmf train --device gpu $NF --solver cg --cg-steps 3 --hermitian 9,8 --bench-name gpu-netflix-explicit-f100-v9 2>&1 | grep -E --line-buffered "median|rror"
LF="--input synth:lfm1b:1 --implicit --lambda 0.1 --alpha 1 --factors 64 --iterations 3 --bench-warmup 1 --bench-out $R"
step 90 ./rustmf train --device gpu $LF --solver cg --cg-steps 3 --hermitian 9 --bench-name gpu-lfm1b-implicit-f64-v9 2>&1 | grep -E --line-buffered "median|rror"
step 120 ./tests/gpu_als --test-threads=1 2>&1 | tee $R/test-gpu_als.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |error"
step 60 ./tests/gpu_prelude --test-threads=1 2>&1 | tee $R/test-gpu_prelude.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |error"
step 60 ./tests/gpu_infer --test-threads=1 wgmma 2>&1 | tee $R/test-gpu_infer-wgmma.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |error"
CS=/usr/local/cuda/bin/compute-sanitizer
step 100 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 v9 > $R/sanitize-memcheck-als-v9.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-memcheck-als-v9.log
step 100 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 v9_wgmma > $R/sanitize-racecheck-als-v9.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-racecheck-als-v9.log
step 100 /usr/local/cuda/bin/ncu --kernel-name "regex:hermitian_v9_f100\$" --launch-count 2 --section SpeedOfLight --section Occupancy --section WarpStateStats \
  --metrics sm__pipe_tensor_op_gmma_cycles_active.avg.pct_of_peak_sustained_active,sm__cycles_active.avg,sm__cycles_elapsed.avg,dram__bytes_read.sum \
  ./rustmf kernel-bench --input synth:netflix:1 --factors 100 --hermitian 9 --no-cg --repeats 1 --warmup 0 --out $R/ncu-run --name kb > $R/ncu-hermitian-v9.txt 2>&1
grep -E "Duration|Registers Per|Achieved Occupancy|Compute \(SM\) Throughput|gmma|Stall|sm__cycles|dram__bytes|Eligible|Issued" $R/ncu-hermitian-v9.txt | head -40
