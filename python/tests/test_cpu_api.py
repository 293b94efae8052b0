"""The implicit-compatible API on the CPU: fit, recommend, similar, fold-in, save/load, against
numpy references on fresh random data."""

import numpy as np
import pytest

import rustmf
from reference import explicit_row, implicit_row, top_n


def fitted(user_items, **kwargs):
    settings = dict(factors=8, iterations=4, use_gpu=False, random_state=5)
    settings.update(kwargs)
    model = rustmf.als.AlternatingLeastSquares(**settings)
    model.fit(user_items, show_progress=False)
    return model


def test_fit_shapes_and_callback(user_items):
    seen = []
    model = rustmf.als.AlternatingLeastSquares(
        factors=6, iterations=3, use_gpu=False, random_state=1, calculate_training_loss=True
    )
    model.fit(user_items, show_progress=False, callback=lambda it, s, loss: seen.append((it, s, loss)))
    assert model.user_factors.shape == (300, 6) and model.item_factors.shape == (200, 6)
    assert model.user_factors.dtype == np.float32
    assert [it for it, _, _ in seen] == [0, 1, 2]
    losses = [loss for _, _, loss in seen]
    assert all(s > 0 for _, s, _ in seen)
    assert losses[-1] <= losses[0]
    assert len(model.training_report["iterations"]) == 3


def test_cholesky_fit_solves_the_normal_equations(user_items):
    model = fitted(user_items, use_cg=False, regularization=0.3, alpha=2.0, iterations=2)
    # The last half-step solved the items from the final user factors: check every item row.
    item_users = user_items.T.tocsr()
    for i in range(0, 200, 17):
        row = item_users[i]
        x = implicit_row(model.user_factors, row.indices, row.data, 0.3, 2.0)
        np.testing.assert_allclose(model.item_factors[i], x, rtol=2e-4, atol=2e-5)


def test_recommend_matches_brute_force(user_items, rng):
    model = fitted(user_items)
    scores = model.user_factors.astype(np.float64) @ model.item_factors.T.astype(np.float64)
    users = rng.choice(300, 20, replace=False)
    ids, got = model.recommend(users, user_items[users], N=7)
    assert ids.shape == (20, 7)
    for r, u in enumerate(users):
        expect = top_n(scores[u], 7, user_items[u].indices)
        np.testing.assert_array_equal(ids[r], expect)
        np.testing.assert_allclose(got[r], scores[u][expect], rtol=1e-5, atol=1e-6)
        one_ids, one_scores = model.recommend(int(u), user_items[u], N=7)
        np.testing.assert_array_equal(one_ids, ids[r])
    # The whole matrix in place of one row per user, and the training rows when None.
    np.testing.assert_array_equal(model.recommend(users, user_items, N=7)[0], ids)
    np.testing.assert_array_equal(model.recommend(users, None, N=7)[0], ids)


def test_recommend_filters_and_item_subsets(user_items, rng):
    model = fitted(user_items)
    scores = model.user_factors @ model.item_factors.T
    u = int(rng.integers(300))
    banned = rng.choice(200, 15, replace=False)
    ids, _ = model.recommend(u, user_items[u], N=10, filter_items=banned)
    np.testing.assert_array_equal(ids, top_n(scores[u], 10, set(user_items[u].indices) | set(banned)))
    subset = rng.choice(200, 40, replace=False)
    ids, _ = model.recommend(u, user_items[u], N=10, items=subset, filter_already_liked_items=False)
    order = top_n(scores[u][subset], 10)
    np.testing.assert_array_equal(ids, subset[order])
    ids, _ = model.recommend(u, user_items[u], N=500, filter_already_liked_items=False)
    assert len(ids) == 200


def test_similar_items_and_users_by_cosine(user_items, rng):
    model = fitted(user_items)
    for factors, call in ((model.item_factors, model.similar_items), (model.user_factors, model.similar_users)):
        unit = factors / np.linalg.norm(factors, axis=1, keepdims=True)
        q = int(rng.integers(factors.shape[0]))
        ids, scores = call(q, N=6)
        cos = unit.astype(np.float64) @ unit[q].astype(np.float64)
        np.testing.assert_array_equal(ids, top_n(cos, 6))
        assert ids[0] == q
        np.testing.assert_allclose(scores, cos[ids], atol=1e-5)


def test_recalculate_user_and_item_solve_exactly(user_items, rng):
    model = fitted(user_items, regularization=0.2, alpha=3.0)
    for u in rng.choice(300, 5, replace=False):
        row = user_items[u]
        x = model.recalculate_user(int(u), row)
        np.testing.assert_allclose(x, implicit_row(model.item_factors, row.indices, row.data, 0.2, 3.0), rtol=2e-4, atol=2e-5)
    item_users = user_items.T.tocsr()
    y = model.recalculate_item(np.array([3, 9]), item_users[[3, 9]])
    np.testing.assert_allclose(y[1], implicit_row(model.user_factors, item_users[9].indices, item_users[9].data, 0.2, 3.0), rtol=2e-4, atol=2e-5)
    # recommend(recalculate_user=True) scores with the folded-in factors.
    u = int(rng.integers(300))
    ids, scores = model.recommend(u, user_items[u], N=5, recalculate_user=True)
    x = model.recalculate_user(u, user_items[u])
    np.testing.assert_array_equal(ids, top_n(model.item_factors @ x, 5, user_items[u].indices))


