//! The command line built at run time from the manifests: names, spellings, prefixes,
//! lists, global flags, value checks, env and `.env`, help, version and completions.

use serde_json::{Value, json};

use crate::harness::*;

/// `testkit:echo-args ARGS -f json`, which must succeed; its data.
#[track_caller]
fn echo(w: &World, args: &[&str]) -> Value {
    let mut argv = vec!["testkit:echo-args"];
    argv.extend_from_slice(args);
    argv.extend(["-f", "json"]);
    let run = w.run(&argv);
    run.ok().stderr_lines(0);
    run.json()
}

/// A usage error: exit 2, nothing on stdout, exactly one line on stderr.
#[track_caller]
fn usage_error(w: &World, args: &[&str]) -> String {
    let run = w.run(args);
    run.code(2).stdout_is("").stderr_lines(1).stderr_has("error: ");
    run.stderr.clone()
}

#[test]
fn underscore_and_dash_spellings_are_one_command() {
    let w = World::with(&["testkit"]);
    let expected = "title: x\nstatus: investigating\n";
    w.run(&["testkit:echo_args", "-t", "x"]).ok().stdout_is(expected);
    w.run(&["testkit:echo-args", "-t", "x"]).ok().stdout_is(expected);

    let underscored = w.run(&["help", "testkit:echo_args"]);
    underscored.ok().stdout_has("Usage: statusctl testkit:echo_args [OPTIONS] --title <TITLE> [TARGET]");
    w.run(&["help", "testkit:echo-args"]).ok().stdout_is(&underscored.stdout);
    w.run(&["testkit:echo-args", "--help"]).ok().stdout_is(&underscored.stdout);
}

#[test]
fn conan_multi_letter_single_dash_spellings() {
    let w = World::with(&["testkit"]);
    assert_eq!(
        echo(&w, &["-t", "x", "-cs", "a", "b"]),
        json!({"title": "x", "components": ["a", "b"], "status": "investigating"})
    );
    assert_eq!(
        echo(&w, &["-t", "x", "-cs=a"]),
        json!({"title": "x", "components": ["a"], "status": "investigating"})
    );
    // Not `-i c INC` (incident "c" and a positional "INC").
    assert_eq!(
        echo(&w, &["-t", "x", "-ic", "INC"]),
        json!({"title": "x", "incident": "INC", "status": "investigating"})
    );
    assert_eq!(
        echo(&w, &["-ic=INC", "-t", "x"]),
        json!({"title": "x", "incident": "INC", "status": "investigating"})
    );
    assert_eq!(
        echo(&w, &["-t", "x", "-tk", "TOKEN"]),
        json!({"title": "x", "status": "investigating", "token": "TOKEN"})
    );
    // The single-letter spellings still work.
    assert_eq!(
        echo(&w, &["-t", "x", "-i", "c", "-c", "a"]),
        json!({"title": "x", "components": ["a"], "incident": "c", "status": "investigating"})
    );
}

#[test]
fn unambiguous_long_prefixes_are_accepted() {
    let w = World::with(&["testkit"]);
    assert_eq!(
        echo(&w, &["--tit", "x", "--inc", "5", "--comp", "a", "b", "--lim", "3", "--noti", "--bo", "hi"]),
        json!({
            "title": "x",
            "components": ["a", "b"],
            "incident": "5",
            "status": "investigating",
            "limit": 3,
            "notify": true,
            "message": "hi"
        })
    );
    // Global flags take prefixes too.
    w.run(&["testkit:echo-args", "-t", "x", "--form", "json"])
        .ok()
        .stdout_is("{\n  \"title\": \"x\",\n  \"status\": \"investigating\"\n}\n");
}

#[test]
fn ambiguous_long_prefixes_are_rejected() {
    let w = World::with(&["testkit"]);
    // --title/--token, --status/--secret-opt, --notify/--no-color, --message/--max-wait.
    for (prefix, rest) in [("--t", "x"), ("--s", "resolved"), ("--no", ""), ("--m", "hi")] {
        let mut args = vec!["testkit:echo-args", "-t", "x", prefix];
        if !rest.is_empty() {
            args.push(rest);
        }
        let err = usage_error(&w, &args);
        assert!(err.starts_with(&format!("error: unexpected argument '{prefix}' found")), "{err}");
    }
}

