//! The plugin test kit (feature `testing`): a fake host that runs a plugin's commands
//! in-process, with the real argument and secret resolution, scripted HTTP answers and a
//! record of every request. No abi_stable and no JSON in a plugin's tests:
//!
//! ```
//! # use statusctl_plugin_api::prelude::*;
//! # #[derive(Default)] struct Demo;
//! # impl Plugin for Demo {
//! #     const NAMESPACE: &'static str = "demo";
//! #     fn manifest(&self) -> Manifest { Manifest::new("demo", "1.0.0", "d")
//! #         .command(CommandDecl::new("ping", "p").reads().arg(ArgDecl::value("url").env("DEMO_URL"))) }
//! #     fn run(&self, call: Call<'_>) -> Result<Output, Error> {
//! #         let url = call.args.str("url").unwrap_or("http://x");
//! #         let resp = call.host.http(&HttpRequest::get(format!("{url}/ping")))?;
//! #         Ok(Output::text(resp.body))
//! #     }
//! # }
//! use statusctl_plugin_api::testing::{Reply, TestHost};
//!
//! let host = TestHost::new().env("DEMO_URL", "http://demo.test").reply(Reply::ok("pong"));
//! let out = host.run::<Demo>("ping", &[]).unwrap();
//! assert_eq!(out.text.as_deref(), Some("pong"));
//! assert_eq!(host.requests()[0].url, "http://demo.test/ping");
//! ```

mod argv;

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::resolve::{self, EnvValue, Inputs, ResolvedArgs};
use crate::services::Services;
use crate::{
    Args, Call, Error, ErrorKind, Host, HttpRequest, HttpResponse, Invocation, LogLevel, Manifest, Output,
    Plugin, RateLimit, RetryPolicy, SecretRequest, SecretValue,
};

const MASK: &str = "***";

/// A scripted answer to the next request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An HTTP answer.
    Response(HttpResponse),
    /// The connection dropped before an answer: for a request that must not be sent twice
    /// the outcome is unknown (as the real host reports it), otherwise it is unavailable.
    Dropped,
    /// The host's http service fails with this error.
    Error(Error),
}

impl Reply {
    /// `status` with `body`.
    pub fn status(status: u16, body: impl Into<String>) -> Self {
        Reply::Response(HttpResponse::new(status, body))
    }
    /// 200 with `body`.
    pub fn ok(body: impl Into<String>) -> Self {
        Self::status(200, body)
    }
    /// `status` with a JSON body.
    pub fn json(status: u16, body: &Value) -> Self {
        Self::status(status, body.to_string()).header("Content-Type", "application/json")
    }
    /// Adds a header to a response.
    pub fn header(self, name: &str, value: &str) -> Self {
        match self {
            Reply::Response(mut resp) => {
                resp.headers.push((name.into(), value.into()));
                Reply::Response(resp)
            }
            other => other,
        }
    }
    /// How many attempts the host made (retries are the host's: a plugin sees the last answer).
    pub fn attempts(self, attempts: u32) -> Self {
        match self {
            Reply::Response(mut resp) => {
                resp.attempts = attempts;
                Reply::Response(resp)
            }
            other => other,
        }
    }
}

/// One request as the plugin asked the host to send it, secrets masked.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub method: String,
    /// The URL, secret query values masked.
    pub url: String,
    /// Headers, secret values masked (`Authorization: OAuth ***`).
    pub headers: Vec<(String, String)>,
    /// The body, secret values masked.
    pub body: Option<String>,
    pub retry: RetryPolicy,
    pub rate_limit: Option<RateLimit>,
    pub idempotent: bool,
    pub dry_run_safe: bool,
    /// The request as sent, unmasked: for asserting how a credential is encoded.
    pub unmasked: HttpRequest,
}

impl Recorded {
    /// A header's (masked) value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The body as JSON (`null` when there is none).
    pub fn json(&self) -> Value {
        self.body
            .as_deref()
            .map_or(Value::Null, |b| serde_json::from_str(b).unwrap_or(Value::String(b.into())))
    }
    /// `METHOD URL`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.url)
    }
}

