//! [`Gpu`]: one device's context, the stream all rustmf work runs on, and the kernel module.
use super::device::{devices, init_driver, DeviceInfo};
use super::error::GpuError;
use super::launch::Kernel;
use crate::ptx::{best_for, PtxImage};
use cudarc::driver::{
    result, CudaContext, CudaModule, CudaSlice, CudaStream, DevicePtr, DeviceRepr, PinnedHostSlice, ValidAsZeroBits,
};
use cudarc::nvrtc::Ptx;
use std::sync::{Arc, Mutex};

/// A device buffer of 32-bit values, for [`Gpu::download_words`].
pub enum Words<'a> {
    U32(&'a CudaSlice<u32>),
    F32(&'a CudaSlice<f32>),
}

impl Words<'_> {
    fn len(&self) -> usize {
        match self {
            Words::U32(s) => s.len(),
            Words::F32(s) => s.len(),
        }
    }
}

/// Page-locked host memory that [`Gpu::download_words`] copies through, kept by the caller
/// between calls and grown when too small.
#[derive(Default)]
pub struct PinnedStaging(Option<PinnedHostSlice<u32>>);

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
        let ctx =
            CudaContext::new(ordinal).map_err(GpuError::driver(format!("creating a context on GPU {ordinal}")))?;
        // Safety: rustmf orders its streams itself (`als/streamed.rs`: events between the copy
        // stream and this one), so cudarc's per-buffer events are not needed.
        unsafe { ctx.disable_event_tracking() };
        let stream = ctx.default_stream();
        let text = image.text();
        let kernel_names = crate::ptx::entry_names(&text);
        let module =
            ctx.load_module(Ptx::from_src(text)).map_err(|source| GpuError::ModuleLoad { arch: image.arch, source })?;
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
    /// The kernel of an entry point of `rustmf-kernel-abi`.
    pub fn entry(&self, entry: rustmf_kernel_abi::Entry) -> Result<Kernel, GpuError> {
        self.kernel(&entry.to_string())
    }

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
    pub fn upload_reusing<T: DeviceRepr>(
        &self,
        host: &[T],
        old: Option<CudaSlice<T>>,
        what: &str,
    ) -> Result<CudaSlice<T>, GpuError> {
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

    /// Copies `parts` to the host as 32-bit words (an f32 as its bits), through page-locked
    /// `staging`: every copy is queued at full transfer speed, then one wait — instead of one
    /// staged, synchronous copy each from pageable memory.
    pub fn download_words(&self, parts: &[Words], staging: &mut PinnedStaging) -> Result<Vec<Vec<u32>>, GpuError> {
        let total: usize = parts.iter().map(Words::len).sum();
        if staging.0.as_ref().is_none_or(|b| b.len() < total) {
            staging.0 = None;
            // Flags 0: cached (not write-combined) memory, as the host reads it.
            let buf = unsafe { self.ctx.alloc_pinned_with_flags::<u32>(total.max(1), 0) };
            staging.0 = Some(buf.map_err(GpuError::driver(format!(
                "allocating {} KiB of page-locked host memory",
                4 * total / 1024
            )))?);
        }
        let host = staging.0.as_mut().expect("allocated above").as_mut_slice().map_err(|e| self.async_error(e))?;
        let mut at = 0;
        for part in parts {
            let dst = &mut host[at..at + part.len()];
            let queued = match part {
                Words::U32(d) => {
                    let (src, _read) = d.device_ptr(&self.stream);
                    unsafe { result::memcpy_dtoh_async(dst, src, self.stream.cu_stream()) }
                }
                Words::F32(d) => {
                    let (src, _read) = d.device_ptr(&self.stream);
                    unsafe { result::memcpy_dtoh_async(dst, src, self.stream.cu_stream()) }
                }
            };
            queued.map_err(|e| self.async_error(e))?;
            at += part.len();
        }
        self.synchronize()?;
        let mut at = 0;
        Ok(parts
            .iter()
            .map(|p| {
                at += p.len();
                host[at - p.len()..at].to_vec()
            })
            .collect())
    }

    /// Host→device copy rates in GB/s of `bytes` from page-locked and from pageable host memory
    /// (the best of `repeats` each): the ceiling streamed training's copies run against.
    pub fn upload_rates(&self, bytes: usize, repeats: usize) -> Result<(f64, f64), GpuError> {
        let n = bytes / 4;
        let timer = super::EventTimer::new(self)?;
        let mut dev = self.alloc_zeros::<u32>(n, "the copy-rate buffer")?;
        // Safety: written below before the copies read it.
        let mut pinned = unsafe { self.ctx.alloc_pinned_with_flags::<u32>(n, 0) }
            .map_err(GpuError::driver(format!("allocating {bytes} bytes of page-locked host memory")))?;
        pinned.as_mut_slice().map_err(|e| self.async_error(e))?.fill(7);
        let pageable = vec![7u32; n];
        let mut best = |from: &dyn Fn(&mut CudaSlice<u32>) -> Result<(), cudarc::driver::DriverError>| {
            let mut fastest = f64::INFINITY;
            for _ in 0..repeats.max(1) {
                fastest = fastest.min(timer.time(|| from(&mut dev).map_err(|e| self.async_error(e)))?);
            }
            Ok::<f64, GpuError>(bytes as f64 / fastest / 1e9)
        };
        let pinned_rate = best(&|d| self.stream.memcpy_htod(&pinned, d))?;
        let pageable_rate = best(&|d| self.stream.memcpy_htod(&pageable, d))?;
        Ok((pinned_rate, pageable_rate))
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
