//! Running one plugin command: resolve its arguments, lend it the host's services, call it
//! behind the panic guard, and collect what it returned and what `--dry-run` held back.
//! Runs on a blocking thread of the engine's caller's runtime.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use statusctl_plugin_api::resolve::{self, ResolvedArgs, Source};
use statusctl_plugin_api::{
    ArgDecl, CommandDecl, Error, ErrorKind, Invocation, Manifest, Output, abi::PluginModRef,
};

use crate::cli::Identity;
use crate::cli::globals::Format;
use crate::error::HostError;
use crate::registry::Registry;
use crate::services::config::Config;
use crate::services::dry_run::{self, PlannedRequest};
use crate::services::env::EnvView;
use crate::services::http::HttpEngine;
use crate::services::inputs::HostInputs;
use crate::services::progress::CallControl;
use crate::services::progress::{CancellationToken, ProgressSink};
use crate::services::redact::Redactor;
use crate::services::secrets::SecretStore;
use crate::services::trust::{self, DotenvChoice};
use crate::services::{Guard, Session};

/// What an engine shares between calls.
pub struct Shared {
    pub identity: Identity,
    pub registry: Registry,
    pub env: EnvView,
    pub config: Config,
    pub http: HttpEngine,
    pub redactor: Redactor,
    pub store: SecretStore,
}

/// How one call runs.
#[derive(Clone)]
pub struct InvokeOptions {
    /// The moment the call must be over by.
    pub deadline: Option<Instant>,
    pub cancel: CancellationToken,
    /// Reads run; anything that would change something is returned as a plan, not sent.
    pub dry_run: bool,
    /// The config profile (default: the config file's `default_profile`).
    pub profile: Option<String>,
    /// Where waits (backoff, `Retry-After`, pacing) are reported.
    pub progress: Option<ProgressSink>,
    /// `json` or `text`: what the plugin is told the output will be.
    pub format: String,
    /// -1 quiet, 0 default, 1 and 2 more (what the plugin is told).
    pub verbosity: i8,
    /// The longest total wait on backoff and `Retry-After` before giving up.
    pub max_wait: Duration,
    /// Credentials may travel over plain `http://` to hosts other than loopback.
    pub allow_http: bool,
    /// Values from `./.env` that chose something before the call (the profile, CA files):
    /// allowed only with a credential from the same file.
    pub dotenv_choices: Vec<DotenvChoice>,
}

impl Default for InvokeOptions {
    fn default() -> Self {
        Self {
            deadline: None,
            cancel: CancellationToken::new(),
            dry_run: false,
            profile: None,
            progress: None,
            format: "json".into(),
            verbosity: 0,
            max_wait: Duration::from_secs(120),
            allow_http: false,
            dotenv_choices: Vec::new(),
        }
    }
}

/// One call, as the engine hands it to a blocking thread.
pub struct Call {
    pub namespace: String,
    pub command: String,
    /// Values given by the caller, by argument id.
    pub given: Map<String, Value>,
    pub options: InvokeOptions,
    pub control: CallControl,
    pub module: PluginModRef,
}

/// What a plugin command produced.
#[derive(Debug, Clone)]
pub enum Produced {
    Output(Output),
    /// `--dry-run` stopped before these requests.
    Planned(Vec<PlannedRequest>),
}

