//! Hostile input, files and signals (issue 8): each test performs the attack against the real
//! binary in a throw-away world and checks the safe outcome.
//!
//! - a `--plugin-dir`/`--allow-insecure-plugins` that is really another flag's value loads
//!   nothing;
//! - an argument that is not UTF-8 is a usage error naming it;
//! - `--out-file` never writes through a planted link and keeps the replaced file's mode;
//! - `plugins install` refuses a source others can write, as discovery would;
//! - SIGTERM and SIGHUP are handled like Ctrl-C, the lookup after a lost create included;
//! - a panic in statusctl itself is one line and exit 70.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use statusctl_sandbox::{BackgroundSandbox, Fault, FaultAction, FaultMatch};

use crate::harness::*;

/// A directory holding a file with a plugin library's name that is no library: if statusctl
/// ever searches the directory, it tries to open the file and warns, naming it.
fn trap_dir(w: &World) -> (PathBuf, String) {
    let dir = w.path("evil");
    std::fs::create_dir_all(&dir).unwrap();
    set_mode(&dir, 0o755);
    let name = lib_name("statusctl_evil");
    std::fs::write(dir.join(&name), b"not a library, but opened if the directory is searched").unwrap();
    set_mode(&dir.join(&name), 0o644);
    (dir, name)
}

#[test]
fn a_plugin_dir_that_is_another_flags_value_is_never_searched() {
    let w = World::with(&["testkit"]);
    let (evil, trap) = trap_dir(&w);
    let evil = evil.display().to_string();
    // Control: named before the command, the directory is searched (the trap is reported).
    w.run(&["--plugin-dir", &evil, "testkit:echo-args", "-t", "x"]).ok().stderr_has(&trap);
    // The word after `-m` is the message: nothing in it is searched or loaded.
    let inline = format!("--plugin-dir={evil}");
    for args in [
        vec!["testkit:echo-args", "-t", "x", "-m", &inline],
        vec!["testkit:echo-args", "-t", "x", "-m", "--plugin-dir", &evil],
        vec!["testkit:echo-args", "-m", &inline, "-t", "x"],
        // Abbreviated as clap would take it.
        vec!["testkit:echo-args", "-t", "x", "-m", "--plugin", &evil],
        // A real --plugin-dir after the command name is refused too (it comes too late to
        // decide what loads).
        vec!["testkit:echo-args", "-t", "x", "--plugin-dir", &evil],
        vec!["plugins", "list", &inline],
    ] {
        w.run(&args).code(2).stdout_is("").stderr_lacks(&trap);
    }
    // The same for --allow-insecure-plugins: a world-writable plugin stays skipped.
    set_mode(&w.plugins.join(lib_name("statusctl_test_testkit")), 0o757);
    let run = w.run(&["testkit:echo-args", "-t", "x", "-m", "--allow-insecure-plugins"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    run.stderr_has("world-writable").stderr_lacks("loading it anyway");
    w.run(&["--allow-insecure-plugins", "testkit:echo-args", "-t", "x"]).ok().stderr_has("loading it anyway");
}

#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_a_usage_error_naming_it() {
    use std::os::unix::ffi::OsStrExt;
    let w = World::with(&["testkit"]);
    let bad = std::ffi::OsStr::from_bytes(b"caf\xe9 tok-\xffSECRET");
    let run = |cmd: &mut Command| {
        let out = cmd.stdin(Stdio::null()).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    // argv: statusctl --plugin-dir DIR testkit:echo-args -t BAD (BAD is argument 5).
    let (code, stdout, stderr) = run(w.command(&["testkit:echo-args", "-t"]).arg(bad));
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(stderr, "error: argument 5 (after -t) is not valid UTF-8 (arguments must be text)\n");
    let mut inline = b"--message=".to_vec();
    inline.extend_from_slice(bad.as_bytes());
    let (code, stdout, stderr) = run(w
        .command(&["-f", "json", "testkit:echo-args", "-t", "x"])
        .arg(std::ffi::OsStr::from_bytes(&inline)));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stdout.contains("\"message\": \"argument 8 (the value of --message) is not valid UTF-8"),
        "{stdout}"
    );
    // Neither the bytes nor a replacement of them is shown (the argument may be a secret).
    assert!(!stdout.contains("SECRET") && !stderr.contains("SECRET") && !stderr.contains('\u{fffd}'));
}

/// Runs `cmd` (built by the harness) through `sh`, which first runs `script` (with `$$`, the
/// PID statusctl will have: `exec` keeps it) and then execs statusctl in the same environment.
#[cfg(unix)]
fn run_after(script: &str, cmd: &Command) -> Output {
    let mut sh = Command::new("sh");
    sh.arg("-c").arg(format!("{script} && exec \"$@\"")).arg("sh").arg(cmd.get_program());
    sh.args(cmd.get_args()).env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            sh.env(key, value);
        }
    }
    sh.current_dir(cmd.get_current_dir().unwrap()).stdin(Stdio::null()).output().unwrap()
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Someone who can write to the directory of `--out-file` plants a link where the temporary
/// file used to be created (`.NAME.tmp-PID`, for the very PID statusctl gets), or at FILE
/// itself: the file the link points to is never written.
#[cfg(unix)]
#[test]
fn out_file_never_writes_through_a_planted_link_and_keeps_the_mode() {
    let w = World::with(&["testkit"]);
    let shared = w.path("shared");
    std::fs::create_dir_all(&shared).unwrap();
    let victim = w.write("victim.txt", "precious\n");
    set_mode(&victim, 0o600);
    let out = shared.join("out.txt");
    let out_arg = out.display().to_string();
    let cmd = w.command(&["--out-file", &out_arg, "testkit:echo-args", "-t", "written"]);

    // The old temporary name, for this run's PID.
    let script = format!("ln -s '{}' '{}/.out.txt.tmp-'$$", victim.display(), shared.display());
    let result = run_after(&script, &cmd);
    assert_eq!(result.status.code(), Some(0), "{}", String::from_utf8_lossy(&result.stderr));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n", "the victim was written");
    assert_eq!(mode_of(&victim), 0o600, "the victim's mode was changed");
    assert!(std::fs::read_to_string(&out).unwrap().contains("title: written"));
    let planted: Vec<_> =
        std::fs::read_dir(&shared).unwrap().map(|e| e.unwrap().path()).filter(|p| p != &out).collect();
    assert_eq!(planted.len(), 1, "only the planted link besides FILE: {planted:?}");
    assert!(std::fs::symlink_metadata(&planted[0]).unwrap().file_type().is_symlink());

    // An existing FILE keeps its mode (and gets the new content).
    set_mode(&out, 0o640);
    w.run(&["--out-file", &out_arg, "testkit:echo-args", "-t", "again"]).ok().stdout_is("");
    assert_eq!(mode_of(&out), 0o640);
    assert!(std::fs::read_to_string(&out).unwrap().contains("title: again"));

    // A link at FILE itself is replaced by the result, not followed.
    std::fs::remove_file(&out).unwrap();
    std::os::unix::fs::symlink(&victim, &out).unwrap();
    w.run(&["--out-file", &out_arg, "testkit:echo-args", "-t", "third"]).ok();
    assert!(std::fs::symlink_metadata(&out).unwrap().is_file());
    assert!(std::fs::read_to_string(&out).unwrap().contains("title: third"));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
}

