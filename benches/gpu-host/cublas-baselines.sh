#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/cublas-baselines.sh  (results in /tmp/r, tarred to $OUT when set)
# The cuBLAS baselines (issue 5): their GPU tests and memcheck, `rustmf kernel-bench` (get_hermitian
# versions against cuBLAS and the fp32 peak, CG against a device-to-device copy: cuMF_als Fig. 7),
# and per-iteration ALS with cuBLAS LU and the cuBLAS hermitian. Results tarred after every step.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
./rustmf info > $R/info.txt
step 60 ./tests/gpu_als --test-threads=1 cublas 2>&1 | tee $R/test-gpu_als-cublas.log | grep -E --line-buffered "^test |FAILED|test result|panicked|error|relative"
step 120 /usr/local/cuda/bin/compute-sanitizer --tool memcheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 cublas > $R/sanitize-memcheck-gpu_als-cublas.log 2>&1; grep -E "^test |SUMMARY|test result" $R/sanitize-memcheck-gpu_als-cublas.log
# get_hermitian v1 (10 s per iteration at this size) is left out to save device time.
step 150 ./rustmf kernel-bench --input synth:netflix:1 --factors 100 --hermitian cublas,5,4,3,2 --repeats 3 --warmup 1 --out $R --name kernel-bench-netflix-f100 2>&1 | tee $R/kernel-bench-netflix-f100.txt | grep -E --line-buffered "peak|ms|GB|rror|hermitian|cg"
NF="--input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 3 --bench-warmup 1 --bench-out $R"
step 120 ./rustmf train --device gpu $NF --solver cublas-lu,cg --cg-steps 3 --hermitian 5,cublas --bench-name gpu-netflix-explicit-f100-cublas 2>&1 | grep -E --line-buffered "median|rror"
