//! Typed kernel launches. A [`Launch`] collects the arguments with cudarc's `PushKernelArg`
//! (device slices by reference, scalars by reference) and launches with a [`LaunchShape`]; on
//! failure the error names the kernel and the shape.
use super::error::GpuError;
use super::runtime::Gpu;
use cudarc::driver::sys::CUfunction_attribute;
use cudarc::driver::{CudaFunction, LaunchArgs, LaunchConfig, PushKernelArg};
use std::fmt;

/// A kernel of the loaded module.
pub struct Kernel {
    name: String,
    func: CudaFunction,
    max_shared_optin: u32,
}

/// A 1-D launch: `grid` blocks of `block` threads with `shared_bytes` of dynamic shared memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaunchShape {
    pub grid: u32,
    pub block: u32,
    pub shared_bytes: u32,
}

impl LaunchShape {
    /// Enough blocks of `block` threads to give each of `n` items a thread.
    pub fn cover(n: usize, block: u32) -> LaunchShape {
        LaunchShape { grid: n.div_ceil(block as usize).max(1) as u32, block, shared_bytes: 0 }
    }

    pub fn with_shared(self, shared_bytes: u32) -> LaunchShape {
        LaunchShape { shared_bytes, ..self }
    }
}

impl fmt::Display for LaunchShape {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "grid {} × block {}, {} B dynamic shared", self.grid, self.block, self.shared_bytes)
    }
}

impl Kernel {
    pub(crate) fn new(name: &str, func: CudaFunction, max_shared_optin: u32) -> Kernel {
        Kernel { name: name.to_string(), func, max_shared_optin }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Registers per thread and local (spill/stack) bytes per thread, as the driver compiled it.
    pub fn resources(&self) -> Result<(i32, i32), GpuError> {
        let ctx = format!("reading attributes of `{}`", self.name);
        Ok((
            self.func.num_regs().map_err(GpuError::driver(ctx.clone()))?,
            self.func.local_size_bytes().map_err(GpuError::driver(ctx))?,
        ))
    }
}

/// Arguments being collected for one launch of a kernel.
pub struct Launch<'a> {
    gpu: &'a Gpu,
    kernel: &'a Kernel,
    args: LaunchArgs<'a>,
}

impl Gpu {
    pub fn launch<'a>(&'a self, kernel: &'a Kernel) -> Launch<'a> {
        Launch { gpu: self, kernel, args: self.stream().launch_builder(&kernel.func) }
    }
}

impl<'a> Launch<'a> {
    pub fn arg<T>(&mut self, value: T) -> &mut Self
    where
        LaunchArgs<'a>: PushKernelArg<T>,
    {
        self.args.arg(value);
        self
    }

    /// Launches on the runtime's stream.
    ///
    /// # Safety
    /// The arguments match the kernel's parameters in number, order and type, and the shape and
    /// buffer sizes meet the kernel's documented contract: the device code trusts them.
    pub unsafe fn run(&mut self, shape: LaunchShape) -> Result<(), GpuError> {
        let k = self.kernel;
        let fail = |source| GpuError::Launch { kernel: k.name.clone(), shape: shape.to_string(), source };
        if shape.shared_bytes > 48 * 1024 {
            if shape.shared_bytes > k.max_shared_optin {
                return Err(GpuError::Launch {
                    kernel: k.name.clone(),
                    shape: format!("{shape}; the device allows at most {} B", k.max_shared_optin),
                    source: cudarc::driver::DriverError(cudarc::driver::sys::CUresult::CUDA_ERROR_INVALID_VALUE),
                });
            }
            k.func
                .set_attribute(
                    CUfunction_attribute::CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    shape.shared_bytes as i32,
                )
                .map_err(fail)?;
        }
        let cfg = LaunchConfig {
            grid_dim: (shape.grid, 1, 1),
            block_dim: (shape.block, 1, 1),
            shared_mem_bytes: shape.shared_bytes,
        };
        self.gpu.note_launch(&k.name);
        self.args.launch(cfg).map_err(fail)?;
        if self.gpu.sync_launches() {
            self.gpu.stream().synchronize().map_err(fail)?;
        }
        Ok(())
    }
}