/// A plugin file others can write (or one in a directory they can write) could be replaced
/// by the time it is loaded: `plugins install` refuses it as discovery refuses to load one
/// (exit 3), unless `--allow-insecure-plugins`, and then says so.
#[cfg(unix)]
#[test]
fn install_refuses_a_source_others_can_write() {
    let w = World::new().without_plugin_dir();
    let user_dir = w.path("data/statusctl/plugins");
    let src = w.path("src");
    std::fs::create_dir_all(&src).unwrap();
    set_mode(&src, 0o755);
    let file = src.join(lib_name("statusctl_test_testkit"));
    std::fs::copy(test_plugin("testkit"), &file).unwrap();
    let arg = file.display().to_string();

    set_mode(&file, 0o666);
    w.run(&["plugins", "install", &arg])
        .code(3)
        .stdout_is("")
        .stderr_lines(1)
        .stderr_has(&format!("its file {arg} is world-writable"))
        .stderr_has("--allow-insecure-plugins");
    assert!(!user_dir.exists(), "nothing installed, no directory made");
    set_mode(&file, 0o644);
    set_mode(&src, 0o777);
    w.run(&["plugins", "install", &arg])
        .code(3)
        .stderr_has(&format!("its directory {} is world-writable", src.display()));
    assert!(!user_dir.exists());

    // The override, after `install` or before the command name.
    w.run(&["plugins", "install", &arg, "--allow-insecure-plugins"])
        .ok()
        .stdout_has("installed testkit 1.2.3")
        .stderr_has("world-writable; installing it anyway (--allow-insecure-plugins)");
    set_mode(&src, 0o755);
    set_mode(&file, 0o646);
    w.run(&["--allow-insecure-plugins", "plugins", "install", "--force", &arg])
        .ok()
        .stderr_has("installing it anyway");
    // Installed as the user's own file, mode 755: it loads without the flag.
    let installed = user_dir.join(lib_name("statusctl_test_testkit"));
    assert_eq!(mode_of(&installed), 0o755);
    w.run(&["testkit:echo-args", "-t", "x"]).ok().stderr_lines(0);
}

