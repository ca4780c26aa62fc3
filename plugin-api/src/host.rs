use abi_stable::{sabi_trait::TD_Opaque, sabi_types::RRef};

use crate::abi::{HostRef, HostServices, HostServices_TO};
use crate::services::{self, Service};
use crate::{Error, HttpRequest, HttpResponse, SecretRequest, SecretValue};

/// Severity of a log line sent through the host. What shows: `warn` and `error` always
/// (not with `-q`, which keeps errors only), `info` too (progress a user wants to see),
/// `debug` with `-v`, `trace` with `-vv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

/// The host's services as a plugin uses them: typed calls over the one ABI entry point
/// (the protocol is in [`crate::services`]).
pub struct Host<'a> {
    raw: HostRef<'a>,
}

impl<'a> Host<'a> {
    /// Wraps the object received over the ABI.
    pub fn from_raw(raw: HostRef<'a>) -> Self {
        Self { raw }
    }

    /// Wraps any implementation of the services (the host itself, or the test kit).
    /// Calls still travel as JSON, exactly as they do across the library boundary.
    pub fn from_services<S: HostServices + 'a>(services: &'a S) -> Self {
        Self { raw: HostServices_TO::from_ptr(RRef::new(services), TD_Opaque) }
    }

    pub fn raw(&self) -> &HostRef<'a> {
        &self.raw
    }

    /// The object to pass over the ABI.
    pub fn into_raw(self) -> HostRef<'a> {
        self.raw
    }

    /// Sends a request with the host's client, retries and pacing. Any HTTP status is a
    /// response; errors are transport failures, `--dry-run` stops and unknown outcomes.
    pub fn http(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        services::call(&self.raw, Service::Http, request)
    }

    /// Looks a secret up along the chain the request names: the argument, the environment
    /// (`VAR`, then a file named by `VAR_FILE`), the profile (`key`, then `key_file`), the
    /// keyring. `None` when no source has it.
    pub fn secret(&self, request: &SecretRequest) -> Result<Option<SecretValue>, Error> {
        services::call(&self.raw, Service::Secret, request)
    }

    /// Like [`Host::secret`], but a missing secret is a configuration error (exit 4) with
    /// `message`. The value is in `.value`; the host scrubs it from everything it prints.
    pub fn require_secret(&self, request: &SecretRequest, message: &str) -> Result<SecretValue, Error> {
        self.secret(request)?.ok_or_else(|| Error::config(message))
    }

    /// Tells the host a value is secret (read by the plugin itself, e.g. from a file), so it
    /// is scrubbed from everything the host prints. Hosts that predate the service ignore it.
    pub fn add_secret(&self, value: &str) {
        let _ = services::call::<()>(&self.raw, Service::Redact, &value);
    }

    /// An environment variable through the host's view (real environment over `./.env`).
    /// An empty value counts as unset.
    pub fn env(&self, name: &str) -> Option<String> {
        services::call::<Option<String>>(&self.raw, Service::Env, &name)
            .ok()
            .flatten()
            .filter(|v| !v.is_empty())
    }

    /// The login name (from the real environment or the OS account, never `./.env`): the
    /// keyring user when none is named.
    pub fn login_name(&self) -> String {
        services::call(&self.raw, Service::LoginName, &()).unwrap_or_default()
    }

    /// Logs through the host (stderr, filtered by `-v`/`-q`, secrets scrubbed).
    pub fn log(&self, level: crate::LogLevel, message: impl AsRef<str>) {
        let _ = services::call::<()>(&self.raw, Service::Log, &(level, message.as_ref()));
    }
    pub fn error(&self, message: impl AsRef<str>) {
        self.log(LogLevel::Error, message)
    }
    pub fn warn(&self, message: impl AsRef<str>) {
        self.log(LogLevel::Warn, message)
    }
    pub fn info(&self, message: impl AsRef<str>) {
        self.log(LogLevel::Info, message)
    }
    pub fn debug(&self, message: impl AsRef<str>) {
        self.log(LogLevel::Debug, message)
    }
    pub fn trace(&self, message: impl AsRef<str>) {
        self.log(LogLevel::Trace, message)
    }
}
