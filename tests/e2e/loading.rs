//! Every way a plugin can fail to load: one warning line, the host survives, right exit code.

use crate::harness::*;

#[test]
fn a_panicking_command_exits_70_and_the_host_survives() {
    let w = World::with(&["panicky", "testkit"]);
    w.run(&["boom:panic"])
        .code(70)
        .stderr_has("error: plugin `boom` panicked: deliberate test panic (command boom:panic); this is a bug in the plugin");
    w.run(&["boom:ok"]).ok().stdout_is("fine\n");
    w.run(&["boom:panic", "-f", "json"]).code(70);
    let err = w.run(&["boom:panic", "-f", "json"]).json();
    assert_eq!(err["error"]["kind"], "internal");
    assert_eq!(err["error"]["exit_code"], 70);
}

#[test]
fn a_file_that_is_not_a_library_is_one_warning() {
    let w = World::with(&["testkit"]);
    std::fs::write(w.plugins.join(lib_name("statusctl_junk")), b"not an ELF file").unwrap();
    std::fs::write(w.plugins.join("README.txt"), b"ignored silently").unwrap();
    let run = w.run(&["testkit:echo-args", "-t", "x"]);
    run.ok().stderr_lines(1).stderr_has("warning: skipped plugin").stderr_has("not a loadable library");
    run.stderr_lacks("README");
    // Its namespace, guessed from the file name, exits 3 rather than 2.
    w.run(&["junk:anything"]).code(3).stderr_has("could not be loaded");
}

#[test]
fn a_library_without_the_plugin_symbol_is_reported() {
    let w = World::with(&["nosymbol", "testkit"]);
    w.run(&["testkit:echo-args", "-t", "x"])
        .ok()
        .stderr_lines(1)
        .stderr_has("not a statusctl plugin (it exports no plugin root module)");
}

#[test]
fn manifests_that_break_the_rules_are_refused() {
    let w = World::with(&["bad_name", "bad_builtin", "bad_flag", "testkit"]);
    let run = w.run(&["testkit:echo-args", "-t", "x"]);
    run.ok()
        .stderr_lines(3)
        .stderr_has("invalid command name `Bad-Name`")
        .stderr_has("namespace `plugins` is the name of a built-in command")
        .stderr_has("declares `--dry-run`, which is a global flag of the host");
    // The built-in command still works: the plugin could not shadow it.
    w.run(&["plugins", "list"]).ok().stdout_has("testkit  testkit 1.2.3");
    // A command of a refused plugin exits 3 with the reason.
    w.run(&["badmanifest:x"]).code(3).stderr_has("global flag");
}

#[test]
fn duplicate_namespaces_keep_the_first_in_the_search_path() {
    let w = World::with(&["testkit"]);
    let second = w.path("second");
    let dup = w.add_plugin_to("dup", &second);
    let first = w.plugins.join(lib_name("statusctl_test_testkit"));
    let second_arg = second.display().to_string();
    let run = w.run(&["--plugin-dir", &second_arg, "testkit:echo-args", "-t", "x"]);
    run.ok().stdout_has("title: x").stderr_lines(1);
    run.stderr_has(&format!("skipped plugin {}", dup.display()));
    run.stderr_has(&format!("already provided by {}", first.display()));
    let list = w.run(&["--plugin-dir", &second_arg, "plugins", "list", "-f", "json"]).json();
    let statuses: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p["status"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(statuses, [("testkit".into(), "ok".into()), ("dup".into(), "duplicate".into())]);
}

#[cfg(unix)]
#[test]
fn insecure_plugins_are_skipped_unless_allowed() {
    let w = World::with(&["testkit"]);
    let file = w.plugins.join(lib_name("statusctl_test_testkit"));
    set_mode(&file, 0o757);
    w.run(&["testkit:echo-args", "-t", "x"])
        .code(3)
        .stderr_has("world-writable")
        .stderr_has("--allow-insecure-plugins");
    let list = w.run(&["plugins", "list", "-f", "json"]).json();
    assert_eq!(list[0]["status"], "insecure");
    w.run(&["--allow-insecure-plugins", "testkit:echo-args", "-t", "x"]).ok().stderr_has("loading it anyway");
    set_mode(&file, 0o775);
    w.run(&["testkit:echo-args", "-t", "x"]).ok().stderr_has("group-writable");
    set_mode(&file, 0o755);
    set_mode(&w.plugins, 0o777);
    w.run(&["testkit:echo-args", "-t", "x"]).code(3).stderr_has("directory");
    set_mode(&w.plugins, 0o755);
}

#[test]
fn an_unknown_command_exits_2_with_a_suggestion() {
    let w = World::with(&["testkit"]);
    w.run(&["testkit:echo-arg", "-t", "x"])
        .code(2)
        .stderr_lines(1)
        .stderr_has("unrecognized command 'testkit:echo-arg' (did you mean 'testkit:echo-args'? ")
        .stderr_has("plugins install FILE");
    w.run(&["nothere:cmd"]).code(2).stderr_lines(1);
}

#[test]
fn a_stale_broken_copy_does_not_turn_a_typo_into_a_load_error() {
    // A working testkit, and an old broken library whose name says `testkit` too.
    let w = World::with(&["testkit"]);
    std::fs::write(w.plugins.join(lib_name("statusctl_testkit")), b"garbage").unwrap();
    w.run(&["testkit:echo-argz", "-t", "x"]).code(2).stderr_has("did you mean 'testkit:echo-args'?");
}
