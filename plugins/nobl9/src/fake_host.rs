//! A host for unit tests: canned answers to `http`, `secret`, `env` and `log`, and a record
//! of every request, so that tests assert exact calls and outputs without a server.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

use statusctl_plugin_api::__private::abi_stable::std_types::{RResult, RStr, RString};
use statusctl_plugin_api::abi::{AbiError, HostServices};
use statusctl_plugin_api::serde_json::{self, Map, Value};
use statusctl_plugin_api::{
    ArgKind, Args, Call, Error, ErrorKind, Host, HttpRequest, HttpResponse, Invocation, LogLevel, Output,
    Plugin, SecretRequest, SecretValue, ValueType,
};

use crate::Nobl9;
use crate::client::Client;
use crate::config::{Config, Origin, TokenSource};
use crate::token::TokenCache;

#[derive(Default)]
pub struct FakeHost {
    env: HashMap<String, String>,
    settings: Map<String, Value>,
    keyring: HashMap<(String, String), String>,
    replies: RefCell<VecDeque<Result<HttpResponse, Error>>>,
    requests: RefCell<Vec<HttpRequest>>,
    logs: RefCell<Vec<(LogLevel, String)>>,
    secret_requests: RefCell<Vec<SecretRequest>>,
}

/// A response with `status` and `body`, after one attempt.
pub fn reply(status: u16, body: &str) -> HttpResponse {
    HttpResponse::new(status, body)
}

/// What the host returns when a non-idempotent request got no answer.
pub fn unknown_outcome() -> Error {
    Error::new(
        ErrorKind::OutcomeUnknown,
        "the outcome of POST http://n9/x is unknown (timed out): it may have been applied",
    )
}

impl FakeHost {
    pub fn new() -> Self {
        Self::default()
    }

    /// The scripts' configuration with a pre-generated token: no token exchange.
    pub fn scripted() -> Self {
        Self::new().env("NOBL9_API_TOKEN", "tok").env("NOBL9_ORG", "acme").env("NOBL9_BASE_URL", "http://n9")
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    /// A key of the active profile's table for this plugin.
    pub fn setting(mut self, key: &str, value: &str) -> Self {
        self.settings.insert(key.into(), Value::from(value));
        self
    }

    pub fn keyring(mut self, service: &str, user: &str, secret: &str) -> Self {
        self.keyring.insert((service.into(), user.into()), secret.into());
        self
    }

    /// The answer to the next request.
    pub fn reply(self, response: HttpResponse) -> Self {
        self.replies.borrow_mut().push_back(Ok(response));
        self
    }

    /// The next request fails with `err` (as the host's http service would).
    pub fn fail(self, err: Error) -> Self {
        self.replies.borrow_mut().push_back(Err(err));
        self
    }

    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.borrow().clone()
    }

    /// `METHOD URL` of each request, in order.
    pub fn calls(&self) -> Vec<String> {
        self.requests.borrow().iter().map(|r| format!("{} {}", r.method, r.url)).collect()
    }

    /// The JSON body of request `i`.
    pub fn body(&self, i: usize) -> Value {
        serde_json::from_str(self.requests.borrow()[i].body.as_deref().unwrap_or("null")).unwrap()
    }

