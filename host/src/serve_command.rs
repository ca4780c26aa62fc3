//! `statusctl serve`: the alert webhook receiver (crate `statusctl-serve`) on top of a
//! long-lived engine, and `statusctl serve check`, which validates a routes file and shows
//! what a payload would do, offline. Part of the binary (default feature `serve`), so
//! embedders of the host library build none of it.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use serde_json::json;
use statusctl_host::{Builtin, Context, EngineOptions, Host, HostError, InvokeOptions, Invoked, Output};
use statusctl_plugin_api::ErrorKind;
use statusctl_plugin_api::apply::{APPLY_INCIDENT, Applied as PluginApplied, COMMAND};
use statusctl_serve::plan::{self, Call};
use statusctl_serve::routes::{AuthConfig, Routes, SecretRef};
use statusctl_serve::server::{
    Applied, Applier, ApplyFuture, Auth, Failure, FailureKind, MAX_BODY_BYTES, Server, Settings,
};
use statusctl_serve::sources::{self, Endpoint};

/// The documented default address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9095";

/// How long in-flight work may go on after SIGTERM/SIGINT.
const DRAIN: Duration = Duration::from_secs(30);

fn routes_arg() -> Arg {
    Arg::new("routes")
        .long("routes")
        .value_name("FILE")
        .value_parser(value_parser!(PathBuf))
        .required(true)
        .help("The routing file (TOML): which alerts become which incidents")
}

pub fn builtin() -> Builtin {
    let check = Command::new("check")
        .about("Validate a routes file and show what a payload would do (offline: nothing is sent)")
        .arg(routes_arg())
        .arg(
            Arg::new("payload")
                .long("payload")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("A webhook body to plan for"),
        )
        .arg(
            Arg::new("online")
                .long("online")
                .action(ArgAction::SetTrue)
                .help("Also check component names against the provider (read-only: NS:list_components)"),
        )
        .arg(
            Arg::new("source")
                .long("source")
                .value_name("SOURCE")
                .value_parser(["alertmanager", "grafana", "datadog", "generic"])
                .help("The payload's sender (default: guessed from the payload)"),
        );
    let command = Command::new("serve")
        .about("Receive alert webhooks (Alertmanager, Grafana, Datadog, generic JSON) and apply incidents")
        .long_about(
            "Receive alert webhooks and turn them into apply_incident calls, one per (group, rule).\n\
             Endpoints: POST /alertmanager (Grafana too, POST or PUT), POST /datadog, POST /generic,\n\
             GET /healthz, GET /readyz, GET /metrics (Prometheus). POST /-/reload or SIGHUP reloads\n\
             the routes file (a file with errors keeps the routes in force). With the global\n\
             --dry-run: shadow mode (decisions logged, nothing written). See docs/serve.md.",
        )
        .subcommand_negates_reqs(true)
        .args_conflicts_with_subcommands(true)
        .subcommand(check)
        .arg(routes_arg())
        .arg(
            Arg::new("listen")
                .long("listen")
                .value_name("ADDR")
                .value_parser(value_parser!(SocketAddr))
                .default_value(DEFAULT_LISTEN)
                .help("Address to listen on (beyond loopback: needs [auth], and TLS or --allow-plain-http)"),
        )
        .arg(
            Arg::new("decision_log")
                .long("decision-log")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Append one JSON line per notification here (default: stderr)"),
        )
        .arg(
            Arg::new("env_file")
                .long("env-file")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Read variables from this file (./.env is never read by serve)"),
        )
        .arg(
            Arg::new("allow_plain_http")
                .long("allow-plain-http")
                .action(ArgAction::SetTrue)
                .help("Accept senders beyond loopback over plain HTTP (when TLS ends in a proxy in front)"),
        )
        .arg(
            Arg::new("tls_cert")
                .long("tls-cert")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .requires("tls_key")
                .help("Serve HTTPS with this certificate chain (PEM, leaf first; read again on reload)"),
        )
        .arg(
            Arg::new("tls_key")
                .long("tls-key")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .requires("tls_cert")
                .help("The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1)"),
        );
    Builtin::new(command, run)
}

