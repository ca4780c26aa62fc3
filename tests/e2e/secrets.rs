//! Secrets: the lookup chain and its order, `statusctl secrets set/check/delete`, and the
//! guarantee that a secret never reaches stdout or stderr, whatever the verbosity.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::json;
use statusctl_sandbox::{BackgroundSandbox, Fault, FaultAction, FaultMatch};

use crate::harness::*;

const TOKEN: &str = "tok-SECRET-123456";

fn world() -> World {
    World::with(&["testkit"]).env("STATUSCTL_TIME_SCALE", "0.01")
}

fn url(server: &BackgroundSandbox) -> String {
    format!("{}/echo/x", server.base_url())
}

/// Runs `statusctl` in `w` with extra environment variables.
fn run_env(w: &World, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = w.command(args);
    cmd.envs(env.iter().copied()).stdin(Stdio::null());
    let out = cmd.output().expect("start statusctl");
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn config_path(w: &World) -> PathBuf {
    w.path("config/statusctl/config.toml")
}

/// A config file whose default profile `p` holds these testkit settings (mode 600, so the
/// host has no reason to warn).
fn write_profile(w: &World, settings: &str) {
    let path = config_path(w);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, format!("default_profile = \"p\"\n[profiles.p.testkit]\n{settings}\n")).unwrap();
    set_mode(&path, 0o600);
}

fn keyring_file(w: &World) -> PathBuf {
    w.path("keyring.json")
}

fn store_in_keyring(w: &World, secret: &str) {
    w.run_with_stdin(&["secrets", "set", "testkit-token", "--user", "tester"], &format!("{secret}\n"))
        .ok()
        .never_shows(secret);
}

/// The Authorization header the server received last.
fn last_authorization(server: &BackgroundSandbox) -> Option<String> {
    server.control().requests().last().and_then(|r| r.header("authorization").map(str::to_string))
}

/// Where the token comes from in a world, and the arguments that put it there.
enum Source {
    Flag,
    Env,
    DotEnv,
    Profile,
    Keyring,
}

fn with<'a>(args: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    [args, extra].concat()
}

fn world_with_token(source: &Source) -> (World, Vec<&'static str>) {
    match source {
        Source::Flag => (world(), vec!["--token", TOKEN]),
        Source::Env => (world().env("TESTKIT_TOKEN", TOKEN), vec![]),
        Source::DotEnv => {
            let w = world();
            w.write("cwd/.env", &format!("TESTKIT_TOKEN={TOKEN}\n"));
            (w, vec![])
        }
        Source::Profile => {
            let w = world();
            write_profile(&w, &format!("token = \"{TOKEN}\""));
            (w, vec![])
        }
        Source::Keyring => {
            let w = world();
            store_in_keyring(&w, TOKEN);
            (w, vec![])
        }
    }
}

