#!/usr/bin/env python3
"""Per-iteration time of the `implicit` library's GPU ALS (CG, 3 steps: implicit's GPU solver) on
the matrix that `rustmf train --export-csr DIR` wrote, with the same f, λ, α and iteration count
as the rustmf benchmark — the peer of issue 5, run on the same GPU as rustmf.

    pip install implicit==0.7.3 rmm-cu13==26.4.0 librmm-cu13==26.4.0 'rapids-logger==0.2.*'
    python benches/implicit_gpu.py --csr /tmp/lfm1b --factors 64 --iterations 4 --warmup 1 --out DIR

Writes <out>/<name>.json and .csv (the columns of rustmf's bench CSV), as `implicit_cpu.py` does;
implicit's confidence is `alpha * r` (rustmf: `1 + alpha * r`), the same work per iteration.
Per-iteration time is implicit's own fit callback (both half-steps, no loss computation).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from implicit_cpu import common_args, load_csr, summary, write_results  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    common_args(ap, "64", "implicit_gpu")
    a = ap.parse_args()

    import numpy as np
    import implicit
    import implicit.gpu
    from implicit.gpu.als import AlternatingLeastSquares

    if not implicit.gpu.HAS_CUDA:
        sys.exit("implicit_gpu.py: implicit's GPU support did not load (see the warning above)")

    m = load_csr(a.csr)
    cases = []
    for f in [int(x) for x in a.factors.split(",")]:
        times = []
        model = AlternatingLeastSquares(
            factors=f, regularization=a.lam, alpha=a.alpha, iterations=a.iterations,
            calculate_training_loss=False, random_state=a.seed,
        )
        model.fit(m, show_progress=False, callback=lambda it, el, loss: times.append(el))
        samples = times[a.warmup :]
        name = f"implicit-gpu f={f} cg{model.cg_steps}"
        cases.append({
            "case": name,
            "params": {
                "csr": a.csr, "n_users": m.shape[0], "n_items": m.shape[1], "nnz": int(m.nnz),
                "factors": f, "solver": "cg", "cg_steps": model.cg_steps, "lambda": a.lam, "alpha": a.alpha,
                "warmup_iterations": a.warmup, "library": f"implicit {implicit.__version__} (GPU)",
            },
            "samples_s": samples,
            "summary": summary(samples),
            "extra": None,
        })
        print(f"{name}: median {cases[-1]['summary']['median_s']:.3f} s/iteration", file=sys.stderr)
    gpu = os.popen("nvidia-smi --query-gpu=name --format=csv,noheader").read().strip()
    write_results(a, cases, {"numpy": np.__version__, "implicit": implicit.__version__}, gpu)


if __name__ == "__main__":
    main()
