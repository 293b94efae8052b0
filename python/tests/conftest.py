"""Shared fixtures: fresh random interaction matrices (a new seed per run, printed so a failure can
be replayed with RUSTMF_TEST_SEED), and the `gpu` marker: GPU tests are skipped where no GPU can
be used, and fail instead when RUSTMF_REQUIRE_GPU=1 (the GPU host's bundle run sets it)."""

import os
import zlib

import numpy as np
import pytest
import scipy.sparse as sp

import rustmf

SEED = int(os.environ.get("RUSTMF_TEST_SEED", np.random.SeedSequence().entropy % 2**32))


def pytest_report_header(config):
    devices, reason = rustmf._rustmf.gpu_devices()
    gpu = ", ".join(f"{name} (sm_{a}{b})" for _, name, (a, b) in devices) or f"none ({reason})"
    return [f"rustmf {rustmf.__version__}: random seed {SEED} (replay with RUSTMF_TEST_SEED={SEED}); GPU: {gpu}"]


def pytest_collection_modifyitems(config, items):
    if rustmf.has_gpu() or os.environ.get("RUSTMF_REQUIRE_GPU") == "1":
        return
    skip = pytest.mark.skip(reason="no usable GPU (NVIDIA driver + CUDA 13 libraries + device)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs a GPU (skipped without one)")


def random_interactions(rng, n_users, n_items, per_user, values=(1, 10)):
    """A users x items CSR matrix with about `per_user` distinct items per user, integer values in
    [values[0], values[1]) as float32, every user and every item present at least once."""
    rows, cols = [], []
    for u in range(n_users):
        k = int(rng.integers(1, 2 * per_user))
        items = rng.choice(n_items, size=min(k, n_items), replace=False)
        rows.append(np.full(len(items), u))
        cols.append(items)
    rows.append(rng.integers(0, n_users, n_items))
    cols.append(np.arange(n_items))
    r, c = np.concatenate(rows), np.concatenate(cols)
    m = sp.csr_matrix((np.ones(len(r), np.float32), (r, c)), shape=(n_users, n_items))
    m.sum_duplicates()
    m.data = rng.integers(values[0], values[1], m.nnz).astype(np.float32)
    return m


@pytest.fixture
def rng(request):
    return np.random.default_rng([SEED, zlib.crc32(request.node.name.encode())])


@pytest.fixture
def user_items(rng):
    return random_interactions(rng, 300, 200, 12)
