#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/infer-tf32.sh  (results in /tmp/r, tarred to $OUT when set)
# Issue 6, second round: the exact fused scorer v3 (8×8 tiles, queued hits) and the fused TF32
# tensor-core filter (`gpu-fused-tf32`): GPU top-K tests; the B=1000 × 5.6M batch benchmark of every
# GPU backend (recall of each against the first, the exact fused path), then B=1; per-kernel times
# of one batch of each fused path (Nsight Compute, base clocks); both sanitizers.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1
step 120 ./tests/gpu_infer --test-threads=1 2>&1 | tee $R/test-gpu_infer.log | grep -E --line-buffered "FAILED|test result|panicked|^---- |rror|row"
B="--threads 0 --items 5600000 --factors 64 --k 100 --exclude 50 --warmup 1 --repeats 7"
step 150 ./rustmf infer-bench --backends gpu-fused,gpu-fused-tf32,gpu-tf32,gpu-sgemm $B --batch 1000 --out $R --name infer_bench_b1000 2>&1 | tee $R/infer-bench-b1000.txt | tail -n 14
step 60 ./rustmf infer-bench --backends gpu-fused,gpu-fused-tf32 $B --batch 1 --out $R --name infer_bench_b1 2>&1 | tee $R/infer-bench-b1.txt | tail -n 8
NCU=/usr/local/cuda/bin/ncu
for b in gpu-fused-tf32 gpu-fused; do
  step 120 $NCU --metrics gpu__time_duration.sum --csv ./rustmf infer-bench --backends $b --batch 1000 --items 5600000 --factors 64 --k 100 --exclude 50 --repeats 1 --check-rows 1 --out $R/ncu-runs --name $b > $R/ncu-times-$b.csv 2>$R/ncu-times-$b.err
  python3 - $R/ncu-times-$b.csv <<'PY' | tee $R/ncu-times-$b.txt
import csv, sys, collections
rows = [r for r in csv.reader(open(sys.argv[1])) if len(r) > 10]
h = rows[0]; k, v = h.index("Kernel Name"), h.index("Metric Value")
t = collections.defaultdict(float); n = collections.Counter()
for r in rows[1:]:
    t[r[k]] += float(r[v].replace(",", "")); n[r[k]] += 1
for name, ns in sorted(t.items(), key=lambda x: -x[1]):
    print(f"{ns/1e6/n[name]:10.3f} ms per launch  {n[name]:3d} launches  {name}")
PY
done
CS=/usr/local/cuda/bin/compute-sanitizer
step 200 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 > $R/sanitize-memcheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-memcheck-infer.log
step 150 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_infer --test-threads=1 --skip equals_cpu --skip sgemm_agrees > $R/sanitize-racecheck-infer.log 2>&1; grep -E "SUMMARY|test result" $R/sanitize-racecheck-infer.log
