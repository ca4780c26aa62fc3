//! In-process HTTP sandbox for end-to-end tests of `statusctl` and for
//! provider emulators.
//!
//! A sandbox serves provider routers (plain [`axum::Router`]s) on
//! `127.0.0.1`, records every request and injects faults, both from Rust
//! through [`Control`] and over HTTP through the control API under
//! `/_sandbox/` (`faults`, `requests`, `counters`, `reset`, `health`,
//! `clock`).
//!
//! Only requests addressed to a loopback name or address are answered (the
//! `Host` header), a browser's `Origin` must be a loopback page too, the
//! control API takes JSON bodies only and bodies are capped at
//! [`MAX_BODY_BYTES`]: a web page the user opens cannot read the recorded
//! requests or add faults. The request log keeps the most recent
//! [`MAX_RECORDED_REQUESTS`] requests (bodies cut at
//! [`MAX_RECORDED_BODY_BYTES`]); [`RequestCounters`] count them all.
//!
//! Providers: the echo provider ([`SandboxBuilder::with_echo`]), a
//! faithful emulator of the Atlassian Statuspage REST API v1
//! ([`SandboxBuilder::statuspage`], module [`statuspage`]) and an emulator
//! of the Nobl9 status page API ([`SandboxBuilder::nobl9`], module
//! [`nobl9`]). Time-driven
//! behaviour follows a virtual [`SandboxClock`] that tests move forward with
//! [`Control::advance_clock`] or `POST /_sandbox/clock`.
//!
//! ```no_run
//! use statusctl_sandbox::{Fault, FaultAction, FaultMatch, SandboxBuilder};
//!
//! # async fn demo() -> Result<(), statusctl_sandbox::SandboxError> {
//! let sandbox = SandboxBuilder::new().with_echo(true).serve().await?;
//! sandbox.control().add_fault(Fault::new(
//!     FaultMatch::any().method("POST").path("/echo/*"),
//!     FaultAction::status(503).with_retry_after("2"),
//! ));
//! // ... point the CLI at sandbox.base_url() ...
//! assert_eq!(sandbox.control().requests().len(), 0);
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod background;
mod builder;
mod clock;
mod control;
mod control_api;
mod echo;
mod error;
mod fault;
mod guard;
mod mount_context;
pub mod nobl9;
mod persisted_emulator;
mod record;
mod responses;
mod running;
mod server;
mod state_file;
pub mod statuspage;

pub use background::BackgroundSandbox;
pub use builder::SandboxBuilder;
pub use clock::SandboxClock;
pub use control::Control;
pub use error::SandboxError;
pub use fault::{DropPoint, Fault, FaultAction, FaultError, FaultMatch};
pub use guard::MAX_BODY_BYTES;
pub use record::{MAX_RECORDED_BODY_BYTES, MAX_RECORDED_REQUESTS, RecordedRequest, RequestCounters};
pub use running::RunningSandbox;
