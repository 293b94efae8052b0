"""Evaluation helpers with the names of `implicit.evaluation`, over rustmf's Rust metrics (the ones
`rustmf eval` and training report).

Definitions (means over the users with at least one positive test entry; each user's list is the
top K of the items not in their training row, ranked on the CPU):

* precision@K = hits / K
* recall@K = hits / min(K, relevant)  (what `implicit` calls precision, averaged per user here,
  where `implicit` sums hits and denominators over users first)
* MAP@K: average precision at each hit, over min(K, relevant)
* NDCG@K: binary gains, log2 discounts, over the ideal DCG of min(K, relevant) hits

`train_test_split` holds out a share of every user's interactions (rustmf's per-user split,
`rustmf train --test-fraction`), where `implicit` draws entries uniformly over the whole matrix:
every user with two or more interactions keeps at least one in train and one in test.
"""

import json

import numpy as np
import scipy.sparse as sp

from . import _rustmf
from .als import _arrays, _seed_of


def train_test_split(ratings, train_percentage=0.8, random_state=None):
    """(train, test) CSR matrices of `ratings`' shape: round((1 - train_percentage) * n) of each
    user's n interactions (at most n - 1) go to test, chosen at random (seeded by random_state)."""
    if not 0.0 < train_percentage < 1.0:
        raise ValueError(f"train_percentage must be in (0, 1), got {train_percentage}")
    shape = ratings.shape
    train, test = _rustmf.holdout(_arrays(ratings, "ratings"), 1.0 - train_percentage, _seed_of(random_state))
    return tuple(sp.csr_matrix((data, indices, indptr), shape=shape) for indptr, indices, data in (train, test))


def ranking_metrics_at_k(model, train_user_items, test_user_items, K=10, show_progress=True, num_threads=1):
    """{'k', 'precision', 'recall', 'map', 'ndcg', 'coverage', 'users'} of `model` at K (see the
    module's definitions). `show_progress` and `num_threads` are accepted for `implicit`'s
    signature; the metrics run on all cores."""
    model._check_fitted()
    metrics = _rustmf.ranking_metrics(
        model.user_factors,
        model.item_factors,
        _arrays(train_user_items, "train_user_items"),
        _arrays(test_user_items, "test_user_items"),
        int(K),
    )
    return json.loads(metrics)


def precision_at_k(model, train_user_items, test_user_items, K=10, show_progress=True, num_threads=1):
    """Mean precision@K = hits / K."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["precision"]


def mean_average_precision_at_k(model, train_user_items, test_user_items, K=10, show_progress=True, num_threads=1):
    """MAP@K."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["map"]


def ndcg_at_k(model, train_user_items, test_user_items, K=10, show_progress=True, num_threads=1):
    """NDCG@K."""
    return ranking_metrics_at_k(model, train_user_items, test_user_items, K)["ndcg"]


def rmse(model, test_ratings):
    """Root-mean-square error of an explicit model's predictions on the stored test ratings."""
    test = test_ratings.tocoo()
    if test.nnz == 0:
        raise ValueError("test_ratings has no entries")
    predicted = model.predict(test.row, test.col)
    return float(np.sqrt(np.mean((predicted.astype(np.float64) - test.data) ** 2)))
