#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/streamed-check-and-quality.sh  (results in /tmp/r, tarred to $OUT)
# Issue 21 (streamed rows): the streaming tests (every get_hermitian version bit for bit against
# in-core, the plan under a tiny --gpu-memory, the refusals), memcheck and racecheck on them (the
# experiments are streamed.sh's), the time to the first iteration from a Netflix-shaped cache;
# issue 20: time-to-quality.toml.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
report() { for d in $R/experiments/$1/*/; do ./rustmf experiment report "$d" > /dev/null 2>> $R/report.log; done; }
run() { local secs=$1 spec=$2; step $secs ./rustmf experiment run experiments/$spec.toml --out $R/experiments 2>&1 | tee -a $R/experiment-$spec.log | grep -E "median|rror"; report $spec; }
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
./rustmf info > $R/info.txt; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp REVISION $R/
step 60 ./tests/gpu_als --test-threads=1 streamed 2>&1 | tee $R/test-gpu_als.log | grep -E "test result|^---- |FAILED|panicked"
step 90 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 streamed --skip v1_ --skip v2_ --skip v3_ --skip v4_ --skip v6_ > $R/sanitize-memcheck-streamed.log 2>&1
grep -E "^test |SUMMARY|test result" $R/sanitize-memcheck-streamed.log
for t in streamed::tiny v9_wgmma::streamed; do
  step 60 $CS --tool racecheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 $t > $R/sanitize-racecheck-${t%%::*}.log 2>&1
  grep -E "^test |SUMMARY|test result" $R/sanitize-racecheck-${t%%::*}.log
done
run 240 time-to-quality
# From `train --input CACHE` to the end of the first iteration (load, set-up, first iteration), in
# core and with the rows streamed (450e6 B: about 25% of the in-core minimum).
step 60 ./rustmf data synth --preset netflix --out /tmp/netflix.rmf 2>&1 | tail -n 2
for memory in "" "--gpu-memory 450e6"; do
  step 60 ./rustmf train --input /tmp/netflix.rmf --device gpu --iterations 1 --factors 100 --solver cg --hermitian 9 $memory 2>&1 | tee -a $R/first-iteration-netflix.log
done
tar czf $OUT/r.tgz -C /tmp --exclude=work r