fn run(m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    if let Some(("check", m)) = m.subcommand() {
        return check(m, cx);
    }
    serve(m, cx)
}

/// Loads the routes and the engine (variables from `env_file` only, never `./.env`), and
/// checks each rule's target.
fn prepare(
    routes_path: &Path,
    cx: &Context<'_>,
    env_file: Option<&PathBuf>,
) -> Result<(Routes, statusctl_host::Engine), HostError> {
    let routes = Routes::load(routes_path).map_err(|e| HostError::Config(e.0))?;
    let engine = host_builder(env_file).build().engine(EngineOptions {
        plugin_dirs: cx.search_path(),
        allow_insecure_plugins: cx.globals.allow_insecure_plugins,
        config: cx.globals.config.clone(),
        ca_files: cx.globals.ca_file.iter().cloned().collect(),
    })?;
    check_targets(&routes, &engine, &|namespace| cx.plugin_failure(namespace)).map_err(HostError::Config)?;
    Ok((routes, engine))
}

/// Refuses a rule whose namespace has no loaded plugin with `apply_incident/1` (or that
/// names arguments its `apply_incident` does not take). `failure` says why a namespace's
/// plugin did not load, when it is known.
fn check_targets(
    routes: &Routes,
    engine: &statusctl_host::Engine,
    failure: &dyn Fn(&str) -> Option<(PathBuf, String)>,
) -> Result<(), String> {
    let offers = |namespace: &str| -> Result<Vec<String>, String> {
        let Some(manifest) = engine.manifests().find(|m| m.namespace == namespace) else {
            return Err(match failure(namespace) {
                Some((path, why)) => {
                    format!("plugin `{namespace}` ({}) could not be loaded: {why}", path.display())
                }
                None => format!("no plugin serves the namespace `{namespace}`"),
            });
        };
        if !manifest.capabilities.iter().any(|c| c == APPLY_INCIDENT) {
            return Err(format!("plugin `{namespace}` lacks the {APPLY_INCIDENT} capability"));
        }
        let decl = manifest.commands.iter().find(|c| c.name == COMMAND).ok_or_else(|| {
            format!("plugin `{namespace}` declares {APPLY_INCIDENT} but has no {COMMAND} command")
        })?;
        Ok(decl.args.iter().map(|a| a.id.clone()).collect())
    };
    routes.check_targets(&offers).map_err(|e| e.0)
}

/// A host like the binary's (test seams, the sandbox profile), reading variables from
/// `env_file` only.
fn host_builder(env_file: Option<&PathBuf>) -> statusctl_host::HostBuilder {
    let mut host = Host::builder("statusctl").env_file(env_file.cloned());
    if let Some(scale) = std::env::var("STATUSCTL_TIME_SCALE").ok().and_then(|s| s.parse().ok()) {
        host = host.time_scale(scale);
    }
    if let Some(file) = std::env::var_os("STATUSCTL_TEST_KEYRING_FILE").filter(|f| !f.is_empty()) {
        host = host.test_keyring_file(file);
    }
    #[cfg(feature = "sandbox")]
    let host = crate::sandbox_command::with_profile(host);
    host
}

