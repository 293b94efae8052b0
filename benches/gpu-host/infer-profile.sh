#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/infer-profile.sh  (results in /tmp/r, tarred to $OUT when set)
# Where a B=1000 × 5.6M × f=64, k=100 batch spends its GPU time, per kernel (Nsight Systems), for
# each GPU backend; then the batch benchmark again (the fused path now keeps its candidate lists).
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
./rustmf info > $R/info.txt
step 60 ./tests/gpu_infer --test-threads=1 2>&1 | tee $R/test-gpu_infer.log | grep -E --line-buffered "FAILED|test result"
NSYS=$(ls /usr/local/cuda/bin/nsys /opt/nvidia/nsight-systems/*/bin/nsys 2>/dev/null | head -1)
for b in gpu-fused gpu-sgemm gpu-tf32; do
  step 90 $NSYS profile --force-overwrite true -o $R/nsys-$b --stats=false ./rustmf infer-bench --backends $b --batch 1000 --items 5600000 --factors 64 --k 100 --exclude 50 --repeats 3 --out $R/nsys-runs --name $b > $R/nsys-$b.log 2>&1
  step 60 $NSYS stats --report cuda_gpu_kern_sum --format csv --output $R/kernels-$b $R/nsys-$b.nsys-rep > /dev/null 2>&1; rm -f $R/nsys-$b.nsys-rep $R/nsys-$b.sqlite; head -12 $R/kernels-$b*.csv | cut -c1-220
done
step 120 ./rustmf infer-bench --backends gpu-fused,gpu-sgemm,gpu-tf32 --batch 1000 --items 5600000 --factors 64 --k 100 --exclude 50 --warmup 1 --repeats 5 --out $R --name infer_bench_gpu 2>&1 | tail -n 8
step 60 ./rustmf infer-bench --backends gpu-fused,gpu-sgemm,gpu-tf32 --batch 1 --items 5600000 --factors 64 --k 100 --exclude 50 --warmup 2 --repeats 20 --out $R --name infer_bench_gpu_b1 2>&1 | tail -n 6
