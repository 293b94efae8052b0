"""ALS models with the API of `implicit.als` (0.7): `AlternatingLeastSquares` (implicit feedback,
Hu, Koren & Volinsky 2008) and `ExplicitAlternatingLeastSquares` (ratings, weighted-λ ALS), on
rustmf's GPU kernels or its CPU reference.

Where rustmf differs from `implicit` (everything else has the same name, default and meaning):

* Confidence: rustmf's default is c = 1 + alpha * r (Hu et al.); `confidence="implicit"` uses
  `implicit`'s c = alpha * r (CPU only: the GPU kernels need c >= 1).
* Start point: factors drawn from N(0, 0.1^2 / factors) by rustmf's seeded generator (the CLI's
  `--seed`), not `implicit`'s uniform * 0.01; as in `implicit`, factors already set (both of them)
  are the start point instead.
* `similar_items` / `similar_users` rank by the cosine of the factors, the item itself included
  (as `implicit` does).
* Batched `recommend` returns N columns per user, padded with id -1 and score -inf where a user
  has fewer than N candidate items; N is at most 1024.
* `calculate_training_loss` reports rustmf's objective (the weighted squared error plus the
  regularisation, not normalised).
* `save` / `load` write and read a model folder (the one `rustmf train --out` writes: checksummed,
  replaced as a whole), not an .npz file.
"""

import json
import sys
import types

import numpy as np
import scipy.sparse as sp

from . import _rustmf

_CONFIDENCE = {"linear": "linear", "log": "log", "proportional": "implicit"}


def _seed_of(random_state):
    """An integer seed from `random_state` (None: a fresh one), as `implicit` accepts it."""
    if random_state is None:
        return int(np.random.default_rng().integers(0, 2**63))
    if isinstance(random_state, (int, np.integer)):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63))
    raise TypeError(f"random_state must be None, an int, a RandomState or a Generator, got {type(random_state).__name__}")


def _csr(matrix, what):
    """`matrix` as a scipy CSR matrix in canonical form (sorted, no duplicates); copied only when
    it is not CSR or not canonical."""
    if not sp.issparse(matrix):
        raise TypeError(f"{what} must be a scipy.sparse matrix (CSR), got {type(matrix).__name__}")
    if matrix.format != "csr":
        matrix = matrix.tocsr()
    if not matrix.has_canonical_format:
        matrix = matrix.copy()
        matrix.sum_duplicates()
    if matrix.dtype.kind not in "biuf":
        raise TypeError(f"{what} has dtype {matrix.dtype}; it needs numbers")
    return matrix


def _arrays(matrix, what):
    """The CSR arrays the Rust side takes (views where the dtypes already match)."""
    m = _csr(matrix, what)
    if m.shape[1] >= 2**31:
        raise ValueError(f"{what} has {m.shape[1]} columns; at most 2^31 - 1 are supported")
    return types.SimpleNamespace(
        indptr=np.ascontiguousarray(m.indptr, dtype=np.int64),
        indices=np.ascontiguousarray(m.indices, dtype=np.int32),
        data=np.ascontiguousarray(m.data, dtype=np.float32),
        n_cols=m.shape[1],
    )


def _ids(ids, n, what):
    """`ids` (one or many) as an int64 array, each in 0..n."""
    a = np.atleast_1d(np.asarray(ids))
    if a.ndim != 1 or (a.size and a.dtype.kind not in "iu"):
        raise TypeError(f"{what} must be an integer or a 1-d array of integers, got {a.dtype} with shape {a.shape}")
    a = a.astype(np.int64, copy=False)
    bad = (a < 0) | (a >= n)
    if bad.any():
        raise IndexError(f"{what} {a[bad][0]} is out of range (0..{n})")
    return a


def _new_ids(ids, what):
    """`ids` (one or many) as an int64 array of ids >= 0 (they may be past the model's end)."""
    a = np.atleast_1d(np.asarray(ids))
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise TypeError(f"{what} must be an integer or a 1-d array of integers, got {a.dtype} with shape {a.shape}")
    a = a.astype(np.int64, copy=False)
    if (a < 0).any():
        raise IndexError(f"{what} {a[a < 0][0]} is negative")
    return a


def _one_row_each(matrix, ids, what):
    rows = _csr(matrix, what)
    if rows.shape[0] != len(ids):
        raise ValueError(f"{what} has {rows.shape[0]} rows: it needs one per id ({len(ids)})")
    if len(np.unique(ids)) != len(ids):
        raise ValueError(f"the ids for {what} repeat: give each row once")
    return rows


