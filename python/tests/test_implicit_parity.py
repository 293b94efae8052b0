"""rustmf against the `implicit` library's CPU ALS (installed from PyPI), with the same start
factors and implicit's confidence convention (c = alpha * r): the factors agree to 1e-4."""

import numpy as np
import pytest

import rustmf

implicit_als = pytest.importorskip("implicit.cpu.als", reason="the implicit package is not installed")


@pytest.mark.filterwarnings("ignore:OpenBLAS is configured")
@pytest.mark.parametrize("alpha, values", [(2.0, (1, 10)), (0.5, (1, 4))])
def test_cholesky_factors_match_implicit(rng, alpha, values):
    from conftest import random_interactions
    from threadpoolctl import threadpool_limits

    user_items = random_interactions(rng, 250, 180, 10, values=values)
    start_users = rng.random((250, 12), dtype=np.float32) * 0.01
    start_items = rng.random((180, 12), dtype=np.float32) * 0.01
    theirs = implicit_als.AlternatingLeastSquares(
        factors=12, regularization=0.05, alpha=alpha, use_cg=False, iterations=4, random_state=1
    )
    theirs.user_factors, theirs.item_factors = start_users.copy(), start_items.copy()
    with threadpool_limits(1, "blas"):
        theirs.fit(user_items, show_progress=False)
    ours = rustmf.als.AlternatingLeastSquares(
        factors=12, regularization=0.05, alpha=alpha, use_cg=False, iterations=4, use_gpu=False,
        confidence="implicit",
    )
    ours.user_factors, ours.item_factors = start_users, start_items
    ours.fit(user_items, show_progress=False)
    np.testing.assert_allclose(ours.user_factors, theirs.user_factors, atol=1e-4, rtol=0)
    np.testing.assert_allclose(ours.item_factors, theirs.item_factors, atol=1e-4, rtol=0)
    # Their recommendations from our factors agree with ours (ties aside, scores to 1e-5).
    users = np.arange(20)
    ids, scores = ours.recommend(users, user_items[users], N=5)
    their_ids, their_scores = theirs.recommend(users, user_items[users], N=5)
    np.testing.assert_allclose(scores, their_scores, atol=1e-4)
