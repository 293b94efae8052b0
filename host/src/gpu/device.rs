//! Device discovery: what GPUs there are, without creating a context on them.
use super::error::GpuError;
use cudarc::driver::sys::{self, CUdevice_attribute as Attr};
use cudarc::driver::{result, CudaContext};
use serde::Serialize;

/// What a benchmark or a user needs to know about a GPU.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceInfo {
    pub ordinal: usize,
    pub name: String,
    pub compute_capability: (u32, u32),
    pub multiprocessors: u32,
    pub total_memory: usize,
    pub l2_cache_bytes: u32,
    pub max_shared_per_block_optin: u32,
    pub sm_clock_khz: u32,
}

/// Loads the driver library and initializes it; `NoDriver` / `NoDevice` when that is impossible.
pub(crate) fn init_driver() -> Result<(), GpuError> {
    if !unsafe { sys::is_culib_present() } {
        return Err(GpuError::NoDriver);
    }
    result::init().map_err(|e| GpuError::NoDevice(e.to_string()))
}

/// The CUDA driver's version as "major.minor" (e.g. "13.0").
pub fn driver_version() -> Result<String, GpuError> {
    init_driver()?;
    let mut v = 0;
    unsafe { sys::cuDriverGetVersion(&mut v) }.result().map_err(GpuError::driver("cuDriverGetVersion"))?;
    Ok(format!("{}.{}", v / 1000, (v % 1000) / 10))
}

/// Every visible device. An empty machine is `NoDevice`, a machine without the driver `NoDriver`.
pub fn devices() -> Result<Vec<DeviceInfo>, GpuError> {
    init_driver()?;
    let count = CudaContext::device_count().map_err(|e| GpuError::NoDevice(e.to_string()))?;
    if count == 0 {
        return Err(GpuError::NoDevice("0 devices".into()));
    }
    (0..count as usize).map(query).collect()
}

fn query(ordinal: usize) -> Result<DeviceInfo, GpuError> {
    let ctx = "querying device properties";
    let dev = result::device::get(ordinal as i32).map_err(GpuError::driver(ctx))?;
    let attr =
        |a: Attr| unsafe { result::device::get_attribute(dev, a) }.map(|v| v as u32).map_err(GpuError::driver(ctx));
    Ok(DeviceInfo {
        ordinal,
        name: result::device::get_name(dev).map_err(GpuError::driver(ctx))?,
        compute_capability: (
            attr(Attr::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)?,
            attr(Attr::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)?,
        ),
        multiprocessors: attr(Attr::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)?,
        total_memory: unsafe { result::device::total_mem(dev) }.map_err(GpuError::driver(ctx))?,
        l2_cache_bytes: attr(Attr::CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE)?,
        max_shared_per_block_optin: attr(Attr::CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)?,
        sm_clock_khz: attr(Attr::CU_DEVICE_ATTRIBUTE_CLOCK_RATE)?,
    })
}
