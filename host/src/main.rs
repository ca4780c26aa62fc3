#[cfg(feature = "mcp")]
mod mcp_command;
#[cfg(feature = "sandbox")]
mod sandbox_command;
#[cfg(feature = "serve")]
mod serve_command;

use statusctl_host::{CancellationToken, Host};

/// The exit code of a bug in statusctl (sysexits' EX_SOFTWARE), as for a plugin's panic.
const INTERNAL_ERROR: u8 = 70;

fn main() -> std::process::ExitCode {
    install_panic_hook();
    // A panic anywhere in the run ends it here: one line (the hook's), exit 70.
    match std::panic::catch_unwind(run) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(_) => std::process::ExitCode::from(INTERNAL_ERROR),
    }
}

fn run() -> u8 {
    let mut host = Host::builder("statusctl")
        .about("Status pages from the command line: incidents, maintenances and components, through provider plugins")
        .stderr(true)
        // Ctrl-C, SIGTERM (a CI job cancelled, `timeout`) and SIGHUP (the terminal closed)
        // cancel the plugin call: a request in flight is abandoned (its request id named),
        // no further request is sent, exit 130. A second signal ends the process at once.
        .on_call_start(Box::new(|runtime, cancel: &CancellationToken| {
            #[cfg(debug_assertions)]
            test_seam_panic();
            listen_for_signals(runtime, cancel);
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
    #[cfg(feature = "serve")]
    let host = host.builtin(serve_command::builtin());
    #[cfg(feature = "mcp")]
    let host = host.builtin(mcp_command::builtin());
    let outcome = host.build().run(std::env::args_os());
    let code = outcome.print().code();
    // Interrupted, then failed: whatever the plugin made of the interruption (say, a lookup
    // after a lost create that could not finish), the run ends as an interrupted one.
    if code != 0 && INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) { 130 } else { code }
}

/// Set when a signal cancelled the call.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Cancels `cancel` on the first interrupting signal; exits 130 on the second.
fn listen_for_signals(runtime: &tokio::runtime::Handle, cancel: &CancellationToken) {
    let on_signal = {
        let cancel = cancel.clone();
        move || {
            if INTERRUPTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
                std::process::exit(130);
            }
            cancel.cancel();
        }
    };
    {
        let on_signal = on_signal.clone();
        runtime.spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                on_signal();
            }
        });
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // Registered now (inside the runtime), so a signal that comes before the first poll
        // is not lost.
        let _enter = runtime.enter();
        for kind in [SignalKind::terminate(), SignalKind::hangup()] {
            let Ok(mut stream) = signal(kind) else { continue };
            let on_signal = on_signal.clone();
            runtime.spawn(async move {
                while stream.recv().await.is_some() {
                    on_signal();
                }
            });
        }
    }
}

/// Prints one line for a panic in statusctl itself, instead of Rust's report: the first line
/// of the message, control characters and likely credentials masked (the hook knows no
/// secret: best effort), and the bug-report hint; the run then exits 70 (see `main`). With
/// `RUST_BACKTRACE` set, Rust's full report follows, for whoever debugs it.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            eprintln!("{}", panic_line(&payload));
        });
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| !v.is_empty() && v != "0") {
            default(info);
        }
    }));
}

/// The one line a host panic prints.
fn panic_line(message: &str) -> String {
    const MAX: usize = 300;
    let first = message.lines().find(|l| !l.trim().is_empty()).unwrap_or("panic").trim();
    let mut words: Vec<String> = Vec::new();
    let mut mask_next = false;
    for word in first.split(' ') {
        let lower = word.to_ascii_lowercase();
        if mask_next && !word.is_empty() {
            words.push("****".into());
            mask_next = false;
            continue;
        }
        if matches!(lower.trim_end_matches(':'), "bearer" | "basic" | "oauth" | "token") {
            mask_next = true;
        }
        words.push(mask_assignment(word));
    }
    let mut text: String =
        words.join(" ").chars().map(|c| if c.is_control() { ' ' } else { c }).take(MAX + 1).collect();
    if text.chars().count() > MAX {
        text = text.chars().take(MAX - 1).collect::<String>() + "…";
    }
    format!("error: internal error: {text} (this is a bug in statusctl; please report it)")
}

/// `token=abc` → `token=****` (and `password`, `secret`, `key`, `authorization`), and a
/// password in a URL's userinfo.
fn mask_assignment(word: &str) -> String {
    const SENSITIVE: [&str; 6] = ["token", "secret", "password", "passwd", "key", "authorization"];
    if let Some((name, value)) = word.split_once(['=', ':'])
        && !value.is_empty()
        && !value.starts_with("//")
        && SENSITIVE.iter().any(|s| name.to_ascii_lowercase().trim_matches(['"', '\'']).ends_with(s))
    {
        let sep = &word[name.len()..name.len() + 1];
        return format!("{name}{sep}****");
    }
    // scheme://user:password@host
    if let Some(at) = word.find('@')
        && let Some(start) = word.find("://").map(|i| i + 3)
        && start < at
        && let Some(colon) = word[start..at].find(':')
    {
        return format!("{}****{}", &word[..start + colon + 1], &word[at..]);
    }
    word.to_string()
}

/// Test seam (debug builds only, not compiled into a release): a host panic in the middle of
/// a run, when a plugin call starts, to check the hook end to end.
#[cfg(debug_assertions)]
fn test_seam_panic() {
    if let Some(message) = std::env::var_os("STATUSCTL_TEST_HOST_PANIC") {
        panic!("{}", message.to_string_lossy());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_one_masked_line_with_the_hint() {
        assert_eq!(
            panic_line("index out of bounds: the len is 3 but the index is 7"),
            "error: internal error: index out of bounds: the len is 3 but the index is 7 \
             (this is a bug in statusctl; please report it)"
        );
        let line = panic_line(
            "called `Result::unwrap()` on an `Err` value: header Authorization: Bearer tok-SECRET-1 \
             token=tok-SECRET-2 url http://me:pw-SECRET-3@host/x\nstack backtrace:\n   0: main\n",
        );
        assert!(!line.contains("SECRET") && !line.contains("backtrace"), "{line}");
        assert!(line.contains("Bearer ****") && line.contains("token=****"), "{line}");
        assert!(line.contains("http://me:****@host/x"), "{line}");
        let long = panic_line(&format!("\x1b[31m{}", "x".repeat(1000)));
        assert!(!long.contains('\x1b') && long.chars().count() < 400, "{long}");
    }
}
