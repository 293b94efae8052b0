//! [`Gpu`]: one device's context, the stream all rustmf work runs on, and the kernel module.
use super::device::{devices, init_driver, DeviceInfo};
use super::error::GpuError;
use super::launch::Kernel;
use crate::ptx::{best_for, PtxImage};
use cudarc::driver::{CudaContext, CudaModule, CudaSlice, CudaStream, DeviceRepr, ValidAsZeroBits};
use cudarc::nvrtc::Ptx;
use std::sync::{Arc, Mutex};

pub struct Gpu {
    pub info: DeviceInfo,
    /// Architecture of the PTX image that was loaded (80 = sm_80).
    pub ptx_arch: u32,
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    module: Arc<CudaModule>,
    kernel_names: Vec<String>,
    last_kernel: Mutex<Option<String>>,
    sync_launches: bool,
}

impl Gpu {
    /// Opens device `ordinal` and loads the newest of `images` it can run.
    ///
    /// With `RUSTMF_SYNC_LAUNCHES=1` every launch is followed by a synchronization, so that a
    /// failing kernel is named in the error at once (slower; for debugging and the sanitizer).
    pub fn open(ordinal: usize, images: &[PtxImage]) -> Result<Gpu, GpuError> {
        init_driver()?;
        let all = devices()?;
        let info = all.get(ordinal).cloned().ok_or(GpuError::BadOrdinal { ordinal, count: all.len() })?;
        let (major, minor) = info.compute_capability;
        let image = best_for(images, major, minor).ok_or_else(|| GpuError::NoPtxForDevice {
            device: info.name.clone(),
            major,
            minor,
            archs: images.iter().map(|i| i.target).collect::<Vec<_>>().join(", "),
        })?;
        let ctx = CudaContext::new(ordinal).map_err(GpuError::driver(format!("creating a context on GPU {ordinal}")))?;
        let stream = ctx.default_stream();
        let text = image.text();
        let kernel_names = crate::ptx::entry_names(&text);
        let module = ctx
            .load_module(Ptx::from_src(text))
            .map_err(|source| GpuError::ModuleLoad { arch: image.arch, source })?;
        Ok(Gpu {
            info,
            ptx_arch: image.arch,
            ctx,
            stream,
            module,
            kernel_names,
            last_kernel: Mutex::new(None),
            sync_launches: std::env::var("RUSTMF_SYNC_LAUNCHES").is_ok_and(|v| v == "1"),
        })
    }

    pub fn stream(&self) -> &Arc<CudaStream> {
        &self.stream
    }

    pub fn context(&self) -> &Arc<CudaContext> {
        &self.ctx
    }

    /// A kernel of the loaded module, by its exported name.
    pub fn kernel(&self, name: &str) -> Result<Kernel, GpuError> {
        if !self.kernel_names.iter().any(|k| k == name) {
            return Err(GpuError::MissingKernel(name.to_string()));
        }
        let func = self.module.load_function(name).map_err(|_| GpuError::MissingKernel(name.to_string()))?;
        Ok(Kernel::new(name, func, self.info.max_shared_per_block_optin))
    }

    /// (free, total) device memory in bytes.
    pub fn memory(&self) -> Result<(usize, usize), GpuError> {
        self.ctx.mem_get_info().map_err(GpuError::driver("cuMemGetInfo"))
    }

    /// `n` zeroed values of `T`; `what` names the buffer in an out-of-memory error.
    pub fn alloc_zeros<T: DeviceRepr + ValidAsZeroBits>(&self, n: usize, what: &str) -> Result<CudaSlice<T>, GpuError> {
        self.check_fits(n * std::mem::size_of::<T>(), what)?;
        self.stream.alloc_zeros(n).map_err(|e| self.alloc_error(e, n * std::mem::size_of::<T>(), what))
    }

    /// A device copy of `host`.
    pub fn upload<T: DeviceRepr>(&self, host: &[T], what: &str) -> Result<CudaSlice<T>, GpuError> {
        let bytes = std::mem::size_of_val(host);
        self.check_fits(bytes, what)?;
        self.stream.clone_htod(host).map_err(|e| self.alloc_error(e, bytes, what))
    }

    /// A device copy of `host`, in `old` when it has exactly `host`'s length.
    pub fn upload_reusing<T: DeviceRepr>(&self, host: &[T], old: Option<CudaSlice<T>>, what: &str) -> Result<CudaSlice<T>, GpuError> {
        match old {
            Some(mut dev) if dev.len() == host.len() => {
                self.stream.memcpy_htod(host, &mut dev).map_err(|e| self.async_error(e))?;
                Ok(dev)
            }
            _ => self.upload(host, what),
        }
    }

    /// Copies `dev` back to the host (waits for the stream).
    pub fn download<T: DeviceRepr + Default + Clone>(&self, dev: &CudaSlice<T>) -> Result<Vec<T>, GpuError> {
        self.stream.clone_dtoh(dev).map_err(|e| self.async_error(e))
    }

    /// Waits for all work on the stream; an error names the last kernel launched.
    pub fn synchronize(&self) -> Result<(), GpuError> {
        self.stream.synchronize().map_err(|e| self.async_error(e))
    }

    pub(crate) fn note_launch(&self, kernel: &str) {
        *self.last_kernel.lock().unwrap() = Some(kernel.to_string());
    }

    pub(crate) fn sync_launches(&self) -> bool {
        self.sync_launches
    }

    pub(crate) fn async_error(&self, source: cudarc::driver::DriverError) -> GpuError {
        GpuError::Async { last_kernel: self.last_kernel.lock().unwrap().clone(), source }
    }

    fn check_fits(&self, needed: usize, what: &str) -> Result<(), GpuError> {
        let (free, total) = self.memory()?;
        if needed > free {
            return Err(GpuError::OutOfMemory { what: what.to_string(), needed, free, total });
        }
        Ok(())
    }

    fn alloc_error(&self, e: cudarc::driver::DriverError, needed: usize, what: &str) -> GpuError {
        if GpuError::is_out_of_memory(&e) {
            let (free, total) = self.memory().unwrap_or((0, 0));
            GpuError::OutOfMemory { what: what.to_string(), needed, free, total }
        } else {
            GpuError::Driver { context: format!("allocating {what} ({needed} bytes)"), source: e }
        }
    }
}
