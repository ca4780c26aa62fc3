//! `statusctl mcp`: every command of every loaded plugin as an MCP tool, served over stdio,
//! safe by default (only tools that read, unless writes are allowed by name).
//!
//! The crate knows nothing of the host: a front end hands it the commands as declarations
//! (`statusctl-plugin-api`'s [`CommandDecl`]) and a [`Backend`] that runs them (the host's
//! engine, in `statusctl`). The MCP SDK (`rmcp`, pinned exactly) is used by one module only,
//! [`protocol`]; everything else — the tool catalogue, the policy, the call, the audit
//! line — is plain data and tested without it.

mod audit;
mod call;
mod catalog;
mod policy;
mod protocol;
mod schema;
mod stdio;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
pub use statusctl_plugin_api::CommandDecl;
pub use tokio_util::sync::CancellationToken;

pub use audit::AuditLog;
pub use call::Server;
pub use catalog::{Catalog, Skipped, ToolDef};
pub use policy::{CallCap, Pattern, Policy, PolicyError};
pub use protocol::{SERVER_NAME, serve_stdio};
pub use stdio::ProtocolStdout;

/// A boxed future, for [`Backend::invoke`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What runs the commands: the host's engine, in `statusctl`.
pub trait Backend: Send + Sync + 'static {
    /// Runs `command` (`namespace:command`) with `args` by argument id.
    fn invoke(
        &self,
        command: &str,
        args: Map<String, Value>,
        options: CallOptions,
    ) -> BoxFuture<'_, Result<Produced, CallError>>;
    /// Masks every secret the backend knows of in `text`.
    fn scrub(&self, text: &str) -> String;
}

/// How one call runs.
#[derive(Clone)]
pub struct CallOptions {
    /// Requests that change something are returned as a plan, not sent.
    pub dry_run: bool,
    pub cancel: CancellationToken,
    /// Where waits (rate limits, backoff) are reported, when the client asked for progress.
    pub progress: Option<Arc<dyn Fn(Wait) + Send + Sync>>,
}

/// A wait under way in a call (a rate limit, a backoff): `left` of `total` remains.
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    pub total: Duration,
    pub left: Duration,
    pub reason: String,
}

/// What a call produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Produced {
    /// The command's data and its text rendering.
    Output { data: Value, text: String },
    /// A dry run: the requests that would have been sent (as data and as text).
    Planned { requests: Value, text: String },
}

/// A failed call, as the command line would report it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallError {
    pub message: String,
    /// A stable word (`usage`, `failed`, `config`, `unavailable`, `outcome_unknown`, …).
    pub kind: String,
    /// The exit code `statusctl` would have used.
    pub exit_code: u8,
    pub http_status: Option<u16>,
    /// The request whose outcome is unknown, when there is one.
    pub request_id: Option<String>,
}

impl CallError {
    pub fn new(kind: &str, exit_code: u8, message: impl Into<String>) -> Self {
        Self { message: message.into(), kind: kind.into(), exit_code, http_status: None, request_id: None }
    }
}
