//! `statusctl mcp`: every plugin command as an MCP tool, served over stdio for AI agents
//! (the `statusctl-mcp` crate), safe by default. Part of the binary (default feature `mcp`),
//! so embedders of the host library do not build the MCP SDK.
//!
//! The server runs on its own long-lived engine: the plugins this run found, the config
//! file and profiles, and no `./.env` unless `--env-file` names one (MCP clients start
//! servers in whatever workspace is open).

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use serde_json::{Map, Value, json};
use statusctl_host::{
    Builtin, Context, Engine, EngineOptions, Host, HostError, InvokeOptions, Invoked, Output, Progress,
};
use statusctl_mcp::{
    AuditLog, Backend, BoxFuture, CallError, CallOptions, Catalog, Policy, Produced, ProtocolStdout, Server,
    Wait,
};

pub fn builtin() -> Builtin {
    let patterns = |id: &'static str, long: &'static str, help: &'static str| {
        Arg::new(id)
            .long(long)
            .value_name("PATTERN")
            .action(ArgAction::Append)
            .value_delimiter(',')
            .help(help)
    };
    let command = Command::new("mcp")
        .about("Serve the plugins' commands as MCP tools over stdio, for AI agents (read-only unless --allow-writes)")
        .after_help(
            "PATTERN is a namespace (`statuspage`), a command (`nobl9:change_status`, dashes allowed) or a glob \
             over `namespace:command` (`statuspage:list_*`). Commands that destroy something are served only \
             when --allow-writes names them exactly.\n\n\
             Register it in an MCP client as the command `statusctl` with the arguments \
             `--profile sandbox mcp` (try it against `statusctl sandbox` first).",
        )
        .arg(patterns(
            "allow_writes",
            "allow-writes",
            "Also serve these commands that change something (each takes `dry_run`)",
        ))
        .arg(patterns("tools", "tools", "Serve only these commands"))
        .arg(
            Arg::new("max_calls")
                .long("max-calls")
                .value_name("PATTERN=N/hour")
                .action(ArgAction::Append)
                .help("Refuse calls of matching commands beyond N per hour (/minute and /day too)"),
        )
        .arg(
            Arg::new("env_file")
                .long("env-file")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Read variables from FILE (./.env is never read by `mcp`)"),
        )
        .arg(
            Arg::new("audit_log")
                .long("audit-log")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Append the audit line of each call to FILE (default: stderr)"),
        )
        .arg(
            Arg::new("list")
                .long("list")
                .action(ArgAction::SetTrue)
                .help("Print the tools that would be served, and exit"),
        );
    Builtin::new(command, run)
}

fn strings(m: &ArgMatches, id: &str) -> Vec<String> {
    m.get_many::<String>(id).map(|v| v.cloned().collect()).unwrap_or_default()
}

fn run(m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let policy = Policy::new(&strings(m, "allow_writes"), &strings(m, "tools"), &strings(m, "max_calls"))
        .map_err(|e| HostError::Usage(e.to_string()))?;
    // stdout carries protocol frames only: it is claimed before the plugins are loaded
    // again and called, and fd 1 then points at stderr, so a plugin printing to stdout cannot
    // corrupt the stream (`--list` prints for humans).
    let stdout = if m.get_flag("list") {
        None
    } else {
        Some(ProtocolStdout::claim().map_err(|e| HostError::Internal(format!("cannot claim stdout: {e}")))?)
    };
    let engine = engine(cx, m.get_one::<PathBuf>("env_file"))?;
    let catalog = Catalog::build(engine.commands(), &policy);
    let Some(stdout) = stdout else {
        return Ok(list(&catalog));
    };
    let audit = match m.get_one::<PathBuf>("audit_log") {
        Some(path) => AuditLog::file(path).map_err(|e| HostError::io(path, e))?,
        None => AuditLog::stderr(),
    };
    let profile = cx.globals.profile.clone().or_else(|| std::env::var("STATUSCTL_PROFILE").ok());
    let backend = EngineBackend {
        engine: engine.clone(),
        profile,
        verbosity: cx.globals.verbosity,
        max_wait: cx.globals.max_wait,
        allow_http: cx.globals.allow_http,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| HostError::Internal(format!("cannot start the async runtime: {e}")))?;
    let subscriber = engine.log_subscriber(cx.globals.verbosity);
    tracing::subscriber::with_default(subscriber, || {
        for skipped in catalog.skipped.iter().filter(|s| s.problem) {
            tracing::warn!("mcp: {} is not served: {}", skipped.command, skipped.reason);
        }
        let writes = catalog.tools.iter().filter(|t| t.writes()).count();
        tracing::info!(
            "statusctl mcp: serving {} tools ({writes} that change something) on stdio; {} commands left out (see `statusctl mcp --list`)",
            catalog.tools.len(),
            catalog.skipped.len()
        );
        let server = Arc::new(Server::new(catalog, policy, Arc::new(backend), audit));
        runtime.block_on(statusctl_mcp::serve_stdio(server, env!("CARGO_PKG_VERSION"), stdout))
    })
    .map_err(HostError::Failed)?;
    Ok(Output { data: Value::Null, text: Some(String::new()) })
}

