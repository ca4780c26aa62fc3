//! The host-service protocol, defined once: what a plugin may ask of its host, how each
//! request and answer travels as JSON over the one ABI entry point, the error for a service
//! the host does not know, and the panic guard on the host's side.
//!
//! A host implements [`Services`]; so does the test kit. Plugins call them through
//! [`crate::Host`]. Nothing else encodes or decodes these payloads.

use std::panic::{AssertUnwindSafe, catch_unwind};

use abi_stable::std_types::{RResult, RStr, RString};
use serde::{Serialize, de::DeserializeOwned};

use crate::abi::{AbiError, HostServices};
use crate::{Error, HttpRequest, HttpResponse, LogLevel, SecretRequest, SecretValue};

/// The services a host lends to a plugin, typed.
pub trait Services {
    /// Sends a request with the host's client, retries and pacing. Any HTTP status is a
    /// response; errors are transport failures, `--dry-run` stops and unknown outcomes.
    fn http(&self, request: &HttpRequest) -> Result<HttpResponse, Error>;
    /// Looks a secret up along the chain the request names.
    fn secret(&self, request: &SecretRequest) -> Result<Option<SecretValue>, Error>;
    /// An environment variable (real environment over `./.env`, as the host allows).
    fn env(&self, name: &str) -> Result<Option<String>, Error>;
    /// A value the plugin read itself that must be scrubbed from everything printed.
    fn redact(&self, value: &str) -> Result<(), Error>;
    /// A log line (stderr, filtered by `-v`/`-q`, secrets scrubbed).
    fn log(&self, level: LogLevel, message: &str) -> Result<(), Error>;
    /// The login name: the keyring user when a plugin names none.
    fn login_name(&self) -> Result<String, Error>;
}

/// The services by name, as they travel over the ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Http,
    Secret,
    Env,
    Redact,
    Log,
    LoginName,
}

impl Service {
    pub const ALL: [Service; 6] =
        [Service::Http, Service::Secret, Service::Env, Service::Redact, Service::Log, Service::LoginName];

    pub fn name(self) -> &'static str {
        match self {
            Service::Http => "http",
            Service::Secret => "secret",
            Service::Env => "env",
            Service::Redact => "redact",
            Service::Log => "log",
            Service::LoginName => "login_name",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The host's side: decodes one request, calls `services`, encodes the answer. A service the
/// host does not know is an error naming it; a panic in the host never unwinds into the
/// plugin's frames (abi_stable would abort the process).
pub fn serve(
    services: &(impl Services + ?Sized),
    service: &str,
    request: &str,
) -> RResult<RString, AbiError> {
    let result =
        catch_unwind(AssertUnwindSafe(|| dispatch(services, service, request))).unwrap_or_else(|payload| {
            Err(Error::internal(format!(
                "host service `{service}` panicked: {}",
                crate::export::panic_message(&*payload)
            )))
        });
    match result {
        Ok(json) => RResult::ROk(json.into()),
        Err(err) => RResult::RErr(err.to_abi()),
    }
}

fn dispatch(services: &(impl Services + ?Sized), service: &str, request: &str) -> Result<String, Error> {
    let Some(which) = Service::from_name(service) else {
        return Err(Error::internal(format!(
            "unknown host service `{service}` (a plugin newer than its host?)"
        )));
    };
    fn decode<T: DeserializeOwned>(service: &str, request: &str) -> Result<T, Error> {
        serde_json::from_str(request)
            .map_err(|e| Error::internal(format!("bad `{service}` request from plugin: {e}")))
    }
    match which {
        Service::Http => encode(&services.http(&decode::<HttpRequest>(service, request)?)?),
        Service::Secret => encode(&services.secret(&decode::<SecretRequest>(service, request)?)?),
        Service::Env => encode(&services.env(&decode::<String>(service, request)?)?),
        Service::Redact => encode(&services.redact(&decode::<String>(service, request)?)?),
        Service::Log => {
            let (level, message): (LogLevel, String) = decode(service, request)?;
            encode(&services.log(level, &message)?)
        }
        Service::LoginName => encode(&services.login_name()?),
    }
}

fn encode(answer: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(answer).map_err(|e| Error::internal(e.to_string()))
}

/// Every typed implementation is an ABI host-services object.
impl<S: Services> HostServices for S {
    fn call(&self, service: RStr<'_>, request: RStr<'_>) -> RResult<RString, AbiError> {
        serve(self, service.as_str(), request.as_str())
    }
}

/// The plugin's side: encodes a request for `service` and decodes the answer.
pub(crate) fn call<T: DeserializeOwned>(
    raw: &crate::abi::HostRef<'_>,
    service: Service,
    request: &impl Serialize,
) -> Result<T, Error> {
    let name = service.name();
    let request = serde_json::to_string(request).map_err(|e| Error::internal(e.to_string()))?;
    match raw.call(name.into(), request.as_str().into()).into_result() {
        Ok(answer) => serde_json::from_str(&answer)
            .map_err(|e| Error::internal(format!("bad answer from host service `{name}`: {e}"))),
        Err(err) => Err(Error::from_abi(&err)),
    }
}
