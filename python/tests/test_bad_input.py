"""Bad input raises a clear Python exception (never a crash) naming what is wrong and where."""

import numpy as np
import pytest
import scipy.sparse as sp

import rustmf


def model(**kwargs):
    settings = dict(factors=4, iterations=1, use_gpu=False, random_state=0)
    settings.update(kwargs)
    return rustmf.als.AlternatingLeastSquares(**settings)


@pytest.fixture
def trained(user_items):
    m = model()
    m.fit(user_items, show_progress=False)
    return m


def test_inputs_that_are_not_sparse_or_not_numbers(user_items):
    with pytest.raises(TypeError, match="scipy.sparse"):
        model().fit(user_items.toarray(), show_progress=False)
    with pytest.raises(TypeError, match="dtype"):
        model().fit(user_items.astype(np.complex64), show_progress=False)


def test_nan_is_named_by_row_and_column(user_items):
    bad = user_items.copy()
    row = 7
    bad.data[bad.indptr[row]] = np.nan
    col = bad.indices[bad.indptr[row]]
    with pytest.raises(ValueError, match=f"row {row}, column {col}: the value is NaN"):
        model().fit(bad, show_progress=False)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"factors": 0}, "factors must be at least 1"),
        ({"iterations": 0}, "iterations must be at least 1"),
        ({"regularization": -1.0}, "lambda must be finite and ≥ 0"),
        ({"solver": "qr"}, "unknown solver"),
        ({"hermitian": "v42"}, "hermitian"),
        ({"use_gpu": False, "solver": "cublas-lu"}, "GPU solver"),
    ],
)
def test_bad_settings(user_items, settings, message):
    with pytest.raises(ValueError, match=message):
        model(**settings).fit(user_items, show_progress=False)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="float32"):
        model(dtype=np.float64)
    with pytest.raises(ValueError, match="confidence"):
        model(confidence="square")
    for bad in [0, -5, "lots"]:
        with pytest.raises(ValueError, match="gpu_memory"):
            model(gpu_memory=bad)


def test_start_factors_of_the_wrong_shape(user_items):
    m = model()
    m.user_factors = np.zeros((3, 4), np.float32)
    m.item_factors = np.zeros((200, 4), np.float32)
    with pytest.raises(ValueError, match="user_factors is 3×4, the model needs 300×4"):
        m.fit(user_items, show_progress=False)


def test_bad_recommend_requests(trained, user_items):
    with pytest.raises(IndexError, match="userid 300 is out of range"):
        trained.recommend(300, user_items[0])
    with pytest.raises(IndexError, match="userid -1"):
        trained.recommend(np.array([0, -1]))
    with pytest.raises(TypeError, match="integer"):
        trained.recommend(np.array([0.5]))
    with pytest.raises(ValueError, match="N must be at least 1"):
        trained.recommend(0, user_items[0], N=0)
    with pytest.raises(ValueError, match="largest supported k"):
        big = rustmf.als.AlternatingLeastSquares(factors=2, iterations=1, use_gpu=False, random_state=0)
        big.fit(sp.random(5, 2000, density=0.01, format="csr", random_state=0, dtype=np.float32) + sp.eye(5, 2000, format="csr", dtype=np.float32), show_progress=False)
        big.recommend(0, N=1500, filter_already_liked_items=False)
    with pytest.raises(ValueError, match="one row per requested id"):
        trained.recommend(np.array([0, 1]), user_items[:5])
    with pytest.raises(IndexError, match="filter_items 999"):
        trained.recommend(0, user_items[0], filter_items=[999])
    with pytest.raises(ValueError, match="no factors yet"):
        model().recommend(0)
    with pytest.raises(ValueError, match="no training report"):
        model().training_report


def test_nan_factors_are_refused_when_scoring(trained):
    trained.item_factors = np.full_like(trained.item_factors, np.nan)
    with pytest.raises(ValueError, match=r"item_factors\[0, 0\] is NaN"):
        trained.recommend(0)


def test_missing_folders_and_gpus(tmp_path, user_items):
    with pytest.raises(OSError):
        rustmf.als.load(tmp_path / "nothing-here")
    if rustmf.has_gpu():
        return
    with pytest.raises(rustmf.GpuError, match="CUDA driver|GPU"):
        model(factors=32, use_gpu=True, solver="cholesky").fit(user_items, show_progress=False)
    with pytest.raises(rustmf.GpuError):
        model().to_gpu()
    with pytest.raises(ValueError, match="CPU only"):
        model(factors=32, use_gpu=True, confidence="implicit").fit(user_items, show_progress=False)
    with pytest.raises(ValueError, match="GPU kernels are built for factors in"):
        model(factors=4, use_gpu=True).fit(user_items, show_progress=False)


def test_scorer_checks_the_rows_it_leaves_out():
    import types

    scorer = rustmf._rustmf.Scorer(np.eye(4, 3, dtype=np.float32), "cpu1")
    queries = np.ones((2, 3), np.float32)

    def rows(indptr, indices, n_cols=4):
        return types.SimpleNamespace(
            indptr=np.array(indptr, np.int64), indices=np.array(indices, np.int32),
            data=np.ones(len(indices), np.float32), n_cols=n_cols,
        )

    ids, _ = scorer.top_k(queries, 2, exclude=rows([0, 1, 3], [0, 1, 2]))
    assert ids.tolist() == [[1, 2], [0, 3]]
    with pytest.raises(ValueError, match="user_items row 1: items are not sorted"):
        scorer.top_k(queries, 2, exclude=rows([0, 1, 3], [0, 2, 1]))
    with pytest.raises(ValueError, match="user_items row 0: item 7 is out of range"):
        scorer.top_k(queries, 2, exclude=rows([0, 1, 1], [7]))
    with pytest.raises(ValueError, match="one row per query"):
        scorer.top_k(queries, 2, exclude=rows([0, 1], [0]))
    with pytest.raises(ValueError, match="indptr decreases at row 1"):
        scorer.top_k(queries, 2, exclude=rows([0, 2, 1], [0]))
