//! The host's test plugin: declares every kind of argument and uses every host service.

use serde_json::{Value, json};
use statusctl_plugin_api::prelude::*;

#[derive(Default)]
struct Testkit;

fn token_arg() -> ArgDecl {
    ArgDecl::value("token").long("token").dash_alias("tk").env("TESTKIT_TOKEN").secret().help("API token")
}

impl Plugin for Testkit {
    const NAMESPACE: &'static str = "testkit";

    fn manifest(&self) -> Manifest {
        Manifest::new("testkit", "1.2.3", "Exercises every host service")
            .note("test plugin: never shipped")
            .command(
                CommandDecl::new("echo_args", "Echo the resolved arguments")
                    .arg(ArgDecl::value("title").short('t').required().help("A title"))
                    .arg(ArgDecl::list("components").short('c').dash_alias("cs").help("Components"))
                    .arg(ArgDecl::value("incident").short('i').dash_alias("ic").help("Incident id"))
                    .arg(
                        ArgDecl::value("status")
                            .short('s')
                            .choices(&["investigating", "identified", "monitoring", "resolved"])
                            .default_value("investigating"),
                    )
                    .arg(ArgDecl::value("limit").integer().help("A number"))
                    .arg(ArgDecl::flag("notify").help("A flag"))
                    .arg(ArgDecl::value("page").short('p').env("TESTKIT_PAGE").from_profile().help("Page id"))
                    .arg(ArgDecl::value("message").short('m').long_alias("body").help("Message"))
                    .arg(ArgDecl::value("secret_opt").hidden())
                    .arg(ArgDecl::positional("target").value_name("TARGET").help("Optional positional"))
                    .arg(token_arg())
                    .example("statusctl testkit:echo-args -t hello -cs a b"),
            )
            .command(
                CommandDecl::new("http", "Send one HTTP request through the host")
                    .mutating()
                    .arg(ArgDecl::value("url").required().endpoint().env("TESTKIT_URL"))
                    .arg(
                        ArgDecl::value("target_var")
                            .help("Send to the URL this variable holds (read undeclared)"),
                    )
                    .arg(ArgDecl::value("method").default_value("GET"))
                    .arg(ArgDecl::value("body"))
                    .arg(token_arg())
                    .arg(ArgDecl::list("retry_statuses").integer())
                    .arg(ArgDecl::value("max_attempts").integer())
                    .arg(ArgDecl::value("backoff_ms").integer())
                    .arg(ArgDecl::value("idempotent").choices(&["yes", "no"]))
                    .arg(ArgDecl::flag("retry_non_idempotent"))
                    .arg(ArgDecl::value("rate_limit").integer().help("Requests per --rate-window"))
                    .arg(ArgDecl::value("rate_window").integer().default_value("1"))
                    .arg(ArgDecl::flag("safe").help("Mark the request safe under --dry-run"))
                    .arg(ArgDecl::value("timeout").integer().help("Seconds"))
                    .arg(ArgDecl::value("request_id"))
                    .arg(ArgDecl::list("secret_query"))
                    .arg(ArgDecl::flag("ignore_ssl"))
                    .arg(ArgDecl::value("repeat").integer().default_value("1"))
                    .arg(ArgDecl::value("max_body").integer().help("The longest answer to read, in bytes")),
            )
            .command(
                CommandDecl::new("secret", "Look the token up along the whole chain")
                    .arg(token_arg())
                    .arg(ArgDecl::value("keychain_user").dash_alias("ku").default_value("tester"))
                    .arg(ArgDecl::flag("leak").help("Log the token (the host must scrub it)")),
            )
            .command(
                CommandDecl::new("log", "Log through the host")
                    .arg(
                        ArgDecl::value("level")
                            .choices(&["error", "warn", "info", "debug", "trace"])
                            .required(),
                    )
                    .arg(ArgDecl::value("message").required()),
            )
            .command(CommandDecl::new("settings", "Print the profile settings the host passed"))
            .command(
                CommandDecl::new("env", "Read a variable through the host")
                    .arg(ArgDecl::positional("name").required()),
            )
            .command(
                CommandDecl::new("fail", "Fail with the given kind")
                    .arg(ArgDecl::positional("kind").required().choices(&[
                        "failed",
                        "usage",
                        "config",
                        "unavailable",
                        "outcome_unknown",
                        "internal",
                    ]))
                    .arg(ArgDecl::value("status").integer()),
            )
    }