/// Long spellings (aliases included) of each command of `namespace`, with the global
/// flags, where one is a prefix of another: `--rate` next to `--rate-limit` makes
/// `--rate` exact but every shorter prefix ambiguous, and a flag added later can turn a
/// prefix users rely on into an error. Reusable by the provider plugins' tests.
pub fn long_flag_prefix_clashes(w: &World, namespace: &str) -> Vec<String> {
    let help = w.run(&["--help"]);
    help.ok();
    let globals: Vec<String> = help
        .stdout
        .split("Global options")
        .nth(1)
        .expect("root help has a global options section")
        .lines()
        .filter_map(|line| line.split_whitespace().find(|t| t.starts_with("--")))
        .map(|t| t.trim_end_matches(',').to_string())
        .collect();
    assert!(globals.contains(&"--format".to_string()), "no global flags found in {}", help.stdout);

    let info = w.run(&["plugins", "info", namespace, "-f", "json"]);
    info.ok();
    let manifest = &info.json()["manifest"];
    let commands = manifest["commands"].as_array().expect("manifest.commands");
    assert!(!commands.is_empty(), "{namespace} declares no commands");
    let mut clashes = Vec::new();
    for cmd in commands {
        let name = format!("{namespace}:{}", cmd["name"].as_str().unwrap());
        let mut flags = globals.clone();
        for arg in cmd["args"].as_array().unwrap() {
            if arg["kind"] == "positional" {
                continue;
            }
            let id = arg["id"].as_str().unwrap();
            flags.push(format!(
                "--{}",
                arg["long"].as_str().map_or_else(|| id.replace('_', "-"), String::from)
            ));
            for alias in arg["long_aliases"].as_array().into_iter().flatten() {
                flags.push(format!("--{}", alias.as_str().unwrap()));
            }
        }
        for (short, long) in prefix_pairs(&flags) {
            clashes.push(format!("{name}: {short} is a prefix of {long}"));
        }
    }
    clashes
}

/// Pairs (a, b) of different flags where a is a prefix of b.
fn prefix_pairs(flags: &[String]) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for a in flags {
        for b in flags {
            if a != b && b.starts_with(a.as_str()) && !pairs.contains(&(a.clone(), b.clone())) {
                pairs.push((a.clone(), b.clone()));
            }
        }
    }
    pairs
}

#[test]
fn prefix_pairs_finds_flags_that_shadow_others() {
    let flags: Vec<String> =
        ["--rate", "--rate-limit", "--format", "--rate", "--form"].iter().map(|s| s.to_string()).collect();
    assert_eq!(
        prefix_pairs(&flags),
        [("--rate".into(), "--rate-limit".into()), ("--form".into(), "--format".into())]
    );
}

#[test]
fn testkit_long_flags_stay_prefix_free() {
    let w = World::with(&["testkit"]);
    let clashes = long_flag_prefix_clashes(&w, "testkit");
    assert!(clashes.is_empty(), "long flags that are prefixes of others:\n{}", clashes.join("\n"));
}

#[test]
fn list_flags_collect_every_value_in_order() {
    let w = World::with(&["testkit"]);
    let components = |args: &[&str]| {
        let mut argv = vec!["-t", "x"];
        argv.extend_from_slice(args);
        echo(&w, &argv)["components"].clone()
    };
    assert_eq!(components(&["-c", "C1", "C2"]), json!(["C1", "C2"]));
    assert_eq!(components(&["-c", "C1", "-c", "C2"]), json!(["C1", "C2"]));
    assert_eq!(
        components(&["-c", "C2", "C1", "--components", "C3", "-cs", "C0"]),
        json!(["C2", "C1", "C3", "C0"])
    );
    w.run(&["testkit:echo-args", "-t", "x", "-c", "b", "a"])
        .ok()
        .stdout_is("title: x\ncomponents: [\"b\",\"a\"]\nstatus: investigating\n");
}

