#!/usr/bin/env python3
"""The peers' side-car of `rustmf experiment run` (issue 18 item 3): other libraries on the same
data as rustmf's cases, called by the runner for a spec's `[peers]` entries.

    peers.py probe PEER           -> {"available": true|false, "reason": "...", "version": "..."}
    peers.py run PEER ARGS.json   -> {"status": "measured", "samples_s": [...], "params": {...},
                                      "extra": {...}}  or  {"status": "skipped", "reason": "..."}

The answer is the last line of stdout; messages go to stderr. Peers:
* implicit-cpu: `implicit`'s CPU ALS (Cholesky or CG with `cg_steps`), `threads` (0: all cores),
  BLAS limited to one thread (implicit's recommendation); per-iteration time from implicit's fit
  callback (both half-steps, no loss). ARGS: csr (the folder `io::export_csr` wrote), factors,
  lambda, alpha, solver, cg_steps, threads, iterations, warmup, seed.
* implicit-gpu: `implicit`'s GPU ALS (CG, its own step count), same ARGS.
* torch-topk: PyTorch on CUDA, `topk(users[batch] @ items.T, k)` on the factors rustmf's [infer]
  cases score (users.npy, items.npy); time per batch with CUDA synchronisation. ARGS: users_npy,
  items_npy, batch, k, warmup, repeats, seed.
implicit's confidence is `alpha * r` (rustmf: `1 + alpha * r`): the same work per iteration, other
values. Nothing here is measured unless the library imports; a missing one is a skip with the
reason (the runner records it so).
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

PEERS = ("implicit-cpu", "implicit-gpu", "torch-topk")


def probe(peer):
    """(available, reason, version)."""
    try:
        import numpy  # noqa: F401
    except ImportError as e:
        return False, f"numpy is not importable ({e})", None
    if peer.startswith("implicit"):
        try:
            import scipy  # noqa: F401
            import implicit
        except ImportError as e:
            return False, f"implicit is not importable ({e}); pip install implicit", None
        if peer == "implicit-cpu":
            try:
                import threadpoolctl  # noqa: F401
            except ImportError as e:
                return False, f"threadpoolctl is not importable ({e})", None
            return True, "", f"implicit {implicit.__version__}"
        try:
            import implicit.gpu
        except ImportError as e:
            return False, f"implicit.gpu is not importable ({e})", None
        if not implicit.gpu.HAS_CUDA:
            return False, f"implicit {implicit.__version__} was built without CUDA or finds no GPU", None
        return True, "", f"implicit {implicit.__version__} (GPU)"
    try:
        import torch
    except ImportError as e:
        return False, f"torch is not importable ({e})", None
    if not torch.cuda.is_available():
        return False, f"torch {torch.__version__} finds no CUDA device", None
    return True, "", f"torch {torch.__version__}"


def run_implicit(peer, a):
    from implicit_cpu import load_csr

    m = load_csr(a["csr"])
    times = []
    common = dict(
        factors=a["factors"], regularization=a["lambda"], alpha=a["alpha"], iterations=a["iterations"],
        calculate_training_loss=False, random_state=a["seed"],
    )
    if peer == "implicit-cpu":
        from threadpoolctl import threadpool_limits
        from implicit.cpu.als import AlternatingLeastSquares

        model = AlternatingLeastSquares(use_cg=(a["solver"] == "cg"), num_threads=a["threads"], **common)
        model.cg_steps = a["cg_steps"]  # not a constructor argument in implicit 0.7
        with threadpool_limits(1, "blas"):
            model.fit(m, show_progress=False, callback=lambda it, el, loss: times.append(el))
    else:
        from implicit.gpu.als import AlternatingLeastSquares

        model = AlternatingLeastSquares(**common)
        model.fit(m, show_progress=False, callback=lambda it, el, loss: times.append(el))
    samples = times[a["warmup"]:]
    params = {
        "csr": a["csr"], "input": a.get("input"), "n_users": m.shape[0], "n_items": m.shape[1],
        "nnz": int(m.nnz), "factors": a["factors"], "solver": a["solver"] if peer == "implicit-cpu" else "cg",
        "cg_steps": getattr(model, "cg_steps", None), "threads": a["threads"], "lambda": a["lambda"],
        "alpha": a["alpha"], "warmup_iterations": a["warmup"], "library": probe(peer)[2],
        "timing": "implicit's fit callback: seconds per iteration, both half-steps, no loss",
    }
    return samples, params, {}


def run_torch(a):
    import numpy as np
    import torch

    users = torch.from_numpy(np.load(a["users_npy"])).cuda()
    items = torch.from_numpy(np.load(a["items_npy"])).cuda()
    g = np.random.default_rng(a["seed"])
    rows = torch.from_numpy(g.integers(0, users.shape[0], a["batch"])).cuda()
    q = users[rows]
    k = a["k"]

    def once():
        return torch.topk(q @ items.T, k, dim=1)

    for _ in range(a["warmup"]):
        once()
    torch.cuda.synchronize()
    samples = []
    for _ in range(a["repeats"]):
        t = time.perf_counter()
        once()
        torch.cuda.synchronize()
        samples.append(time.perf_counter() - t)
    params = {
        "n_users": int(users.shape[0]), "n_items": int(items.shape[0]), "factors": int(items.shape[1]),
        "batch": a["batch"], "k": k, "library": probe("torch-topk")[2], "device": torch.cuda.get_device_name(0),
        "tf32_matmul": bool(torch.backends.cuda.matmul.allow_tf32),
        "timing": "wall time of mm + topk per batch, torch.cuda.synchronize() after each",
    }
    return samples, params, {}


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("probe", "run") or sys.argv[2] not in PEERS:
        sys.exit(f"usage: {sys.argv[0]} probe|run {'|'.join(PEERS)} [ARGS.json]")
    cmd, peer = sys.argv[1], sys.argv[2]
    ok, reason, version = probe(peer)
    if cmd == "probe":
        print(json.dumps({"available": ok, "reason": reason, "version": version}))
        return
    if not ok:
        print(json.dumps({"status": "skipped", "reason": reason}))
        return
    with open(sys.argv[3]) as fh:
        a = json.load(fh)
    samples, params, extra = run_torch(a) if peer == "torch-topk" else run_implicit(peer, a)
    print(f"{peer}: {len(samples)} samples", file=sys.stderr)
    print(json.dumps({"status": "measured", "samples_s": samples, "params": params, "extra": extra}))


if __name__ == "__main__":
    main()