/// Sends `signal` to statusctl once `ready` says so; returns exit code and stderr.
#[cfg(unix)]
fn signal_when(mut cmd: Command, signal: i32, ready: impl Fn() -> bool) -> (Option<i32>, String) {
    let child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ready() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(ready(), "the request never reached the server");
    // SAFETY: kill(2) with a valid pid and signal has no memory-safety preconditions.
    unsafe { libc::kill(child.id() as i32, signal) };
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A CI job cancelled (SIGTERM, as `timeout` sends) or a terminal closed (SIGHUP) while a
/// create is in flight: as with Ctrl-C, its outcome is unknown and said so, request id
/// included, exit 130 — not killed silently.
#[cfg(unix)]
#[test]
fn sigterm_and_sighup_during_a_create_say_its_outcome_is_unknown() {
    let server = echo_server();
    let w = World::with(&["testkit"]);
    let url = format!("{}/echo/slow", server.base_url());
    for (signal, id) in [(libc::SIGTERM, "req-term"), (libc::SIGHUP, "req-hup")] {
        server.control().clear_requests();
        server.control().add_fault(Fault::new(FaultMatch::any().method("POST"), FaultAction::delay(5000)));
        let cmd = w.command(&["testkit:http", "--url", &url, "--method", "POST", "--request-id", id]);
        let started = Instant::now();
        let (code, stderr) = signal_when(cmd, signal, || !server.control().requests().is_empty());
        assert_eq!(code, Some(130), "signal {signal}: {stderr}");
        assert!(
            stderr.contains(&format!("interrupted: the outcome of POST {url} is unknown (request id {id})")),
            "signal {signal}: {stderr}"
        );
        assert!(started.elapsed() < Duration::from_secs(4), "it waited for the answer");
    }
}

/// The lookup that follows a lost create (a 503 here) is interrupted too: exit 130, and the
/// create is not sent again.
#[cfg(unix)]
#[test]
fn an_interrupt_during_the_lookup_after_a_failed_create_exits_130() {
    use crate::statuspage_parity::{INCIDENTS_PATH, sandbox, world};
    use statusctl_sandbox::statuspage::{DEMO_PAGE_ID, DEMO_TOKEN};
    let server: BackgroundSandbox = sandbox();
    let w = world(&server).env("STATUSCTL_TIME_SCALE", "0.01");
    let lookup = format!("{INCIDENTS_PATH}/unresolved");
    for signal in [libc::SIGINT, libc::SIGTERM] {
        server.control().clear_requests();
        let faults = [
            Fault::new(FaultMatch::any().method("POST").path(INCIDENTS_PATH), FaultAction::status(503))
                .times(1),
            Fault::new(FaultMatch::any().method("GET").path(&lookup), FaultAction::delay(5000)).times(1),
        ];
        for fault in faults {
            server.control().add_fault(fault);
        }
        let cmd =
            w.command(&["statuspage:create-incident", "-tk", DEMO_TOKEN, "-p", DEMO_PAGE_ID, "-t", "Lost"]);
        let (code, stderr) =
            signal_when(cmd, signal, || sent(&server).iter().any(|r| r.method == "GET" && r.path == lookup));
        assert_eq!(code, Some(130), "signal {signal}: {stderr}");
        assert!(stderr.contains("looking for request id"), "{stderr}");
        let posts = sent(&server).iter().filter(|r| r.method == "POST").count();
        assert_eq!(posts, 1, "sent again after the interrupt: {stderr}");
        server.control().clear_faults();
    }
}

/// A panic in statusctl itself (through the debug-only test seam `STATUSCTL_TEST_HOST_PANIC`,
/// compiled out of release builds; see host/src/main.rs) is one line with the bug-report
/// hint, exit 70: not Rust's multi-line report, not the rest of a multi-line message.
#[test]
fn a_host_panic_is_one_line_and_exit_70() {
    let w = World::with(&["testkit"])
        .env("STATUSCTL_TEST_HOST_PANIC", "invariant broken: Bearer tok-PANIC-SECRET\nsecond line\n");
    let run = w.run(&["testkit:echo-args", "-t", "x"]);
    run.code(70).stdout_is("").stderr_lines(1).never_shows("tok-PANIC-SECRET");
    assert_eq!(
        run.stderr,
        "error: internal error: invariant broken: Bearer **** (this is a bug in statusctl; please report it)\n"
    );
    // Who debugs it asks for the full report.
    let w = w.env("RUST_BACKTRACE", "1");
    w.run(&["testkit:echo-args", "-t", "x"])
        .code(70)
        .stderr_has("(this is a bug in statusctl")
        .stderr_has("panicked at");
}
