#!/usr/bin/env python3
"""rustmf's Python API against the CLI and against `implicit`'s GPU model, in one run on one GPU
(issue 23): time per ALS iteration, whole fit(), and top-10 recommendation for 1,000 random users
and for every user, on the LFM-1b-shaped planted matrix.

    python3 benches/python_api.py --cli bundle/rustmf --input synth:lfm1b:0.1 --out results/python-api

Steps (the same matrix, f, λ, α, CG steps and seed everywhere):
1. `rustmf train --device gpu --solver cg-mf` writes the model and exports the
   training CSR; its per-iteration times come from `--json`.
2. `rustmf infer-bench --backends gpu-fused --user-rows FILE` times top-k for the same 1,000 random
   users and for every user, in one batch each (the top-k work depends on the users' scores, so
   both sides score the same queries).
3. The Python API: `rustmf.als.AlternatingLeastSquares(use_gpu=True)` fits the exported CSR
   (per-iteration times from its callback, which reports what the CLI reports, and fit()'s wall
   time including the upload), then `recommend` for 1,000 random users and for every user,
   without and with filtering the users' liked items.
4. `implicit.gpu.als.AlternatingLeastSquares` (CG, its only GPU solver) the same, where implicit's
   CUDA extension loads; else recorded as skipped with the reason.

Times are medians over --repeats runs after --warmup (iterations: the leading --warmup iterations
are dropped), with min and max. Writes <out>/python_api.json and .csv and prints a table with the
Python/CLI ratio of each pair.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp


def summary(samples):
    s = sorted(samples)
    return {"n": len(s), "median_s": statistics.median(s), "min_s": s[0], "max_s": s[-1]}


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def cli_train(a, work):
    args = [
        a.cli, "train", "--device", "gpu", "--input", a.input, "--implicit", "--factors", str(a.factors),
        "--iterations", str(a.iterations), "--solver", "cg-mf", "--cg-steps", "3", "--lambda", str(a.lam),
        "--alpha", str(a.alpha), "--seed", str(a.seed), "--no-objective", "--json",
        "--out", os.path.join(work, "model"), "--export-csr", os.path.join(work, "csr"),
    ]
    report = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    return [it["iteration_s"] for it in report["iterations"]][a.warmup:]


def cli_topk(a, work, users, name):
    path = os.path.join(work, name + "-users.npy")
    np.save(path, np.asarray(users, dtype="<i8"))
    args = [
        a.cli, "infer-bench", "--model", os.path.join(work, "model"), "--backends", "gpu-fused",
        "--user-rows", path, "--k", "10", "--repeats", str(a.repeats), "--warmup", str(a.warmup),
        "--out", work, "--name", name,
    ]
    subprocess.run(args, check=True, capture_output=True, text=True)
    case = json.load(open(os.path.join(work, name + ".json")))["cases"][0]
    return case["summary"]


def load_csr(folder):
    shape = json.load(open(os.path.join(folder, "shape.json")))
    arrays = [np.load(os.path.join(folder, f + ".npy")) for f in ("data", "indices", "indptr")]
    return sp.csr_matrix(tuple(arrays), shape=(shape["rows"], shape["cols"]))


def python_side(a, user_items, users_1000):
    import rustmf

    iteration_s = []
    model = rustmf.als.AlternatingLeastSquares(
        factors=a.factors, regularization=a.lam, alpha=a.alpha, iterations=a.iterations, use_gpu=True,
        random_state=a.seed, solver="cg-mf", cg_steps=3,
    )
    t = time.perf_counter()
    model.fit(user_items, show_progress=False, callback=lambda it, s, loss: iteration_s.append(s))
    fit_s = time.perf_counter() - t
    everyone = np.arange(user_items.shape[0])
    return model, {
        "iteration": summary(iteration_s[a.warmup:]),
        "fit_wall_per_iteration": summary([fit_s / a.iterations]),
        "top10_1000": summary(timed(lambda: model.recommend(users_1000, N=10, filter_already_liked_items=False), a.warmup, a.repeats)),
        "top10_all": summary(timed(lambda: model.recommend(everyone, N=10, filter_already_liked_items=False), a.warmup, a.repeats)),
        "top10_1000_filtered": summary(timed(lambda: model.recommend(users_1000, user_items[users_1000], N=10), a.warmup, a.repeats)),
        "top10_all_filtered": summary(timed(lambda: model.recommend(everyone, user_items, N=10), a.warmup, a.repeats)),
    }


def implicit_side(a, user_items, users_1000):
    try:
        import implicit.gpu
        from implicit.gpu.als import AlternatingLeastSquares

        if not implicit.gpu.HAS_CUDA:
            return {"skipped": "implicit was built without CUDA"}
    except Exception as e:  # noqa: BLE001 - any import failure is a reason to skip
        return {"skipped": f"implicit.gpu is not importable: {e}"}
    iteration_s = []
    model = AlternatingLeastSquares(
        factors=a.factors, regularization=a.lam, alpha=a.alpha, iterations=a.iterations, random_state=a.seed
    )
    t = time.perf_counter()
    model.fit(user_items, show_progress=False, callback=lambda it, s, loss: iteration_s.append(s))
    fit_s = time.perf_counter() - t
    everyone = np.arange(user_items.shape[0])
    return {
        "version": implicit.__version__,
        "iteration": summary(iteration_s[a.warmup:]),
        "fit_wall_per_iteration": summary([fit_s / a.iterations]),
        "top10_1000": summary(timed(lambda: model.recommend(users_1000, user_items[users_1000], N=10, filter_already_liked_items=False), a.warmup, a.repeats)),
        "top10_all": summary(timed(lambda: model.recommend(everyone, user_items, N=10, filter_already_liked_items=False), a.warmup, a.repeats)),
        "top10_1000_filtered": summary(timed(lambda: model.recommend(users_1000, user_items[users_1000], N=10), a.warmup, a.repeats)),
        "top10_all_filtered": summary(timed(lambda: model.recommend(everyone, user_items, N=10), a.warmup, a.repeats)),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", required=True, help="the rustmf CLI (bundle/rustmf)")
    ap.add_argument("--input", default="synth:lfm1b:0.1")
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=6)
    ap.add_argument("--lambda", dest="lam", type=float, default=0.1)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default="results/python-api")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    work = os.path.join(a.out, "work")

    import rustmf

    devices = rustmf.gpu_devices()
    if not devices:
        sys.exit(f"no usable GPU: {rustmf._rustmf.gpu_devices()[1]}")
    cli_iterations = cli_train(a, work)
    user_items = load_csr(os.path.join(work, "csr"))
    n_users = user_items.shape[0]
    users_1000 = np.random.default_rng(a.seed).choice(n_users, min(1000, n_users), replace=False)
    cli = {
        "iteration": summary(cli_iterations),
        "top10_1000": cli_topk(a, work, users_1000, "cli_top10_1000"),
        "top10_all": cli_topk(a, work, np.arange(n_users), "cli_top10_all"),
    }
    model, python = python_side(a, user_items, users_1000)
    del model
    peer = implicit_side(a, user_items, users_1000)
    result = {
        "benchmark": "python_api",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "gpu": devices[0][1],
        "rustmf": rustmf.__version__,
        "revision": os.environ.get("RUSTMF_GIT_REV", "unknown"),
        "command": " ".join(sys.argv),
        "matrix": {"input": a.input, "users": n_users, "items": user_items.shape[1], "nnz": int(user_items.nnz)},
        "settings": {"factors": a.factors, "lambda": a.lam, "alpha": a.alpha, "cg_steps": 3, "iterations": a.iterations,
                     "warmup": a.warmup, "repeats": a.repeats, "k": 10},
        "cli": cli,
        "python": python,
        "implicit_gpu": peer,
    }
    rows = []
    for what in ("iteration", "fit_wall_per_iteration", "top10_1000", "top10_all", "top10_1000_filtered", "top10_all_filtered"):
        base = cli.get(what)
        for side, values in (("rustmf CLI", cli), ("rustmf Python", python), ("implicit GPU", peer)):
            m = values.get(what)
            if m is None:
                continue
            ratio = m["median_s"] / base["median_s"] if base and side != "rustmf CLI" else None
            rows.append((what, side, m["median_s"], m["min_s"], m["max_s"], m["n"], ratio))
    with open(os.path.join(a.out, "python_api.json.tmp"), "w") as f:
        json.dump(result, f, indent=1)
    os.replace(os.path.join(a.out, "python_api.json.tmp"), os.path.join(a.out, "python_api.json"))
    with open(os.path.join(a.out, "python_api.csv.tmp"), "w") as f:
        f.write("measure,side,median_s,min_s,max_s,n,ratio_to_cli\n")
        for r in rows:
            f.write(",".join("" if v is None else str(v) for v in r) + "\n")
    os.replace(os.path.join(a.out, "python_api.csv.tmp"), os.path.join(a.out, "python_api.csv"))
    print(f"== python_api on {devices[0][1]}: {a.input} ({n_users} x {user_items.shape[1]}, {user_items.nnz} nnz), f = {a.factors} ==")
    print(f"{'measure':<24} {'side':<15} {'median':>10} {'min':>10} {'max':>10} {'n':>3} {'/ CLI':>7}")
    for what, side, med, lo, hi, n, ratio in rows:
        r = "" if ratio is None else f"{ratio:.3f}"
        print(f"{what:<24} {side:<15} {med * 1e3:>8.2f}ms {lo * 1e3:>8.2f}ms {hi * 1e3:>8.2f}ms {n:>3} {r:>7}")
    if "skipped" in peer:
        print(f"implicit GPU: skipped ({peer['skipped']})")


if __name__ == "__main__":
    main()
