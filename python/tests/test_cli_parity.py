"""The same model trained through Python and through the CLI (`rustmf train`): identical factors.
The CLI is $RUSTMF_CLI, else the repository's target/{release,debug}/rustmf."""

import os
import pathlib
import subprocess

import numpy as np
import pytest
import scipy.sparse as sp

import rustmf


def cli():
    if os.environ.get("RUSTMF_CLI"):
        return os.environ["RUSTMF_CLI"]
    root = pathlib.Path(__file__).resolve().parents[2]
    for profile in ("release", "debug"):
        path = root / "target" / profile / "rustmf"
        if path.exists():
            return str(path)
    pytest.fail("no rustmf CLI: build it (cargo build --bin rustmf) or set RUSTMF_CLI")


@pytest.mark.parametrize("solver, use_cg", [("cholesky", False), ("cg", True)])
def test_python_and_cli_train_the_same_factors(tmp_path, solver, use_cg):
    args = [
        cli(), "train", "--device", "cpu", "--input", "shaped:netflix:0.0004", "--implicit", "--factors", "10",
        "--iterations", "3", "--solver", solver, "--lambda", "0.1", "--alpha", "2", "--seed", "11",
        "--no-objective", "--out", str(tmp_path / "model"), "--export-csr", str(tmp_path / "csr"),
    ]
    subprocess.run(args, check=True, capture_output=True)
    csr = tmp_path / "csr"
    shape = tuple(int(x) for x in (np.load(csr / "indptr.npy").shape[0] - 1,))
    import json

    dims = json.loads((csr / "shape.json").read_text())
    user_items = sp.csr_matrix(
        (np.load(csr / "data.npy"), np.load(csr / "indices.npy"), np.load(csr / "indptr.npy")),
        shape=(dims["rows"], dims["cols"]),
    )
    assert user_items.shape[0] == shape[0]
    ours = rustmf.als.AlternatingLeastSquares(
        factors=10, iterations=3, regularization=0.1, alpha=2.0, use_cg=use_cg, use_gpu=False, random_state=11
    )
    ours.fit(user_items, show_progress=False)
    theirs = rustmf.als.load(tmp_path / "model")
    np.testing.assert_array_equal(ours.user_factors, theirs.user_factors)
    np.testing.assert_array_equal(ours.item_factors, theirs.item_factors)
