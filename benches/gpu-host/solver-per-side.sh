#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/solver-per-side.sh  (results in /tmp/r, tarred to $OUT)
# Issue 20, "choose per side": benches/experiments/solver-per-side.toml (explicit: Netflix, Yahoo!,
# Hugewiki 0.1) and solver-per-side-implicit.toml (LFM-1b), A formed or matrix-free on each side.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
for spec in solver-per-side-implicit solver-per-side; do
  step 330 ./rustmf experiment run experiments/$spec.toml --out $R/experiments 2>&1 | tee $R/experiment-$spec.log | grep -E "median|error|skipped" | tail -n 20
  for d in $R/experiments/$spec/*/; do ./rustmf experiment report "$d" > /dev/null 2>> $R/report.log; done
done
tar czf $OUT/r.tgz -C /tmp --exclude=work r
