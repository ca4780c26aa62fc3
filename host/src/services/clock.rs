//! Time as the host's waits see it. A scale below 1 (set by tests through
//! `STATUSCTL_TIME_SCALE`) makes every wait shorter without changing what is computed or logged.

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Clock {
    start: Instant,
    scale: f64,
}

impl Clock {
    pub fn new(scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 { scale } else { 1.0 };
        Self { start: Instant::now(), scale }
    }

    /// Virtual time since the clock started.
    pub fn now(&self) -> Duration {
        self.start.elapsed().div_f64(self.scale)
    }

    pub async fn sleep(&self, virtual_duration: Duration) {
        tokio::time::sleep(virtual_duration.mul_f64(self.scale)).await
    }

    /// A real duration for a virtual one (for timeouts).
    pub fn real(&self, virtual_duration: Duration) -> Duration {
        virtual_duration.mul_f64(self.scale)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new(1.0)
    }
}
