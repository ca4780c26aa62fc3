//! The host as a library: `host/examples/embed.rs` runs argv through a host with its own
//! name, plugin dir and built-in, and gets each outcome back as data.

use std::process::Command;

use serde_json::Value;

use crate::harness::*;

/// `cargo test` builds the examples next to the test binaries.
fn embed(world: &World, args: &[&str]) -> Value {
    let exe = target_dir().join("debug/examples").join(format!("embed{}", std::env::consts::EXE_SUFFIX));
    let exe = if exe.exists() { exe } else { binary().parent().unwrap().join("examples/embed") };
    assert!(exe.exists(), "the embed example was not built at {}", exe.display());
    let out = Command::new(exe)
        .args(args)
        .env("OPSCTL_PLUGIN_DIR", &world.plugins)
        .env("HOME", &world.home)
        .env("XDG_CONFIG_HOME", world.path("config"))
        .env("XDG_DATA_HOME", world.path("data"))
        .current_dir(&world.cwd)
        .output()
        .unwrap();
    assert!(out.status.success(), "the wrapper itself never exits non-zero: {out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_wrapper_runs_plugin_commands_and_gets_data_back() {
    let w = World::with(&["testkit"]);
    let got = embed(&w, &["testkit:echo-args", "-t", "from a wrapper", "-cs", "a", "b"]);
    assert_eq!(got["exit_code"], 0);
    assert_eq!(got["data"]["title"], "from a wrapper");
    assert_eq!(got["data"]["components"], serde_json::json!(["a", "b"]));
    assert_eq!(got["stdout"], "title: from a wrapper\ncomponents: [\"a\",\"b\"]\nstatus: investigating\n");
}

#[test]
fn a_wrapper_adds_its_own_builtin_and_name() {
    let w = World::with(&["testkit", "panicky"]);
    let got = embed(&w, &["whoami", "-f", "json"]);
    assert_eq!(got["exit_code"], 0);
    assert_eq!(got["data"]["plugins"], serde_json::json!(["boom", "testkit"]));
    let version = embed(&w, &["--version"]);
    assert_eq!(version["stdout"], "opsctl 2.0.0 (plugin-api 0.1.0)\n");
    let help = embed(&w, &["--help"]);
    assert!(help["stdout"].as_str().unwrap().contains("whoami"), "{help}");
}

#[test]
fn failures_come_back_as_data_without_exiting() {
    let w = World::with(&["testkit", "panicky"]);
    let panic = embed(&w, &["boom:panic"]);
    assert_eq!(panic["exit_code"], 70);
    assert!(panic["error"].as_str().unwrap().contains("panicked"), "{panic}");
    let usage = embed(&w, &["testkit:echo-args"]);
    assert_eq!(usage["exit_code"], 2);
    let failed = embed(&w, &["testkit:fail", "unavailable", "--status", "503", "-f", "json"]);
    assert_eq!(failed["exit_code"], 5);
    assert_eq!(failed["data"]["error"]["http_status"], 503);
    // Standard directories are off: nothing from the user plugin dir.
    w.add_plugin_to("dup", &w.path("data/opsctl/plugins"));
    assert_eq!(
        embed(&w, &["whoami", "-f", "json"])["data"]["plugins"],
        serde_json::json!(["boom", "testkit"])
    );
}