def _with_rows(factors, ids, rows):
    """`factors` with rows `ids` set to `rows`, grown with zero rows to cover every id."""
    n = max(factors.shape[0], int(ids.max()) + 1)
    out = np.zeros((n, factors.shape[1]), dtype=np.float32)
    out[: factors.shape[0]] = factors
    out[ids] = rows
    return out


def _normalized(factors):
    norms = np.linalg.norm(factors, axis=1, keepdims=True)
    return np.ascontiguousarray(factors / np.maximum(norms, np.finfo(np.float32).tiny), dtype=np.float32)


class _Progress:
    """tqdm's bar where tqdm is installed, else one line per iteration on stderr."""

    def __init__(self, total, show):
        self.bar = None
        self.show = show
        if show:
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, unit="it")
            except ImportError:
                pass
        self.total = total

    def update(self, iteration, seconds, loss):
        if self.bar is not None:
            self.bar.update(1)
            if loss is not None:
                self.bar.set_postfix(loss=f"{loss:.6g}")
        elif self.show:
            tail = "" if loss is None else f"  loss {loss:.6g}"
            print(f"iteration {iteration + 1}/{self.total}  {seconds:.3f} s{tail}", file=sys.stderr)

    def close(self):
        if self.bar is not None:
            self.bar.close()


class _FactorMatrix:
    """A factor matrix attribute: stored C-contiguous float32 (in `_<name>`); setting one drops
    the model's cached scorers and normalised factors."""

    def __init__(self, doc):
        self.__doc__ = doc

    def __set_name__(self, owner, name):
        self.slot = "_" + name

    def __get__(self, model, owner=None):
        return self if model is None else getattr(model, self.slot)

    def __set__(self, model, value):
        setattr(model, self.slot, None if value is None else np.ascontiguousarray(value, dtype=np.float32))
        model._cache.clear()