pub fn run(shared: &Shared, runtime: &tokio::runtime::Handle, call: Call) -> Result<Produced, HostError> {
    let (_, manifest) = shared
        .registry
        .plugin(&call.namespace)
        .ok_or_else(|| HostError::Internal(format!("no plugin for {}", call.namespace)))?;
    let decl = manifest
        .find(&call.command)
        .ok_or_else(|| HostError::Internal(format!("no command {}:{}", call.namespace, call.command)))?;
    resolve::check_given(decl, &call.given).map_err(HostError::Plugin)?;
    let profile =
        match call.options.profile.clone().or_else(|| shared.config.default_profile().map(String::from)) {
            Some(name) if !shared.config.has_profile(&name) => {
                return Err(HostError::Config(format!(
                    "profile `{name}` is not defined in {}",
                    shared.config.path_text()
                )));
            }
            other => other,
        };
    let settings =
        profile.as_ref().map(|p| shared.config.settings(p, &manifest.namespace)).unwrap_or_default();
    let inputs = HostInputs {
        env: &shared.env,
        profile: profile.as_deref().map(|p| (p, &settings)),
        store: &shared.store,
    };
    let resolved = resolve::resolve_args(decl, &call.given, &inputs).map_err(HostError::Plugin)?;
    for secret in &resolved.secrets {
        shared.redactor.add(secret);
    }
    let invocation = Invocation {
        command: decl.name.clone(),
        args: statusctl_plugin_api::Args(resolved.values.clone()),
        format: call.options.format.clone(),
        dry_run: call.options.dry_run,
        verbosity: call.options.verbosity,
        profile: profile.clone(),
        settings: without_secrets(&settings, manifest),
        host_name: shared.identity.name.clone(),
    };
    let guard = guard(shared, manifest, decl, &resolved, &settings, &call.options);
    let session = Session {
        namespace: manifest.namespace.clone(),
        env: &shared.env,
        settings,
        profile,
        args: resolved,
        redactor: shared.redactor.clone(),
        dry_run: call.options.dry_run,
        planned: RefCell::new(Vec::new()),
        http: &shared.http,
        runtime,
        control: call.control,
        store: &shared.store,
        handed_out: RefCell::new(Vec::new()),
        plugin_secrets: RefCell::new(Vec::new()),
        guard,
    };
    let json = serde_json::to_string(&invocation).map_err(|e| HostError::Internal(e.to_string()))?;
    let host = statusctl_plugin_api::Host::from_services(&session);
    let result = (call.module.invoke())(json.as_str().into(), host.into_raw());
    let planned = session.planned.take();
    if !planned.is_empty() {
        // Whatever the plugin made of the held-back request, nothing changed: show the plan.
        return Ok(Produced::Planned(planned));
    }
    match result.into_result() {
        Ok(text) => serde_json::from_str::<Output>(&text).map(Produced::Output).map_err(|e| {
            HostError::Internal(format!("plugin `{}` returned a malformed result: {e}", manifest.namespace))
        }),
        Err(abi_err) => {
            let err = Error::from_abi(&abi_err);
            if err.kind == ErrorKind::Internal && err.message.starts_with("panicked") {
                return Err(HostError::Plugin(Error::internal(format!(
                    "plugin `{}` {} (command {}:{}); this is a bug in the plugin",
                    manifest.namespace, err.message, manifest.namespace, decl.name
                ))));
            }
            Err(HostError::Plugin(err))
        }
    }
}

/// The rules of `services::trust` for one call: which variables decide destinations, what
/// `./.env` chose already, which origins only `./.env` names.
fn guard(
    shared: &Shared,
    manifest: &Manifest,
    decl: &CommandDecl,
    resolved: &ResolvedArgs,
    settings: &Map<String, Value>,
    options: &InvokeOptions,
) -> Guard {
    let deciding = |a: &ArgDecl| a.endpoint || a.trust;
    let mut guarded_vars: Vec<String> = manifest
        .commands
        .iter()
        .flat_map(|c| &c.args)
        .filter(|a| deciding(a))
        .filter_map(|a| a.env.clone())
        .collect();
    guarded_vars
        .extend(manifest.env_vars.iter().filter(|v| v.endpoint || v.trust || v.path).map(|v| v.name.clone()));
    let mut choices = options.dotenv_choices.clone();
    for arg in decl.args.iter().filter(|a| deciding(a)) {
        if let Some(Source::Env { var, file: Some(file) }) = resolved.sources.get(&arg.id) {
            choices.push(DotenvChoice { var: var.clone(), file: file.clone() });
        }
    }
    let dotenv_origins = trust::origins_in(shared.env.dotenv_values().map(|(_, v)| v));
    let trusted = resolved
        .values
        .iter()
        .filter(|(id, _)| resolved.sources.get(*id).is_none_or(|s| s.dotenv_file().is_none()))
        .filter_map(|(_, v)| v.as_str())
        .chain(settings.values().filter_map(Value::as_str));
    Guard {
        guarded_vars,
        choices: RefCell::new(choices),
        dotenv_origins,
        trusted_origins: trust::origins_in(trusted),
        allow_http: options.allow_http
            || settings.get("allow_http").and_then(Value::as_bool).unwrap_or(false),
        refused: RefCell::new(None),
    }
}

/// The profile table a plugin is given: its own namespace's, without secrets. A secret is
/// read through the secret service (whose chain includes the profile), so a plugin never
/// holds a secret it did not ask for: keys of arguments declared secret, their `_file`
/// forms, and keys whose names say they hold a credential.
fn without_secrets(settings: &Map<String, Value>, manifest: &Manifest) -> Map<String, Value> {
    let secret_ids: Vec<&str> =
        manifest.commands.iter().flat_map(|c| &c.args).filter(|a| a.secret).map(|a| a.id.as_str()).collect();
    let secretish = |key: &str| {
        let stem = key.strip_suffix("_file").unwrap_or(key);
        secret_ids.contains(&stem)
            || ["token", "secret", "password", "api_key", "apikey"].iter().any(|w| stem.contains(w))
    };
    settings.iter().filter(|(k, _)| !secretish(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Renders a dry-run plan.
pub fn render_plan(planned: &[PlannedRequest], format: Format) -> (String, serde_json::Value) {
    let data = dry_run::render_json(planned);
    let text = match format {
        Format::Text => dry_run::render_text(planned),
        Format::Json => crate::output::json_text(&data),
    };
    (text, data)
}
