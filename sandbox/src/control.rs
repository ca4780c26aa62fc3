//! In-process handle on the sandbox state that the `/_sandbox/` control API
//! also works on.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::request::Parts;

use crate::clock::SandboxClock;
use crate::fault::{Fault, FaultAction, FaultError, FaultMatch, FaultQueue};
use crate::record::{NotificationLog, RecordedRequest, RequestCounters, RequestLog};

/// Runs on every reset of the sandbox, e.g. to bring an emulator back to its
/// seeded data.
pub(crate) type ResetHook = Arc<dyn Fn() + Send + Sync>;

/// Cheap to clone; every clone sees the same faults, recordings, hooks and
/// clock.
#[derive(Clone)]
pub struct Control {
    shared: Arc<Shared>,
}

struct Shared {
    started: Instant,
    clock: SandboxClock,
    traffic: Mutex<Traffic>,
    notifications: NotificationLog,
    reset_hooks: Mutex<Vec<ResetHook>>,
}

/// Faults and recordings share one lock so that the recording order (`seq`)
/// is also the order in which requests consumed faults.
#[derive(Default)]
struct Traffic {
    faults: FaultQueue,
    log: RequestLog,
}

impl Control {
    pub(crate) fn new(
        reset_hooks: Vec<ResetHook>,
        clock: SandboxClock,
        notifications: NotificationLog,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                started: Instant::now(),
                clock,
                traffic: Mutex::default(),
                notifications,
                reset_hooks: Mutex::new(reset_hooks),
            }),
        }
    }

    /// Queues a fault behind the ones already added.
    ///
    /// # Panics
    /// If the fault is invalid (see [`Fault::validate`]); this is meant for
    /// faults written in test code. Use [`Control::try_add_fault`] for faults
    /// coming from elsewhere.
    pub fn add_fault(&self, fault: Fault) {
        if let Err(error) = self.try_add_fault(fault) {
            panic!("invalid sandbox fault: {error}");
        }
    }

    /// Queues a fault behind the ones already added, unless it is invalid.
    pub fn try_add_fault(&self, fault: Fault) -> Result<(), FaultError> {
        self.add_faults(vec![fault]).map(|_| ())
    }

    /// Queues all faults, or none of them if one is invalid; returns how many
    /// were added.
    pub fn add_faults(&self, faults: Vec<Fault>) -> Result<usize, FaultError> {
        faults.iter().try_for_each(Fault::validate)?;
        let added = faults.len();
        let mut traffic = self.traffic();
        for fault in faults {
            traffic.faults.push(fault);
        }
        Ok(added)
    }

    /// Faults not used up yet, with their remaining `times`.
    pub fn faults(&self) -> Vec<Fault> {
        self.traffic().faults.pending()
    }

    pub fn clear_faults(&self) {
        self.traffic().faults.clear();
    }

    /// The requests recorded since the start or the last clear, oldest
    /// first: the most recent [`MAX_RECORDED_REQUESTS`](crate::MAX_RECORDED_REQUESTS)
    /// of them, bodies cut at [`MAX_RECORDED_BODY_BYTES`](crate::MAX_RECORDED_BODY_BYTES).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.traffic().log.all()
    }

    /// Counts of every request recorded since the start or the last clear,
    /// per method and per Statuspage incident, however many the log dropped,
    /// and the notifying writes per Statuspage incident; same as
    /// `GET /_sandbox/counters`.
    pub fn counters(&self) -> RequestCounters {
        let mut counters = self.traffic().log.counters();
        counters.notifications = self.shared.notifications.counts();
        counters
    }

    /// The recorded requests selected by `filter`, oldest first.
    pub fn requests_matching(&self, filter: &FaultMatch) -> Vec<RecordedRequest> {
        let mut requests = self.requests();
        requests.retain(|request| filter.matches(&request.method, &request.path));
        requests
    }

    /// Forgets recorded requests and zeroes the counters; numbering
    /// continues where it was.
    pub fn clear_requests(&self) {
        let mut traffic = self.traffic();
        traffic.log.clear();
        self.shared.notifications.clear();
    }

    /// Clears faults and recordings (numbering restarts at 1), then runs
    /// every reset hook so that providers can drop their state too (the
    /// Statuspage emulator goes back to its seed).
    ///
    /// The clock is *not* rewound: it only ever moves forward, so that no
    /// timestamp handed out before the reset lies in the sandbox's future.
    pub fn reset(&self) {
        {
            let mut traffic = self.traffic();
            traffic.faults.clear();
            traffic.log.reset();
            self.shared.notifications.clear();
        }
        // Hooks run without any lock held: a hook may well use this Control.
        let hooks = lock(&self.shared.reset_hooks).clone();
        for hook in hooks {
            hook();
        }
    }

    /// The sandbox-wide virtual clock (real time plus an offset) that
    /// time-driven provider behaviour follows.
    pub fn clock(&self) -> SandboxClock {
        self.shared.clock.clone()
    }

    /// Moves the sandbox clock forward by `by`; same as
    /// `POST /_sandbox/clock {"advance_seconds": N}`.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Registers a hook run by every [`Control::reset`] and
    /// `POST /_sandbox/reset`.
    pub fn on_reset(&self, hook: impl Fn() + Send + Sync + 'static) {
        lock(&self.shared.reset_hooks).push(Arc::new(hook));
    }

    /// Records a request and picks the fault it gets, as one step so that the
    /// recording exists even if the fault then closes the connection.
    pub(crate) fn admit(&self, parts: &Parts, body: &[u8]) -> Option<FaultAction> {
        let received_ms = u64::try_from(self.shared.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut traffic = self.traffic();
        let action = traffic.faults.take(parts.method.as_str(), parts.uri.path());
        let description = action.as_ref().map(FaultAction::describe);
        traffic.log.record(parts, body, received_ms, description);
        action
    }

    fn traffic(&self) -> MutexGuard<'_, Traffic> {
        lock(&self.shared.traffic)
    }
}

/// A panic elsewhere (typically a failed assertion in a test) must not make
/// the sandbox unusable, and the guarded data is always left consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl fmt::Debug for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let traffic = self.traffic();
        f.debug_struct("Control")
            .field("faults", &traffic.faults.len())
            .field("requests", &traffic.log.len())
            .field("reset_hooks", &lock(&self.shared.reset_hooks).len())
            .field("clock", &self.shared.clock)
            .finish()
    }
}
