//! `statusctl mcp`: the tools generated from the bundled and third-party plugins, as the
//! reference client lists them in both eras.

use serde_json::{Value, json};
use statusctl_host::{EngineOptions, Host};

use crate::harness::{World, repo_root};
use crate::mcp_client::{MODES, expected_version, list, session};

const ALL_WRITES: &str = "statuspage,nobl9,statuspage:delete_incident";

fn names(tools: &Value) -> Vec<String> {
    tools.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect()
}

/// Every tool of the bundled plugins (writes allowed) is the golden file, in both eras.
/// `STATUSCTL_BLESS=1` rewrites it (review the diff by hand).
#[test]
fn the_bundled_tools_are_the_golden_file_in_both_eras() {
    let w = World::with(&["statuspage", "nobl9"]);
    let golden_path = repo_root().join("tests/mcp/tools.golden.json");
    let mut listings = Vec::new();
    for mode in MODES {
        let s = session(&w, mode, &[], &["--allow-writes", ALL_WRITES], json!([list()]));
        assert_eq!(s.version, expected_version(mode), "{}", s.stderr);
        listings.push(s.result(0)["tools"].clone());
    }
    assert_eq!(listings[0], listings[1], "both eras list the same tools");
    let got = serde_json::to_string_pretty(&listings[0]).unwrap() + "\n";
    if std::env::var_os("STATUSCTL_BLESS").is_some() {
        std::fs::write(&golden_path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden_path).unwrap_or_default();
    if got != want {
        let seen = crate::harness::target_dir().join("e2e-tmp").join("tools.got.json");
        std::fs::write(&seen, &got).unwrap();
        panic!(
            "tools/list differs from {}: see {} (rerun with STATUSCTL_BLESS=1 and review the diff)",
            golden_path.display(),
            seen.display()
        );
    }
}

#[test]
fn only_reads_are_listed_by_default_and_destroys_need_their_own_name() {
    let w = World::with(&["statuspage", "nobl9"]);
    let s = session(&w, "modern", &[], &[], json!([list()]));
    let tools = &s.result(0)["tools"];
    assert!(!names(tools).is_empty());
    for tool in tools.as_array().unwrap() {
        assert_eq!(tool["annotations"]["readOnlyHint"], json!(true), "{tool}");
        assert!(tool["inputSchema"]["properties"].get("dry_run").is_none(), "{tool}");
    }
    let s = session(&w, "legacy", &[], &["--allow-writes", "statuspage"], json!([list()]));
    let listed = names(&s.result(0)["tools"]);
    assert!(listed.contains(&"statuspage_create_incident".to_string()), "{listed:?}");
    assert!(listed.contains(&"statuspage_apply_incident".to_string()), "{listed:?}");
    assert!(!listed.contains(&"statuspage_delete_incident".to_string()), "{listed:?}");
    assert!(!listed.iter().any(|n| n.starts_with("nobl9_create")), "{listed:?}");
    let create =
        s.result(0)["tools"].as_array().unwrap().iter().find(|t| t["name"] == "statuspage_create_incident");
    let create = create.unwrap();
    assert_eq!(create["annotations"]["readOnlyHint"], json!(false));
    assert_eq!(create["annotations"]["destructiveHint"], json!(false));
    assert_eq!(create["inputSchema"]["properties"]["dry_run"]["type"], json!("boolean"));
    let s = session(
        &w,
        "modern",
        &[],
        &["--allow-writes", "statuspage:delete-incident", "--tools", "statuspage:*-incident*"],
        json!([list()]),
    );
    let listed = names(&s.result(0)["tools"]);
    assert_eq!(listed.len(), listed.iter().filter(|n| n.contains("_incident")).count(), "{listed:?}");
    assert!(listed.contains(&"statuspage_delete_incident".to_string()), "{listed:?}");
    assert!(!listed.contains(&"statuspage_create_incident".to_string()), "{listed:?}");
    let delete =
        s.result(0)["tools"].as_array().unwrap().iter().find(|t| t["name"] == "statuspage_delete_incident");
    assert_eq!(delete.unwrap()["annotations"]["destructiveHint"], json!(true));
}

/// No secret, endpoint, trust or path argument is in any schema: checked against the
/// declarations themselves, for the bundled plugins and a third-party test plugin.
#[test]
fn schemas_leave_out_what_an_agent_may_not_choose() {
    let w = World::with(&["statuspage", "nobl9", "testkit"]);
    let s =
        session(&w, "modern", &[], &["--allow-writes", &format!("{ALL_WRITES},testkit")], json!([list()]));
    let tools = s.result(0)["tools"].as_array().unwrap().clone();
    let host = Host::builder("statusctl").standard_plugin_dirs(false).build();
    let engine =
        host.engine(EngineOptions { plugin_dirs: vec![w.plugins.clone()], ..Default::default() }).unwrap();
    let mut checked = 0;
    for (namespace, decl) in engine.commands() {
        let name = format!("{namespace}_{}", decl.name);
        let Some(tool) = tools.iter().find(|t| t["name"] == name) else { continue };
        let properties = tool["inputSchema"]["properties"].as_object().unwrap();
        assert_eq!(tool["inputSchema"]["additionalProperties"], json!(false), "{name}");
        for arg in &decl.args {
            let forbidden = arg.secret || arg.endpoint || arg.trust || arg.is_path();
            if forbidden {
                checked += 1;
                assert!(!properties.contains_key(&arg.id), "{name} offers `{}`: {tool}", arg.id);
            } else if !arg.hidden {
                assert!(properties.contains_key(&arg.id), "{name} lacks `{}`", arg.id);
            }
        }
    }
    assert!(checked >= 10, "the plugins declare secret/endpoint/trust/path arguments ({checked} checked)");
    // The third-party plugin appears as tools with no change to the server.
    let listed: Vec<String> = tools.iter().map(|t| t["name"].as_str().unwrap().to_string()).collect();
    for tool in ["testkit_echo_args", "testkit_http", "testkit_secret"] {
        assert!(listed.contains(&tool.to_string()), "{listed:?}");
    }
    let http = tools.iter().find(|t| t["name"] == "testkit_http").unwrap();
    assert!(http["inputSchema"]["properties"].get("url").is_none(), "{http}");
    let echo = tools.iter().find(|t| t["name"] == "testkit_echo_args").unwrap();
    assert!(echo["inputSchema"]["properties"].get("token").is_none(), "{echo}");
    assert!(echo["inputSchema"]["properties"].get("secret_opt").is_none(), "hidden: {echo}");
    assert_eq!(echo["inputSchema"]["required"], json!(["title"]), "{echo}");
}

#[test]
fn list_prints_the_tools_for_humans() {
    let w = World::with(&["statuspage"]);
    let run = w.run(&["mcp", "--list"]);
    run.ok()
        .stdout_has("statuspage_list_incidents")
        .stdout_has("reads")
        .stdout_has("Not served:")
        .stdout_has("statuspage:create_incident: changes something: allow it with --allow-writes")
        .stdout_has("statuspage:delete_incident: destroys something");
    let json = w.run(&["-f", "json", "mcp", "--list", "--allow-writes", "statuspage"]).json();
    assert!(json["tools"].as_array().unwrap().iter().any(|t| t["name"] == "statuspage_create_incident"));
    w.run(&["mcp", "--allow-writes", "a b"]).code(2).stderr_has("is not a namespace");
    w.run(&["mcp", "--max-calls", "statuspage:x=5"]).code(2).stderr_has("PATTERN=N/hour");
}

/// The `clash` test plugin (namespace `testkit_echo`) has a command `args` whose tool name is
/// testkit's `echo_args` one, and one whose tool name is over 64 characters: all three are
/// reported at start and left out; the rest of both plugins is served.
#[test]
fn colliding_and_too_long_tool_names_are_reported_at_start_and_left_out() {
    let w = World::with(&["testkit", "clash"]);
    let long = "testkit_echo_a_command_whose_tool_name_is_longer_than_sixty_four_characters";
    for mode in MODES {
        let s = session(&w, mode, &[], &["--allow-writes", "testkit"], json!([list()]));
        let listed = names(&s.result(0)["tools"]);
        for served in ["testkit_echo_ok", "testkit_echo_print", "testkit_secret"] {
            assert!(listed.contains(&served.to_string()), "{served}: {listed:?}");
        }
        assert!(!listed.iter().any(|n| n == "testkit_echo_args" || n.len() > 64), "{listed:?}");
        for reported in [
            "mcp: testkit_echo:args is not served: its tool name `testkit_echo_args` is also the name of testkit:echo_args",
            "mcp: testkit:echo_args is not served: its tool name `testkit_echo_args` is also the name of testkit_echo:args",
            &format!("is not served: its tool name `{long}` is longer than 64 characters"),
        ] {
            assert!(s.stderr.contains(reported), "{reported}:\n{}", s.stderr);
        }
    }
    w.run(&["mcp", "--list"]).ok().stdout_has(
        "testkit_echo:args: its tool name `testkit_echo_args` is also the name of testkit:echo_args",
    );
}
