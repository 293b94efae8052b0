"""rustmf: ALS matrix factorization on NVIDIA GPUs (kernels written in Rust) and on the CPU,
with the API of the `implicit` library.

    import rustmf
    model = rustmf.als.AlternatingLeastSquares(factors=64, iterations=15)
    model.fit(user_items)                      # scipy.sparse.csr_matrix, users x items
    ids, scores = model.recommend(0, user_items[0])

Modules: `rustmf.als` (the models), `rustmf.evaluation` (split and ranking metrics).
`rustmf.gpu_devices()` lists the GPUs this package can use; `rustmf.GpuError` is raised when the
GPU fails or is missing.
"""

from . import als, evaluation
from ._rustmf import GPU_BUILD, GpuError, __version__
from ._rustmf import gpu_devices as _gpu_devices


def gpu_devices():
    """The usable GPUs as a list of (ordinal, name, (major, minor)); empty without an NVIDIA
    driver, the CUDA 13 libraries or a device."""
    return _gpu_devices()[0]


def has_gpu():
    """Whether a GPU can be used (what `use_gpu=None` picks)."""
    return bool(gpu_devices())


__all__ = ["als", "evaluation", "gpu_devices", "has_gpu", "GpuError", "GPU_BUILD", "__version__"]
