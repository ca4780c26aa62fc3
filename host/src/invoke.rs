//! Running one plugin command: resolve its arguments, lend it the host's services, call it
//! behind the panic guard, and collect what it returned and what `--dry-run` held back.

use std::cell::RefCell;

use clap::ArgMatches;
use serde_json::{Map, Value};
use statusctl_plugin_api::{CommandDecl, Error, ErrorKind, Invocation, Manifest, Output, abi::PluginModRef};

use crate::cli::globals::{Format, GlobalOptions};
use crate::cli::resolve;
use crate::error::HostError;
use crate::services::Session;
use crate::services::config::{ActiveProfile, Config};
use crate::services::dry_run::{self, PlannedRequest};
use crate::services::env::EnvView;
use crate::services::http::HttpEngine;
use crate::services::inputs::HostInputs;
use crate::services::redact::Redactor;
use crate::services::secrets::SecretStore;

pub struct PluginCall<'a> {
    pub module: PluginModRef,
    pub manifest: &'a Manifest,
    pub decl: &'a CommandDecl,
    pub matches: &'a ArgMatches,
    pub globals: &'a GlobalOptions,
    pub env: &'a EnvView,
    pub config: &'a Config,
    pub profile: Option<&'a ActiveProfile>,
    pub http: &'a HttpEngine,
    pub redactor: &'a Redactor,
    pub host_name: &'a str,
}

/// What a plugin command produced.
pub enum Produced {
    Output(Output),
    /// `--dry-run` stopped before these requests.
    Planned(Vec<PlannedRequest>),
}

pub fn run(call: PluginCall<'_>) -> Result<Produced, HostError> {
    let settings =
        call.profile.map(|p| call.config.settings(&p.name, &call.manifest.namespace)).unwrap_or_default();
    let store = SecretStore::from_process_env();
    let inputs = HostInputs {
        env: call.env,
        profile: call.profile.map(|p| (p.name.as_str(), &settings)),
        store: &store,
    };
    let resolved = resolve::resolve(call.decl, call.matches, &inputs)?;
    for secret in &resolved.secrets {
        call.redactor.add(secret);
    }
    let invocation = Invocation {
        command: call.decl.name.clone(),
        args: statusctl_plugin_api::Args(resolved.values.clone()),
        format: match call.globals.format {
            Format::Json => "json".into(),
            Format::Text => "text".into(),
        },
        dry_run: call.globals.dry_run,
        verbosity: call.globals.verbosity,
        profile: call.profile.map(|p| p.name.clone()),
        settings: without_secrets(&settings, call.manifest),
        host_name: call.host_name.to_string(),
    };
    let session = Session {
        namespace: call.manifest.namespace.clone(),
        env: call.env,
        settings,
        profile: call.profile.map(|p| p.name.clone()),
        args: resolved,
        redactor: call.redactor.clone(),
        dry_run: call.globals.dry_run,
        planned: RefCell::new(Vec::new()),
        http: call.http,
        store,
        handed_out: RefCell::new(Vec::new()),
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
            HostError::Internal(format!(
                "plugin `{}` returned a malformed result: {e}",
                call.manifest.namespace
            ))
        }),
        Err(abi_err) => {
            let err = Error::from_abi(&abi_err);
            if err.kind == ErrorKind::Internal && err.message.starts_with("panicked") {
                return Err(HostError::Plugin(Error::internal(format!(
                    "plugin `{}` {} (command {}:{}); this is a bug in the plugin",
                    call.manifest.namespace, err.message, call.manifest.namespace, call.decl.name
                ))));
            }
            Err(HostError::Plugin(err))
        }
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