/// A fake host for plugin unit tests. Build it with fixtures and scripted answers, run
/// commands with [`TestHost::run`], then look at [`TestHost::requests`] and [`TestHost::logs`].
/// Every scripted answer must be used: a test that expects fewer requests fails.
pub struct TestHost {
    env: HashMap<String, EnvValue>,
    profile: Option<(String, Map<String, Value>)>,
    keyring: HashMap<(String, String), String>,
    login: String,
    dry_run: bool,
    format: String,
    replies: RefCell<VecDeque<Reply>>,
    requests: RefCell<Vec<Recorded>>,
    logs: RefCell<Vec<(LogLevel, String)>>,
    secret_requests: RefCell<Vec<SecretRequest>>,
    handed_out: RefCell<Vec<SecretValue>>,
    secrets: RefCell<Vec<String>>,
    args: RefCell<ResolvedArgs>,
}

impl Default for TestHost {
    fn default() -> Self {
        Self::new()
    }
}

impl TestHost {
    pub fn new() -> Self {
        Self {
            env: HashMap::new(),
            profile: None,
            keyring: HashMap::new(),
            login: "tester".into(),
            dry_run: false,
            format: "text".into(),
            replies: RefCell::default(),
            requests: RefCell::default(),
            logs: RefCell::default(),
            secret_requests: RefCell::default(),
            handed_out: RefCell::default(),
            secrets: RefCell::default(),
            args: RefCell::default(),
        }
    }