fn check(m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let routes_path = m.get_one::<PathBuf>("routes").expect("required");
    let (routes, engine) = prepare(routes_path, cx, None)?;
    let mut planned_calls: Vec<Call> = Vec::new();
    let mut data = json!({
        "routes": routes_path.display().to_string(),
        "rules": routes.rules.iter().map(|r| json!({"name": r.name, "namespace": r.namespace, "profile": r.profile})).collect::<Vec<_>>(),
    });
    let mut text = format!("{}: {} rule(s), ok\n", routes_path.display(), routes.rules.len());
    if let Some(payload) = m.get_one::<PathBuf>("payload") {
        let body = std::fs::read(payload).map_err(|e| HostError::io(payload, e))?;
        let endpoint = match m.get_one::<String>("source") {
            Some(name) => Endpoint::parse(name).expect("checked by clap"),
            None => Endpoint::guess(&body),
        };
        let notification = sources::parse(endpoint, &body)
            .map_err(|e| HostError::Usage(format!("{}: {e}", payload.display())))?;
        let planned = plan::plan(&notification, &routes);
        text.push_str(&format!(
            "{} notification, group {} ({}): {} call(s)\n",
            notification.source.as_str(),
            notification.group_key,
            notification.status.as_str(),
            planned.calls.len()
        ));
        for call in &planned.calls {
            text.push_str(&format!("  rule {}: statusctl {}\n", call.rule, call.command_line()));
        }
        for skip in &planned.skipped {
            text.push_str(&format!("  skipped {}: {}\n", skip.key, skip.reason));
        }
        for note in &planned.notes {
            text.push_str(&format!("  note: {note}\n"));
        }
        data["source"] = json!(notification.source.as_str());
        data["group_key"] = json!(notification.group_key);
        data["calls"] = json!(
            planned
                .calls
                .iter()
                .map(
                    |c| json!({"rule": c.rule, "command": c.command(), "profile": c.profile, "args": c.args})
                )
                .collect::<Vec<_>>()
        );
        data["skipped"] = serde_json::to_value(&planned.skipped).unwrap_or_default();
        data["notes"] = json!(planned.notes);
        planned_calls = planned.calls;
    }
    if m.get_flag("online") {
        let checked = check_online(&routes, &planned_calls, &engine, cx)?;
        for (target, count) in &checked {
            text.push_str(&format!("online: {target}: {count} component name(s) found on the provider\n"));
        }
        data["online"] =
            json!(checked.iter().map(|(t, n)| json!({"target": t, "components": n})).collect::<Vec<_>>());
    }
    Ok(Output::data(data).with_text(text))
}

/// `serve check --online`: the component names the rules name (static ones) and the
/// payload's calls set, against each (namespace, profile)'s `list_components` (a read).
/// Unknown names are a configuration error (exit 4), one line per name and rule.
fn check_online(
    routes: &Routes,
    calls: &[Call],
    engine: &statusctl_host::Engine,
    cx: &Context<'_>,
) -> Result<Vec<(String, usize)>, HostError> {
    use std::collections::{BTreeMap, BTreeSet};
    // (namespace, profile) → component name → the rules naming it (their place in the file).
    let mut wanted: BTreeMap<(String, Option<String>), BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let profile_of = |p: &Option<String>| p.clone().or_else(|| cx.globals.profile.clone());
    for rule in &routes.rules {
        for c in rule.components.iter().filter(|c| !c.contains("{{") && !c.contains("{%")) {
            wanted
                .entry((rule.namespace.clone(), profile_of(&rule.profile)))
                .or_default()
                .entry(c.clone())
                .or_default()
                .insert(format!("{}: rule `{}`", rule.at, rule.name));
        }
    }
    for call in calls {
        let at = routes
            .rules
            .iter()
            .find(|r| r.name == call.rule)
            .map_or(String::new(), |r| format!("{}: rule `{}`", r.at, r.name));
        for set in call.args.get("set").and_then(|v| v.as_array()).into_iter().flatten() {
            if let Some((name, _)) = set.as_str().and_then(|s| s.rsplit_once('=')) {
                wanted
                    .entry((call.namespace.clone(), profile_of(&call.profile)))
                    .or_default()
                    .entry(name.to_string())
                    .or_default()
                    .insert(format!("{at} (payload)"));
            }
        }
    }
    let runtime = statusctl_host::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| HostError::Internal(format!("cannot start the async runtime: {e}")))?;
    let mut checked = Vec::new();
    let mut problems = Vec::new();
    for ((namespace, profile), names) in wanted {
        let target = match &profile {
            Some(p) => format!("{namespace} (profile {p})"),
            None => namespace.clone(),
        };
        let reads = engine.manifests().find(|m| m.namespace == namespace).is_some_and(|m| {
            m.commands
                .iter()
                .any(|c| c.name == "list_components" && c.effect == Some(statusctl_plugin_api::Effect::Reads))
        });
        if !reads {
            return Err(HostError::Config(format!(
                "--online: `{namespace}` has no read-only list_components command to check names with"
            )));
        }
        let options = InvokeOptions {
            profile: profile.clone(),
            max_wait: cx.globals.max_wait,
            allow_http: cx.globals.allow_http,
            format: "json".into(),
            ..InvokeOptions::default()
        };
        let invoked = runtime.block_on(engine.invoke(
            &format!("{namespace}:list_components"),
            serde_json::Map::new(),
            options,
        ))?;
        let Invoked::Output(out) = invoked else {
            return Err(HostError::Internal(format!(
                "{namespace}:list_components wrote nothing, yet planned writes"
            )));
        };
        let mut known = BTreeSet::new();
        component_names(&out.data, &mut known);
        for (name, rules) in &names {
            if !known.contains(name) {
                for at in rules {
                    problems.push(format!("{at}: component `{name}` is not on {target}"));
                }
            }
        }
        checked.push((target, known.len()));
    }
    if problems.is_empty() { Ok(checked) } else { Err(HostError::Config(problems.join("\n"))) }
}