    fn run(&self, call: Call<'_>) -> Result<Output, Error> {
        match call.command.as_str() {
            "echo_args" => echo_args(&call),
            "http" => http(&call),
            "secret" => secret(&call),
            "log" => {
                let level = match call.args.str("level") {
                    Some("error") => LogLevel::Error,
                    Some("warn") => LogLevel::Warn,
                    Some("info") => LogLevel::Info,
                    Some("debug") => LogLevel::Debug,
                    _ => LogLevel::Trace,
                };
                call.host.log(level, call.args.str("message").unwrap_or_default());
                Ok(Output::data(json!({"logged": true})).with_text(""))
            }
            "settings" => {
                let data = json!({"profile": call.profile, "settings": call.settings});
                Ok(Output::data(data))
            }
            "env" => {
                let name = call.args.str("name").unwrap_or_default();
                let value = call.host.env(name);
                Ok(Output::data(json!({ "name": name, "value": value }))
                    .with_text(format!("{name}={}\n", value.as_deref().unwrap_or("<unset>"))))
            }
            "fail" => {
                let kind = match call.args.str("kind") {
                    Some("usage") => ErrorKind::Usage,
                    Some("config") => ErrorKind::Config,
                    Some("unavailable") => ErrorKind::Unavailable,
                    Some("outcome_unknown") => ErrorKind::OutcomeUnknown,
                    Some("internal") => ErrorKind::Internal,
                    _ => ErrorKind::Failed,
                };
                let mut err = Error::new(kind, "failing as asked");
                err.http_status = call.args.int("status").map(|s| s as u16);
                Err(err)
            }
            other => Err(Error::usage(format!("unknown command {other}"))),
        }
    }
}

fn echo_args(call: &Call<'_>) -> Result<Output, Error> {
    let mut lines = String::new();
    for (key, value) in &call.args.0 {
        let shown = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        lines.push_str(&format!("{key}: {shown}\n"));
    }
    Ok(Output::data(Value::Object(call.args.0.clone())).with_text(lines))
}

fn token(call: &Call<'_>, user: &str) -> Result<Option<SecretValue>, Error> {
    call.host.secret(
        &SecretRequest::new("testkit token")
            .arg("token")
            .env("TESTKIT_TOKEN")
            .profile_key("token")
            .keyring("testkit-token", user),
    )
}

fn http(call: &Call<'_>) -> Result<Output, Error> {
    let args = &call.args;
    // `--target-var VAR`: a plugin that reads its destination itself, without declaring it.
    let url = match args.str("target_var") {
        Some(var) => call.host.env(var).unwrap_or_default(),
        None => args.str("url").unwrap_or_default().to_string(),
    };
    let mut req = HttpRequest::new(args.str("method").unwrap_or("GET"), url);
    if let Some(token) = token(call, "tester")? {
        req = req.header("Authorization", format!("Bearer {}", token.value));
    }
    if let Some(body) = args.str("body") {
        req = req.header("Content-Type", "application/json").body(body);
        req.secret_fields.push("password".into());
    }
    let mut policy = RetryPolicy::default();
    let statuses = args.list("retry_statuses");
    if !statuses.is_empty() {
        policy.statuses = statuses.iter().filter_map(|s| s.parse().ok()).collect();
    }
    if let Some(n) = args.int("max_attempts") {
        policy.max_attempts = n as u32;
    }
    if let Some(ms) = args.int("backoff_ms") {
        policy.backoff_base_ms = ms as u64;
        policy.backoff_cap_ms = ms as u64 * 8;
    }
    policy.retry_non_idempotent = args.flag("retry_non_idempotent");
    req = req.retry(policy);
    match args.str("idempotent") {
        Some("yes") => req = req.idempotent(true),
        Some("no") => req = req.idempotent(false),
        _ => {}
    }
    if let Some(n) = args.int("rate_limit") {
        req =
            req.rate_limit(RateLimit::new("testkit", n as u32, args.int("rate_window").unwrap_or(1) as f64));
    }
    if args.flag("safe") {
        req = req.dry_run_safe();
    }
    if let Some(t) = args.int("timeout") {
        req = req.timeout_secs(t as f64);
    }
    if let Some(id) = args.str("request_id") {
        req = req.request_id(id);
    }
    for q in args.list("secret_query") {
        req = req.secret_query(&q);
    }
    req = req.insecure_tls(args.flag("ignore_ssl"));
    if let Some(bytes) = args.int("max_body") {
        req = req.max_body_bytes(bytes as u64);
    }
    let repeat = args.int("repeat").unwrap_or(1).max(1);
    let mut last = None;
    for _ in 0..repeat {
        last = Some(call.host.http(&req)?.error_for_status()?);
    }
    let resp = last.expect("at least one request");
    let data = resp.json().unwrap_or_else(|_| json!({"status": resp.status, "body": resp.body}));
    let text = format!("HTTP {} after {} attempt(s)\n{}\n", resp.status, resp.attempts, resp.body);
    Ok(Output::data(data).with_text(text))
}

fn secret(call: &Call<'_>) -> Result<Output, Error> {
    let user = call.args.str("keychain_user").unwrap_or("tester").to_string();
    match token(call, &user)? {
        Some(found) => {
            if call.args.flag("leak") {
                call.host.warn(format!("about to use token {}", found.value));
                call.host.debug(format!("token is {}", found.value));
            }
            Ok(Output::data(json!({"found": true, "source": found.source}))
                .with_text(format!("token found (from {})\n", found.source)))
        }
        None => Err(Error::config(
            "no testkit token: pass --token, set TESTKIT_TOKEN, or store one in the keyring",
        )),
    }
}

export_plugin!(Testkit);
