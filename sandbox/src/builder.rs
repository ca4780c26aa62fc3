//! Assembling a sandbox: which providers it serves and where.

use std::collections::HashSet;
use std::fmt;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::background::BackgroundSandbox;
use crate::clock::SandboxClock;
use crate::control::{Control, ResetHook};
use crate::error::SandboxError;
use crate::mount_context::MountContext;
use crate::nobl9::Nobl9Options;
use crate::record::NotificationLog;
use crate::responses::not_found;
use crate::running::RunningSandbox;
use crate::server::{Dispatch, accept_loop};
use crate::state_file::StateFile;
use crate::statuspage::StatuspageOptions;

/// Builds a provider's router when the sandbox starts, once the clock and
/// the state file are known.
type Mount = Box<dyn FnOnce(&mut MountContext) -> Result<Router, SandboxError> + Send>;

const ECHO_PROVIDER: &str = "echo";

/// Configures a sandbox; nothing happens until [`SandboxBuilder::serve`] or
/// [`SandboxBuilder::start_background`].
#[derive(Default)]
pub struct SandboxBuilder {
    port: u16,
    providers: Vec<(String, ProviderSource)>,
    echo: bool,
    reset_hooks: Vec<ResetHook>,
    clock: SandboxClock,
    state_file: Option<PathBuf>,
}

enum ProviderSource {
    Ready(Router),
    Deferred(Mount),
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
        self.providers.push((name.to_owned(), ProviderSource::Ready(router)));
        self
    }

    /// Mounts the Atlassian Statuspage emulator (provider `statuspage`,
    /// routes under `/v1`) with its seeded demo data; a reset brings that
    /// seed back. See [`crate::statuspage`].
    pub fn statuspage(mut self, options: StatuspageOptions) -> Self {
        let mount: Mount = Box::new(move |context| crate::statuspage::mount(options, context));
        self.providers.push((crate::statuspage::PROVIDER.to_owned(), ProviderSource::Deferred(mount)));
        self
    }

    /// Mounts the Nobl9 status page emulator (provider `nobl9`, routes under
    /// `/api` and `/oauth2`) with its seeded demo data; a reset brings that
    /// seed back. See [`crate::nobl9`].
    pub fn nobl9(mut self, options: Nobl9Options) -> Self {
        let mount: Mount = Box::new(move |context| crate::nobl9::mount(options, context));
        self.providers.push((crate::nobl9::PROVIDER.to_owned(), ProviderSource::Deferred(mount)));
        self
    }

    /// Persists the state of the providers that support it (the Statuspage
    /// and Nobl9 emulators) in this JSON file: loaded at start if it exists, rewritten
    /// atomically after every change. A provider option naming a file of its
    /// own takes precedence.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
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
        let port = self.port;
        let clock = self.clock.clone();
        let notifications = NotificationLog::default();
        let (providers, reset_hooks) = self.mount_providers(notifications.clone())?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await.map_err(SandboxError::Bind)?;
        let addr = listener.local_addr().map_err(SandboxError::Bind)?;
        let control = Control::new(reset_hooks, clock, notifications);
        let dispatch = Arc::new(Dispatch::new(control.clone(), providers));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, dispatch, stopped));
        tracing::info!(%addr, "sandbox listening");
        Ok(RunningSandbox::new(addr, control, stop, task))
    }

    /// Serves from a thread of its own with its own runtime, for callers
    /// without one; returns once the sandbox is listening.
    pub fn start_background(self) -> Result<BackgroundSandbox, SandboxError> {
        BackgroundSandbox::start(move || self.serve())
    }

    /// Builds every provider's router (deferred ones now) and merges them;
    /// returns the reset hooks, the builder's and the providers' own.
    fn mount_providers(
        self,
        notifications: NotificationLog,
    ) -> Result<(Router, Vec<ResetHook>), SandboxError> {
        let echo =
            self.echo.then(|| (ECHO_PROVIDER.to_owned(), ProviderSource::Ready(crate::echo::router())));
        let providers: Vec<_> = self.providers.into_iter().chain(echo).collect();
        let mut names = HashSet::new();
        for (name, _) in &providers {
            if !names.insert(name.as_str()) {
                return Err(SandboxError::DuplicateProvider(name.clone()));
            }
        }
        let shared_state = self.state_file.as_deref().map(StateFile::open).transpose()?.map(Arc::new);
        let mut context = MountContext::new(self.clock, shared_state, self.reset_hooks, notifications);
        let mut merged = Router::new();
        for (_, source) in providers {
            let router = match source {
                ProviderSource::Ready(router) => router,
                ProviderSource::Deferred(mount) => mount(&mut context)?,
            };
            merged = merged.merge(router);
        }
        Ok((merged.fallback(not_found), context.into_reset_hooks()))
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
            .field("clock", &self.clock)
            .field("state_file", &self.state_file)
            .finish()
    }
}
