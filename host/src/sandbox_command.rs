//! `statusctl sandbox`: the local provider emulators, for trying statusctl without an
//! account, and `--demo`, a tour through the real plugin commands against them. Part of the
//! binary (default feature `sandbox`), so embedders of the host library do not build axum.

use std::io::Write;
use std::process::Command as Process;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use serde_json::{Map, Value, json};
use statusctl_host::{Builtin, Context, HostBuilder, HostError, Output};
use statusctl_sandbox::SandboxBuilder;
use statusctl_sandbox::nobl9::{self, Nobl9Options};
use statusctl_sandbox::statuspage::{self, StatuspageOptions};

/// The documented default port.
pub const DEFAULT_PORT: u16 = 8787;

pub fn builtin() -> Builtin {
    let command = Command::new("sandbox")
        .about("Serve local emulators of the provider APIs (with fault injection) until Ctrl-C")
        .arg(
            Arg::new("port")
                .long("port")
                .value_name("PORT")
                .value_parser(value_parser!(u16))
                .default_value(DEFAULT_PORT.to_string())
                .help("Port on 127.0.0.1 (0 picks a free one)"),
        )
        .arg(
            Arg::new("state")
                .long("state")
                .value_name("FILE")
                .value_parser(value_parser!(std::path::PathBuf))
                .help("Keep the emulators' data in FILE across restarts"),
        )
        .arg(
            Arg::new("demo")
                .long("demo")
                .action(ArgAction::SetTrue)
                .help("Start on a free port, run a short tour of real commands against it, and exit"),
        );
    Builtin::new(command, run)
}

/// The built-in `sandbox` profile: every provider pointed at the default sandbox address.
pub fn with_profile(host: HostBuilder) -> HostBuilder {
    let url = format!("http://127.0.0.1:{DEFAULT_PORT}");
    host.profile("sandbox", "statuspage", statuspage_settings(&url)).profile(
        "sandbox",
        "nobl9",
        nobl9_settings(&url),
    )
}

/// Client credentials, so commands go through the token exchange as with a real account.
fn nobl9_settings(base_url: &str) -> Map<String, Value> {
    let settings = json!({
        "base_url": base_url,
        "org": nobl9::DEMO_ORG,
        "client_id": nobl9::DEMO_CLIENT_ID,
        "client_secret": nobl9::DEMO_CLIENT_SECRET,
    });
    settings.as_object().cloned().unwrap_or_default()
}

fn statuspage_settings(base_url: &str) -> Map<String, Value> {
    let settings = json!({
        "api_url": format!("{base_url}/v1"),
        "page": statuspage::DEMO_PAGE_ID,
        "token": statuspage::DEMO_TOKEN,
    });
    settings.as_object().cloned().unwrap_or_default()
}

fn run(m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let demo = m.get_flag("demo");
    let port = if demo { 0 } else { m.get_one::<u16>("port").copied().unwrap_or(DEFAULT_PORT) };
    let mut builder =
        SandboxBuilder::new().port(port).with_echo(true).statuspage(StatuspageOptions::default()).nobl9(
            Nobl9Options {
                // Each tour step is a new process with a new token; Nobl9's one-token-per-3-s
                // limit would make the tour wait at every step.
                token_rate_limit: !demo,
                ..Nobl9Options::default()
            },
        );
    if let Some(state) = m.get_one::<std::path::PathBuf>("state") {
        builder = builder.state_file(state);
    }
    let sandbox = builder
        .start_background()
        .map_err(|e| HostError::Failed(format!("cannot start the sandbox on 127.0.0.1:{port}: {e}")))?;
    let url = sandbox.base_url();
    if demo {
        return tour(&url, cx);
    }
    // Printed at once (not at exit): scripts read the address while the server runs.
    let mut out = std::io::stdout().lock();
    let profile_note = if port == DEFAULT_PORT {
        "or use the built-in profile: statusctl --profile sandbox statuspage:list-components (nobl9:… too)"
    } else {
        "(the built-in `sandbox` profile expects the default port 8787; the variables above override it)"
    };
    let _ = writeln!(
        out,
        "statusctl sandbox listening on {url}\n\n\
         Statuspage emulator ({url}/v1), seeded with page {page} and a demo token:\n  \
         export STATUSPAGE_API_URL={url}/v1 STATUSPAGE_PAGE_ID={page} STATUSPAGE_TOKEN={token}\n  \
         {profile_note}\n\n\
         Nobl9 emulator ({url}/api), seeded with an organization and client credentials:\n  \
         export NOBL9_BASE_URL={url} NOBL9_ORG={org} NOBL9_CLIENT_ID={client} NOBL9_CLIENT_SECRET={secret}\n\n\
         Control API: {url}/_sandbox/ (faults, requests, counters, clock, reset, health; JSON bodies); echo provider: {url}/echo\n\
         Press Ctrl-C to stop.",
        page = statuspage::DEMO_PAGE_ID,
        token = statuspage::DEMO_TOKEN,
        org = nobl9::DEMO_ORG,
        client = nobl9::DEMO_CLIENT_ID,
        secret = nobl9::DEMO_CLIENT_SECRET,
    );
    let _ = out.flush();
    drop(out);
    sandbox.wait();
    Ok(Output::text(""))
}

/// One step of the tour: what it shows, and the command line with `|` between words.
struct Step {
    about: &'static str,
    line: &'static str,
}

