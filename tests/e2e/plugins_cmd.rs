//! `plugins info`, `plugins install` and `plugins remove`.

use crate::harness::*;

fn user_dir(w: &World) -> std::path::PathBuf {
    w.path("data/statusctl/plugins")
}

#[test]
fn info_shows_the_manifest_and_every_flag() {
    let w = World::with(&["testkit"]);
    w.run(&["plugins", "info", "testkit"])
        .ok()
        .stdout_has("testkit — Exercises every host service\n")
        .stdout_has("plugin: testkit 1.2.3 (plugin-api 0.1.0)\n")
        .stdout_has("note: test plugin: never shipped\n")
        .stdout_has("\ntestkit:echo_args — Echo the resolved arguments\n")
        .stdout_has("  --components, -c, -cs  Components\n")
        .stdout_has("  --title, -t  A title [required]\n")
        .stdout_has("default: investigating]")
        .stdout_has("  --level [required; one of: error, warn, info, debug, trace]\n")
        .stdout_lacks("secret-opt");
    let json = w.run(&["plugins", "info", "testkit:", "-f", "json"]).json();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["manifest"]["namespace"], "testkit");
    assert_eq!(json["manifest"]["commands"][0]["args"][1]["dash_aliases"][0], "cs");
    w.run(&["plugins", "info", "nope"]).code(2).stderr_has("no plugin provides the namespace `nope`");
}

#[test]
fn install_checks_then_copies_and_the_plugin_runs() {
    let w = World::new().without_plugin_dir();
    let file = test_plugin("testkit").display().to_string();
    w.run(&["plugins", "install", &file])
        .ok()
        .stdout_has("installed testkit 1.2.3 (namespace `testkit`) as ")
        .stdout_has(&user_dir(&w).join(lib_name("statusctl_test_testkit")).display().to_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(user_dir(&w).join(lib_name("statusctl_test_testkit")))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }
    w.run(&["testkit:echo-args", "-t", "installed"]).ok().stdout_has("title: installed");
    // Installed already: refused without --force, replaced with it.
    w.run(&["plugins", "install", &file]).code(1).stderr_has("already installed").stderr_has("--force");
    w.run(&["plugins", "install", "--force", &file]).ok().stdout_has("replaced testkit 1.2.3");
    // Another plugin for the same namespace is refused, even with --force.
    let dup = test_plugin("dup").display().to_string();
    w.run(&["plugins", "install", "--force", &dup])
        .code(1)
        .stderr_has("already provided by plugin testkit 1.2.3");
    let leftovers: Vec<_> =
        std::fs::read_dir(user_dir(&w)).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn install_refuses_what_cannot_load() {
    let w = World::new().without_plugin_dir();
    let junk = w.write("junk/libjunk.so", "no ELF here");
    w.run(&["plugins", "install", &junk.display().to_string()]).code(3).stderr_has("not a loadable library");
    let nosym = test_plugin("nosymbol").display().to_string();
    w.run(&["plugins", "install", &nosym]).code(3).stderr_has("not a statusctl plugin");
    let bad = test_plugin("bad_flag").display().to_string();
    w.run(&["plugins", "install", &bad]).code(3).stderr_has("global flag");
    w.run(&["plugins", "install", "/no/such/file.so"]).code(2).stderr_has("no such file");
    assert!(!user_dir(&w).exists() || std::fs::read_dir(user_dir(&w)).unwrap().next().is_none());
}

#[test]
fn remove_deletes_only_from_the_user_dir() {
    let w = World::with(&["panicky"]);
    let file = test_plugin("testkit").display().to_string();
    w.run(&["plugins", "install", &file]).ok();
    w.run(&["plugins", "remove", "testkit"]).ok().stdout_has("removed testkit 1.2.3 (namespace `testkit`)");
    assert!(!user_dir(&w).join(lib_name("statusctl_test_testkit")).exists());
    w.run(&["testkit:echo-args", "-t", "x"]).code(2);
    w.run(&["plugins", "remove", "testkit"]).code(2).stderr_has("no plugin provides");
    // boom comes from --plugin-dir, not from `plugins install`.
    w.run(&["plugins", "remove", "boom"]).code(1).stderr_has("not in the user plugin dir");
}
