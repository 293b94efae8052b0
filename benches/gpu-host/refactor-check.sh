#!/usr/bin/env bash
# Issue 17 (one contract per kernel): what the refactor must not change, on the GPU host, from the
# bundle (scripts/bundle.sh). Results in /tmp/r, tarred to $OUT/r.tgz after every step.
#   tests     info, every GPU test binary (a missing GPU fails); the ptxas check needs no GPU
#             and runs on the build machine (`rustmf ptx-check` with PyPI's ptxas)
#   perf OLD  same-run before/after: OLD (a rustmf binary built at the revision before the
#             refactor) and this bundle on the Netflix shape (f=100, CG and matrix-free CG,
#             3 steps, v9) and inference (B=1000 × 5.6M items, f=64, top-100: exact fused and
#             TF32 fused)
#   scratch DIR  the scratch branch's throwaway version (v10, a copy of v3): its GPU tests and
#             kernel-bench against v3
#   versions  kernel-bench of every get_hermitian version of the ABI's list, the cuBLAS baseline
#             and CG on the Netflix shape (f=100), an iteration with each solver; infer-bench of
#             every GPU scorer:
#             the source of the kernel families' version tables
#   sanitize  compute-sanitizer memcheck and racecheck over the GPU tests
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
./rustmf info > $R/info.txt 2>&1; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
NF="--device gpu --input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 4 --bench-warmup 1 --solver cg,cg-mf --cg-steps 3 --hermitian 9"
IB="--backends gpu-fused,gpu-fused-tf32 --threads 0 --items 5600000 --factors 64 --k 100 --exclude 50 --warmup 1 --repeats 7 --batch 1000"
case "$1" in
  tests)
    for t in tests/gpu_*; do
      step 200 $t --test-threads=1 2>&1 | tee $R/test-$(basename $t).log | grep -E --line-buffered "FAILED|test result|panicked|^---- "
    done ;;
  perf)
    old=$2
    for who in old new; do
      bin=./rustmf; [ $who = old ] && bin=$old
      mkdir -p $R/$who
      step 180 $bin train $NF --bench-out $R/$who --bench-name netflix-f100-$who 2>&1 | grep -E --line-buffered "median|rror"
      step 150 $bin infer-bench $IB --out $R/$who --name infer-b1000-$who 2>&1 | tail -n 5
    done ;;
  scratch)
    # The throwaway version of the scratch branch (a copy of v3 as v10): its bundle in $2.
    step 200 $2/tests/gpu_als --test-threads=1 v10 2>&1 | tee $R/scratch-test-gpu_als-v10.log | grep -E --line-buffered "^test |test result"
    step 200 $2/rustmf kernel-bench --input synth:netflix:1 --factors 100 --hermitian 10,3 --no-cg --repeats 3 --warmup 1 --out $R --name scratch-kernel-bench-v10-v3 2>&1 | tail -n 6 ;;
  versions)
    step 400 ./rustmf kernel-bench --input synth:netflix:1 --factors 100 --repeats 3 --warmup 1 --out $R --name kernel-bench-netflix-f100 2>&1 | tail -n 24
    step 150 ./rustmf train --device gpu --input synth:netflix:1 --explicit --lambda 0.05 --factors 100 --iterations 3 \
      --bench-warmup 1 --solver cholesky,lu,cg,cg-mf,cublas-lu --cg-steps 3 --hermitian 9 --bench-out $R \
      --bench-name solvers-netflix-f100 2>&1 | grep -E --line-buffered "median|rror"
    step 150 ./rustmf infer-bench ${IB/gpu-fused,gpu-fused-tf32/gpu-fused,gpu-fused-tf32,gpu-fused-wgmma,gpu-tf32,gpu-sgemm} --out $R --name infer-b1000-scorers 2>&1 | tail -n 8 ;;
  sanitize)
    CS=/usr/local/cuda/bin/compute-sanitizer
    for tool in memcheck racecheck; do
      for t in tests/gpu_*; do
        step 500 $CS --tool $tool --error-exitcode 99 --print-limit 20 $t --test-threads=1 --skip launch_failure_names_the_kernel --skip cg_and_fp16_reach > $R/sanitize-$tool-$(basename $t).log 2>&1
        grep -E "ERROR SUMMARY|RACECHECK SUMMARY|test result" $R/sanitize-$tool-$(basename $t).log
      done
    done ;;
  *) echo "usage: $0 tests | perf OLD_RUSTMF | versions | scratch DIR | sanitize" >&2; exit 2 ;;
esac
