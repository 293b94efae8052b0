#!/usr/bin/env python3
"""Per-iteration time of the `implicit` library's CPU ALS (Cholesky and CG) on the matrix that
`rustmf train --export-csr DIR` wrote (indptr.npy / indices.npy / data.npy), with the same f,
λ, α, thread counts and iteration count as the rustmf benchmark.

    pip install implicit numpy scipy threadpoolctl
    python benches/implicit_cpu.py --csr /tmp/netflix005 --factors 64,100 --solver cholesky,cg \
        --threads 1,0 --iterations 4 --warmup 1 --out benches/results

Writes <out>/implicit_cpu.json and .csv (same columns as rustmf's bench CSV). Notes:
* implicit's confidence is `alpha * r` (rustmf: `1 + alpha * r`); with the same data the work
  per iteration is identical, only the values differ.
* BLAS is limited to one thread (implicit's own recommendation: it parallelises over rows with
  its own `num_threads`); threads=0 means every core, as in rustmf.
* Per-iteration time is implicit's own fit callback (both half-steps, no loss computation).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def summary(samples):
    s = sorted(samples)
    n = len(s)
    q = lambda p: s[min(n - 1, int(round(p * (n - 1))))]
    return {
        "n": n,
        "median_s": statistics.median(s),
        "min_s": s[0],
        "max_s": s[-1],
        "iqr_s": q(0.75) - q(0.25),
        "mean_s": statistics.fmean(s),
    }


def common_args(ap, factors, name):
    """The options both implicit benchmarks take (this one and `implicit_gpu.py`)."""
    ap.add_argument("--csr", required=True, help="folder with indptr.npy, indices.npy, data.npy, shape.json")
    ap.add_argument("--factors", default=factors)
    ap.add_argument("--iterations", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=1, help="leading iterations left out of the statistics")
    ap.add_argument("--lambda", dest="lam", type=float, default=0.1)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default="benches/results")
    ap.add_argument("--name", default=name)


def load_csr(folder):
    """The matrix `rustmf train --export-csr` wrote, as a scipy CSR matrix."""
    import numpy as np
    import scipy.sparse as sp

    shape = json.load(open(os.path.join(folder, "shape.json")))
    m = sp.csr_matrix(
        (
            np.load(os.path.join(folder, "data.npy")),
            np.load(os.path.join(folder, "indices.npy")),
            np.load(os.path.join(folder, "indptr.npy")),
        ),
        shape=(shape["rows"], shape["cols"]),
    )
    print(f"matrix {m.shape[0]} users x {m.shape[1]} items, {m.nnz} nnz", file=sys.stderr)
    return m


def main():
    ap = argparse.ArgumentParser()
    common_args(ap, "64,100", "implicit_cpu")
    ap.add_argument("--solver", default="cholesky,cg")
    ap.add_argument("--cg-steps", type=int, default=3)
    ap.add_argument("--threads", default="1,0")
    a = ap.parse_args()

    import numpy as np
    from threadpoolctl import threadpool_limits
    import implicit
    from implicit.cpu.als import AlternatingLeastSquares

    m = load_csr(a.csr)
    cases = []
    for f in [int(x) for x in a.factors.split(",")]:
        for solver in a.solver.split(","):
            for t in [int(x) for x in a.threads.split(",")]:
                times = []
                model = AlternatingLeastSquares(
                    factors=f,
                    regularization=a.lam,
                    alpha=a.alpha,
                    iterations=a.iterations,
                    use_cg=(solver == "cg"),
                    calculate_training_loss=False,
                    random_state=a.seed,
                    num_threads=t,
                )
                model.cg_steps = a.cg_steps  # not a constructor argument in implicit 0.7
                with threadpool_limits(1, "blas"):
                    model.fit(m, show_progress=False, callback=lambda it, el, loss: times.append(el))
                samples = times[a.warmup :]
                name = f"implicit f={f} {solver if solver != 'cg' else 'cg%d' % a.cg_steps} threads={t}"
                c = {
                    "case": name,
                    "params": {
                        "csr": a.csr, "n_users": m.shape[0], "n_items": m.shape[1], "nnz": int(m.nnz),
                        "factors": f, "solver": solver, "cg_steps": a.cg_steps, "threads": t,
                        "lambda": a.lam, "alpha": a.alpha, "warmup_iterations": a.warmup,
                        "library": f"implicit {implicit.__version__}",
                    },
                    "samples_s": samples,
                    "summary": summary(samples),
                    "extra": None,
                }
                cases.append(c)
                print(f"{name}: median {c['summary']['median_s']:.3f} s/iteration", file=sys.stderr)
    write_results(a, cases, {"cpu_cores": os.cpu_count(), "numpy": np.__version__, "implicit": implicit.__version__})


def write_results(a, cases, extra_meta, gpu=""):
    """Writes <a.out>/<a.name>.json and .csv (via temporary files and renames)."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        rev = ""
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": cpu_name(),
        "gpu": gpu,
        "python": platform.python_version(),
        "git_revision": rev,
        "command": " ".join(sys.argv),
        **extra_meta,
    }
    os.makedirs(a.out, exist_ok=True)
    out = {"name": a.name, "meta": meta, "cases": cases}
    jp = os.path.join(a.out, a.name + ".json")
    with open(jp + ".tmp", "w") as fh:
        json.dump(out, fh, indent=2)
    os.replace(jp + ".tmp", jp)
    cp = os.path.join(a.out, a.name + ".csv")
    with open(cp + ".tmp", "w") as fh:
        fh.write("benchmark,case,n,median_s,min_s,max_s,iqr_s,mean_s,params,extra,gpu,cpu,git_rev,date\n")
        for c in cases:
            s = c["summary"]
            params = json.dumps(c["params"]).replace('"', '""')
            fh.write(
                f'{a.name},{c["case"]},{s["n"]},{s["median_s"]:.9f},{s["min_s"]:.9f},{s["max_s"]:.9f},'
                f'{s["iqr_s"]:.9f},{s["mean_s"]:.9f},"{params}",null,"{gpu}","{meta["cpu"]}",{rev},{meta["date"]}\n'
            )
    os.replace(cp + ".tmp", cp)
    print(f"wrote {jp} and {cp}", file=sys.stderr)


if __name__ == "__main__":
    main()