/// Every `name` of an object that has a `status` too (a component or group), at any depth.
fn component_names(value: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Array(items) => items.iter().for_each(|v| component_names(v, out)),
        serde_json::Value::Object(map) => {
            if let (Some(name), true) = (map.get("name").and_then(|n| n.as_str()), map.contains_key("status"))
            {
                out.insert(name.to_string());
            }
            map.values().for_each(|v| component_names(v, out));
        }
        _ => {}
    }
}

fn serve(m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let routes_path = m.get_one::<PathBuf>("routes").expect("required");
    let listen = *m.get_one::<SocketAddr>("listen").expect("has a default");
    let tls = match (m.get_one::<PathBuf>("tls_cert"), m.get_one::<PathBuf>("tls_key")) {
        (Some(cert), Some(key)) => {
            Some(statusctl_serve::tls::Certificate::load(cert, key).map_err(HostError::Config)?)
        }
        _ => None,
    };
    let env_file = m.get_one::<PathBuf>("env_file");
    let (routes, engine) = prepare(routes_path, cx, env_file)?;
    let auth = routes.auth.as_ref().map(|a| resolve_auth(a, env_file, cx)).transpose()?;
    if !listen.ip().is_loopback() {
        if auth.is_none() {
            return Err(HostError::Usage(format!(
                "listening on {listen} (beyond loopback) needs [auth] in {}",
                routes_path.display()
            )));
        }
        if tls.is_none() && !m.get_flag("allow_plain_http") {
            return Err(HostError::Usage(format!(
                "listening on {listen} (beyond loopback) needs TLS: --tls-cert and --tls-key, or \
                 --allow-plain-http when TLS ends in a proxy in front"
            )));
        }
    }
    let decision_log = match m.get_one::<PathBuf>("decision_log") {
        Some(path) => statusctl_serve::EventLog::file(path).map_err(|e| HostError::io(path, e))?,
        None => statusctl_serve::EventLog::stderr(),
    };
    let plugins: Vec<String> = engine.manifests().map(|m| m.namespace.clone()).collect();
    let dry_run = cx.globals.dry_run;
    let reloader = {
        let engine = engine.clone();
        let routes_path = routes_path.clone();
        let env_file = env_file.cloned();
        let store = cx.store.clone();
        let beyond_loopback = !listen.ip().is_loopback();
        move || -> Result<(Routes, Option<Auth>), String> {
            let routes = Routes::load(&routes_path).map_err(|e| e.0)?;
            check_targets(&routes, &engine, &|_| None)?;
            let auth = match &routes.auth {
                None if beyond_loopback => {
                    return Err(format!(
                        "{}: serve listens beyond loopback: the routes need [auth]",
                        routes_path.display()
                    ));
                }
                None => None,
                Some(auth) => Some(
                    read_auth(auth, env_file.as_ref(), &|service, user| {
                        store.get(service, user).map_err(|e| e.to_string())
                    })
                    .map_err(|e| e.to_string())?,
                ),
            };
            Ok((routes, auth))
        }
    };
    let applier = Arc::new(EngineApplier {
        engine,
        profile: cx.globals.profile.clone(),
        max_wait: cx.globals.max_wait,
        allow_http: cx.globals.allow_http,
    });
    let rules = routes.rules.len();
    let settings = Settings {
        routes: Arc::new(routes),
        auth,
        reloader: Some(Box::new(reloader)),
        listen,
        dry_run,
        max_body: MAX_BODY_BYTES,
        decision_log: Arc::new(decision_log),
        plugins,
        tls: tls.clone(),
    };
    let runtime = statusctl_host::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| HostError::Internal(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = statusctl_host::tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| HostError::Failed(format!("cannot listen on {listen}: {e}")))?;
        let bound = listener.local_addr().map_err(|e| HostError::Failed(format!("{e}")))?;
        let server = Server::new(Settings { listen: bound, ..settings }, applier);
        {
            let mut out = std::io::stdout().lock();
            let scheme = if tls.is_some() { "https" } else { "http" };
            let shadow = if dry_run { " in shadow mode (--dry-run: nothing is written)" } else { "" };
            let _ = writeln!(
                out,
                "statusctl serve listening on {scheme}://{bound}{shadow}: {rules} rule(s) from {}\n\
                 POST /alertmanager (Grafana too), /datadog, /generic; GET /healthz, /readyz, /metrics;\n\
                 POST /-/reload or SIGHUP reloads the routes. Ctrl-C to stop.",
                routes_path.display()
            );
            let _ = out.flush();
        }
        #[cfg(unix)]
        {
            use statusctl_host::tokio::signal::unix::{SignalKind, signal};
            let server = server.clone();
            match signal(SignalKind::hangup()) {
                Ok(mut hangups) => {
                    statusctl_host::tokio::spawn(async move {
                        while hangups.recv().await.is_some() {
                            let _ = server.reload("SIGHUP");
                        }
                    });
                }
                Err(err) => tracing::warn!("SIGHUP will not reload the routes: {err}"),
            }
        }
        server
            .run(listener, shutdown_signal(), DRAIN)
            .await
            .map_err(|e| HostError::Failed(format!("serving on {bound}: {e}")))
    })?;
    Ok(Output::text(""))
}

