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
        return os.path.abspath(os.environ["RUSTMF_CLI"])
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


def test_a_cli_model_with_string_ids_recommends_the_same_in_python(tmp_path, rng):
    users = [f"user_{i}" for i in range(60)]
    films = [f"film_{j}" for j in range(45)]
    lines = ["userId,movieId,rating"]
    for u in users:
        for j in rng.choice(len(films), int(rng.integers(3, 15)), replace=False):
            lines.append(f"{u},{films[j]},{rng.integers(1, 6)}.0")
    (tmp_path / "ratings.csv").write_text("\n".join(lines) + "\n")
    run = lambda *args: subprocess.run([cli(), *args], check=True, capture_output=True, text=True, cwd=tmp_path)
    run("data", "convert", "ratings.csv", "--format", "triplets", "--header", "--string-ids", "-o", "ratings.st")
    run("train", "--input", "ratings.st", "--explicit", "--factors", "8", "--iterations", "5", "--out", "model")
    asked = [users[i] for i in rng.choice(len(users), 4, replace=False)]
    import json

    expected = json.loads(run("recommend", "--model", "model", "--users", ",".join(asked), "--k", "5", "--json").stdout)
    model = rustmf.als.load(tmp_path / "model").to_cpu()
    assert isinstance(model, rustmf.als.ExplicitAlternatingLeastSquares)
    for rec in expected["recommendations"]:
        ids, scores = model.recommend(model.user_index(rec["user"]), N=5)
        assert [model.item_ids[i] for i in ids] == rec["items"]
        np.testing.assert_allclose(scores, rec["scores"], rtol=1e-6)
    with pytest.raises(KeyError, match="nobody.*is not in the model"):
        model.user_index("nobody")
