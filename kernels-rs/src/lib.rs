//! rustmf device code, compiled to PTX by `../build.rs` (never built for the host).
//!
//! * [`prelude`]: the safe, small primitives kernels are written with (indices, barriers, shared
//!   memory, views of global memory, warp shuffles and reductions, FMA, f16 conversion). It stands
//!   in for rust-cuda's `cuda_std`, which cannot be built with today's compilers.
//! * [`prelude_checks`]: one small kernel per primitive; the host test `tests/gpu_prelude.rs`
//!   runs each on random data and compares with a CPU computation.
//! * [`hermitian`], [`solve`]: the ALS kernels (get_hermitian versions, batched solvers);
//!   [`baseline`]: the data movement around cuBLAS for the cuBLAS get_hermitian baseline;
//!   [`topk`]: inference (top-K selection, fused scoring); [`loss`]: the objective's and the test
//!   error's sums, on the device.
//!
//! Every kernel is `#[no_mangle] extern "ptx-kernel"`, declared through `rustmf-kernel-abi`
//! (`kernels-abi/`): its parameters are the fields of an argument struct (`kernel_args!`: pointers
//! and sizes), its name, tiles and shared-memory size come from the same crate the host launches
//! with, and it checks its own bounds: a Rust panic on the device becomes a `trap`, which the host
//! reports as a launch failure. The ALS families' entry adapters wrap the pointers in views
//! (`prelude::Global`, `GlobalMut`), whose indexing is checked in builds with debug assertions.
#![no_std]
#![feature(abi_ptx, stdarch_nvptx, asm_experimental_arch, core_intrinsics, f16, macro_metavar_expr_concat)]
#![allow(internal_features)]
// Kernel entry points are `unsafe extern "ptx-kernel"` by nature: their safety contract is the
// launch shape and buffer sizes documented on each one, which the host wrapper upholds.
#![allow(clippy::missing_safety_doc)]

pub mod baseline;
pub mod hermitian;
pub mod loss;
pub mod prelude;
pub mod prelude_checks;
pub mod solve;
pub mod topk;

#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo) -> ! {
    prelude::trap()
}
