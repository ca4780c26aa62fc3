//! What a call reports while it runs, and how it is stopped: a cancellation token, a
//! deadline and a sink for progress events (waits on backoff, `Retry-After` and pacing).
//! Front ends decide what to show; the library only reports.

use std::sync::{Arc, Mutex};
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
///
/// It also keeps the call's waiting budget: every wait on backoff and `Retry-After` of the
/// call, whichever request it is for, draws from one `max_wait` ([`CallControl::take_wait`]);
/// clones share it.
#[derive(Clone)]
pub struct CallControl {
    pub cancel: CancellationToken,
    /// The moment the call must be over by (real time).
    pub deadline: Option<Instant>,
    pub progress: Option<ProgressSink>,
    /// The longest total wait on backoff and `Retry-After`, all requests of the call
    /// together, before giving up.
    pub max_wait: Duration,
    /// What the call has waited so far (shared by clones: one budget per call).
    pub waited: Arc<Mutex<Duration>>,
}

impl Default for CallControl {
    fn default() -> Self {
        Self {
            cancel: CancellationToken::new(),
            deadline: None,
            progress: None,
            max_wait: Duration::from_secs(120),
            waited: Arc::default(),
        }
    }
}

impl CallControl {
    pub fn report(&self, event: Progress) {
        if let Some(sink) = &self.progress {
            sink(&event);
        }
    }

    /// Takes `wait` from the call's budget of `max_wait`; when it does not fit, takes
    /// nothing and returns what the call has waited already.
    pub fn take_wait(&self, wait: Duration) -> Result<(), Duration> {
        let mut spent = self.waited.lock().unwrap_or_else(|e| e.into_inner());
        if spent.saturating_add(wait) > self.max_wait {
            return Err(*spent);
        }
        *spent += wait;
        Ok(())
    }

    /// What the call has waited so far on backoff and `Retry-After`.
    #[cfg(test)]
    pub fn spent(&self) -> Duration {
        *self.waited.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Real time left before the deadline (`None`: no deadline).
    pub fn time_left(&self) -> Option<Duration> {
        self.deadline.map(|d| d.saturating_duration_since(Instant::now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wait_of_a_call_draws_from_one_budget() {
        let budget = |secs| CallControl { max_wait: Duration::from_secs(secs), ..CallControl::default() };
        let (control, other) = (budget(2), budget(2));
        assert_eq!(control.take_wait(Duration::from_millis(1500)), Ok(()));
        assert_eq!(control.take_wait(Duration::from_millis(1500)), Err(Duration::from_millis(1500)));
        assert_eq!(control.take_wait(Duration::from_millis(500)), Ok(()));
        assert_eq!(control.spent(), Duration::from_secs(2));
        // A clone shares the call's budget; another call has its own.
        assert_eq!(control.clone().take_wait(Duration::from_millis(1)), Err(Duration::from_secs(2)));
        assert_eq!(other.take_wait(Duration::from_secs(2)), Ok(()));
    }
}
