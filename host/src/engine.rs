//! The long-lived engine: plugins loaded once, one HTTP client (its pacing windows and TLS
//! roots) shared by every call, and [`Engine::invoke`] callable concurrently from async
//! code. The command line is one front end on top of it; a webhook receiver or an MCP
//! server are others.
//!
//! A plugin's code is synchronous and runs on tokio's blocking pool; its HTTP requests go
//! back to the runtime that called `invoke`. Cancellation and deadlines take effect at the
//! plugin's next host call (a request in flight is abandoned at once).

use std::sync::Arc;

use serde_json::{Map, Value};
use statusctl_plugin_api::{CommandDecl, Manifest};

use crate::cli::Identity;
use crate::error::HostError;
pub use crate::invoke::InvokeOptions;
use crate::invoke::{self, Call, Shared};
use crate::registry::Registry;
use crate::services::clock::Clock;
use crate::services::config::Config;
use crate::services::env::EnvView;
use crate::services::http::{HttpEngine, HttpSettings};
use crate::services::progress::CallControl;
use crate::services::redact::Redactor;
use crate::services::secrets::SecretStore;

pub use crate::invoke::Produced as Invoked;

/// A host ready to run commands, many at once, for as long as it lives.
#[derive(Clone)]
pub struct Engine {
    pub(crate) shared: Arc<Shared>,
}

/// What an engine is built from: the results of discovery and configuration.
pub(crate) struct Parts {
    pub identity: Identity,
    pub registry: Registry,
    pub env: EnvView,
    pub config: Config,
    pub ca_files: Vec<std::path::PathBuf>,
    pub clock: Clock,
    pub redactor: Redactor,
    pub store: SecretStore,
}

impl Engine {
    pub(crate) fn new(parts: Parts) -> Self {
        let user_agent = format!("{}/{}", parts.identity.name, parts.identity.version);
        let http = HttpEngine::new(HttpSettings { ca_files: parts.ca_files, user_agent }, parts.clock);
        Self {
            shared: Arc::new(Shared {
                identity: parts.identity,
                registry: parts.registry,
                env: parts.env,
                config: parts.config,
                http,
                redactor: parts.redactor,
                store: parts.store,
            }),
        }
    }

    /// Every command of every loaded plugin, as `(namespace, declaration)`.
    pub fn commands(&self) -> impl Iterator<Item = (&str, &CommandDecl)> {
        self.shared
            .registry
            .active()
            .flat_map(|(_, m)| m.commands.iter().map(move |c| (m.namespace.as_str(), c)))
    }

    /// The manifests of the loaded plugins.
    pub fn manifests(&self) -> impl Iterator<Item = &Manifest> {
        self.shared.registry.active().map(|(_, m)| m)
    }

    /// Log lines for a front end whose stdout is not for people (an MCP server): on stderr,
    /// filtered by verbosity as on the command line, each scrubbed of every secret the engine
    /// knows — the command line's own subscriber, without colour.
    pub fn log_subscriber(&self, verbosity: i8) -> impl tracing::Subscriber + Send + Sync {
        crate::services::log::subscriber(
            verbosity,
            false,
            self.shared.redactor.clone(),
            crate::services::log::LogTarget::Stderr,
        )
    }

    /// Scrubs every secret the engine has handed out or seen from `text`.
    pub fn scrub(&self, text: &str) -> String {
        self.shared.redactor.scrub(text).into_owned()
    }

    /// Runs `command` (`namespace:command`, `-` allowed for `_`) with `args` given by
    /// argument id (as a caller would type them: the environment, the profile and the
    /// defaults complete them). Safe to call concurrently.
    pub async fn invoke(
        &self,
        command: &str,
        args: Map<String, Value>,
        options: InvokeOptions,
    ) -> Result<Invoked, HostError> {
        let (namespace, name) = command
            .split_once(':')
            .ok_or_else(|| HostError::Usage(format!("`{command}` is not namespace:command")))?;
        let (namespace, name) = (namespace.replace('-', "_"), name.replace('-', "_"));
        let (record, manifest) = self
            .shared
            .registry
            .plugin(&namespace)
            .ok_or_else(|| HostError::Usage(format!("no plugin serves the namespace `{namespace}`")))?;
        manifest.find(&name).ok_or_else(|| HostError::Usage(format!("no command {namespace}:{name}")))?;
        let module =
            record.module.ok_or_else(|| HostError::Internal(format!("plugin {namespace} has no module")))?;
        let shared = self.shared.clone();
        let runtime = tokio::runtime::Handle::current();
        // The plugin's thread logs where the caller logs.
        let dispatch = tracing::dispatcher::get_default(Clone::clone);
        let control = CallControl {
            cancel: options.cancel.clone(),
            deadline: options.deadline,
            progress: options.progress.clone(),
            max_wait: options.max_wait,
            waited: Default::default(),
        };
        let call = Call { namespace, command: name, given: args, options, control, module };
        let task = tokio::task::spawn_blocking(move || {
            tracing::dispatcher::with_default(&dispatch, || invoke::run(&shared, &runtime, call))
        });
        match task.await {
            Ok(result) => result,
            Err(err) => Err(HostError::Internal(format!("the plugin call did not finish: {err}"))),
        }
    }
}
