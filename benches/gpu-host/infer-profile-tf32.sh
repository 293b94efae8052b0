#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/infer-profile-tf32.sh  (results in /tmp/r, tarred to $OUT when set)
# Where one B=1000 × 5.6M × f=64, k=100 batch of the fused paths spends its GPU time, per kernel
# (Nsight Compute, base clocks, kernels serialized), then the full Nsight Compute sections of the
# two filter kernels (the exact v2 and the TF32 one).
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
NCU=/usr/local/cuda/bin/ncu
B="--batch 1000 --items 5600000 --factors 64 --k 100 --exclude 50 --repeats 1 --check-rows 1"
for b in gpu-fused-tf32 gpu-fused; do
  step 120 $NCU --metrics gpu__time_duration.sum --csv ./rustmf infer-bench --backends $b $B --out $R/ncu-runs --name $b > $R/ncu-times-$b.csv 2>$R/ncu-times-$b.err
  python3 - $R/ncu-times-$b.csv <<'PY'
import csv, sys, collections
rows = [r for r in csv.reader(open(sys.argv[1])) if len(r) > 10]
h = rows[0]; k, v = h.index("Kernel Name"), h.index("Metric Value")
t = collections.defaultdict(float); n = collections.Counter()
for r in rows[1:]:
    t[r[k]] += float(r[v].replace(",", "")); n[r[k]] += 1
for name, ns in sorted(t.items(), key=lambda x: -x[1]):
    print(f"{ns/1e6/n[name]*1:10.3f} ms per launch  {n[name]:3d} launches  {name}")
PY
done
step 120 $NCU --kernel-name regex:score_filter_tf32 -c 1 --set full ./rustmf infer-bench --backends gpu-fused-tf32 $B --out $R/ncu-runs --name full-tf32 > $R/ncu-filter-tf32.txt 2>&1; grep -E "Duration|Registers|Achieved Occupancy|Issue Slots Busy|Compute \(SM\) Throughput|Memory Throughput|Warp Cycles Per Issued|Block Limit" $R/ncu-filter-tf32.txt | head -20
step 120 $NCU --kernel-name regex:score_filter_f64 -c 1 --set full ./rustmf infer-bench --backends gpu-fused $B --out $R/ncu-runs --name full-fused > $R/ncu-filter-v2.txt 2>&1; grep -E "Duration|Registers|Achieved Occupancy|Issue Slots Busy|Compute \(SM\) Throughput|Memory Throughput|Warp Cycles Per Issued|Block Limit" $R/ncu-filter-v2.txt | head -20