    /// A variable of the real environment.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), EnvValue { value: value.into(), file: None });
        self
    }
    /// A variable read from a `./.env` file.
    pub fn dotenv(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), EnvValue { value: value.into(), file: Some(PathBuf::from("./.env")) });
        self
    }
    /// A key of the plugin's table in the active profile (named `test`).
    pub fn setting(mut self, key: &str, value: impl Into<Value>) -> Self {
        let (_, table) = self.profile.get_or_insert_with(|| ("test".into(), Map::new()));
        table.insert(key.into(), value.into());
        self
    }
    /// A keyring entry; an empty `user` stands for the login name (whatever it is when
    /// the plugin looks).
    pub fn keyring(mut self, service: &str, user: &str, secret: &str) -> Self {
        self.keyring.insert((service.into(), user.into()), secret.into());
        self
    }
    /// The login name (default `tester`).
    pub fn login_name(mut self, name: &str) -> Self {
        self.login = name.into();
        self
    }
    /// Runs commands as `--dry-run` does (the plugin sees `dry_run`; requests that change
    /// something answer with the dry-run error and are still recorded).
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }
    /// Runs commands with `-f json`.
    pub fn json_format(mut self) -> Self {
        self.format = "json".into();
        self
    }
    /// The answer to the next request.
    pub fn reply(self, reply: Reply) -> Self {
        self.replies.borrow_mut().push_back(reply);
        self
    }

    /// Runs `command` of plugin `P` with command-line words (`&["-t", "API down"]`): parsed
    /// against the declaration, completed from the environment, the profile and the
    /// defaults exactly as the host does, then run.
    pub fn run<P: Plugin>(&self, command: &str, words: &[&str]) -> Result<Output, Error> {
        self.run_on(&P::default(), command, words)
    }

    /// [`TestHost::run`] on a given plugin instance (to keep its state between runs).
    pub fn run_on<P: Plugin>(&self, plugin: &P, command: &str, words: &[&str]) -> Result<Output, Error> {
        let manifest = checked_manifest(plugin);
        let decl = manifest.find(command).ok_or_else(|| Error::usage(format!("no command {command}")))?;
        let given = argv::parse(decl, words)?;
        self.run_given(plugin, &manifest, command, given)
    }

    /// Runs `command` with argument values by id (`json!({"title": "x"})`), completed as the
    /// host does (environment, profile, defaults).
    pub fn run_args<P: Plugin>(&self, plugin: &P, command: &str, args: Value) -> Result<Output, Error> {
        let manifest = checked_manifest(plugin);
        self.run_given(plugin, &manifest, command, args.as_object().cloned().unwrap_or_default())
    }

    /// Calls `f` with the call `command` would receive (for testing a plugin's helpers).
    pub fn with_call<P: Plugin, R>(&self, command: &str, args: Value, f: impl FnOnce(&Call<'_>) -> R) -> R {
        let manifest = checked_manifest(&P::default());
        let invocation = self
            .invocation(&manifest, command, args.as_object().cloned().unwrap_or_default())
            .expect("arguments that resolve");
        f(&Call { invocation, host: Host::from_services(self) })
    }

    /// Calls `f` with the host's services, as a plugin sees them.
    pub fn with_host<R>(&self, f: impl FnOnce(&Host<'_>) -> R) -> R {
        f(&Host::from_services(self))
    }

    fn run_given<P: Plugin>(
        &self,
        plugin: &P,
        manifest: &Manifest,
        command: &str,
        given: Map<String, Value>,
    ) -> Result<Output, Error> {
        let invocation = self.invocation(manifest, command, given)?;
        plugin.run(Call { invocation, host: Host::from_services(self) })
    }

    fn invocation(
        &self,
        manifest: &Manifest,
        command: &str,
        given: Map<String, Value>,
    ) -> Result<Invocation, Error> {
        let decl = manifest.find(command).ok_or_else(|| Error::usage(format!("no command {command}")))?;
        let resolved = resolve::resolve_args(decl, &given, self)?;
        self.secrets.borrow_mut().extend(resolved.secrets.iter().cloned());
        let invocation = Invocation {
            command: command.into(),
            args: Args(resolved.values.clone()),
            format: self.format.clone(),
            dry_run: self.dry_run,
            verbosity: 0,
            profile: self.profile.as_ref().map(|(name, _)| name.clone()),
            settings: self.profile.as_ref().map(|(_, t)| t.clone()).unwrap_or_default(),
            host_name: "statusctl".into(),
        };
        *self.args.borrow_mut() = resolved;
        Ok(invocation)
    }

    /// Every request so far, in order, secrets masked.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.borrow().clone()
    }
    /// `METHOD URL` of every request so far.
    pub fn lines(&self) -> Vec<String> {
        self.requests.borrow().iter().map(Recorded::line).collect()
    }
    /// Every log line so far.
    pub fn logs(&self) -> Vec<(LogLevel, String)> {
        self.logs.borrow().clone()
    }
    /// The warnings logged so far.
    pub fn warnings(&self) -> Vec<String> {
        self.logs.borrow().iter().filter(|(l, _)| *l == LogLevel::Warn).map(|(_, m)| m.clone()).collect()
    }
    /// The secret lookups the plugin asked for.
    pub fn secret_requests(&self) -> Vec<SecretRequest> {
        self.secret_requests.borrow().clone()
    }

    fn credential_source(&self, req: &HttpRequest) -> Option<String> {
        self.handed_out.borrow().iter().find(|s| req.carries(&s.value)).map(|s| s.source.clone())
    }

    fn mask(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in self.secrets.borrow().iter().filter(|s| !s.is_empty()) {
            text = text.replace(secret.as_str(), MASK);
        }
        text
    }

    fn record(&self, req: &HttpRequest) {
        let mut secrets = self.secrets.borrow_mut();
        for (name, value) in &req.headers {
            if name.eq_ignore_ascii_case("authorization")
                || req.secret_headers.iter().any(|s| s.eq_ignore_ascii_case(name))
            {
                secrets.push(value.rsplit(' ').next().unwrap_or(value).to_string());
            }
        }
        for name in &req.secret_query {
            let prefix = format!("{name}=");
            let query = req.url.split_once('?').map_or("", |(_, q)| q);
            secrets
                .extend(query.split('&').filter_map(|p| p.strip_prefix(prefix.as_str())).map(str::to_string));
        }
        if let Some(Value::Object(body)) = req.body.as_deref().and_then(|b| serde_json::from_str(b).ok()) {
            collect_fields(&Value::Object(body), &req.secret_fields, &mut secrets);
        }
        drop(secrets);
        self.requests.borrow_mut().push(Recorded {
            method: req.method.clone(),
            url: self.mask(&req.url),
            headers: req.headers.iter().map(|(n, v)| (n.clone(), self.mask(v))).collect(),
            body: req.body.as_deref().map(|b| self.mask(b)),
            retry: req.retry.clone(),
            rate_limit: req.rate_limit.clone(),
            idempotent: req.is_idempotent(),
            dry_run_safe: req.dry_run_safe,
            unmasked: req.clone(),
        });
    }
}

