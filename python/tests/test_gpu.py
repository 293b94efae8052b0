"""The Python API on a GPU: training and scoring agree with the CPU (skipped without a GPU)."""

import numpy as np
import pytest

import rustmf
from reference import top_n

pytestmark = pytest.mark.gpu


def pair(user_items, **kwargs):
    settings = dict(factors=32, iterations=3, random_state=9, regularization=0.1, alpha=2.0)
    settings.update(kwargs)
    cpu = rustmf.als.AlternatingLeastSquares(use_gpu=False, **settings)
    gpu = rustmf.als.AlternatingLeastSquares(use_gpu=True, **settings)
    cpu.fit(user_items, show_progress=False)
    gpu.fit(user_items, show_progress=False)
    return cpu, gpu


@pytest.mark.parametrize("hermitian", ["v1", "v8", "v9", "cublas"])
def test_gpu_cholesky_matches_cpu(user_items, hermitian):
    cpu, gpu = pair(user_items, use_cg=False, hermitian=hermitian)
    np.testing.assert_allclose(gpu.user_factors, cpu.user_factors, atol=2e-3, rtol=2e-3)
    np.testing.assert_allclose(gpu.item_factors, cpu.item_factors, atol=2e-3, rtol=2e-3)


def test_gpu_auto_cg_matches_cpu_cg(user_items):
    cpu, gpu = pair(user_items, use_cg=True)
    assert gpu._solver_name() == "auto"
    np.testing.assert_allclose(gpu.item_factors, cpu.item_factors, atol=2e-3, rtol=2e-3)


@pytest.mark.parametrize("scorer", ["gpu-fused", "gpu-sgemm"])
def test_gpu_recommend_and_similar_match_brute_force(user_items, rng, scorer):
    model = rustmf.als.AlternatingLeastSquares(factors=32, iterations=2, use_gpu=True, random_state=2, scorer=scorer)
    model.fit(user_items, show_progress=False)
    scores = model.user_factors.astype(np.float64) @ model.item_factors.T.astype(np.float64)
    users = rng.choice(300, 50, replace=False)
    banned = rng.choice(200, 10, replace=False)
    ids, got = model.recommend(users, user_items[users], N=8, filter_items=banned)
    for r, u in enumerate(users):
        expect = top_n(scores[u], 8, set(user_items[u].indices) | set(banned))
        np.testing.assert_allclose(np.sort(got[r])[::-1], scores[u][expect], rtol=1e-4, atol=1e-5)
        agree = len(set(ids[r]) & set(expect))
        assert agree >= 7, (u, ids[r], expect)
    cpu = model.to_cpu()
    np.testing.assert_array_equal(cpu.similar_items(np.arange(10), N=5)[0][:, 0], np.arange(10))
    sim_gpu, _ = model.similar_items(np.arange(10), N=5)
    assert (sim_gpu[:, 0] == np.arange(10)).all()


def test_gpu_save_load_and_train_with_every_solver(user_items, tmp_path):
    for solver in ["cholesky", "lu", "cg", "cublas-lu", "cg-mf-users", "cg-mf"]:
        m = rustmf.als.AlternatingLeastSquares(factors=32, iterations=2, use_gpu=True, solver=solver, random_state=1)
        m.fit(user_items, show_progress=False)
        assert np.isfinite(m.user_factors).all()
    m.save(tmp_path / "g")
    back = rustmf.als.load(tmp_path / "g").to_gpu()
    np.testing.assert_array_equal(back.recommend(np.arange(5))[0], m.recommend(np.arange(5))[0])


def test_gpu_refuses_factor_counts_it_has_no_kernels_for(user_items):
    with pytest.raises(ValueError, match="GPU kernels are built for factors in"):
        rustmf.als.AlternatingLeastSquares(factors=20, use_gpu=True).fit(user_items, show_progress=False)
    assert not rustmf.als.AlternatingLeastSquares(factors=20).use_gpu
    assert rustmf.als.AlternatingLeastSquares(factors=64).use_gpu


def test_gpu_memory_below_the_least_streamed_plan_is_refused_clearly(user_items):
    m = rustmf.als.AlternatingLeastSquares(factors=32, iterations=1, use_gpu=True, gpu_memory=1000)
    with pytest.raises(rustmf.GpuError, match="out of GPU memory"):
        m.fit(user_items, show_progress=False)
    roomy = rustmf.als.AlternatingLeastSquares(factors=32, iterations=1, use_gpu=True, gpu_memory=2e9, random_state=3)
    roomy.fit(user_items, show_progress=False)
    free = rustmf.als.AlternatingLeastSquares(factors=32, iterations=1, use_gpu=True, random_state=3)
    free.fit(user_items, show_progress=False)
    np.testing.assert_array_equal(roomy.item_factors, free.item_factors)
