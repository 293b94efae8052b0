#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/gpu-als-mf.sh bench|check|all  (results in /tmp/r, tarred to $OUT when set)
# Issue 5, matrix-free CG (kernels-rs/src/solve/cg_matrix_free.rs) against get_hermitian v8 + CG.
#   bench: full iterations, CG 3 steps, on the Netflix (explicit f=100) and LFM-1b (implicit f=64)
#          shapes: A formed on both sides (v8), matrix-free on both sides (cg-mf), on one side;
#          Nsight Compute's summary of one matrix-free launch
#          per side of the Netflix shape; test RMSE after 10 iterations on the Netflix shape
#          (10% held out): Cholesky, CG 3 steps, matrix-free CG 3 steps.
#   check: the GPU ALS tests; memcheck and racecheck over the matrix-free tests.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
if [ "$1" != check ]; then
  NF="--input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 6 --bench-warmup 1 --bench-out $R"
  step 150 ./rustmf train --device gpu $NF --solver cg,cg-mf,cg-mf-users,cg-mf-items --cg-steps 3 --hermitian 8 --bench-name gpu-netflix-explicit-f100-mf 2>&1 | grep -E --line-buffered "median|rror"
  LF="--input synth:lfm1b:1 --implicit --lambda 0.1 --alpha 1 --factors 64 --iterations 6 --bench-warmup 1 --bench-out $R"
  step 280 ./rustmf train --device gpu $LF --solver cg,cg-mf,cg-mf-users,cg-mf-items --cg-steps 3 --hermitian 8 --bench-name gpu-lfm1b-implicit-f64-mf 2>&1 | grep -E --line-buffered "median|rror"
  for s in cholesky cg cg-mf; do
    step 120 ./rustmf train --device gpu --input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 10 --test-fraction 0.1 --no-objective --solver $s --cg-steps 3 --out $R/accuracy-netflix-f100-$s > /dev/null 2> $R/accuracy-netflix-f100-$s.log
    rm -f $R/accuracy-netflix-f100-$s/*.npy $R/accuracy-netflix-f100-$s/*.safetensors
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[2], [round(i['test']['rmse'],5) for i in d['iterations'] if i.get('test')])" $R/accuracy-netflix-f100-$s/summary.json $s 2>&1 | tail -1
  done
  step 120 /usr/local/cuda/bin/ncu --kernel-name "regex:solve_cg_matrix_free_f100\$" --launch-count 2 --section SpeedOfLight --section Occupancy --section MemoryWorkloadAnalysis \
    ./rustmf train --device gpu --input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 1 --solver cg-mf --cg-steps 3 --no-objective > $R/ncu-cg-matrix-free-netflix.txt 2>&1
  grep -E "Duration|Registers Per|Achieved Occupancy|Compute \(SM\) Throughput|Memory Throughput|L2 Hit|DRAM Throughput" $R/ncu-cg-matrix-free-netflix.txt
fi
if [ "$1" != bench ]; then
  step 300 ./tests/gpu_als --test-threads=1 2>&1 | tee $R/test-gpu_als.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |error"
  CS=/usr/local/cuda/bin/compute-sanitizer
  step 120 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 matrix_free > $R/sanitize-memcheck-als-mf.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-memcheck-als-mf.log
  step 170 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 matrix_free > $R/sanitize-racecheck-als-mf.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-racecheck-als-mf.log
fi
