//! Kernel launches. [`Gpu::launch_with`] takes a kernel's argument struct from
//! `rustmf-kernel-abi` (declared once for both sides) and pushes its fields in order; device
//! buffers enter those structs as typed addresses made here ([`Gpu::input`], [`Gpu::output`]).
//! [`Launch`] collects arguments one by one, for the prelude's check kernels. On failure the error
//! names the kernel and the shape.
use super::error::GpuError;
use super::runtime::Gpu;
use cudarc::driver::sys::CUfunction_attribute;
use cudarc::driver::{CudaFunction, DevicePtr, DevicePtrMut, LaunchArgs, LaunchConfig, PushKernelArg};
pub use rustmf_kernel_abi::LaunchShape;
use rustmf_kernel_abi::{In, KernelArgs, Out, ParamSink};

/// A kernel of the loaded module.
pub struct Kernel {
    name: String,
    func: CudaFunction,
    max_shared_optin: u32,
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

    /// Launches `kernel` with the fields of `args` as its parameters, in declaration order.
    ///
    /// # Safety
    /// `args` is the struct the kernel's entry was declared with (`rustmf-kernel-abi`), its
    /// addresses are live buffers of the sizes the kernel's contract names, and `shape` is the
    /// one its family computes: the device code trusts them.
    pub unsafe fn launch_with<A: KernelArgs>(
        &self,
        kernel: &Kernel,
        args: &A,
        shape: LaunchShape,
    ) -> Result<(), GpuError> {
        let mut launch = self.launch(kernel);
        args.push_all(&mut launch);
        launch.run(shape)
    }

    /// The device address of `buffer` (a slice or a view), for an argument the kernel reads.
    pub fn input<T>(&self, buffer: &impl DevicePtr<T>) -> In<T> {
        let (address, _record) = buffer.device_ptr(self.stream());
        // Safety: a live allocation of elements T. The runtime has one stream, which every copy and
        // launch uses, so they run in program order (cudarc's multi-stream tracking stays off).
        unsafe { In::from_address(address) }
    }

    /// The device address of `buffer`, for an argument the kernel writes.
    pub fn output<T>(&self, buffer: &mut impl DevicePtrMut<T>) -> Out<T> {
        let (address, _record) = buffer.device_ptr_mut(self.stream());
        // Safety: as for [`Gpu::input`]; the exclusive borrow keeps the host from using it meanwhile.
        unsafe { Out::from_address(address) }
    }

    /// The device address of `buffer` (bytes) as elements `T`, for buffers whose element type
    /// depends on the run (A in fp32 or fp16).
    pub fn output_as<T>(&self, buffer: &mut impl DevicePtrMut<u8>) -> Out<T> {
        let (address, _record) = buffer.device_ptr_mut(self.stream());
        // Safety: as for [`Gpu::output`]; device allocations are aligned for every element type.
        unsafe { Out::from_address(address) }
    }

    /// As [`Gpu::output_as`], for reading.
    pub fn input_as<T>(&self, buffer: &impl DevicePtr<u8>) -> In<T> {
        let (address, _record) = buffer.device_ptr(self.stream());
        // Safety: as for [`Gpu::input`].
        unsafe { In::from_address(address) }
    }
}

impl<'a> ParamSink<'a> for Launch<'a> {
    fn push_u32(&mut self, value: &'a u32) {
        self.args.arg(value);
    }

    fn push_u64(&mut self, value: &'a u64) {
        self.args.arg(value);
    }

    fn push_f32(&mut self, value: &'a f32) {
        self.args.arg(value);
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
