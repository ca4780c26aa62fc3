//! The config file and its profiles: where it is, which profile is active, what beats
//! what, broken files, `config show`, and files others can read.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::harness::*;

const CONFIG: &str = "config/statusctl/config.toml";

/// Writes the default config file with mode 0600.
fn write_config(w: &World, text: &str) -> PathBuf {
    let path = w.write(CONFIG, text);
    set_mode(&path, 0o600);
    path
}

const PROFILES: &str = "\
default_profile = \"a\"

[profiles.a.testkit]
page = \"page-a\"

[profiles.b.testkit]
page = \"page-b\"
limit = 7

[profiles.c.testkit]
page = \"page-c\"
";

/// `testkit:settings -f json` with these extra arguments, which must succeed.
#[track_caller]
fn settings(w: &World, args: &[&str]) -> Value {
    let mut argv = vec!["testkit:settings", "-f", "json"];
    argv.extend_from_slice(args);
    let run = w.run(&argv);
    run.ok().stderr_lines(0);
    run.json()
}

#[track_caller]
fn page(w: &World, args: &[&str]) -> Value {
    let mut argv = vec!["testkit:echo-args", "-t", "x", "-f", "json"];
    argv.extend_from_slice(args);
    let run = w.run(&argv);
    run.ok().stderr_lines(0);
    run.json()["page"].clone()
}

#[test]
fn flag_beats_env_beats_profile() {
    let w = World::with(&["testkit"]);
    write_config(&w, PROFILES);
    assert_eq!(page(&w, &[]), "page-a");
    assert_eq!(page(&w, &["--profile", "b"]), "page-b");
    w.write("cwd/.env", "TESTKIT_PAGE=page-dotenv\n");
    assert_eq!(page(&w, &[]), "page-dotenv");
    let w = w.env("TESTKIT_PAGE", "page-env");
    assert_eq!(page(&w, &[]), "page-env");
    assert_eq!(page(&w, &["--page", "page-flag"]), "page-flag");
    assert_eq!(page(&w, &["-p", "page-flag", "--profile", "b"]), "page-flag");
}

#[test]
fn the_profile_comes_from_the_flag_then_the_variable_then_the_default() {
    let w = World::with(&["testkit"]);
    write_config(&w, PROFILES);
    let a = json!({"profile": "a", "settings": {"page": "page-a"}});
    let b = json!({"profile": "b", "settings": {"page": "page-b", "limit": 7}});
    let c = json!({"profile": "c", "settings": {"page": "page-c"}});
    assert_eq!(settings(&w, &[]), a);
    w.write("cwd/.env", "STATUSCTL_PROFILE=c\n");
    assert_eq!(settings(&w, &[]), c);
    assert_eq!(settings(&w, &["--profile", "a"]), a);
    let w = w.env("STATUSCTL_PROFILE", "b");
    assert_eq!(settings(&w, &[]), b);
    assert_eq!(settings(&w, &["--profile", "c"]), c);
    assert_eq!(settings(&w, &["--profile=a"]), a);
    // The profile's values reach the arguments that take them (and only those).
    assert_eq!(page(&w, &[]), "page-b");
}

#[test]
fn an_unknown_profile_is_a_config_error_naming_the_defined_ones() {
    let w = World::with(&["testkit"]);
    let path = write_config(&w, PROFILES);
    let p = path.display();
    let run = w.run(&["testkit:settings", "--profile", "zz"]);
    run.code(4).stdout_is("");
    assert_eq!(
        run.stderr,
        format!("error: profile `zz` (from --profile) is not defined in {p}; defined: a, b, c, sandbox\n")
    );
    let w = w.env("STATUSCTL_PROFILE", "yy");
    let run = w.run(&["testkit:echo-args", "-t", "x"]);
    run.code(4).stdout_is("");
    assert_eq!(
        run.stderr,
        format!(
            "error: profile `yy` (from env STATUSCTL_PROFILE) is not defined in {p}; defined: a, b, c, sandbox\n"
        )
    );
    w.run(&["config", "show"]).code(4).stderr_has("profile `yy`");

    let w = World::with(&["testkit"]);
    let path = write_config(&w, "default_profile = \"prod\"\n[profiles.dev.testkit]\npage = \"d\"\n");
    let run = w.run(&["testkit:settings"]);
    run.code(4);
    assert_eq!(
        run.stderr,
        format!(
            "error: profile `prod` (from default_profile in {0}) is not defined in {0}; defined: dev, sandbox\n",
            path.display()
        )
    );
    // No file at all: only the built-in `sandbox` profile.
    let w = World::with(&["testkit"]);
    w.run(&["testkit:settings", "--profile", "x"]).code(4).stderr_lines(1).stderr_has("; defined: sandbox\n");
}

