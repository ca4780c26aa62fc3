//! The services the host lends to plugins, behind the one ABI entry point.

pub mod clock;
pub mod config;
pub mod dry_run;
pub mod env;
pub mod http;
pub mod log;
pub mod pacing;
pub mod redact;
pub mod secrets;
pub mod wait;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use abi_stable::std_types::{RResult, RStr, RString};
use serde_json::{Map, Value};
use statusctl_plugin_api::abi::{AbiError, HostServices};
use statusctl_plugin_api::{Error, HttpRequest, LogLevel, SecretRequest};

use self::dry_run::PlannedRequest;
use self::env::EnvView;
use self::http::HttpEngine;
use self::redact::Redactor;
use self::secrets::SecretStore;

/// The host's side of one plugin call.
pub struct Session<'a> {
    pub namespace: String,
    pub env: &'a EnvView,
    pub settings: Map<String, Value>,
    pub profile: Option<String>,
    pub args: Map<String, Value>,
    pub flag_names: BTreeMap<String, String>,
    pub redactor: Redactor,
    pub dry_run: bool,
    pub planned: RefCell<Vec<PlannedRequest>>,
    pub http: &'a HttpEngine,
    pub store: SecretStore,
}

impl Session<'_> {
    fn dispatch(&self, service: &str, request: &str) -> Result<String, Error> {
        let bad = |e: serde_json::Error| Error::internal(format!("bad `{service}` request from plugin: {e}"));
        let answer = match service {
            "http" => {
                let req: HttpRequest = serde_json::from_str(request).map_err(bad)?;
                serde_json::to_value(self.http(&req)?)
            }
            "secret" => {
                let req: SecretRequest = serde_json::from_str(request).map_err(bad)?;
                serde_json::to_value(self.secret(&req))
            }
            "env" => {
                let name: String = serde_json::from_str(request).map_err(bad)?;
                serde_json::to_value(self.env.get(&name))
            }
            "redact" => {
                let value: String = serde_json::from_str(request).map_err(bad)?;
                self.redactor.add(&value);
                Ok(Value::Null)
            }
            "log" => {
                let (level, message): (LogLevel, String) = serde_json::from_str(request).map_err(bad)?;
                self.log(level, &message);
                Ok(Value::Null)
            }
            other => return Err(Error::internal(format!("unknown host service `{other}` (newer plugin?)"))),
        };
        answer.map(|v| v.to_string()).map_err(|e| Error::internal(e.to_string()))
    }

    fn http(&self, req: &HttpRequest) -> Result<statusctl_plugin_api::HttpResponse, Error> {
        for (name, value) in &req.headers {
            if redact::is_secret_header(name, &req.secret_headers) {
                // `OAuth KEY`, `Bearer KEY`: the credential is the last word.
                self.redactor.add(value.rsplit(' ').next().unwrap_or(value));
            }
        }
        if !req.secret_query.is_empty()
            && let Ok(url) = reqwest::Url::parse(&req.url)
        {
            for (name, value) in url.query_pairs() {
                if req.secret_query.iter().any(|s| *s == name) {
                    self.redactor.add(&value);
                }
            }
        }
        if self.dry_run && !dry_run::may_send(req) {
            self.planned.borrow_mut().push(PlannedRequest::new(req, &self.redactor));
            return Err(Error::new(statusctl_plugin_api::ErrorKind::DryRun, "dry run: request not sent"));
        }
        self.http.send(req, &self.redactor)
    }

    fn secret(&self, req: &SecretRequest) -> Option<statusctl_plugin_api::SecretValue> {
        let cx = secrets::ChainContext {
            args: &self.args,
            flag_names: &self.flag_names,
            env: self.env,
            settings: &self.settings,
            profile: self.profile.as_deref(),
            store: &self.store,
        };
        let found = secrets::resolve(req, &cx);
        match &found {
            Some(secret) => {
                self.redactor.add(&secret.value);
                tracing::debug!("{}: from {}", req.label, secret.source);
            }
            None => tracing::debug!("{}: not found", req.label),
        }
        found
    }

    fn log(&self, level: LogLevel, message: &str) {
        let message = self.redactor.scrub(message);
        let ns = &self.namespace;
        match level {
            LogLevel::Error => tracing::error!("{ns}: {message}"),
            LogLevel::Warn => tracing::warn!("{ns}: {message}"),
            LogLevel::Info => tracing::info!("{message}"),
            LogLevel::Debug => tracing::debug!("{ns}: {message}"),
            LogLevel::Trace => tracing::trace!("{ns}: {message}"),
        }
    }
}

impl HostServices for Session<'_> {
    fn call(&self, service: RStr<'_>, request: RStr<'_>) -> RResult<RString, AbiError> {
        // A panic must not unwind into the plugin's frames (abi_stable would abort).
        let result = catch_unwind(AssertUnwindSafe(|| self.dispatch(service.as_str(), request.as_str())))
            .unwrap_or_else(|payload| {
                Err(Error::internal(format!(
                    "host service `{service}` panicked: {}",
                    statusctl_plugin_api::__private::panic_message(&*payload)
                )))
            });
        match result {
            Ok(json) => RResult::ROk(json.into()),
            Err(err) => RResult::RErr(err.to_abi()),
        }
    }
}