class _AlsBase:
    """What both models share: fitting, recommending, similarity, fold-in, model folders."""

    _implicit = True

    def __init__(
        self,
        factors,
        regularization,
        alpha,
        dtype,
        use_cg,
        use_gpu,
        iterations,
        calculate_training_loss,
        num_threads,
        random_state,
        confidence,
        eps,
        solver,
        cg_steps,
        hermitian,
        fp16,
        scorer,
        gpu_memory,
    ):
        if np.dtype(dtype) != np.float32:
            raise ValueError(f"dtype must be float32 (rustmf computes in fp32; fp16=True stores A in fp16), got {dtype}")
        if confidence not in ("linear", "log", "implicit"):
            raise ValueError(f"confidence must be 'linear', 'log' or 'implicit', got {confidence!r}")
        if gpu_memory is not None and not (isinstance(gpu_memory, (int, float)) and gpu_memory >= 1):
            raise ValueError(f"gpu_memory must be a number of bytes >= 1 (e.g. 20e9) or None, got {gpu_memory!r}")
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.dtype = np.float32
        self.use_cg = use_cg
        self.use_gpu = (_rustmf_has_gpu() and factors in _rustmf.GPU_FACTORS) if use_gpu is None else bool(use_gpu)
        self.iterations = iterations
        self.calculate_training_loss = calculate_training_loss
        self.num_threads = num_threads
        self.random_state = random_state
        self.confidence = confidence
        self.eps = eps
        self.solver = solver
        self.cg_steps = cg_steps
        self.hermitian = hermitian
        self.fp16 = fp16
        self.scorer = scorer
        self.gpu_memory = gpu_memory
        self._user_factors = None
        self._item_factors = None
        self._model = None
        # Scorers and normalised factors, dropped whenever a factor matrix is replaced.
        self._cache = {}

    # -- factors -------------------------------------------------------------------------------

    user_factors = _FactorMatrix("Users x factors, float32, on the host (numpy).")
    item_factors = _FactorMatrix("Items x factors, float32, on the host (numpy).")

    # -- training ------------------------------------------------------------------------------

    def _solver_name(self):
        if self.solver is not None:
            return self.solver
        if not self.use_cg:
            return "cholesky"
        return "auto" if self.use_gpu else "cg"

    def _settings(self, seed=0):
        return {
            "factors": int(self.factors),
            "iterations": int(self.iterations),
            "regularization": float(self.regularization),
            "alpha": float(self.alpha),
            "implicit": self._implicit,
            "confidence": self.confidence,
            "eps": float(self.eps),
            "solver": self._solver_name(),
            "cg_steps": int(self.cg_steps),
            "device": "gpu" if self.use_gpu else "cpu",
            "threads": int(self.num_threads),
            "hermitian": self.hermitian,
            "fp16": bool(self.fp16),
            "seed": seed,
            "calculate_training_loss": bool(self.calculate_training_loss),
            "gpu_memory": None if self.gpu_memory is None else int(self.gpu_memory),
        }

    def _check_gpu_factors(self, factors):
        if self.use_gpu and factors not in _rustmf.GPU_FACTORS:
            raise ValueError(
                f"the GPU kernels are built for factors in {tuple(_rustmf.GPU_FACTORS)}, not {factors}: "
                "choose one of those or use_gpu=False"
            )

    def fit(self, user_items, show_progress=True, callback=None):
        """Factorise `user_items` (scipy CSR, users x items). Starts from the factors already set
        when both are, else from rustmf's start point for `random_state`. `callback(iteration,
        seconds, loss)` runs after each iteration; an exception it raises (or Ctrl-C) stops
        training and is raised here, leaving the model as it was."""
        if self.use_gpu and self.confidence == "implicit":
            raise ValueError("confidence='implicit' (c = alpha * r) runs on the CPU only: use use_gpu=False")
        self._check_gpu_factors(self.factors)
        arrays = _arrays(user_items, "user_items")
        start = {}
        if self._user_factors is not None and self._item_factors is not None:
            start = {"user_factors": self._user_factors, "item_factors": self._item_factors}
        progress = _Progress(self.iterations, show_progress)

        def on_iteration(iteration, seconds, loss):
            progress.update(iteration, seconds, loss)
            if callback is not None:
                callback(iteration, seconds, loss)

        try:
            users, items, model = _rustmf.fit(
                arrays, self._settings(_seed_of(self.random_state)), callback=on_iteration, **start
            )
        finally:
            progress.close()
        self._user_factors, self._item_factors, self._model = users, items, model
        self._cache.clear()

    @property
    def training_report(self):
        """The last fit's (or the loaded model's) per-iteration times and losses, as a dict."""
        if self._model is None:
            raise ValueError("no training report: the model was not fitted or loaded")
        return json.loads(self._model.info_json)["training"]

    # -- recommending --------------------------------------------------------------------------

    def _check_fitted(self):
        if self._user_factors is None or self._item_factors is None:
            raise ValueError("the model has no factors yet: call fit() or load() first")

    def _scorer_name(self):
        if self.scorer is not None:
            return self.scorer
        self._check_gpu_factors(self._item_factors.shape[1])
        return "gpu-fused" if self.use_gpu else "cpu-mt"

    def _scorer_over(self, key, factors):
        """The scorer over `factors`, kept open while the factors stay the same (key names them)."""
        if key is None:
            return _rustmf.Scorer(factors, self._scorer_name(), self.num_threads)
        if key not in self._cache:
            self._cache[key] = _rustmf.Scorer(factors, self._scorer_name(), self.num_threads)
        return self._cache[key]

    def _rows_for(self, ids, rows, n_model_rows, what):
        """The CSR rows of `rows` that belong to `ids`: one row per id (as `implicit`), or the whole
        matrix of the model's rows, from which the ids' rows are taken."""
        if rows is None:
            return None
        rows = _csr(rows, what)
        if rows.shape[0] == len(ids):
            return rows
        if rows.shape[0] == n_model_rows:
            return rows[ids]
        raise ValueError(
            f"{what} has {rows.shape[0]} rows: it needs one row per requested id ({len(ids)}) "
            f"or one row per row of the model ({n_model_rows})"
        )

    def _top(self, queries, N, exclude, filter_items, items, base, key):
        """Top N of `base` (factor rows scored against `queries`), excluding per row `exclude` and
        `filter_items`, among `items` when given."""
        n = base.shape[0]
        if items is not None:
            items = _ids(items, n, "items")
            position = np.full(n, -1, dtype=np.int64)
            position[items] = np.arange(len(items))
            if filter_items is not None:
                mapped = position[_ids(filter_items, n, "filter_items")]
                filter_items = mapped[mapped >= 0]
            if exclude is not None:
                exclude = exclude[:, items]
            base, key, n = np.ascontiguousarray(base[items]), None, len(items)
        elif filter_items is not None:
            filter_items = _ids(filter_items, n, "filter_items")
        k = min(int(N), n)
        if k < 1:
            raise ValueError(f"N must be at least 1, got {N}")
        excl = None if exclude is None else _arrays(exclude, "user_items")
        ids, scores = self._scorer_over(key, base).top_k(
            np.ascontiguousarray(queries, dtype=np.float32), k, exclude=excl, filter_items=filter_items
        )
        if items is not None:
            ids = np.where(ids >= 0, items[np.maximum(ids, 0)], -1)
        return ids, scores

    @staticmethod
    def _one_or_many(single, ids, scores):
        if single:
            valid = ids[0] >= 0
            return ids[0][valid], scores[0][valid]
        return ids, scores

    def recommend(
        self,
        userid,
        user_items=None,
        N=10,
        filter_already_liked_items=True,
        filter_items=None,
        recalculate_user=False,
        items=None,
    ):
        """The N best items for a user id or an array of them: (ids, scores), best first.
        `user_items` holds one row per user id (or is the whole users x items matrix); where it is
        None, the items each user had in training are the ones filtered. A batch is scored in one
        pass on the model's scorer (the GPU's fused kernels with use_gpu)."""
        self._check_fitted()
        single = np.isscalar(userid)
        users, rows, queries = self._queries(
            userid, user_items, recalculate_user, self._user_factors, self._item_factors, "user"
        )
        exclude = None
        if filter_already_liked_items:
            exclude = rows if rows is not None else self._seen_rows(users)
        ids, scores = self._top(queries, N, exclude, filter_items, items, self._item_factors, "items")
        return self._one_or_many(single, ids, scores)

    def _queries(self, ids, interactions, recalculate, own, fixed, kind):
        """(ids, their rows of `interactions` or None, their query vectors) for `kind` ("user" or
        "item"): the rows of `own` at `ids`, or with `recalculate` the factors their interactions
        give against `fixed`."""
        n = own.shape[0]
        rows_name = f"{kind}_items" if kind == "user" else "item_users"
        if not recalculate:
            ids = _ids(ids, n, f"{kind}id")
            return ids, self._rows_for(ids, interactions, n, rows_name), own[ids]
        if interactions is None:
            raise ValueError(f"recalculate_{kind}=True needs {rows_name} (the {kind}s' interactions)")
        ids = np.atleast_1d(np.asarray(ids))
        rows = self._rows_for(ids, interactions, n, rows_name)
        return ids, rows, self._fold_in(fixed, rows)

    def _unit_rows(self, name, factors):
        """`factors` with rows scaled to unit length (kept until the factors change)."""
        key = f"{name}-normalized-factors"
        if key not in self._cache:
            self._cache[key] = _normalized(factors)
        return self._cache[key]

    def _seen_rows(self, users):
        """The training items of `users`, as recorded at fit (or in the loaded folder)."""
        if self._model is None:
            raise ValueError("filter_already_liked_items needs user_items for a model that was not fitted here")
        seen = self._cache.get("seen")
        if seen is None:
            indptr, indices = self._model.seen
            shape = (len(indptr) - 1, self._item_factors.shape[0])
            seen = sp.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=shape)
            self._cache["seen"] = seen
        return seen[users]

    def similar_items(self, itemid, N=10, recalculate_item=False, item_users=None, filter_items=None, items=None):
        """The N items whose factors have the largest cosine with the item's (the item included):
        (ids, scores) for one id, or arrays for many."""
        self._check_fitted()
        single = np.isscalar(itemid)
        _, _, queries = self._queries(
            itemid, item_users, recalculate_item, self._item_factors, self._user_factors, "item"
        )
        normal = self._unit_rows("items", self._item_factors)
        ids, scores = self._top(_normalized(queries), N, None, filter_items, items, normal, "items-cosine")
        return self._one_or_many(single, ids, scores)

    def similar_users(self, userid, N=10, filter_users=None, users=None):
        """The N users whose factors have the largest cosine with the user's (the user included)."""
        self._check_fitted()
        single = np.isscalar(userid)
        queries = self._user_factors[_ids(userid, self._user_factors.shape[0], "userid")]
        normal = self._unit_rows("users", self._user_factors)
        ids, scores = self._top(_normalized(queries), N, None, filter_users, users, normal, "users-cosine")
        return self._one_or_many(single, ids, scores)

    # -- fold-in -------------------------------------------------------------------------------

    def _fold_in(self, fixed, rows):
        if rows.shape[1] != fixed.shape[0]:
            raise ValueError(f"the interactions have {rows.shape[1]} columns, the model {fixed.shape[0]}")
        return _rustmf.fold_in(fixed, _arrays(rows, "user_items"), self._settings())

    def recalculate_user(self, userid, user_items):
        """The factors the users' rows of `user_items` give against the fixed item factors (one
        exact solve each, as a half-step of training): factors x 1 for one id, n x factors for many."""
        self._check_fitted()
        ids = np.atleast_1d(np.asarray(userid))
        x = self._fold_in(self._item_factors, self._rows_for(ids, user_items, self._user_factors.shape[0], "user_items"))
        return x[0] if np.isscalar(userid) else x

    def recalculate_item(self, itemid, item_users):
        """As `recalculate_user`, for items from their users."""
        self._check_fitted()
        ids = np.atleast_1d(np.asarray(itemid))
        x = self._fold_in(self._user_factors, self._rows_for(ids, item_users, self._item_factors.shape[0], "item_users"))
        return x[0] if np.isscalar(itemid) else x

    def partial_fit_users(self, userids, user_items):
        """Update (or add) the factors of `userids` from their rows of `user_items`, solved exactly
        against the fixed item factors; ids past the end add users (those skipped get zero
        factors). Their rows become the items `recommend` leaves out for them."""
        self._check_fitted()
        users = _new_ids(userids, "userids")
        rows = _one_row_each(user_items, users, "user_items")
        self._user_factors = _with_rows(self._user_factors, users, self._fold_in(self._item_factors, rows))
        if self._model is not None:
            self._model.set_user_rows(users, _arrays(rows, "user_items"))
        self._cache.clear()

    def partial_fit_items(self, itemids, item_users):
        """As `partial_fit_users`, for items from their users' interactions (`item_users`, items x
        users)."""
        self._check_fitted()
        items = _new_ids(itemids, "itemids")
        rows = _one_row_each(item_users, items, "item_users")
        self._item_factors = _with_rows(self._item_factors, items, self._fold_in(self._user_factors, rows))
        if self._model is not None:
            self._model.set_item_count(self._item_factors.shape[0])
        self._cache.clear()

    # -- devices and files ---------------------------------------------------------------------

    def _copy(self, use_gpu):
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.use_gpu = use_gpu
        other._cache = {}
        return other

    def to_gpu(self):
        """A copy that trains and recommends on the GPU (the factors stay numpy arrays)."""
        if not _rustmf_has_gpu():
            raise _rustmf.GpuError(
                "no usable GPU: " + (_rustmf.gpu_devices()[1] or "unknown reason")
            )
        return self._copy(True)

    def to_cpu(self):
        """A copy that trains and recommends on the CPU."""
        return self._copy(False)

    def save(self, path):
        """Write the model folder `path` (replacing one already there as a whole): factors as .npy
        and safetensors, settings and training summary in model.json, a checksum manifest."""
        self._check_fitted()
        if self._model is None:
            raise ValueError("only a fitted or loaded model can be saved")
        self._model.save(str(path), self._user_factors, self._item_factors)

    @classmethod
    def load(cls, path):
        """The model in folder `path` (written by `save` or by `rustmf train --out`)."""
        return cls._from_folder(path, *_rustmf.load_model(str(path)))

    @classmethod
    def _from_folder(cls, path, users, items, model):
        config = json.loads(model.info_json)["config"]
        if config["implicit"] != cls._implicit:
            kind = "implicit" if config["implicit"] else "explicit"
            raise ValueError(f"{path} holds an {kind}-feedback model; use rustmf.als.load() or the matching class")
        solver = config["solver"]
        confidence = config["confidence"]
        kwargs = {
            "factors": config["factors"],
            "regularization": config["lambda"],
            "iterations": config["iterations"],
            "use_cg": solver["kind"] == "cg",
            "cg_steps": solver.get("steps", 3),
        }
        if cls._implicit:
            kwargs.update(alpha=config["alpha"], confidence=_CONFIDENCE[confidence["kind"]], eps=confidence.get("eps", 1.0))
        loaded = cls(**kwargs)
        loaded._user_factors, loaded._item_factors, loaded._model = users, items, model
        return loaded

    @property
    def user_ids(self):
        """The original user ids of a model trained by the CLI on data with ids, in row order (None:
        the ids are the row numbers)."""
        return None if self._model is None else self._model.user_ids

    @property
    def item_ids(self):
        """As `user_ids`, for items."""
        return None if self._model is None else self._model.item_ids

    def user_index(self, user_id):
        """The row of the user with original id `user_id` (KeyError where the model has none)."""
        if self._model is None:
            raise ValueError("the model has no ids yet: call fit() or load() first")
        return self._model.user_index(str(user_id))

    def item_index(self, item_id):
        """The row of the item with original id `item_id` (KeyError where the model has none)."""
        if self._model is None:
            raise ValueError("the model has no ids yet: call fit() or load() first")
        return self._model.item_index(str(item_id))