def test_save_and_load_round_trip(user_items, tmp_path):
    model = fitted(user_items, alpha=2.5, regularization=0.07, confidence="log", eps=2.0)
    model.save(tmp_path / "m")
    back = rustmf.als.AlternatingLeastSquares.load(tmp_path / "m")
    assert not back.use_gpu  # f = 8: no GPU kernels for it
    np.testing.assert_array_equal(back.user_factors, model.user_factors)
    np.testing.assert_array_equal(back.item_factors, model.item_factors)
    assert (back.factors, back.alpha, back.confidence, back.eps) == (8, 2.5, "log", 2.0)
    assert back.regularization == pytest.approx(0.07)
    np.testing.assert_array_equal(back.recommend(np.arange(10))[0], model.recommend(np.arange(10))[0])
    # Saving again replaces the folder as a whole; a changed file is refused when loading.
    model.user_factors = model.user_factors * 2
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(rustmf.als.load(tmp_path / "m").user_factors, model.user_factors)
    npy = tmp_path / "m" / "user_factors.npy"
    data = bytearray(npy.read_bytes())
    data[-1] ^= 0xFF
    npy.write_bytes(bytes(data))
    with pytest.raises(Exception, match="user_factors.npy"):
        rustmf.als.load(tmp_path / "m")


def test_callback_exception_stops_training_and_keeps_the_model(user_items):
    model = fitted(user_items, iterations=2)
    before = model.user_factors.copy()

    def stop(iteration, seconds, loss):
        if iteration == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.fit(user_items, show_progress=False, callback=stop)
    np.testing.assert_array_equal(model.user_factors, before)


def test_explicit_model(user_items, rng):
    ratings = user_items.copy()
    ratings.data = rng.integers(1, 6, ratings.nnz).astype(np.float32)
    model = rustmf.als.ExplicitAlternatingLeastSquares(factors=6, iterations=6, use_gpu=False, random_state=3)
    model.fit(ratings, show_progress=False)
    coo = ratings.tocoo()
    pred = model.predict(coo.row, coo.col)
    np.testing.assert_allclose(pred, np.einsum("ij,ij->i", model.user_factors[coo.row], model.item_factors[coo.col]), rtol=1e-6)
    assert rustmf.evaluation.rmse(model, ratings) < np.std(ratings.data) + np.mean(ratings.data)
    item_users = ratings.T.tocsr()
    i = int(rng.integers(200))
    x = explicit_row(model.user_factors, item_users[i].indices, item_users[i].data, 0.05)
    np.testing.assert_allclose(model.item_factors[i], x, rtol=2e-4, atol=2e-5)


def test_split_and_metrics(user_items):
    train, test = rustmf.evaluation.train_test_split(user_items, 0.75, random_state=4)
    assert train.shape == test.shape == user_items.shape
    assert train.multiply(test).nnz == 0
    assert (train + test - user_items).count_nonzero() == 0
    model = fitted(train)
    m = rustmf.evaluation.ranking_metrics_at_k(model, train, test, K=5)
    # precision@5 recomputed from recommend().
    users = np.unique(test.nonzero()[0])
    ids, _ = model.recommend(users, train[users], N=5)
    hits = [len(set(ids[r]) & set(test[u].indices)) for r, u in enumerate(users)]
    assert m["users"] == len(users)
    assert m["precision"] == pytest.approx(np.mean(hits) / 5, abs=1e-9)
    assert rustmf.evaluation.precision_at_k(model, train, test, K=5) == m["precision"]
    for key in ("map", "ndcg", "recall"):
        assert 0.0 <= m[key] <= 1.0


def test_partial_fit_updates_and_adds_users_and_items(user_items, rng, tmp_path):
    model = fitted(user_items, use_cg=False, regularization=0.2, alpha=2.0)
    items_before = model.item_factors.copy()
    new_rows = user_items[[5, 6]]
    model.partial_fit_users(np.array([3, 302]), new_rows)
    assert model.user_factors.shape == (303, 8)
    np.testing.assert_array_equal(model.user_factors[301], np.zeros(8, np.float32))
    for r, u in enumerate([3, 302]):
        x = implicit_row(items_before, new_rows[r].indices, new_rows[r].data, 0.2, 2.0)
        np.testing.assert_allclose(model.user_factors[u], x, rtol=2e-4, atol=2e-5)
    # The new rows are what recommend leaves out for them now, and the model saves and loads.
    ids, _ = model.recommend(302, N=200)
    assert not set(ids) & set(new_rows[1].indices)
    model.save(tmp_path / "m")
    assert rustmf.als.load(tmp_path / "m").user_factors.shape == (303, 8)
    row = sp_rows(user_items, 7, 303)
    model.partial_fit_items([200], row)
    assert model.item_factors.shape == (201, 8)
    x = implicit_row(model.user_factors, row.indices, row.data, 0.2, 2.0)
    np.testing.assert_allclose(model.item_factors[200], x, rtol=2e-4, atol=2e-5)
    with pytest.raises(ValueError, match="one per id"):
        model.partial_fit_users([1, 2], new_rows[:1])


def sp_rows(user_items, item, n_users):
    """Item `item`'s users as one row over `n_users` columns."""
    import scipy.sparse as sp

    col = user_items.T.tocsr()[item]
    return sp.csr_matrix((col.data, col.indices, [0, col.nnz]), shape=(1, n_users))
