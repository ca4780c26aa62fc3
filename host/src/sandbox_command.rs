//! `statusctl sandbox`: the local provider emulators, for trying statusctl without an
//! account. Part of the binary (default feature `sandbox`), so embedders of the host
//! library do not build axum.

use std::io::Write;

use clap::{Arg, ArgMatches, Command, value_parser};
use statusctl_host::{Builtin, HostError, Output};
use statusctl_sandbox::SandboxBuilder;

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
        );
    Builtin::new(command, run)
}

fn run(m: &ArgMatches, _cx: &statusctl_host::Context<'_>) -> Result<Output, HostError> {
    let port = m.get_one::<u16>("port").copied().unwrap_or(DEFAULT_PORT);
    let sandbox = SandboxBuilder::new()
        .port(port)
        .with_echo(true)
        .start_background()
        .map_err(|e| HostError::Failed(format!("cannot start the sandbox on 127.0.0.1:{port}: {e}")))?;
    let url = sandbox.base_url();
    // Printed at once (not at exit): scripts read the address while the server runs.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "statusctl sandbox listening on {url}");
    let _ = writeln!(out, "  echo provider: {url}/echo");
    let _ = writeln!(out, "  control API:   {url}/_sandbox/ (faults, requests, reset, health)");
    let _ = writeln!(out, "Press Ctrl-C to stop.");
    let _ = out.flush();
    drop(out);
    sandbox.wait();
    Ok(Output::text(""))
}