/// The engine the server runs on: this run's plugin directories, config and built-in
/// profiles; `./.env` only through `--env-file`.
fn engine(cx: &Context<'_>, env_file: Option<&PathBuf>) -> Result<Engine, HostError> {
    let mut builder =
        Host::builder(&cx.identity.name).version(&cx.identity.version).standard_plugin_dirs(false);
    for dir in cx.search_path() {
        builder = builder.plugin_dir(dir);
    }
    for (profile, tables) in cx.builtin_profiles {
        for (namespace, settings) in tables {
            builder = builder.profile(profile, namespace, settings.clone());
        }
    }
    // The same names are kept from plugins as in this run.
    for name in cx.reserved.namespaces {
        if !["plugins", "config", "secrets", "completions", "help"].contains(&name.as_str()) {
            builder = builder.builtin(Builtin::new(Command::new(name.clone()), |_, _| Ok(Output::text(""))));
        }
    }
    if let Some(scale) = std::env::var("STATUSCTL_TIME_SCALE").ok().and_then(|s| s.parse().ok()) {
        builder = builder.time_scale(scale);
    }
    if let Some(file) = std::env::var_os("STATUSCTL_TEST_KEYRING_FILE").filter(|f| !f.is_empty()) {
        builder = builder.test_keyring_file(file);
    }
    let host = builder.env_file(env_file.cloned()).build();
    let options = EngineOptions {
        plugin_dirs: Vec::new(),
        allow_insecure_plugins: cx.globals.allow_insecure_plugins,
        config: cx.globals.config.clone(),
        ca_files: cx.globals.ca_file.iter().cloned().collect(),
    };
    // Discovery's warnings were shown by this run already.
    tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), || host.engine(options))
}

/// `statusctl mcp --list`: the tools, then what is left out and why.
fn list(catalog: &Catalog) -> Output {
    let effect = |t: &statusctl_mcp::ToolDef| format!("{:?}", t.effect).to_ascii_lowercase();
    let data: Vec<Value> = catalog
        .tools
        .iter()
        .map(|t| json!({"name": t.name, "command": t.command, "effect": effect(t), "description": t.description}))
        .collect();
    let skipped: Vec<Value> =
        catalog.skipped.iter().map(|s| json!({"command": s.command, "reason": s.reason})).collect();
    let width = catalog.tools.iter().map(|t| t.name.len()).max().unwrap_or(4).max(4);
    let mut text = format!("{:width$}  {:8}  DESCRIPTION\n", "TOOL", "EFFECT");
    for tool in &catalog.tools {
        let about = tool.description.lines().next().unwrap_or_default();
        text.push_str(&format!("{:width$}  {:8}  {about}\n", tool.name, effect(tool)));
    }
    if catalog.tools.is_empty() {
        text.push_str("(no tools: no plugin loaded, or every command is filtered out)\n");
    }
    if !catalog.skipped.is_empty() {
        text.push_str("\nNot served:\n");
        for s in &catalog.skipped {
            text.push_str(&format!("  {}: {}\n", s.command, s.reason));
        }
    }
    Output { data: json!({"tools": data, "not_served": skipped}), text: Some(text) }
}

/// The engine, as the MCP server's backend.
struct EngineBackend {
    engine: Engine,
    profile: Option<String>,
    verbosity: i8,
    max_wait: std::time::Duration,
    allow_http: bool,
}

impl Backend for EngineBackend {
    fn invoke(
        &self,
        command: &str,
        args: Map<String, Value>,
        options: CallOptions,
    ) -> BoxFuture<'_, Result<Produced, CallError>> {
        let progress = options.progress.map(|sink| {
            let sink: statusctl_host::ProgressSink = Arc::new(move |event: &Progress| {
                if let Progress::Waiting { total, left, reason } = event {
                    sink(Wait { total: *total, left: *left, reason: reason.clone() });
                }
            });
            sink
        });
        let invoke = InvokeOptions {
            cancel: options.cancel,
            dry_run: options.dry_run,
            profile: self.profile.clone(),
            progress,
            verbosity: self.verbosity,
            max_wait: self.max_wait,
            allow_http: self.allow_http,
            ..InvokeOptions::default()
        };
        let command = command.to_string();
        Box::pin(async move {
            match self.engine.invoke(&command, args, invoke).await {
                Ok(Invoked::Output(out)) => {
                    let text = match out.text {
                        Some(text) => text,
                        None => serde_json::to_string_pretty(&out.data).unwrap_or_default(),
                    };
                    Ok(Produced::Output { data: out.data, text })
                }
                Ok(Invoked::Planned(planned)) => Ok(Produced::Planned {
                    requests: statusctl_host::plan_json(&planned),
                    text: statusctl_host::plan_text(&planned),
                }),
                Err(err) => Err(CallError {
                    message: self.engine.scrub(&err.to_string()),
                    kind: err.kind().into(),
                    exit_code: err.exit_code().code(),
                    http_status: err.http_status(),
                    request_id: match &err {
                        HostError::Plugin(e) => e.request_id.clone(),
                        _ => None,
                    },
                }),
            }
        })
    }

    fn scrub(&self, text: &str) -> String {
        self.engine.scrub(text)
    }
}