#[test]
fn the_config_flag_names_the_file() {
    let w = World::with(&["testkit"]);
    write_config(&w, PROFILES);
    let other =
        w.write("elsewhere.toml", "default_profile = \"z\"\n[profiles.z.testkit]\npage = \"page-z\"\n");
    set_mode(&other, 0o600);
    let o = other.to_str().unwrap();
    assert_eq!(settings(&w, &["--config", o]), json!({"profile": "z", "settings": {"page": "page-z"}}));
    assert_eq!(page(&w, &["--config", o]), "page-z");
    // Before the command too; the default file's profiles are not visible through it.
    w.run(&["--config", o, "testkit:settings", "--profile", "a"]).code(4).stderr_has("defined: sandbox, z\n");

    let missing = w.path("missing.toml");
    let run = w.run(&["testkit:echo-args", "-t", "x", "--config", missing.to_str().unwrap()]);
    run.code(4).stdout_is("").stderr_lines(1);
    run.stderr_has(&format!("error: cannot read config file {}: ", missing.display()));
    w.run(&["config", "show", "--config", missing.to_str().unwrap()]).code(4).stderr_lines(1);
}

#[test]
fn no_config_file_is_fine() {
    let w = World::with(&["testkit"]);
    assert!(!w.path(CONFIG).exists());
    assert_eq!(settings(&w, &[]), json!({"profile": null, "settings": {}}));
    let run = w.run(&["config", "show"]);
    run.ok().stderr_lines(0);
    assert!(
        run.stdout
            .starts_with(&format!("config file: {} (not found)\nprofile: none\n", w.path(CONFIG).display())),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("testkit:\n  (nothing set)\n"), "{}", run.stdout);
}

#[test]
fn a_broken_config_file_is_one_line_with_its_position() {
    let w = World::with(&["testkit"]);
    let path = write_config(&w, "[profiles.a.testkit]\npage = \"p\"\nlimit = = 3\n");
    for args in
        [&["testkit:echo-args", "-t", "x"][..], &["config", "show"], &["testkit:settings", "-f", "json"]]
    {
        let run = w.run(args);
        run.code(4).stderr_lines(1);
        run.stderr_has(&format!("error: {}:3:9: invalid config: ", path.display()));
        if !args.contains(&"json") {
            run.stdout_is("");
        }
    }
    // The JSON error object says the same.
    let run = w.run(&["testkit:settings", "-f", "json"]);
    assert_eq!(run.json()["error"]["kind"], "config");
    assert_eq!(run.json()["error"]["exit_code"], 4);

    // Keys the format does not know are errors too, at their place.
    write_config(&w, "default_profile = \"a\"\n\nprofile = 3\n");
    w.run(&["testkit:settings"])
        .code(4)
        .stderr_lines(1)
        .stderr_has(&format!("error: {}:3:1: invalid config: unknown field `profile`", path.display()));
}

