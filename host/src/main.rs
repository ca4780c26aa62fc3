#[cfg(feature = "sandbox")]
mod sandbox_command;

use statusctl_host::{CancellationToken, Host};

fn main() -> std::process::ExitCode {
    let mut host = Host::builder("statusctl")
        .about("Status pages from the command line: incidents, maintenances and components, through provider plugins")
        .stderr(true)
        // Ctrl-C cancels the plugin call: a request in flight is abandoned (its request id
        // named), and no further request is sent.
        .on_call_start(Box::new(|runtime, cancel: &CancellationToken| {
            let cancel = cancel.clone();
            runtime.spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    cancel.cancel();
                }
            });
        }));
    // Test seams, from the real environment only (never `./.env`).
    if let Some(scale) = std::env::var("STATUSCTL_TIME_SCALE").ok().and_then(|s| s.parse().ok()) {
        host = host.time_scale(scale);
    }
    if let Some(file) = std::env::var_os("STATUSCTL_TEST_KEYRING_FILE").filter(|f| !f.is_empty()) {
        host = host.test_keyring_file(file);
    }
    #[cfg(feature = "sandbox")]
    let host = sandbox_command::with_profile(host.builtin(sandbox_command::builtin()));
    let outcome = host.build().run(std::env::args_os());
    std::process::ExitCode::from(outcome.print().code())
}