def _rustmf_has_gpu():
    """Whether a GPU can be used (`use_gpu=None` also needs `factors` in `rustmf._rustmf.GPU_FACTORS`)."""
    return bool(_rustmf.gpu_devices()[0])


class AlternatingLeastSquares(_AlsBase):
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008) with `implicit.als.AlternatingLeastSquares`'s
    arguments, plus rustmf's: `confidence` ("linear": c = 1 + alpha r, "log": c = 1 + alpha
    log(1 + r/eps), "implicit": c = alpha r), `solver` (cholesky, lu, cg, cg-mf, cublas-lu, auto, ...;
    default from `use_cg` and the device: auto on a GPU, cg on the CPU), `cg_steps`, `hermitian` (the GPU's get_hermitian
    version, v1-v9 or cublas), `fp16` (CG with A stored in fp16), `scorer` (the top-k backend:
    cpu-mt, gpu-fused, gpu-sgemm, ...) and `gpu_memory` (bytes of GPU memory training may use; the
    rows that do not fit are streamed from host memory). `use_gpu=None` uses a GPU when one can be used and the GPU
    kernels are built for `factors` (rustmf._rustmf.GPU_FACTORS: 32, 64, 96, 100, 128)."""

    _implicit = True

    def __init__(
        self,
        factors=100,
        regularization=0.01,
        alpha=1.0,
        dtype=np.float32,
        use_cg=True,
        use_gpu=None,
        iterations=15,
        calculate_training_loss=False,
        num_threads=0,
        random_state=None,
        confidence="linear",
        eps=1.0,
        solver=None,
        cg_steps=3,
        hermitian=None,
        fp16=False,
        scorer=None,
        gpu_memory=None,
    ):
        super().__init__(
            factors, regularization, alpha, dtype, use_cg, use_gpu, iterations, calculate_training_loss,
            num_threads, random_state, confidence, eps, solver, cg_steps, hermitian, fp16, scorer, gpu_memory,
        )


class ExplicitAlternatingLeastSquares(_AlsBase):
    """Explicit-feedback ALS on ratings (weighted-λ, Zhou et al. 2008, as cuMF_als): minimises the
    squared error on the observed ratings + regularization * (n_u |x_u|^2 + n_i |y_i|^2). Same
    methods as `AlternatingLeastSquares`; `recommend` ranks by predicted rating, `predict` gives
    ratings of (user, item) pairs. Default solver: Cholesky (exact)."""

    _implicit = False

    def __init__(
        self,
        factors=100,
        regularization=0.05,
        dtype=np.float32,
        use_cg=False,
        use_gpu=None,
        iterations=15,
        calculate_training_loss=False,
        num_threads=0,
        random_state=None,
        solver=None,
        cg_steps=3,
        hermitian=None,
        fp16=False,
        scorer=None,
        gpu_memory=None,
    ):
        super().__init__(
            factors, regularization, 1.0, dtype, use_cg, use_gpu, iterations, calculate_training_loss,
            num_threads, random_state, "linear", 1.0, solver, cg_steps, hermitian, fp16, scorer, gpu_memory,
        )

    def predict(self, userids, itemids):
        """Predicted ratings x_u . y_i of the pairs (userids[j], itemids[j])."""
        self._check_fitted()
        u = _ids(userids, self._user_factors.shape[0], "userids")
        i = _ids(itemids, self._item_factors.shape[0], "itemids")
        if u.shape != i.shape:
            raise ValueError(f"{len(u)} user ids but {len(i)} item ids")
        return np.einsum("ij,ij->i", self._user_factors[u], self._item_factors[i])


def load(path):
    """The model in folder `path`, of the class its model.json names (implicit or explicit)."""
    users, items, model = _rustmf.load_model(str(path))
    implicit = json.loads(model.info_json)["config"]["implicit"]
    cls = AlternatingLeastSquares if implicit else ExplicitAlternatingLeastSquares
    return cls._from_folder(path, users, items, model)