#[test]
fn the_token_never_shows_in_any_output() {
    let server = echo_server();
    let u = url(&server);
    for source in [Source::Flag, Source::Env, Source::DotEnv, Source::Profile, Source::Keyring] {
        let (w, token_args) = world_with_token(&source);

        // Everything logged, and the echo server sends the Authorization header back in
        // the body the plugin prints.
        let run = w.run(&with(&["-vv", "testkit:http", "--url", &u], &token_args));
        run.ok().never_shows(TOKEN).stdout_has(r#""authorization":"Bearer ***""#).stderr_has("debug: GET ");
        assert_eq!(last_authorization(&server), Some(format!("Bearer {TOKEN}")), "the token was used");

        let run = w.run(&with(&["-vv", "-f", "json", "testkit:http", "--url", &u], &token_args));
        run.ok().never_shows(TOKEN);
        assert_eq!(run.json()["headers"]["authorization"], "Bearer ***");

        let run =
            w.run(&with(&["-vv", "--dry-run", "testkit:http", "--method", "POST", "--url", &u], &token_args));
        run.ok().never_shows(TOKEN).stdout_has("Authorization: Bearer ***\n");

        // Failing after every retry, with the token in the server's error body too.
        server.control().add_fault(
            Fault::new(
                FaultMatch::any().path("/echo/x"),
                FaultAction::status(503).with_body(&format!("bad {TOKEN}")),
            )
            .times(4),
        );
        let run = w.run(&with(&["-vv", "testkit:http", "--url", &u], &token_args));
        run.code(5).never_shows(TOKEN).stderr_has("error: the server answered 503: bad ***\n");

        server.control().add_fault(
            Fault::new(
                FaultMatch::any().path("/echo/x"),
                FaultAction::status(503).with_body(&format!("bad {TOKEN}")),
            )
            .times(4),
        );
        let run = w.run(&with(&["-vv", "-f", "json", "testkit:http", "--url", &u], &token_args));
        run.code(5).never_shows(TOKEN);
        assert_eq!(run.json()["error"]["message"], "the server answered 503: bad ***");
    }
}

#[test]
fn a_plugin_logging_the_token_is_scrubbed() {
    for source in [Source::Flag, Source::Env, Source::Keyring] {
        let (w, token_args) = world_with_token(&source);
        let run = w.run(&[&["-vv", "testkit:secret", "--leak"][..], &token_args].concat());
        run.ok()
            .never_shows(TOKEN)
            .stderr_has("warning: testkit: about to use token ***\n")
            .stderr_has("debug: testkit: token is ***\n");
    }
}

#[test]
fn a_short_token_does_not_blank_out_text() {
    let w = world();
    // Values under 8 characters are masked by structure only: scrubbing `T` from all text
    // would garble the output.
    w.run(&["testkit:echo-args", "-t", "Title", "--token", "T"])
        .ok()
        .stdout_is("title: Title\nstatus: investigating\ntoken: T\n");
    let server = echo_server();
    let run = w.run(&[
        "-v",
        "--dry-run",
        "testkit:http",
        "--method",
        "POST",
        "--url",
        &url(&server),
        "--token",
        "T",
    ]);
    run.ok().stdout_has("Authorization: Bearer ***\n").stderr_has("debug: testkit token: from --token\n");
}

#[test]
fn the_chain_order_is_flag_env_dotenv_profile_keyring() {
    let server = echo_server();
    let u = url(&server);
    let w = world();
    store_in_keyring(&w, "kr-token-11111");
    write_profile(&w, "token = \"pf-token-22222\"");
    let dotenv = w.write("cwd/.env", "TESTKIT_TOKEN=de-token-33333\n");
    let env = [("TESTKIT_TOKEN", "ev-token-44444")];

    let check = |args: &[&str], env: &[(&str, &str)], source: &str, token: &str| {
        let run = run_env(&w, &[&["testkit:secret"][..], args].concat(), env);
        run.ok().stdout_is(&format!("token found (from {source})\n")).stderr_lines(0).never_shows(token);
        let run = run_env(&w, &[&["testkit:http", "--url", &u][..], args].concat(), env);
        run.ok().never_shows(token);
        assert_eq!(last_authorization(&server), Some(format!("Bearer {token}")), "{source}");
    };
    check(&["--token", "fl-token-55555"], &env, "--token", "fl-token-55555");
    check(&[], &env, "env TESTKIT_TOKEN", "ev-token-44444");
    check(&[], &[], &format!("TESTKIT_TOKEN in {}", w.cwd.join(".env").display()), "de-token-33333");
    std::fs::remove_file(dotenv).unwrap();
    check(&[], &[], "profile p, key token", "pf-token-22222");
    write_profile(&w, "page = \"abc\"");
    check(&[], &[], "keyring (testkit-token, user tester)", "kr-token-11111");
    w.run(&["secrets", "delete", "testkit-token", "--user", "tester"]).ok();

    let run = w.run(&["testkit:secret"]);
    run.code(4).stdout_is("");
    assert_eq!(
        run.stderr,
        "error: no testkit token: pass --token, set TESTKIT_TOKEN, or store one in the keyring\n"
    );
    let run = w.run(&["-f", "json", "testkit:secret"]);
    assert_eq!(run.code(4).json()["error"]["kind"], "config");
}

#[test]
fn secrets_set_check_and_delete_with_the_test_keyring() {
    let w = world();
    let file = keyring_file(&w);
    let store = format!("the test keyring file {}", file.display());
    let set = ["secrets", "set", "testkit-token", "--user", "tester"];
    w.run_with_stdin(&set, "kr-secret-77777\n")
        .ok()
        .stderr_lines(0)
        .never_shows("kr-secret-77777")
        .stdout_is(&format!("stored the secret for testkit-token (user tester) in {store}\n"));
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(stored, json!({"testkit-token/tester": "kr-secret-77777"}));
    // Set again: replaced; a CRLF line end is not part of the secret.
    w.run_with_stdin(&set, "kr-secret-88888\r\n").ok();
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(stored, json!({"testkit-token/tester": "kr-secret-88888"}));

    w.run(&["testkit:secret"]).ok().stdout_is("token found (from keyring (testkit-token, user tester))\n");
    // Another keyring user has nothing.
    w.run(&["testkit:secret", "--keychain-user", "someone"]).code(4);

    let keyring_source = "testkit-token: would come from keyring (testkit-token, user tester)\n";
    w.run(&["secrets", "check", "testkit-token", "--user", "tester"])
        .ok()
        .stdout_is(keyring_source)
        .never_shows("kr-secret-88888");
    // The user defaults to the login name (USER=tester in the test world).
    w.run(&["secrets", "check", "testkit-token"]).ok().stdout_is(keyring_source);
    let json = w.run(&["-f", "json", "secrets", "check", "testkit-token", "--user", "tester"]);
    json.ok().never_shows("kr-secret-88888");
    assert_eq!(
        json.json(),
        json!({"service": "testkit-token", "source": "keyring (testkit-token, user tester)", "found": true})
    );

    // --env names variables looked at first.
    let check_env = ["secrets", "check", "testkit-token", "--user", "tester", "--env", "TESTKIT_TOKEN"];
    w.run(&check_env).ok().stdout_is(keyring_source);
    run_env(&w, &check_env, &[("TESTKIT_TOKEN", "ev-secret-99999")])
        .ok()
        .never_shows("ev-secret-99999")
        .stdout_is("testkit-token: would come from env TESTKIT_TOKEN\n");
    w.write("cwd/.env", "TESTKIT_TOKEN=de-secret-12121\n");
    w.run(&check_env).ok().never_shows("de-secret-12121").stdout_is(&format!(
        "testkit-token: would come from TESTKIT_TOKEN in {}\n",
        w.cwd.join(".env").display()
    ));
    std::fs::remove_file(w.cwd.join(".env")).unwrap();

    let delete = ["secrets", "delete", "testkit-token", "--user", "tester"];
    w.run(&delete)
        .ok()
        .stdout_is(&format!("deleted the secret for testkit-token (user tester) from {store}\n"));
    w.run(&delete)
        .ok()
        .stdout_is(&format!("no secret for testkit-token (user tester) in {store}; nothing deleted\n"));
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(stored, json!({}));

    let run = w.run(&["secrets", "check", "testkit-token", "--user", "tester"]);
    run.code(4).stdout_is("");
    assert_eq!(
        run.stderr,
        format!(
            "error: testkit-token: not found (no environment variable given is set, and {store} has no entry for user tester)\n"
        )
    );
    w.run(&["testkit:secret"]).code(4);
}

#[test]
fn an_empty_secret_is_refused_and_nothing_is_stored() {
    let w = world();
    for stdin in ["", "\n"] {
        let run = w.run_with_stdin(&["secrets", "set", "testkit-token", "--user", "tester"], stdin);
        run.code(2).stdout_is("");
        assert_eq!(run.stderr, "error: empty secret: nothing stored\n");
        assert!(!keyring_file(&w).exists(), "nothing written for {stdin:?}");
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// The whole sequence against the kernel keyring (keyutils), in a session keyring of its
/// own. Needs `keyctl` (package keyutils); without it, or where the kernel or a sandbox
/// refuses keyrings, the test says why and passes without checking anything.
#[test]
fn real_keyutils_keyring_when_available() {
    if !cfg!(target_os = "linux") {
        eprintln!("real_keyutils_keyring_when_available: skipped, keyutils is Linux only");
        return;
    }
    let Some(keyctl) = find_in_path("keyctl") else {
        eprintln!("real_keyutils_keyring_when_available: skipped, no `keyctl` in PATH (install keyutils)");
        return;
    };
    match Command::new(&keyctl).args(["session", "-", "true"]).output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            eprintln!(
                "real_keyutils_keyring_when_available: skipped, `keyctl session` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return;
        }
        Err(err) => {
            eprintln!("real_keyutils_keyring_when_available: skipped, cannot run keyctl: {err}");
            return;
        }
    }

    let w = World::with(&["testkit"]);
    // Entries are also linked to the user's persistent keyring, which outlives the session
    // (for days): a user name of its own keeps runs apart.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let user = format!("e2e-{}-{nanos}", std::process::id());
    let secret = format!("kr-REAL-{nanos}-secret");
    let secret_file = w.write("secret.txt", &format!("{secret}\n"));

    // The world's environment, without the test keyring file: the real store is used.
    let template = w.command(&[]);
    let mut cmd = Command::new(&keyctl);
    cmd.env_clear();
    for (key, value) in template.get_envs() {
        if let Some(value) = value
            && key != "STATUSCTL_TEST_KEYRING_FILE"
        {
            cmd.env(key, value);
        }
    }
    let script = r#"
        bin=$1; dir=$2; user=$3; secret_file=$4
        step() { name=$1; shift; echo "== $name"; "$@" 2>&1; echo "rc=$?"; }
        st() { "$bin" --plugin-dir "$dir" "$@"; }
        find() { keyctl search @s user "keyring-rs:$user@testkit-token" >/dev/null 2>&1 && echo present || echo absent; }
        step set st secrets set testkit-token --user "$user" < "$secret_file"
        echo "value: $(keyctl pipe "$(keyctl search @s user "keyring-rs:$user@testkit-token")")"
        step secret st testkit:secret --keychain-user "$user"
        step check st secrets check testkit-token --user "$user"
        step delete st secrets delete testkit-token --user "$user"
        echo "after delete: $(find)"
        step delete-again st secrets delete testkit-token --user "$user"
        step secret-after st testkit:secret --keychain-user "$user"
    "#;
    let out = cmd
        .current_dir(&w.cwd)
        .args(["session", "-", "sh", "-c", script, "sh"])
        .arg(&w.bin)
        .arg(&w.plugins)
        .arg(&user)
        .arg(&secret_file)
        .stdin(Stdio::null())
        .output()
        .expect("run keyctl");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "keyctl session failed\n{stdout}\n{stderr}");
    let expected = format!(
        "== set
stored the secret for testkit-token (user {user}) in the OS keyring
rc=0
value: {secret}
== secret
token found (from keyring (testkit-token, user {user}))
rc=0
== check
testkit-token: would come from keyring (testkit-token, user {user})
rc=0
== delete
deleted the secret for testkit-token (user {user}) from the OS keyring
rc=0
after delete: absent
== delete-again
no secret for testkit-token (user {user}) in the OS keyring; nothing deleted
rc=0
== secret-after
error: no testkit token: pass --token, set TESTKIT_TOKEN, or store one in the keyring
rc=4
"
    );
    // keyctl prints "Joined session keyring: N" on stderr; stdout is the script's.
    assert_eq!(stdout, expected, "\nstderr: {stderr}");
    assert!(!Path::new(&w.path("keyring.json")).exists(), "the test keyring file was not used");
}

#[test]
fn a_dotenv_cannot_move_secrets_out_of_the_keyring() {
    // The store comes from the real environment only (here: the world's test keyring).
    let w = World::with(&["testkit"]);
    w.write("cwd/.env", "STATUSCTL_TEST_KEYRING_FILE=stolen.json\n");
    w.run_with_stdin(&["secrets", "set", "testkit-token", "--user", "tester"], "kept-in-the-keyring-123\n")
        .ok();
    assert!(!w.cwd.join("stolen.json").exists());
    let stored = std::fs::read_to_string(w.path("keyring.json")).unwrap();
    assert!(stored.contains("kept-in-the-keyring-123"));
}

#[test]
fn json_escaped_and_url_encoded_secrets_are_scrubbed_too() {
    let server = echo_server();
    let w = World::with(&["testkit"]);
    let token = r#"abc"def\ghijklmnop"#;
    let url = format!("{}/echo/x", server.base_url());
    for format in ["json", "text"] {
        let run = w.run(&["-f", format, "testkit:http", "--url", &url, "--token", token]);
        run.ok().never_shows(token).never_shows(r#"abc\"def\\ghijklmnop"#);
    }
}

#[test]
fn a_secret_the_plugin_read_itself_is_scrubbed_once_it_tells_the_host() {
    // The Nobl9 plugin reads sloctl's config file itself and hands its secrets to the host.
    let w = World::with(&["nobl9"]);
    w.write(
        "config/nobl9/config.toml",
        "defaultContext = \"x\"\n[contexts.x]\nclientId = \"id\"\nclientSecret = \"file-secret-987654\"\nurl = \"http://127.0.0.1:1/api\"\noktaOrgURL = \"http://127.0.0.1:1\"\n",
    );
    let run = w.run(&["-vv", "nobl9:list-components", "--org", "file-secret-987654"]);
    assert_ne!(run.code, 0);
    run.never_shows("file-secret-987654");
}

/// The advice `secrets set` gives when it stores nothing (for service `testkit-token`).
const INSTEAD: &str = "; nothing stored. Give it another way: the environment variable TESTKIT_TOKEN (or \
                       TESTKIT_TOKEN_FILE naming a file that holds it), or `token` (or `token_file`) in the \
                       `testkit` settings of a profile";

#[test]
fn a_store_that_cannot_be_written_stores_nothing_and_says_what_to_do_instead() {
    // The test keyring file under a path that cannot hold it (its "directory" is a file):
    // writing fails whoever runs the test, root included.
    let w = World::with(&["testkit"]);
    let blocker = w.write("not-a-dir", "a file\n");
    let file = blocker.join("keyring.json");
    let w = w.env("STATUSCTL_TEST_KEYRING_FILE", &file.display().to_string());
    let run = w.run_with_stdin(&["secrets", "set", "testkit-token", "--user", "tester"], "kr-secret-31313\n");
    run.code(4).stdout_is("").stderr_lines(1).never_shows("kr-secret-31313");
    run.stderr_has(&format!(
        "error: could not store the secret for testkit-token (user tester) in the test keyring file {}: {}: ",
        file.display(),
        file.display()
    ))
    .stderr_has(INSTEAD);
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "a file\n", "nothing written");
    let json = w.run_with_stdin(
        &["-f", "json", "secrets", "set", "testkit-token", "--user", "tester"],
        "kr-secret-31313\n",
    );
    assert_eq!(json.code(4).json()["error"]["kind"], "config");
    // Nothing anyone could find: neither `secrets check` nor the plugin.
    w.run(&["secrets", "check", "testkit-token", "--user", "tester"]).code(4);
    w.run(&["testkit:secret"]).code(4).stderr_has("no testkit token");
}

/// The OS keyring for real (Linux keyutils), as the process finds it: either `secrets set`
/// stores the secret where `check`, the plugin and `delete` find it, or (in a container or CI
/// job without a session keyring it may write to) it stores nothing, exits 4 and says what to
/// do instead. Never "stored" for a secret nobody can read back.
#[test]
fn the_real_keyring_either_keeps_the_secret_or_says_plainly_it_did_not() {
    if !cfg!(target_os = "linux") {
        eprintln!("the_real_keyring_either_keeps_the_secret_or_says_plainly_it_did_not: Linux only");
        return;
    }
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let user = format!("e2e-{}-{nanos}", std::process::id());
    let secret = format!("kr-HONEST-{nanos}-secret");
    let w = World::with(&["testkit"]);
    let real = |args: &[&str], stdin: &str| {
        let mut cmd = w.command(args);
        cmd.env_remove("STATUSCTL_TEST_KEYRING_FILE").stdin(Stdio::piped()).stdout(Stdio::piped());
        let mut child = cmd.stderr(Stdio::piped()).spawn().expect("start statusctl");
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let set = real(&["secrets", "set", "testkit-token", "--user", &user], &format!("{secret}\n"));
    set.never_shows(&secret);
    let check = real(&["secrets", "check", "testkit-token", "--user", &user], "");
    if set.code == 0 {
        set.stdout_is(&format!("stored the secret for testkit-token (user {user}) in the OS keyring\n"));
        check.ok();
        real(&["testkit:secret", "--keychain-user", &user], "").ok();
        real(&["secrets", "delete", "testkit-token", "--user", &user], "").ok().stdout_has("deleted");
    } else {
        set.code(4).stdout_is("").stderr_lines(1).stderr_has(&format!(
            "error: could not store the secret for testkit-token (user {user}) in the OS keyring: "
        ));
        set.stderr_has(INSTEAD);
        check.code(4).stderr_has("not found");
        real(&["testkit:secret", "--keychain-user", &user], "").code(4);
    }
    assert!(!w.path("keyring.json").exists(), "the test keyring file was not used");
}

/// The attack behind issue 8's "secrets set that fails leaves nothing stored": where the
/// process has no session keyring of its own (a container, a CI job, a service), the kernel
/// falls back to the user-session keyring. `secrets set` there must either keep the secret
/// where `secrets delete` finds it, or leave nothing anywhere: a secret that `set` calls "not
/// stored" yet that sits in the user keyring outlives the job, readable by any later process
/// of the same user, and nothing statusctl offers removes it. Looked for with `keyctl search`
/// under the user-session keyring (which holds the user keyring), by the keyring crate's key
/// description `keyring-rs:USER@SERVICE`; the test removes what it finds.
///
/// Ignored until the OS keyring store (host/src/services/secrets.rs) removes what the kernel
/// kept when storing fails: today this run fails with "left the secret in the user keyring".
#[test]
fn a_set_without_a_session_keyring_leaves_no_secret_in_the_user_keyring() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Some(keyctl) = find_in_path("keyctl") else {
        eprintln!(
            "a_set_without_a_session_keyring_leaves_no_secret_in_the_user_keyring: skipped, no `keyctl`"
        );
        return;
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let user = format!("e2e-leak-{}-{nanos}", std::process::id());
    let secret = format!("kr-LEAK-{nanos}-secret");
    let description = format!("keyring-rs:{user}@testkit-token");
    let w = World::with(&["testkit"]);
    let mut cmd = w.command(&["secrets", "set", "testkit-token", "--user", &user]);
    cmd.env_remove("STATUSCTL_TEST_KEYRING_FILE").stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut child = cmd.stderr(Stdio::piped()).spawn().expect("start statusctl");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), format!("{secret}\n").as_bytes()).unwrap();
    let set = child.wait_with_output().unwrap();
    let search = || {
        let out = Command::new(&keyctl).args(["search", "@us", "user", &description]).output().unwrap();
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let left = search();
    // Clean up whatever happened, before asserting.
    let deleted = Command::new(&w.bin)
        .args(["secrets", "delete", "testkit-token", "--user", &user])
        .env_clear()
        .env("HOME", &w.home)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let after_delete = search();
    if let Some(id) = &after_delete {
        let _ = Command::new(&keyctl).args(["unlink", id]).output();
        let _ = Command::new(&keyctl).args(["unlink", id, "@u"]).output();
    }
    let stderr = String::from_utf8_lossy(&set.stderr);
    if set.status.success() {
        assert!(left.is_some() || stderr.is_empty(), "stored, but not in the keyring searched: {stderr}");
        assert!(deleted.status.success(), "{}", String::from_utf8_lossy(&deleted.stderr));
        assert_eq!(after_delete, None, "`secrets delete` left the secret in the user keyring");
    } else {
        assert_eq!(set.status.code(), Some(4), "{stderr}");
        assert!(stderr.contains("nothing stored"), "{stderr}");
        assert_eq!(
            left, None,
            "`secrets set` said nothing was stored, but left the secret in the user keyring"
        );
    }
}