#[test]
fn config_show_names_every_source_and_masks_secrets() {
    let w = World::with(&["testkit"]);
    let path = write_config(
        &w,
        "default_profile = \"a\"\n[profiles.a.testkit]\npage = \"page-a\"\ntoken = \"supersecret-token-123\"\n\
         [profiles.b.testkit]\npage = \"page-b\"\n",
    );
    let plugins = w.plugins.display().to_string();
    let run = w.run(&["config", "show"]);
    run.ok().stderr_lines(0).never_shows("supersecret-token-123");
    assert!(
        run.stdout.starts_with(&format!(
            "config file: {0} (read)\nprofile: a (from default_profile in {0})\nplugin search path:\n  {plugins} (--plugin-dir)\n",
            path.display()
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(
            "testkit:\n  page = page-a  (profile a, key page)\n  token = ***  (profile a, key token)\n"
        ),
        "{}",
        run.stdout
    );

    // The environment (and ./.env) beats the profile; the source says which.
    w.write("cwd/.env", "STATUSCTL_PROFILE=b\n");
    let dotenv = w.cwd.join(".env").display().to_string();
    let w = w.env("TESTKIT_TOKEN", "env-secret-456");
    let run = w.run(&["config", "show"]);
    run.ok().never_shows("env-secret-456").never_shows("supersecret-token-123");
    run.stdout_has(&format!("profile: b (from STATUSCTL_PROFILE in {dotenv})\n"));
    assert!(
        run.stdout.ends_with(
            "testkit:\n  page = page-b  (profile b, key page)\n  token = ***  (env TESTKIT_TOKEN)\n"
        ),
        "{}",
        run.stdout
    );

    let run = w.run(&["config", "show", "-f", "json", "--profile", "a"]);
    run.ok().never_shows("env-secret-456").never_shows("supersecret-token-123");
    let data = run.json();
    assert_eq!(data["config_file"], json!(path));
    assert_eq!(data["config_file_exists"], true);
    assert_eq!(data["profile"], json!({"name": "a", "source": "--profile"}));
    assert_eq!(data["plugin_search_path"][0], json!({"path": plugins, "origin": "--plugin-dir"}));
    assert_eq!(
        data["settings"],
        json!({"testkit": {
            "page": {"value": "page-a", "source": "profile a, key page"},
            "token": {"value": "***", "source": "env TESTKIT_TOKEN"}
        }})
    );
}

#[cfg(unix)]
#[test]
fn a_config_file_others_can_read_warns_when_it_holds_a_secret() {
    let w = World::with(&["testkit"]);
    let path = write_config(&w, "[profiles.a.testkit]\npage = \"p\"\ntoken = \"supersecret-token-123\"\n");
    let warning = format!(
        "warning: config file {} holds secrets and others can read it (chmod 600 it)\n",
        path.display()
    );
    set_mode(&path, 0o644);
    let run = w.run(&["testkit:echo-args", "-t", "x"]);
    run.ok().stdout_is("title: x\nstatus: investigating\n");
    assert_eq!(run.stderr, warning);
    let run = w.run(&["config", "show"]);
    run.ok().never_shows("supersecret-token-123");
    assert_eq!(run.stderr, warning);

    set_mode(&path, 0o600);
    w.run(&["testkit:echo-args", "-t", "x"]).ok().stderr_lines(0);
    w.run(&["config", "show"]).ok().stderr_lines(0);

    // Readable but without secrets: nothing to say.
    write_config(&w, "[profiles.a.testkit]\npage = \"p\"\n");
    set_mode(&path, 0o644);
    w.run(&["testkit:echo-args", "-t", "x"]).ok().stderr_lines(0);
}

#[test]
fn a_broken_dotenv_only_stops_commands_that_read_the_environment() {
    let w = World::with(&["testkit"]);
    w.write("cwd/.env", "GOOD=1\nthis is not a line\n");
    w.run(&["--version"]).ok();
    w.run(&["plugins", "list"]).ok();
    w.run(&["testkit:env", "GOOD"]).code(4).stderr_lines(1).stderr_has(".env");
    w.run(&["config", "show"]).code(4);
}

/// A plugin gets its own namespace's table, without the secrets in it: it reads a secret
/// through the secret service, whose chain includes the profile.
#[test]
fn a_plugin_gets_its_own_settings_without_secrets() {
    let w = World::with(&["testkit"]);
    write_config(
        &w,
        "default_profile = \"a\"\n[profiles.a.testkit]\npage = \"page-a\"\ntoken = \"pf-token-77777777\"\n\
         token_file = \"/run/secrets/t\"\nclient_secret = \"cs-88888888\"\n\
         [profiles.a.other]\nurl = \"http://other.test\"\n",
    );
    let data = settings(&w, &[]);
    assert_eq!(data["settings"], json!({"page": "page-a"}), "{data}");
    let run = w.run(&["testkit:secret"]);
    run.ok().stdout_is("token found (from profile a, key token)\n").never_shows("pf-token-77777777");
}