/// The first SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = statusctl_host::tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        use statusctl_host::tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    statusctl_host::tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("stopping: no new requests; finishing the work in flight");
}

/// The sender's credential, read from where the routes file says it lives.
fn resolve_auth(auth: &AuthConfig, env_file: Option<&PathBuf>, cx: &Context<'_>) -> Result<Auth, HostError> {
    read_auth(auth, env_file, &|service, user| cx.store.get(service, user).map_err(|e| e.to_string()))
}

/// A keyring read: (service, user) → the secret, if there is one.
type KeyringGet<'a> = &'a dyn Fn(&str, &str) -> Result<Option<String>, String>;

fn read_auth(
    auth: &AuthConfig,
    env_file: Option<&PathBuf>,
    keyring_get: KeyringGet<'_>,
) -> Result<Auth, HostError> {
    let read = |secret: &SecretRef| -> Result<String, HostError> {
        let value = match secret {
            SecretRef::Env { env } => std::env::var(env).ok().or_else(|| {
                env_file.and_then(|f| {
                    dotenvy::from_path_iter(f)
                        .ok()?
                        .filter_map(Result::ok)
                        .find(|(k, _)| k == env)
                        .map(|(_, v)| v)
                })
            }),
            SecretRef::File { file } => Some(
                std::fs::read_to_string(file).map_err(|e| HostError::io(file, e))?.trim_end().to_string(),
            ),
            SecretRef::Keyring { keyring, user } => {
                let user = user
                    .clone()
                    .or_else(|| std::env::var("USER").ok())
                    .or_else(|| std::env::var("LOGNAME").ok())
                    .unwrap_or_default();
                keyring_get(keyring, &user).map_err(|e| HostError::Config(format!("auth: {e}")))?
            }
        };
        value.filter(|v| !v.is_empty()).ok_or_else(|| {
            HostError::Config(format!("auth: the secret is not in the {} (or is empty)", secret.describe()))
        })
    };
    Ok(match auth {
        AuthConfig::Bearer(secret) => Auth::Bearer(read(secret)?),
        AuthConfig::Basic { username, password } => {
            Auth::Basic { username: username.clone(), password: read(password)? }
        }
    })
}

