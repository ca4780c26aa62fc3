//! Assembling a sandbox: which providers it serves and where.

use std::collections::HashSet;
use std::fmt;
use std::net::Ipv4Addr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::background::BackgroundSandbox;
use crate::control::Control;
use crate::error::SandboxError;
use crate::responses::not_found;
use crate::running::RunningSandbox;
use crate::server::{Dispatch, accept_loop};

type ResetHook = Arc<dyn Fn() + Send + Sync>;

const ECHO_PROVIDER: &str = "echo";

/// Configures a sandbox; nothing happens until [`SandboxBuilder::serve`] or
/// [`SandboxBuilder::start_background`].
#[derive(Default)]
pub struct SandboxBuilder {
    port: u16,
    providers: Vec<(String, Router)>,
    echo: bool,
    reset_hooks: Vec<ResetHook>,
}

impl SandboxBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Port on 127.0.0.1; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Mounts a provider's routes at the root, merged with the other
    /// providers'. Routes must not overlap (axum panics on merge otherwise)
    /// and providers must not set a fallback: the sandbox answers unknown
    /// paths with a JSON 404 itself.
    pub fn provider(mut self, name: &str, router: Router) -> Self {
        self.providers.push((name.to_owned(), router));
        self
    }

    /// Mounts the echo provider under `/echo`.
    pub fn with_echo(mut self, enabled: bool) -> Self {
        self.echo = enabled;
        self
    }

    /// Registers a reset hook before the sandbox starts; same as
    /// [`Control::on_reset`] afterwards.
    pub fn on_reset(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.reset_hooks.push(Arc::new(hook));
        self
    }

    /// Binds 127.0.0.1 and serves on the current tokio runtime until the
    /// returned handle is shut down or dropped.
    pub async fn serve(self) -> Result<RunningSandbox, SandboxError> {
        let providers = self.merged_providers()?;
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).await.map_err(SandboxError::Bind)?;
        let addr = listener.local_addr().map_err(SandboxError::Bind)?;
        let control = Control::new(self.reset_hooks);
        let dispatch = Arc::new(Dispatch::new(control.clone(), providers));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, dispatch, stopped));
        tracing::info!(%addr, "sandbox listening");
        Ok(RunningSandbox::new(addr, control, stop, task))
    }

    /// Serves from a thread of its own with its own runtime, for callers
    /// without one; returns once the sandbox is listening.
    pub fn start_background(self) -> Result<BackgroundSandbox, SandboxError> {
        BackgroundSandbox::start(self)
    }

    fn merged_providers(&self) -> Result<Router, SandboxError> {
        let echo = self.echo.then(|| (ECHO_PROVIDER.to_owned(), crate::echo::router()));
        let mut names = HashSet::new();
        let mut merged = Router::new();
        for (name, router) in self.providers.iter().cloned().chain(echo) {
            if !names.insert(name.clone()) {
                return Err(SandboxError::DuplicateProvider(name));
            }
            merged = merged.merge(router);
        }
        Ok(merged.fallback(not_found))
    }
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let providers: Vec<&str> = self.providers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("SandboxBuilder")
            .field("port", &self.port)
            .field("providers", &providers)
            .field("echo", &self.echo)
            .field("reset_hooks", &self.reset_hooks.len())
            .finish()
    }
}
