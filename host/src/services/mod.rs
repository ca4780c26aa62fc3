//! The services the host lends to plugins: the typed protocol of
//! `statusctl_plugin_api::services`, implemented over the host's engines.

pub mod clock;
pub mod config;
pub mod dry_run;
pub mod env;
pub mod http;
pub mod inputs;
pub mod log;
pub mod pacing;
pub mod progress;
pub mod redact;
pub mod secrets;
pub mod wait;

use std::cell::RefCell;

use serde_json::{Map, Value};
use statusctl_plugin_api::resolve::{self, ResolvedArgs};
use statusctl_plugin_api::services::Services;
use statusctl_plugin_api::{
    Error, ErrorKind, HttpRequest, HttpResponse, LogLevel, SecretRequest, SecretValue,
};

use self::dry_run::PlannedRequest;
use self::env::EnvView;
use self::http::HttpEngine;
use self::inputs::HostInputs;
use self::progress::CallControl;
use self::redact::Redactor;
use self::secrets::SecretStore;

/// The host's side of one plugin call.
pub struct Session<'a> {
    pub namespace: String,
    pub env: &'a EnvView,
    /// This namespace's table in the active profile (secrets included: the secret chain
    /// reads them; the plugin itself is given the table without them).
    pub settings: Map<String, Value>,
    pub profile: Option<String>,
    pub args: ResolvedArgs,
    pub redactor: Redactor,
    pub dry_run: bool,
    pub planned: RefCell<Vec<PlannedRequest>>,
    pub http: &'a HttpEngine,
    /// The runtime of the engine's caller: requests run there while the plugin waits.
    pub runtime: &'a tokio::runtime::Handle,
    pub control: CallControl,
    pub store: &'a SecretStore,
    /// The secrets handed out so far and where each came from, to say which credential a
    /// refused request carried.
    pub handed_out: RefCell<Vec<SecretValue>>,
}

impl Session<'_> {
    fn inputs(&self) -> HostInputs<'_> {
        HostInputs {
            env: self.env,
            profile: self.profile.as_deref().map(|name| (name, &self.settings)),
            store: self.store,
        }
    }

    /// Where the credential `req` carries came from, if the host handed it out.
    fn credential_source(&self, req: &HttpRequest) -> Option<String> {
        self.handed_out.borrow().iter().find(|s| req.carries(&s.value)).map(|s| s.source.clone())
    }
}

impl Services for Session<'_> {
    fn http(&self, req: &HttpRequest) -> Result<HttpResponse, Error> {
        // A URL that cannot be sent to is configuration (the plugin built it from a setting),
        // said at once: never a network failure retried for seconds.
        if let Err(why) = resolve::check_endpoint(&req.url) {
            let shown = self.redactor.scrub(&req.url).into_owned();
            return Err(Error::config(format!("invalid URL '{shown}' for {}: {why}", req.method)));
        }
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
        if self.dry_run && !req.sent_under_dry_run() {
            self.planned.borrow_mut().push(PlannedRequest::new(req, &self.redactor));
            return Err(Error::new(ErrorKind::DryRun, "dry run: request not sent"));
        }
        let mut response = self.runtime.block_on(self.http.send(req, &self.redactor, &self.control))?;
        response.credential = self.credential_source(req);
        Ok(response)
    }

    fn secret(&self, req: &SecretRequest) -> Result<Option<SecretValue>, Error> {
        let found = resolve::resolve_secret(req, &self.args, &self.inputs())?;
        match &found {
            Some(secret) => {
                self.redactor.add(&secret.value);
                self.handed_out.borrow_mut().push(secret.clone());
                tracing::debug!("{}: from {}", req.label, secret.source);
            }
            None => tracing::debug!("{}: not found", req.label),
        }
        Ok(found)
    }

    fn env(&self, name: &str) -> Result<Option<String>, Error> {
        Ok(self.env.get(name))
    }

    fn redact(&self, value: &str) -> Result<(), Error> {
        self.redactor.add(value);
        Ok(())
    }

    fn log(&self, level: LogLevel, message: &str) -> Result<(), Error> {
        let message = self.redactor.scrub(message);
        let ns = &self.namespace;
        match level {
            LogLevel::Error => tracing::error!("{ns}: {message}"),
            LogLevel::Warn => tracing::warn!("{ns}: {message}"),
            LogLevel::Info => tracing::info!("{message}"),
            LogLevel::Debug => tracing::debug!("{ns}: {message}"),
            LogLevel::Trace => tracing::trace!("{ns}: {message}"),
        }
        Ok(())
    }

    fn login_name(&self) -> Result<String, Error> {
        Ok(inputs::login_name())
    }
}
