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
pub mod trust;
pub mod wait;

use std::cell::RefCell;

use serde_json::{Map, Value};
use statusctl_plugin_api::resolve::{self, ResolvedArgs, Source};
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
use self::trust::DotenvChoice;

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
    pub handed_out: RefCell<Vec<(SecretValue, Source)>>,
    /// Secrets the plugin read itself and told the host about (files it found).
    pub plugin_secrets: RefCell<Vec<String>>,
    /// The rules of [`trust`] for this call.
    pub guard: Guard,
}

/// What the call knows about where credentials may go.
#[derive(Debug, Default)]
pub struct Guard {
    /// Variables whose values decide where requests go or what is trusted (declared
    /// `endpoint`, `trust` or `path` by the plugin).
    pub guarded_vars: Vec<String>,
    /// Values `./.env` supplied that decide where credentials go.
    pub choices: RefCell<Vec<DotenvChoice>>,
    /// Origins named only by `./.env` values.
    pub dotenv_origins: Vec<String>,
    /// Origins named by values from flags, the real environment, the profile or defaults.
    pub trusted_origins: Vec<String>,
    /// Credentials may travel over plain http to hosts other than loopback.
    pub allow_http: bool,
    /// A refusal already decided: every later request fails with it (nothing is sent).
    pub refused: RefCell<Option<Error>>,
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
        self.handed_out.borrow().iter().find(|(s, _)| req.carries(&s.value)).map(|(s, _)| s.source.clone())
    }

    fn refuse(&self, message: String) -> Error {
        let err = Error::config(message);
        *self.guard.refused.borrow_mut() = Some(err.clone());
        err
    }

    /// The rules of [`trust`] for one request, before anything is sent.
    fn check_destination(&self, req: &HttpRequest) -> Result<(), Error> {
        if let Some(err) = self.guard.refused.borrow().clone() {
            return Err(err);
        }
        let handed_out = self.handed_out.borrow();
        let carried: Vec<&Source> =
            handed_out.iter().filter(|(s, _)| req.carries(&s.value)).map(|(_, source)| source).collect();
        let plugin_secret = self.plugin_secrets.borrow().iter().any(|s| req.carries(s));
        let credential = !carried.is_empty()
            || plugin_secret
            || req
                .headers
                .iter()
                .any(|(n, v)| redact::is_secret_header(n, &req.secret_headers) && !v.trim().is_empty());
        if !credential {
            return Ok(());
        }
        if req.url.trim_start().to_ascii_lowercase().starts_with("http://")
            && !trust::is_loopback(&req.url)
            && !self.guard.allow_http
        {
            let host = reqwest::Url::parse(&req.url).ok().and_then(|u| u.host_str().map(str::to_string));
            return Err(self.refuse(format!(
                "a credential would travel unencrypted to {} over plain http://; use https://, or allow it \
                 with --allow-http (or `allow_http = true` in the profile)",
                host.unwrap_or_else(|| "the server".into())
            )));
        }
        // The backstop: an origin only `./.env` names gets no credential from elsewhere.
        if let (Some(origin), Some(file)) = (trust::origin(&req.url), self.env.dotenv_path())
            && self.guard.dotenv_origins.contains(&origin)
            && !self.guard.trusted_origins.contains(&origin)
            && (plugin_secret || carried.iter().any(|source| !trust::from_file(source, file)))
        {
            let from = carried
                .iter()
                .find(|source| !trust::from_file(source, file))
                .map_or_else(|| "a file the plugin read".to_string(), |s| s.to_string());
            return Err(self.refuse(format!(
                "{origin} is named only in {}, but the credential comes from {from}: a ./.env file may not \
                 choose where a credential from elsewhere is sent. Name the URL with a flag, in the real \
                 environment or in the config file",
                file.display()
            )));
        }
        Ok(())
    }
}

impl Services for Session<'_> {
    fn http(&self, req: &HttpRequest) -> Result<HttpResponse, Error> {
        self.check_destination(req)?;
        // A URL that cannot be sent to is configuration (the plugin built it from a setting),
        // said at once: never a network failure retried for seconds.
        redact::remember_url_password(&req.url, &self.redactor);
        if let Err(why) = resolve::check_endpoint(&req.url) {
            let shown = redact::url(&req.url, &req.secret_query, &self.redactor);
            return Err(Error::config(format!("invalid URL '{shown}' for {}: {why}", req.method)));
        }
        // A header that cannot be sent is bad input, said at once: exit 2 when the value came
        // from a flag, 4 when from anywhere else (the environment, a profile, the keyring).
        if let Err(why) = http::check_headers(req) {
            let from_flag = self.handed_out.borrow().iter().any(|(secret, source)| {
                matches!(source, Source::Flag(_))
                    && req.headers.iter().any(|(_, v)| v.contains(&secret.value))
            });
            return Err(if from_flag { Error::usage(why) } else { Error::config(why) });
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
        let Some((secret, source)) = resolve::find_secret(req, &self.args, &self.inputs())? else {
            tracing::debug!("{}: not found", req.label);
            return Ok(None);
        };
        self.redactor.add(&secret.value);
        tracing::debug!("{}: from {}", req.label, secret.source);
        if let Err(why) = trust::check_credential(&self.guard.choices.borrow(), &source) {
            return Err(self.refuse(why));
        }
        self.handed_out.borrow_mut().push((secret.clone(), source));
        Ok(Some(secret))
    }

    fn env(&self, name: &str) -> Result<Option<String>, Error> {
        // Where credential files are looked for comes from the real environment only.
        if name == "HOME" || name.starts_with("XDG_") {
            return Ok(self.env.real(name));
        }
        let Some((value, source)) = self.env.get_with_source(name) else { return Ok(None) };
        if source == env::EnvSource::DotEnv
            && self.guard.guarded_vars.iter().any(|v| v == name)
            && let Some(file) = self.env.dotenv_path()
        {
            let choice = DotenvChoice { var: name.to_string(), file: file.to_path_buf() };
            // A credential handed out before must come from the same file.
            let elsewhere = self
                .handed_out
                .borrow()
                .iter()
                .find(|(_, s)| !trust::from_file(s, file))
                .map(|(_, s)| s.to_string());
            if let Some(from) = elsewhere {
                self.refuse(trust::refusal(&choice, &from));
                return Ok(None);
            }
            self.guard.choices.borrow_mut().push(choice);
        }
        Ok(Some(value))
    }

    fn redact(&self, value: &str) -> Result<(), Error> {
        self.redactor.add(value);
        if !value.is_empty() {
            self.plugin_secrets.borrow_mut().push(value.to_string());
        }
        Ok(())
    }

    fn log(&self, level: LogLevel, message: &str) -> Result<(), Error> {
        // A plugin's line may quote the server: one line, no terminal control.
        let message = crate::output::one_line(&self.redactor.scrub(message)).into_owned();
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