#[test]
fn global_flags_go_before_or_after_the_command() {
    let w = World::with(&["testkit"]);
    let json_text = "{\n  \"title\": \"x\",\n  \"status\": \"investigating\"\n}\n";
    w.run(&["-f", "json", "testkit:echo-args", "-t", "x"]).ok().stdout_is(json_text);
    w.run(&["testkit:echo-args", "-t", "x", "-f", "json"]).ok().stdout_is(json_text);
    w.run(&["testkit:echo-args", "--format=json", "-t", "x"]).ok().stdout_is(json_text);

    let server = echo_server();
    let url = format!("{}/echo/x", server.base_url());
    let post = format!("\nPOST {url}\n");
    for args in [
        &["-vv", "--dry-run", "testkit:http", "--url", &url, "--method", "POST"][..],
        &["testkit:http", "--url", &url, "--method", "POST", "-vv", "--dry-run"],
    ] {
        let run = w.run(args);
        run.ok().stdout_has("dry run: nothing was sent").stdout_has(&post);
        // -vv reached the host: its debug lines are on.
        run.stderr_has("debug: ");
    }
    assert_eq!(server.control().requests().len(), 0);

    // -v before the command turns on the per-request debug line; without it there is none.
    w.run(&["-v", "testkit:http", "--url", &url]).ok().stderr_has(&format!("debug: GET {url} → 200"));
    w.run(&["testkit:http", "--url", &url]).ok().stderr_lines(0);
    assert_eq!(server.control().requests().len(), 2);
}

#[test]
fn bad_values_are_one_line_usage_errors() {
    let w = World::with(&["testkit"]);
    let cases: [(&[&str], &str); 5] = [
        (
            &["testkit:echo-args", "-t", "x", "-s", "bogus"],
            "error: invalid value 'bogus' for '--status <STATUS>' \
             [possible values: investigating, identified, monitoring, resolved]\n",
        ),
        (
            &["testkit:echo-args", "-t", "x", "--limit", "ten"],
            "error: invalid value 'ten' for '--limit <LIMIT>': invalid digit found in string\n",
        ),
        (
            &["testkit:echo-args", "-c", "a"],
            "error: the following required arguments were not provided: --title <TITLE>\n",
        ),
        (
            &["testkit:echo-args", "-t", "x", "--notifx"],
            "error: unexpected argument '--notifx' found (a similar argument exists: '--notify')\n",
        ),
        (&["testkit:fail"], "error: the following required arguments were not provided: <KIND>\n"),
    ];
    for (args, expected) in cases {
        assert_eq!(usage_error(&w, args), expected, "statusctl {}", args.join(" "));
    }
    let err = usage_error(&w, &["testkit:settigns"]);
    assert_eq!(
        err,
        "error: unrecognized command 'testkit:settigns' (did you mean 'testkit:settings'? \
         `statusctl --help` lists the commands; `statusctl plugins install FILE` adds a plugin)\n"
    );
}

#[test]
fn usage_errors_send_nothing() {
    let w = World::with(&["testkit"]);
    let server = echo_server();
    let url = format!("{}/echo/x", server.base_url());
    let err = usage_error(&w, &["testkit:http", "--url", &url, "--method", "POST", "--idempotent", "maybe"]);
    assert_eq!(
        err,
        "error: invalid value 'maybe' for '--idempotent <IDEMPOTENT>' [possible values: yes, no]\n"
    );
    let err = usage_error(&w, &["testkit:http", "--url", &url, "--max-attempts", "two"]);
    assert!(err.starts_with("error: invalid value 'two' for '--max-attempts <MAX_ATTEMPTS>'"), "{err}");
    usage_error(&w, &["testkit:http", "--url", &url, "--no-such-flag"]);
    assert_eq!(server.control().requests().len(), 0);
    // The same line with good values does reach the server.
    w.run(&["testkit:http", "--url", &url, "--method", "POST", "--idempotent", "yes", "--max-attempts", "2"])
        .ok();
    let requests = server.control().requests();
    assert_eq!(requests.len(), 1);
    assert_eq!((requests[0].method.as_str(), requests[0].path.as_str()), ("POST", "/echo/x"));
}

#[test]
fn env_and_dotenv_supply_values_and_the_command_line_wins() {
    let w = World::with(&["testkit"]);
    assert_eq!(echo(&w, &["-t", "x"]).get("page"), None);
    w.write("cwd/.env", "# values for this directory\nTESTKIT_PAGE=from-dotenv\nTESTKIT_TOKEN=\"tok en\"\n");
    assert_eq!(
        echo(&w, &["-t", "x"]),
        json!({"title": "x", "status": "investigating", "page": "from-dotenv", "token": "tok en"})
    );
    let w = w.env("TESTKIT_PAGE", "from-env");
    assert_eq!(echo(&w, &["-t", "x"])["page"], "from-env");
    assert_eq!(echo(&w, &["-t", "x", "-p", "from-cli"])["page"], "from-cli");
    assert_eq!(echo(&w, &["-t", "x", "--page=from-cli"])["page"], "from-cli");
    w.run(&["testkit:env", "TESTKIT_PAGE"]).ok().stdout_is("TESTKIT_PAGE=from-env\n");
    w.run(&["testkit:env", "TESTKIT_TOKEN"]).ok().stdout_is("TESTKIT_TOKEN=tok en\n");
}

