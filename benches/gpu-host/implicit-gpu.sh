#!/usr/bin/env bash
# Issue 5's peer on the same GPU: `implicit` 0.7.3's GPU ALS (CG, 3 steps) on the LFM-1b-shaped
# data, beside rustmf in the same run. Run from the repository root on the GPU host, with the
# bundle in bundle/ and the CPython 3.12 wheels in .whl/:
#   pip download --no-deps --only-binary=:all: --python-version 3.12 --platform manylinux2014_x86_64 \
#     --platform manylinux_2_28_x86_64 -d .whl implicit==0.7.3 rmm-cu13==26.4.0 librmm-cu13==26.4.0 \
#     'rapids-logger==0.2.*' 'cuda-python>=13.0.1,<14' 'cuda-bindings>=13.0.1,<14' cuda-pathfinder \
#     'cuda-core~=1.2.0' tqdm threadpoolctl
#   bash bundle/implicit-gpu.sh        (results in /tmp/r, tarred to $OUT when set)
R=/tmp/r; mkdir -p $R; B="$(cd "$(dirname "$0")" && pwd)"; export RUSTMF_REQUIRE_GPU=1 RUSTMF_GIT_REV=$(cat $B/REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp r; }
# A wheel is a zip (none of these has a .data folder), so unpacking stands in for pip where it is missing.
mkdir -p /tmp/site && for w in .whl/*.whl; do python3 -m zipfile -e "$w" /tmp/site; done; export PYTHONPATH=/tmp/site
export LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
python3 -V; nvidia-smi > $R/nvidia-smi.txt 2>&1; cp $B/REVISION $R/
LF="--input synth:lfm1b:1 --implicit --lambda 0.1 --alpha 1 --factors 64 --iterations 4 --bench-warmup 1"
step 200 $B/rustmf train --device gpu $LF --solver cg-mf,cg --cg-steps 3 --bench-out $R --bench-name rustmf-lfm1b-f64-same-run --export-csr /tmp/lfm1b 2>&1 | grep -E --line-buffered "median|rror"
step 200 python3 benches/implicit_gpu.py --csr /tmp/lfm1b --factors 64 --iterations 4 --warmup 1 --lambda 0.1 --alpha 1 --out $R --name implicit-gpu-lfm1b-f64 2>&1 | tail -n 5