const STATUSPAGE_TOUR: &[Step] = &[
    Step { about: "Check the token and the page", line: "statuspage:test-connection" },
    Step { about: "The page's components, groups first", line: "statuspage:list-components" },
    Step {
        about: "Open an incident: Conan-style flags, components by name",
        line: "statuspage:create-incident|-t|API latency|-s|investigating|-i|minor|-cs|degraded_performance|-c|API",
    },
    Step {
        about: "Update it",
        line: "statuspage:update-incident|-ic|{incident}|-s|identified|-m|Cause found: a slow database query",
    },
    Step {
        about: "Resolve it, setting its components back to operational",
        line: "statuspage:resolve-incident|-ic|{incident}|-e|incident|-c|API|-m|Fixed",
    },
    Step {
        about: "Schedule a maintenance",
        line: "statuspage:schedule-maintenance|-t|Database upgrade|-c|Database|-m|Read-only for 10 minutes|-s|2030-01-01T10:00:00Z",
    },
    Step { about: "Everything on the page", line: "statuspage:list-incidents" },
    Step {
        about: "A dry run shows the request and sends nothing",
        line: "--dry-run|statuspage:create-incident|-t|Just looking",
    },
];

const NOBL9_TOUR: &[Step] = &[
    Step { about: "Check the configuration and the credentials", line: "nobl9:test-connection" },
    Step { about: "The component tree", line: "nobl9:list-components" },
    Step {
        about: "The shared vocabulary: the same command as on Statuspage, Statuspage spellings accepted",
        line: "nobl9:create-incident|-c|API|-cs|major_outage|-m|Error rate above 5%",
    },
    Step { about: "Ongoing incidents, per day", line: "nobl9:list-incidents|--ongoing" },
    Step { about: "Resolve it", line: "nobl9:resolve-incident|-c|API|-m|Recovered" },
    Step {
        about: "What a monitoring system would send",
        line: "nobl9:monitoring-integration|API EU|warning|prometheus",
    },
    Step { about: "The status history of a component", line: "nobl9:status-history|API" },
];

/// Runs real commands (this same binary, its plugins, over HTTP) against the sandbox.
fn tour(url: &str, cx: &Context<'_>) -> Result<Output, HostError> {
    let loaded = cx.registry_namespaces();
    let tours = [("statuspage", "Statuspage", STATUSPAGE_TOUR), ("nobl9", "Nobl9", NOBL9_TOUR)];
    if !tours.iter().any(|(ns, ..)| loaded.iter().any(|l| l == ns)) {
        let (path, reason) = cx.plugin_failure("statuspage").unwrap_or_else(|| {
            let why = "no provider plugin found: build the whole workspace (`cargo build --release`) and run the statusctl next to it";
            ("libstatusctl_statuspage".into(), why.into())
        });
        return Err(HostError::PluginUnavailable { namespace: "statuspage".into(), path, reason });
    }
    let exe = std::env::current_exe()
        .map_err(|e| HostError::Failed(format!("cannot find this executable: {e}")))?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "A tour of statusctl against local emulators at {url}");
    let _ = writeln!(out, "(every command below is this binary with its real plugins, over HTTP)\n");
    let mut n = 0;
    for (namespace, provider, steps) in tours {
        if !loaded.iter().any(|l| l == namespace) {
            let _ = writeln!(out, "## {provider}: skipped, the `{namespace}` plugin is not loaded\n");
            continue;
        }
        let _ = writeln!(out, "## {provider}\n");
        let mut incident = String::new();
        for step in steps {
            n += 1;
            let args: Vec<String> =
                step.line.split('|').map(|a| a.replace("{incident}", &incident)).collect();
            let _ = writeln!(out, "# {n}. {}\n$ statusctl {}", step.about, shell_words(&args));
            let _ = out.flush();
            // stderr live (waits and warnings show when they happen); stdout read for the id.
            let result = Process::new(&exe)
                .args(&args)
                .stderr(std::process::Stdio::inherit())
                .env("STATUSCTL_PROFILE", "sandbox")
                .env("STATUSPAGE_API_URL", format!("{url}/v1"))
                .env("NOBL9_BASE_URL", url)
                .env("STATUSCTL_PLUGIN_PATH", plugin_path(cx))
                .env_remove("STATUSPAGE_TOKEN")
                .env_remove("STATUSPAGE_PAGE_ID")
                .env_remove("NOBL9_API_TOKEN")
                .output()
                .map_err(|e| HostError::Failed(format!("cannot run {}: {e}", exe.display())))?;
            let stdout = String::from_utf8_lossy(&result.stdout);
            let _ = out.write_all(stdout.as_bytes());
            if !result.status.success() {
                return Err(HostError::Failed(format!(
                    "the tour stopped at step {n}: exit {}",
                    result.status.code().unwrap_or(-1)
                )));
            }
            if let Some(id) = stdout.lines().find_map(|l| l.strip_prefix("Incident ID: ")) {
                incident = id.trim().to_string();
            }
            if !stdout.ends_with("\n\n") {
                let _ = writeln!(out);
            }
        }
    }
    let _ = writeln!(
        out,
        "Done. `statusctl sandbox` serves the same emulators on port {DEFAULT_PORT} until Ctrl-C."
    );
    Ok(Output::text(""))
}

/// The plugin directories this run used, for the tour's commands.
fn plugin_path(cx: &Context<'_>) -> std::ffi::OsString {
    std::env::join_paths(cx.search_path()).unwrap_or_default()
}

/// Arguments as a shell would need them typed.
fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.chars().all(|c| c.is_ascii_alphanumeric() || "-_:./=".contains(c)) {
                a.clone()
            } else {
                format!("\"{a}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