#[test]
fn help_shows_where_values_come_from_and_hides_hidden_args() {
    let w = World::with(&["testkit"]);
    let run = w.run(&["help", "testkit:echo-args"]);
    run.ok()
        .stderr_lines(0)
        .stdout_has("Echo the resolved arguments\n")
        .stdout_has("  -t, --title <TITLE>")
        .stdout_has("Components [also: -cs; one or more; repeatable]")
        .stdout_has("Incident id [also: -ic]")
        .stdout_has("  -p, --page <PAGE>")
        .stdout_has("Page id [env: TESTKIT_PAGE; profile key: page]")
        .stdout_has("API token [also: -tk; env: TESTKIT_TOKEN]")
        .stdout_has("Message [alias: --body]")
        .stdout_has("[default: investigating] [possible values: investigating,")
        .stdout_has("Examples:\n  statusctl testkit:echo-args -t hello -cs a b\n")
        .stdout_has("--out-file <FILE>")
        .stdout_lacks("secret-opt")
        .stdout_lacks("secret_opt");
    // The hidden argument still works.
    assert_eq!(echo(&w, &["-t", "x", "--secret-opt", "s"])["secret_opt"], "s");
    w.run(&["help", "testkit:http"])
        .ok()
        .stdout_has("Changes something at the provider; --dry-run shows the requests instead.");
}

#[test]
fn root_help_lists_builtins_then_one_group_per_namespace() {
    let w = World::with(&["testkit", "panicky"]);
    let run = w.run(&["--help"]);
    run.ok().stderr_lines(0);
    let out = &run.stdout;
    let at = |text: &str| out.find(text).unwrap_or_else(|| panic!("help lacks {text:?}:\n{out}"));
    let builtins = [
        "  plugins      List, inspect, install and remove plugins\n",
        "  config       Show the effective configuration\n",
        "  secrets      ",
        "  completions  Print a shell completion script (plugin commands included)\n",
    ];
    let boom = "boom (panicky ";
    // Names line up over every group: `boom:apply_incident` is the longest.
    let testkit = "testkit (testkit 1.2.3): Exercises every host service\n\
                   \x20 testkit:echo_args    Echo the resolved arguments\n\
                   \x20 testkit:http         Send one HTTP request through the host\n\
                   \x20 testkit:secret       Look the token up along the whole chain\n\
                   \x20 testkit:log          Log through the host\n\
                   \x20 testkit:settings     Print the profile settings the host passed\n\
                   \x20 testkit:env          Read a variable through the host\n\
                   \x20 testkit:fail         Fail with the given kind\n";
    let mut last = 0;
    for text in builtins {
        assert!(at(text) > last, "{text:?} out of order:\n{out}");
        last = at(text);
    }
    assert!(at(boom) > last && at(testkit) > last, "plugin groups must follow the built-ins:\n{out}");
    at("  boom:panic");
    at("`statusctl help NAMESPACE:COMMAND` shows a command's flags");
    assert!(at("Global options (before or after the command):") > at(testkit));
    // Plugin commands appear only in their group, once, and the dashed aliases not at all.
    assert_eq!(out.matches("testkit:echo_args").count(), 1, "{out}");
    assert!(!out.contains("testkit:echo-args"), "{out}");

    w.run(&["--version"])
        .ok()
        .stdout_is(&format!("statusctl {} (plugin-api 0.1.0)\n", env!("CARGO_PKG_VERSION")));
    // No command at all: a usage error.
    w.run(&[]).code(2).stdout_is("");
}

#[test]
fn completion_scripts_include_plugin_commands() {
    let w = World::with(&["testkit"]);
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = w.run(&["completions", shell]);
        run.ok()
            .stderr_lines(0)
            .stdout_has("testkit:echo_args")
            .stdout_has("testkit:fail")
            .stdout_has("completions")
            .stdout_has("components")
            .stdout_lacks("secret-opt");
        assert!(run.stdout.contains("plugins"), "{shell} script lacks the built-ins");
    }
    let err = usage_error(&w, &["completions", "tcsh"]);
    assert_eq!(
        err,
        "error: invalid value 'tcsh' for '<SHELL>' [possible values: bash, elvish, fish, powershell, zsh] \
         (a similar value exists: 'zsh')\n"
    );
}