    pub fn header(&self, i: usize, name: &str) -> Option<String> {
        self.requests.borrow()[i]
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    pub fn warnings(&self) -> Vec<String> {
        self.logs.borrow().iter().filter(|(l, _)| *l == LogLevel::Warn).map(|(_, m)| m.clone()).collect()
    }

    pub fn secret_labels(&self) -> Vec<String> {
        self.secret_requests.borrow().iter().map(|r| r.label.clone()).collect()
    }

    pub fn keyring_asked(&self) -> Vec<(String, String)> {
        self.secret_requests.borrow().iter().filter_map(|r| r.keyring.clone()).collect()
    }

    pub fn with_host<R>(&self, f: impl FnOnce(&Host<'_>) -> R) -> R {
        f(&Host::from_services(self))
    }

    fn dispatch(&self, service: &str, request: &str) -> Result<String, Error> {
        let bad = |e: serde_json::Error| Error::internal(format!("bad `{service}` request: {e}"));
        let answer = match service {
            "http" => {
                let req: HttpRequest = serde_json::from_str(request).map_err(bad)?;
                let shown = format!("{} {}", req.method, req.url);
                self.requests.borrow_mut().push(req);
                // No panic here: it would cross an extern "C" frame and abort the test binary.
                let next = self.replies.borrow_mut().pop_front();
                let resp = next.unwrap_or_else(|| {
                    Err(Error::internal(format!("fake host: unexpected request {shown}")))
                })?;
                serde_json::to_value(resp)
            }
            "secret" => {
                let req: SecretRequest = serde_json::from_str(request).map_err(bad)?;
                let found = self.secret(&req);
                self.secret_requests.borrow_mut().push(req);
                serde_json::to_value(found)
            }
            "env" => {
                let name: String = serde_json::from_str(request).map_err(bad)?;
                serde_json::to_value(self.env.get(&name))
            }
            "log" => {
                let entry: (LogLevel, String) = serde_json::from_str(request).map_err(bad)?;
                self.logs.borrow_mut().push(entry);
                Ok(Value::Null)
            }
            other => return Err(Error::internal(format!("unknown service {other}"))),
        };
        answer.map(|v| v.to_string()).map_err(|e| Error::internal(e.to_string()))
    }

    fn secret(&self, req: &SecretRequest) -> Option<SecretValue> {
        let found = |value: &String, source: String| Some(SecretValue { value: value.clone(), source });
        for var in &req.env {
            if let Some(value) = self.env.get(var).filter(|v| !v.is_empty()) {
                return found(value, format!("env {var}"));
            }
        }
        if let Some(value) =
            req.profile_key.as_ref().and_then(|k| self.settings.get(k)).and_then(Value::as_str)
        {
            return found(&value.to_string(), "profile".into());
        }
        let (service, user) = req.keyring.as_ref()?;
        self.keyring.get(&(service.clone(), user.clone())).and_then(|v| found(v, "keyring".into()))
    }
}

/// Every canned answer must have been asked for: a test that expects fewer requests fails.
impl Drop for FakeHost {
    fn drop(&mut self) {
        let left = self.replies.borrow().len();
        if left > 0 && !std::thread::panicking() {
            panic!("fake host: {left} canned answer(s) never asked for; requests were {:?}", self.calls());
        }
    }
}

impl HostServices for FakeHost {
    fn call(&self, service: RStr<'_>, request: RStr<'_>) -> RResult<RString, AbiError> {
        match self.dispatch(service.as_str(), request.as_str()) {
            Ok(json) => RResult::ROk(json.into()),
            Err(err) => RResult::RErr(err.to_abi()),
        }
    }
}

/// Runs `f` with a call of `command` whose arguments are `args` completed as the host does:
/// environment (`.env("VAR")`), then profile, then default.
pub fn with_call<R>(fake: &FakeHost, command: &str, args: Value, f: impl FnOnce(&Call<'_>) -> R) -> R {
    f(&Call { invocation: invocation(fake, command, args), host: Host::from_services(fake) })
}

fn invocation(fake: &FakeHost, command: &str, args: Value) -> Invocation {
    let manifest = Nobl9::default().manifest();
    let decl = manifest.commands.iter().find(|c| c.name == command).expect("a declared command");
    let mut resolved: Map<String, Value> = args.as_object().cloned().unwrap_or_default();
    for arg in &decl.args {
        if resolved.contains_key(&arg.id) {
            continue;
        }
        let text = arg
            .env
            .as_ref()
            .and_then(|var| fake.env.get(var).cloned())
            .or_else(|| {
                arg.from_profile.then(|| fake.settings.get(&arg.id)?.as_str().map(str::to_string)).flatten()
            })
            .or_else(|| arg.default.clone());
        if let Some(text) = text {
            let value = match (arg.kind, arg.value_type) {
                (ArgKind::Flag, _) => Value::Bool(text == "true"),
                (_, ValueType::Integer) => Value::from(text.parse::<i64>().expect("an integer default")),
                _ => Value::from(text),
            };
            resolved.insert(arg.id.clone(), value);
        }
    }
    Invocation {
        command: command.into(),
        args: Args(resolved),
        format: "text".into(),
        settings: fake.settings.clone(),
        host_name: "statusctl".into(),
        ..Invocation::default()
    }
}

/// Runs `nobl9:{command}` on `plugin` (to share its token cache between runs).
pub fn run_on(plugin: &Nobl9, fake: &FakeHost, command: &str, args: Value) -> Result<Output, Error> {
    plugin.run(Call { invocation: invocation(fake, command, args), host: Host::from_services(fake) })
}

/// Runs `nobl9:{command}` on a fresh plugin.
pub fn run(fake: &FakeHost, command: &str, args: Value) -> Result<Output, Error> {
    run_on(&Nobl9::default(), fake, command, args)
}

/// A client with the scripts' configuration: token `tok`, organization `acme`, API `http://n9/api`.
pub fn env_client<R>(fake: &FakeHost, f: impl FnOnce(&Client<'_, '_>) -> R) -> R {
    let config = Config {
        origin: Origin::Environment,
        api_root: Some("http://n9/api".into()),
        org: Some("acme".into()),
        client: None,
        token: TokenSource::Static("tok".into()),
        timeout_secs: None,
    };
    let tokens = TokenCache::default();
    fake.with_host(|host| f(&Client::new(host, &tokens, config)))
}

/// The URL of an API path on the fake instance.
pub fn api(path: &str) -> String {
    format!("http://n9/api/dashboards/v1{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "1 canned answer(s) never asked for")]
    fn unasked_answers_fail_the_test() {
        let _fake = FakeHost::new().reply(reply(200, "{}"));
    }

    #[test]
    fn an_unexpected_request_is_an_error_not_an_abort() {
        let fake = FakeHost::new();
        let err = fake.with_host(|host| host.http(&HttpRequest::get("http://x/y"))).unwrap_err();
        assert_eq!(err.message, "fake host: unexpected request GET http://x/y");
    }
}
