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
        Ok(EventTimer { gpu, start: new_event(gpu)?, stop: new_event(gpu)? })
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

/// Phases of one stream's work timed by events between consecutive marks, read once at the end:
/// no host wait between phases (a wait per batch of a streamed side left the GPU idle while the
/// next batch's launches were queued).
pub struct StreamMarks<'a> {
    gpu: &'a Gpu,
    first: CudaEvent,
    /// Each mark's event and the phase of the span that ends there.
    marks: Vec<(CudaEvent, usize)>,
}

impl<'a> StreamMarks<'a> {
    /// Marks the start on the runtime's stream.
    pub fn start(gpu: &'a Gpu) -> Result<StreamMarks<'a>, GpuError> {
        let first = new_event(gpu)?;
        first.record(gpu.stream()).map_err(GpuError::driver("recording a CUDA event"))?;
        Ok(StreamMarks { gpu, first, marks: Vec::new() })
    }

    /// Ends a span of `phase` (an index below the `N` of [`StreamMarks::finish`]) here.
    pub fn end(&mut self, phase: usize) -> Result<(), GpuError> {
        let event = new_event(self.gpu)?;
        event.record(self.gpu.stream()).map_err(GpuError::driver("recording a CUDA event"))?;
        self.marks.push((event, phase));
        Ok(())
    }

    /// Waits for the last mark; the seconds of each phase, added up, and of the whole.
    pub fn finish<const N: usize>(self) -> Result<([f64; N], f64), GpuError> {
        let mut phases = [0.0; N];
        let Some((last, _)) = self.marks.last() else { return Ok((phases, 0.0)) };
        last.synchronize().map_err(|e| self.gpu.async_error(e))?;
        let seconds = |a: &CudaEvent, b: &CudaEvent| -> Result<f64, GpuError> {
            Ok(a.elapsed_ms(b).map_err(GpuError::driver("reading a CUDA event time"))? as f64 / 1e3)
        };
        let mut previous = &self.first;
        for (event, phase) in &self.marks {
            phases[*phase] += seconds(previous, event)?;
            previous = event;
        }
        Ok((phases, seconds(&self.first, last)?))
    }
}

fn new_event(gpu: &Gpu) -> Result<CudaEvent, GpuError> {
    gpu.context().new_event(Some(CUevent_flags::CU_EVENT_DEFAULT)).map_err(GpuError::driver("creating a CUDA event"))
}
