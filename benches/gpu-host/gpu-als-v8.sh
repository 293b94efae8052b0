#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/gpu-als-v8.sh  (results in /tmp/r, tarred to $OUT when set)
# Issue 5, get_hermitian v8 (v7 with long rows split across blocks) against v7 and v5: the GPU ALS
# tests; get_hermitian alone on the Netflix shape (kernel-bench); full iterations on the Netflix
# (explicit f=100) and LFM-1b (implicit f=64) shapes; both sanitizers on the v8 tests; Nsight
# Compute's throughput summary of one v8 launch per side.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1
step 100 ./tests/gpu_als --test-threads=1 2>&1 | tee $R/test-gpu_als.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |error"
step 60 ./rustmf kernel-bench --input synth:netflix:1 --factors 100 --hermitian 8,7,5 --no-cg --repeats 3 --warmup 1 --out $R --name kernel-bench-netflix-f100-v8 2>&1 | tail -n 6
NF="--input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 3 --bench-warmup 1 --bench-out $R"
step 60 ./rustmf train --device gpu $NF --solver cg --cg-steps 3 --hermitian 8,7 --bench-name gpu-netflix-explicit-f100-v8 2>&1 | grep -E --line-buffered "median|rror"
step 40 ./rustmf train --device gpu $NF --solver cg --cg-steps 3 --hermitian 8 --fp16 --bench-name gpu-netflix-explicit-f100-v8-cgfp16 2>&1 | grep -E --line-buffered "median|rror"
LF="--input synth:lfm1b:1 --implicit --lambda 0.1 --alpha 1 --factors 64 --iterations 3 --bench-warmup 1 --bench-out $R"
step 150 ./rustmf train --device gpu $LF --solver cg --cg-steps 3 --hermitian 8,7 --bench-name gpu-lfm1b-implicit-f64-v8 2>&1 | grep -E --line-buffered "median|rror"
CS=/usr/local/cuda/bin/compute-sanitizer
step 120 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 v8 > $R/sanitize-memcheck-als-v8.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-memcheck-als-v8.log
step 120 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 v8_long_rows > $R/sanitize-racecheck-als-v8.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-racecheck-als-v8.log
step 100 /usr/local/cuda/bin/ncu --kernel-name "regex:hermitian_v8_f100\$" --launch-count 2 --section SpeedOfLight --section Occupancy \
  --metrics lts__t_sectors_op_write.sum,dram__bytes_write.sum,sm__cycles_active.avg,sm__cycles_elapsed.avg \
  ./rustmf kernel-bench --input synth:netflix:1 --factors 100 --hermitian 8 --no-cg --repeats 1 --warmup 0 --out $R/ncu-run --name kb > $R/ncu-hermitian-v8.txt 2>&1
grep -E "Duration|Registers Per|Achieved Occupancy|Compute \(SM\) Throughput|L2 Cache Throughput|lts__t_sectors|dram__bytes|sm__cycles" $R/ncu-hermitian-v8.txt
