use abi_stable::{sabi_trait::TD_Opaque, sabi_types::RRef};
use serde::{Serialize, de::DeserializeOwned};

use crate::abi::{HostRef, HostServices, HostServices_TO};
use crate::{Error, HttpRequest, HttpResponse, SecretRequest, SecretValue};

/// Severity of a log line sent through the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

/// The host's services as a plugin uses them: typed wrappers over the one ABI entry point.
pub struct Host<'a> {
    raw: HostRef<'a>,
}

impl<'a> Host<'a> {
    /// Wraps the object received over the ABI.
    pub fn from_raw(raw: HostRef<'a>) -> Self {
        Self { raw }
    }

    /// Wraps any Rust implementation: how the host passes itself, and how plugin unit
    /// tests pass a fake host without loading a library.
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

    fn call<T: DeserializeOwned>(&self, service: &str, request: &impl Serialize) -> Result<T, Error> {
        let request = serde_json::to_string(request).map_err(|e| Error::internal(e.to_string()))?;
        match self.raw.call(service.into(), request.as_str().into()).into_result() {
            Ok(answer) => serde_json::from_str(&answer)
                .map_err(|e| Error::internal(format!("bad answer from host service `{service}`: {e}"))),
            Err(err) => Err(Error::from_abi(&err)),
        }
    }

    /// Sends a request with the host's client, retries and pacing. Any HTTP status is a
    /// response; errors are transport failures, `--dry-run` stops and unknown outcomes.
    pub fn http(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        self.call("http", request)
    }

    /// Looks a secret up along the chain the request names.
    pub fn secret(&self, request: &SecretRequest) -> Result<Option<SecretValue>, Error> {
        self.call("secret", request)
    }

    /// Tells the host a value is secret (read by the plugin itself, e.g. from a file), so it
    /// is scrubbed from everything the host prints. Hosts that predate the service ignore it.
    pub fn add_secret(&self, value: &str) {
        let _ = self.call::<serde_json::Value>("redact", &value);
    }

    /// An environment variable through the host's merged view (real environment over `.env`).
    pub fn env(&self, name: &str) -> Option<String> {
        self.call("env", &name).ok().flatten()
    }

    /// Logs through the host (stderr, filtered by `-v`/`-q`, secrets scrubbed).
    pub fn log(&self, level: LogLevel, message: impl AsRef<str>) {
        let _ = self.call::<serde_json::Value>("log", &(level, message.as_ref()));
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
}
