#!/usr/bin/env bash
# Run on the GPU host from the bundle: bash bundle/ranks-check.sh  (results in /tmp/r, tarred to $OUT)
# Issue 22 on one GPU: every GPU ALS test (the rank shares touch the batches, v7's order, v8's
# piece limit and matrix-free CG's row order), 1–4 logical ranks against one rank bit for bit among
# them, and memcheck on that test.
R=/tmp/r; mkdir -p $R; cd "$(dirname "$0")"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
./rustmf info > $R/info.txt; cp REVISION $R/
step 90 ./tests/gpu_als --test-threads=1 2>&1 | tee $R/test-gpu_als.log | grep -E "test result|^---- |FAILED|panicked|ranks"
step 120 $CS --tool memcheck --error-exitcode 99 ./tests/gpu_als --test-threads=1 ranks:: > $R/sanitize-memcheck-ranks.log 2>&1
grep -E "^test |SUMMARY|test result" $R/sanitize-memcheck-ranks.log
tar czf $OUT/r.tgz -C /tmp --exclude=work r
