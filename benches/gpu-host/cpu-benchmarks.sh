#!/usr/bin/env bash
# CPU benchmarks on the GPU host's cores: data layer (issue 3) and CPU ALS vs implicit (issue 4).
# Run from the repository root on the GPU host, with the bundle in bundle/ and the implicit 0.7.3
# wheel for CPython 3.12 in .whl/ (pip download --no-deps --only-binary=:all: --python-version 3.12
# --platform manylinux2014_x86_64 -d .whl implicit==0.7.3):  bash bundle/cpu-benchmarks.sh
R=/tmp/r; mkdir -p $R/data $R/cpu; B="$(cd "$(dirname "$0")" && pwd)"; export RUSTMF_GIT_REV=$(cat $B/REVISION)
step() { local secs=$1; shift; echo "== $* (limit ${secs}s)"; timeout $secs "$@"; echo "== exit $?"; [ -n "$OUT" ] && tar czf $OUT/r.tgz -C /tmp --exclude=work r; }
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
nproc; lscpu | grep -m1 "Model name"
step 80 $B/rustmf data bench --preset netflix --scale 1 --repeats 3 --tag h200host-16c --out $R/data 2>&1 | tail -8
step 120 $B/rustmf data bench --preset lfm1b --scale 0.25 --repeats 2 --tag h200host-16c --out $R/data 2>&1 | tail -8
# Netflix shape x0.05 (the dev box's size): 1 thread and all 16, both libraries.
step 130 $B/rustmf train --input shaped:netflix:0.05 --implicit --factors 64,100 --solver cholesky,cg --cg-steps 3 --threads 1,0 --iterations 3 --bench-warmup 1 --lambda 0.1 --alpha 1 --bench-out $R/cpu --bench-name cpu_als-x0.05-h200host --export-csr /tmp/nf005 2>&1 | tail -7
step 120 python3 benches/implicit_cpu.py --csr /tmp/nf005 --factors 64,100 --solver cholesky,cg --cg-steps 3 --threads 1,0 --iterations 3 --warmup 1 --lambda 0.1 --alpha 1 --out $R/cpu --name implicit_cpu-x0.05-h200host 2>&1 | tail -7
# Full Netflix shape (82M interactions, the peers' data), all 16 cores.
step 130 $B/rustmf train --input shaped:netflix:1 --implicit --factors 64,100 --solver cholesky,cg --cg-steps 3 --threads 0 --iterations 3 --bench-warmup 1 --lambda 0.1 --alpha 1 --bench-out $R/cpu --bench-name cpu_als-x1-h200host --export-csr /tmp/nf1 2>&1 | tail -5
step 100 python3 benches/implicit_cpu.py --csr /tmp/nf1 --factors 64,100 --solver cg --cg-steps 3 --threads 0 --iterations 3 --warmup 1 --lambda 0.1 --alpha 1 --out $R/cpu --name implicit_cpu-x1-h200host 2>&1 | tail -5