fn collect_fields(value: &Value, fields: &[String], out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match v {
                    Value::String(s) if fields.contains(key) => out.push(s.clone()),
                    other => collect_fields(other, fields, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_fields(v, fields, out)),
        _ => {}
    }
}

/// The plugin's manifest, checked as the host checks it at load time.
fn checked_manifest<P: Plugin>(plugin: &P) -> Manifest {
    let manifest = crate::full_manifest(plugin);
    if let Err(err) = manifest.validate() {
        panic!("the host would refuse this plugin: {err}");
    }
    manifest
}

impl Inputs for TestHost {
    fn env(&self, name: &str) -> Option<EnvValue> {
        self.env.get(name).cloned()
    }
    fn profile(&self) -> Option<(&str, &Map<String, Value>)> {
        self.profile.as_ref().map(|(n, t)| (n.as_str(), t))
    }
    fn keyring(&self, service: &str, user: &str) -> Result<Option<String>, String> {
        let entry = |user: &str| self.keyring.get(&(service.to_string(), user.to_string())).cloned();
        Ok(entry(user).or_else(|| if user == self.login { entry("") } else { None }))
    }
    fn login_name(&self) -> String {
        self.login.clone()
    }
}

impl Services for TestHost {
    fn http(&self, request: &HttpRequest) -> Result<HttpResponse, Error> {
        self.record(request);
        if self.dry_run && !request.sent_under_dry_run() {
            return Err(Error::new(ErrorKind::DryRun, "dry run: request not sent"));
        }
        // No panic here: it would cross the services boundary.
        let next = self.replies.borrow_mut().pop_front();
        match next {
            Some(Reply::Response(mut resp)) => {
                // As the host does: name where the credential the request carries came from.
                resp.credential = resp.credential.or_else(|| self.credential_source(request));
                Ok(resp)
            }
            Some(Reply::Error(err)) => Err(err),
            Some(Reply::Dropped) if request.is_idempotent() => Err(Error::unavailable(format!(
                "cannot reach {}: the connection was closed before an answer",
                request.url
            ))),
            Some(Reply::Dropped) => {
                let mut err = Error::new(
                    ErrorKind::OutcomeUnknown,
                    format!(
                        "the outcome of {} {} is unknown (the connection was closed before an answer): it may have been applied",
                        request.method, request.url
                    ),
                );
                err.request_id = request.request_id.clone();
                Err(err)
            }
            None => Err(Error::internal(format!(
                "test host: unexpected request {} {}",
                request.method, request.url
            ))),
        }
    }

    fn secret(&self, request: &SecretRequest) -> Result<Option<SecretValue>, Error> {
        self.secret_requests.borrow_mut().push(request.clone());
        let found = resolve::resolve_secret(request, &self.args.borrow(), self)?;
        if let Some(secret) = &found {
            self.secrets.borrow_mut().push(secret.value.clone());
            self.handed_out.borrow_mut().push(secret.clone());
        }
        Ok(found)
    }

    fn env(&self, name: &str) -> Result<Option<String>, Error> {
        Ok(self.env.get(name).map(|v| v.value.clone()))
    }

    fn redact(&self, value: &str) -> Result<(), Error> {
        self.secrets.borrow_mut().push(value.into());
        Ok(())
    }

    fn log(&self, level: LogLevel, message: &str) -> Result<(), Error> {
        let message = self.mask(message);
        self.logs.borrow_mut().push((level, message));
        Ok(())
    }

    fn login_name(&self) -> Result<String, Error> {
        Ok(self.login.clone())
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        let left = self.replies.borrow().len();
        if left > 0 && !std::thread::panicking() {
            panic!("test host: {left} scripted answer(s) never asked for; requests were {:?}", self.lines());
        }
    }
}
