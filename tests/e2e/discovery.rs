//! The search path: order, the standard directories, and what is never searched.

use serde_json::Value;

use crate::harness::*;

fn origins(run: &Run) -> Vec<(String, String, String)> {
    run.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
            (s("name"), s("status"), s("origin"))
        })
        .collect()
}

#[test]
fn search_order_is_flag_then_variable_then_user_then_prefix_then_exe_dir() {
    let w = World::new().without_plugin_dir();
    let flag_dir = w.path("flag");
    let var_dir = w.path("var");
    w.add_plugin_to("dup", &flag_dir);
    w.add_plugin_to("testkit", &var_dir);
    w.add_plugin_to("panicky", &w.path("data/statusctl/plugins"));
    let flag = flag_dir.display().to_string();
    let path_var = format!("{}:{}", var_dir.display(), w.path("missing").display());
    let w = w.env("STATUSCTL_PLUGIN_PATH", &path_var);
    let run = w.run(&["--plugin-dir", &flag, "plugins", "list", "-f", "json"]);
    run.ok();
    assert_eq!(
        origins(&run),
        [
            ("dup".into(), "ok".into(), "--plugin-dir".into()),
            ("testkit".into(), "shadowed".into(), "plugin path variable".into()),
            ("panicky".into(), "ok".into(), "user plugin dir".into()),
        ]
    );
    // The first in the search path serves the namespace.
    w.run(&["--plugin-dir", &flag, "testkit:echo"]).ok().stdout_is("from the duplicate\n");
}

#[test]
fn a_plugin_dir_named_on_the_command_line_shadows_installed_plugins_quietly() {
    let w = World::new().without_plugin_dir();
    let installed = w.add_plugin_to("testkit", &w.path("data/statusctl/plugins"));
    let next_to_exe = w.add_plugin_to("testkit", &w.path("bin"));
    let flag_dir = w.path("flag");
    w.add_plugin_to("dup", &flag_dir);
    let flag = flag_dir.display().to_string();

    // The named directory wins, and nothing is said at the default verbosity.
    w.run(&["--plugin-dir", &flag, "testkit:echo"]).ok().stdout_is("from the duplicate\n").stderr_lines(0);
    // -v says so, once per shadowed file.
    let run = w.run(&["-v", "--plugin-dir", &flag, "testkit:echo"]);
    run.ok()
        .stdout_is("from the duplicate\n")
        .stderr_has(&format!("debug: testkit from {flag} shadows the one at {}\n", installed.display()))
        .stderr_has(&format!("debug: testkit from {flag} shadows the one at {}\n", next_to_exe.display()))
        .stderr_lacks("warning");
    let run = w.run(&["--plugin-dir", &flag, "plugins", "list", "-f", "json"]);
    run.ok().stderr_lines(0);
    assert_eq!(
        origins(&run),
        [
            ("dup".into(), "ok".into(), "--plugin-dir".into()),
            ("testkit".into(), "shadowed".into(), "user plugin dir".into()),
            ("testkit".into(), "shadowed".into(), "executable dir".into()),
        ]
    );

    // Without the flag, the two installed copies are a real duplicate, reported as before.
    let run = w.run(&["testkit:echo-args", "-t", "x"]);
    run.ok().stdout_has("title: x").stderr_lines(1).stderr_has(&format!(
        "warning: skipped plugin {}: namespace `testkit` is already provided by {}",
        next_to_exe.display(),
        installed.display()
    ));
    // Two files for one namespace in the named directory itself are a duplicate too.
    let second = w.add_plugin_to("testkit", &flag_dir);
    let run = w.run(&["--plugin-dir", &flag, "testkit:echo"]);
    run.ok().stdout_is("from the duplicate\n").stderr_lines(1).stderr_has(&format!(
        "warning: skipped plugin {}: namespace `testkit` is already provided by ",
        second.display()
    ));
}

#[test]
fn the_user_dir_falls_back_to_home_without_xdg_data_home() {
    let w = World::new().without_plugin_dir().env("XDG_DATA_HOME", "");
    w.add_plugin_to("testkit", &w.home.join(".local/share/statusctl/plugins"));
    let run = w.run(&["plugins", "list", "-f", "json"]);
    assert_eq!(origins(&run), [("testkit".into(), "ok".into(), "user plugin dir".into())]);
}

#[test]
fn plugins_next_to_the_binary_and_in_the_install_prefix_are_found() {
    let w = World::new().without_plugin_dir();
    w.add_plugin_to("testkit", &w.path("bin"));
    w.add_plugin_to("panicky", &w.path("lib/statusctl/plugins"));
    let run = w.run(&["plugins", "list", "-f", "json"]);
    assert_eq!(
        origins(&run),
        [
            ("panicky".into(), "ok".into(), "install prefix".into()),
            ("testkit".into(), "ok".into(), "executable dir".into()),
        ]
    );
    w.run(&["testkit:echo-args", "-t", "found"]).ok().stdout_has("title: found");
}

#[test]
fn the_current_directory_is_never_searched_implicitly() {
    let w = World::new().without_plugin_dir();
    w.add_plugin_to("testkit", &w.cwd);
    let run = w.run(&["plugins", "list", "-f", "json"]);
    run.ok();
    assert_eq!(run.json(), Value::Array(vec![]));
    w.run(&["testkit:echo-args", "-t", "x"]).code(2);
    // Named explicitly, it is used.
    w.run(&["--plugin-dir", ".", "testkit:echo-args", "-t", "x"]).ok();
}

#[test]
fn the_plugin_path_variable_is_not_taken_from_dotenv() {
    // A `.env` in whatever directory the user stands in must not choose the code loaded.
    let w = World::new().without_plugin_dir();
    let dir = w.path("elsewhere");
    w.add_plugin_to("testkit", &dir);
    w.write("cwd/.env", &format!("STATUSCTL_PLUGIN_PATH={}\n", dir.display()));
    assert_eq!(w.run(&["plugins", "list", "-f", "json"]).json(), Value::Array(vec![]));
}

#[test]
fn list_shows_the_search_path_and_each_plugin() {
    let w = World::with(&["testkit", "nosymbol"]);
    let run = w.run(&["plugins", "list"]);
    run.ok()
        .stdout_has("testkit  testkit 1.2.3  plugin-api 0.1.0  ok\n")
        .stdout_has("  commands: echo_args, http, secret, log, settings, env, fail\n")
        .stdout_has("invalid\n")
        .stdout_has("  reason: not a statusctl plugin")
        .stdout_has(&format!("  {} (--plugin-dir)\n", w.plugins.display()));
    let json = w.run(&["plugins", "list", "-f", "json"]).json();
    let testkit = json.as_array().unwrap().iter().find(|p| p["name"] == "testkit").unwrap();
    assert_eq!(testkit["version"], "1.2.3");
    assert_eq!(testkit["api_version"], "0.1.0");
    assert_eq!(testkit["namespace"], "testkit");
    assert_eq!(testkit["commands"][0], "testkit:echo_args");
}
