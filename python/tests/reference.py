"""numpy references the tests compare rustmf against: brute-force top-N and the ALS normal
equations of one row."""

import numpy as np


def top_n(scores, n, exclude=()):
    """Indices of the n best scores, ties by the lower index, leaving out `exclude`."""
    scores = np.asarray(scores, dtype=np.float64).copy()
    candidates = np.setdiff1d(np.arange(len(scores)), np.asarray(list(exclude), dtype=np.int64))
    order = sorted(candidates, key=lambda i: (-scores[i], i))
    return np.array(order[:n], dtype=np.int64)


def implicit_row(fixed, items, values, regularization, alpha, confidence="linear"):
    """argmin of the implicit-feedback objective of one row given the other side's factors:
    (YᵀY + Σ (c−1) y yᵀ + λI) x = Σ c y, with c = 1 + αr ("linear") or αr ("implicit")."""
    y = fixed.astype(np.float64)
    c = alpha * np.asarray(values, dtype=np.float64)
    if confidence == "linear":
        c = 1.0 + c
    a = y.T @ y + regularization * np.eye(y.shape[1])
    yi = y[items]
    a += (yi * (c - 1.0)[:, None]).T @ yi
    b = (yi * c[:, None]).sum(axis=0)
    return np.linalg.solve(a, b)


def explicit_row(fixed, items, values, regularization):
    """Weighted-λ: (Σ y yᵀ + λ n I) x = Σ r y."""
    yi = fixed[items].astype(np.float64)
    a = yi.T @ yi + regularization * len(items) * np.eye(fixed.shape[1])
    return np.linalg.solve(a, (yi * np.asarray(values, dtype=np.float64)[:, None]).sum(axis=0))
