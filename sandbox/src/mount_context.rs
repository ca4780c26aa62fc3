//! What a provider emulator mounted at sandbox start gets to work with: the
//! sandbox clock, the state file and a way to register reset hooks.
//!
//! The builder creates one context and hands it to each provider's mount
//! function in turn; the providers depend on this module, not on the builder.

use std::path::Path;
use std::sync::Arc;

use crate::clock::SandboxClock;
use crate::control::ResetHook;
use crate::error::SandboxError;
use crate::record::NotificationLog;
use crate::state_file::StateFile;

pub(crate) struct MountContext {
    clock: SandboxClock,
    shared_state: Option<Arc<StateFile>>,
    reset_hooks: Vec<ResetHook>,
    notifications: NotificationLog,
}

impl MountContext {
    /// `shared_state` is the sandbox-wide state file, if any; `reset_hooks`
    /// are the ones registered before the providers are mounted.
    pub(crate) fn new(
        clock: SandboxClock,
        shared_state: Option<Arc<StateFile>>,
        reset_hooks: Vec<ResetHook>,
        notifications: NotificationLog,
    ) -> Self {
        Self { clock, shared_state, reset_hooks, notifications }
    }

    /// Where an emulator counts notifying writes (read by the control API's counters).
    pub(crate) fn notifications(&self) -> NotificationLog {
        self.notifications.clone()
    }

    pub(crate) fn clock(&self) -> SandboxClock {
        self.clock.clone()
    }

    /// The provider's own state file if it names one, else the sandbox-wide
    /// one, if any. Opening a file moves the clock forward to the time it was
    /// saved at.
    pub(crate) fn state_file(&self, own: Option<&Path>) -> Result<Option<Arc<StateFile>>, SandboxError> {
        let file = match (own, &self.shared_state) {
            (Some(own), Some(shared)) if own == shared.path() => Some(Arc::clone(shared)),
            (Some(own), _) => Some(Arc::new(StateFile::open(own)?)),
            (None, shared) => shared.clone(),
        };
        if let Some(saved_at) = file.as_ref().and_then(|file| file.saved_at()) {
            self.clock.advance_to(saved_at);
        }
        Ok(file)
    }

    pub(crate) fn on_reset(&mut self, hook: impl Fn() + Send + Sync + 'static) {
        self.reset_hooks.push(Arc::new(hook));
    }

    /// Every reset hook: the ones given to [`MountContext::new`], then the
    /// providers' own.
    pub(crate) fn into_reset_hooks(self) -> Vec<ResetHook> {
        self.reset_hooks
    }
}
