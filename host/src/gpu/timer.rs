//! Timing GPU work with CUDA events recorded on the runtime's stream (the host clock would measure
//! launch overhead, not the kernels).
use super::error::GpuError;
use super::runtime::Gpu;
use cudarc::driver::sys::CUevent_flags;
use cudarc::driver::CudaEvent;

pub struct EventTimer<'a> {
    gpu: &'a Gpu,
    start: CudaEvent,
    stop: CudaEvent,
}

impl<'a> EventTimer<'a> {
    pub fn new(gpu: &'a Gpu) -> Result<EventTimer<'a>, GpuError> {
        let ev = || {
            gpu.context()
                .new_event(Some(CUevent_flags::CU_EVENT_DEFAULT))
                .map_err(GpuError::driver("creating a CUDA event"))
        };
        Ok(EventTimer { gpu, start: ev()?, stop: ev()? })
    }

    pub fn start(&self) -> Result<(), GpuError> {
        self.start.record(self.gpu.stream()).map_err(GpuError::driver("recording a CUDA event"))
    }

    /// Records the stop event, waits for it, and returns the seconds between the two events.
    pub fn stop(&self) -> Result<f64, GpuError> {
        self.stop.record(self.gpu.stream()).map_err(GpuError::driver("recording a CUDA event"))?;
        self.stop.synchronize().map_err(|e| self.gpu.async_error(e))?;
        let ms = self.start.elapsed_ms(&self.stop).map_err(GpuError::driver("reading a CUDA event time"))?;
        Ok(ms as f64 / 1e3)
    }

    /// Seconds `work` takes on the stream.
    pub fn time(&self, work: impl FnOnce() -> Result<(), GpuError>) -> Result<f64, GpuError> {
        self.start()?;
        work()?;
        self.stop()
    }
}