/// Runs planned calls through the engine.
struct EngineApplier {
    engine: statusctl_host::Engine,
    profile: Option<String>,
    max_wait: Duration,
    allow_http: bool,
}

impl Applier for EngineApplier {
    fn apply(&self, call: Call, dry_run: bool) -> ApplyFuture {
        let engine = self.engine.clone();
        let options = InvokeOptions {
            // Work past the sender's answer deadline goes on, but not forever: every wait of
            // the call (pacing too) must end within --max-wait, or the call gives up with
            // the wait as the Retry-After for the sender's redelivery.
            deadline: Some(std::time::Instant::now() + self.max_wait),
            dry_run,
            profile: call.profile.clone().or_else(|| self.profile.clone()),
            max_wait: self.max_wait,
            allow_http: self.allow_http,
            format: "json".into(),
            ..InvokeOptions::default()
        };
        Box::pin(async move {
            let invoked = engine.invoke(&call.command(), call.args.clone(), options).await;
            match invoked {
                Ok(Invoked::Output(out)) => {
                    let applied: PluginApplied = serde_json::from_value(out.data.clone()).map_err(|e| {
                        Failure::internal(format!(
                            "{}: the result is not an apply_incident result: {e}",
                            call.command()
                        ))
                    })?;
                    Ok(Applied {
                        incident_ids: applied.incident_ids,
                        reason: applied.reason,
                        request_ids: applied.request_ids,
                        ..Applied::new(applied.action.as_str())
                    })
                }
                Ok(Invoked::Planned(requests)) => Ok(Applied {
                    reason: Some(format!("shadow mode: {} write(s) not sent", requests.len())),
                    ..Applied::new("planned")
                }),
                Err(err) => Err(failure(&engine, err)),
            }
        })
    }
}

fn failure(engine: &statusctl_host::Engine, err: HostError) -> Failure {
    let message = engine.scrub(&err.to_string());
    let kind = match &err {
        HostError::Usage(_) => FailureKind::Refused,
        HostError::Config(_) | HostError::PluginUnavailable { .. } => FailureKind::Config,
        HostError::Plugin(e) => match e.kind {
            ErrorKind::Usage | ErrorKind::Failed => FailureKind::Refused,
            ErrorKind::Config => FailureKind::Config,
            ErrorKind::Unavailable | ErrorKind::OutcomeUnknown | ErrorKind::Interrupted => {
                FailureKind::Unavailable
            }
            ErrorKind::DryRun | ErrorKind::Internal | ErrorKind::Other => FailureKind::Internal,
        },
        HostError::Io { .. } | HostError::Failed(_) | HostError::Internal(_) => FailureKind::Internal,
    };
    let mut failure = Failure::new(kind, message);
    if let HostError::Plugin(e) = &err {
        failure.retry_after = e.retry_after_secs.filter(|_| kind == FailureKind::Unavailable);
        failure.provider_status = e.http_status;
        failure.request_id = e.request_id.clone();
    }
    failure
}
