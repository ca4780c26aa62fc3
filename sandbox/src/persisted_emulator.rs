//! A provider emulator behind one lock whose state is saved to the state file
//! (see `crate::state_file`) after every change, so that saves happen in the
//! order of the changes. Each provider keeps its own requests, answers and
//! errors; this part only loads, locks, saves and resets.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock::SandboxClock;
use crate::error::SandboxError;
use crate::mount_context::MountContext;
use crate::state_file::StateFile;

/// What an emulator exposes so that its state can be persisted.
pub(crate) trait PersistedState: Send + 'static {
    /// Everything that is saved: the provider's section of the state file.
    type Store: Serialize + DeserializeOwned;
    /// Provider name, also the state file section.
    const PROVIDER: &'static str;

    fn store(&self) -> &Self::Store;
    /// Whether the state changed since the last call.
    fn take_dirty(&mut self) -> bool;
    /// Back to the seeded demo data.
    fn reset(&mut self);
}

pub(crate) struct PersistedEmulator<E> {
    emulator: Mutex<E>,
    clock: SandboxClock,
    state_file: Option<Arc<StateFile>>,
}

impl<E: PersistedState> PersistedEmulator<E> {
    /// At sandbox start: loads the provider's section of the state file if
    /// there is one (else `seed`), builds the emulator on it and registers
    /// the reset hook. `own_file` is the provider's own state file option.
    pub(crate) fn mount(
        context: &mut MountContext,
        own_file: Option<&Path>,
        seed: impl FnOnce() -> E::Store,
        build: impl FnOnce(E::Store) -> E,
    ) -> Result<Arc<Self>, SandboxError> {
        let state_file = context.state_file(own_file)?;
        let store = match &state_file {
            Some(file) => file.load_section(E::PROVIDER)?.unwrap_or_else(seed),
            None => seed(),
        };
        let persisted =
            Arc::new(Self { emulator: Mutex::new(build(store)), clock: context.clock(), state_file });
        let on_reset = Arc::clone(&persisted);
        context.on_reset(move || on_reset.reset());
        Ok(persisted)
    }

    fn emulator(&self) -> MutexGuard<'_, E> {
        self.emulator.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `handle` on the emulator at the sandbox's now and saves the state
    /// if it changed, under one lock. A failed save answers
    /// `cannot_save(reason)` instead of the handler's result.
    pub(crate) fn handle<T, Error>(
        &self,
        handle: impl FnOnce(&mut E, SystemTime) -> Result<T, Error>,
        cannot_save: impl FnOnce(String) -> Error,
    ) -> Result<T, Error> {
        let now = self.clock.now();
        let mut emulator = self.emulator();
        let result = handle(&mut emulator, now);
        if emulator.take_dirty()
            && let Some(file) = &self.state_file
            && let Err(error) = file.save_section(E::PROVIDER, emulator.store(), now)
        {
            log_save_error(file, &error, E::PROVIDER);
            return Err(cannot_save(format!(
                "the sandbox changed its state but cannot save it to {}: {error}",
                file.path().display()
            )));
        }
        result
    }

    fn reset(&self) {
        let mut emulator = self.emulator();
        emulator.reset();
        emulator.take_dirty();
        if let Some(file) = &self.state_file
            && let Err(error) = file.save_section(E::PROVIDER, emulator.store(), self.clock.now())
        {
            log_save_error(file, &error, E::PROVIDER);
        }
    }
}

fn log_save_error(file: &StateFile, error: &std::io::Error, provider: &str) {
    tracing::error!(path = %file.path().display(), %error, "{provider} sandbox cannot save its state");
}
