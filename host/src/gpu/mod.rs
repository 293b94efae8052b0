//! The CUDA runtime layer.
