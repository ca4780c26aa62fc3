//! What a call reports while it runs, and how it is stopped: a cancellation token, a
//! deadline and a sink for progress events (waits on backoff, `Retry-After` and pacing).
//! Front ends decide what to show; the library only reports.

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use tokio_util::sync::CancellationToken;

/// One progress event.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A wait is under way: `left` of `total` remains (sent when it starts, then about every
    /// quarter second of real time while it lasts).
    Waiting { total: Duration, left: Duration, reason: String },
    /// The wait is over.
    Waited,
}

/// Where progress events go.
pub type ProgressSink = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How one call may be stopped and what it reports.
#[derive(Clone)]
pub struct CallControl {
    pub cancel: CancellationToken,
    /// The moment the call must be over by (real time).
    pub deadline: Option<Instant>,
    pub progress: Option<ProgressSink>,
    /// The longest total wait on backoff and `Retry-After` before giving up.
    pub max_wait: Duration,
}

impl Default for CallControl {
    fn default() -> Self {
        Self {
            cancel: CancellationToken::new(),
            deadline: None,
            progress: None,
            max_wait: Duration::from_secs(120),
        }
    }
}

impl CallControl {
    pub fn report(&self, event: Progress) {
        if let Some(sink) = &self.progress {
            sink(&event);
        }
    }

    /// Real time left before the deadline (`None`: no deadline).
    pub fn time_left(&self) -> Option<Duration> {
        self.deadline.map(|d| d.saturating_duration_since(Instant::now()))
    }
}
