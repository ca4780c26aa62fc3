//! Plugins built outside the workspace: the documented example, and plugins built against a
//! different plugin-api (another version, another layout).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::*;

/// The files `docs/writing-a-plugin.md` gives, each after a `<!-- file: NAME -->` line.
fn files_from_the_docs() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(repo_root().join("docs/writing-a-plugin.md")).unwrap();
    let mut files = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if let Some(name) = line.strip_prefix("<!-- file: ").and_then(|l| l.strip_suffix(" -->")) {
            assert!(lines.next().unwrap().starts_with("```"), "a fenced block follows {name}");
            let body: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
            files.push((name.to_string(), body.join("\n") + "\n"));
        }
    }
    assert_eq!(files.len(), 2, "the docs give Cargo.toml and src/lib.rs");
    files
}

/// Writes a crate into `dir` and builds it into the shared test-plugin target dir.
fn build(dir: &Path, package: &str, files: &[(String, String)], api_path: &Path) -> PathBuf {
    for (name, text) in files {
        let text = text
            .replace("name = \"statusctl-hello\"", &format!("name = \"{package}\""))
            .replace("/path/to/statusctl/plugin-api", &api_path.display().to_string());
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    // Same dependency versions as the test plugins, so their build is reused.
    std::fs::copy(repo_root().join("tests/plugins/Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let out = Command::new(cargo())
        .args(["build", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(plugin_target_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "building {package} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    plugin_target_dir().join("debug").join(lib_name(&package.replace('-', "_")))
}

/// A copy of plugin-api as a crate of its own, with its version and `abi.rs` changed.
fn modified_plugin_api(dir: &Path, version: &str, abi_edit: impl Fn(String) -> String) -> PathBuf {
    let src = repo_root().join("plugin-api/src");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        let mut text = std::fs::read_to_string(entry.path()).unwrap();
        if entry.file_name() == "abi.rs" {
            text = abi_edit(text);
        }
        std::fs::write(dir.join("src").join(entry.file_name()), text).unwrap();
    }
    let manifest = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let dep = |name: &str| {
        manifest
            .lines()
            .find(|l| l.starts_with(&format!("{name} =")))
            .unwrap_or_else(|| panic!("{name} in workspace deps"))
            .to_string()
    };
    let cargo_toml = format!(
        "[package]\nname = \"statusctl-plugin-api\"\nversion = \"{version}\"\nedition = \"2024\"\n\n[dependencies]\n{}\n{}\n{}\n",
        dep("abi_stable"),
        dep("serde"),
        dep("serde_json")
    );
    std::fs::write(dir.join("Cargo.toml"), cargo_toml).unwrap();
    dir.to_path_buf()
}

#[test]
fn a_plugin_from_the_docs_builds_installs_and_runs() {
    let w = World::new().without_plugin_dir();
    let lib =
        build(&w.path("hello"), "statusctl-hello", &files_from_the_docs(), &repo_root().join("plugin-api"));
    let lib = lib.display().to_string();
    w.run(&["plugins", "install", &lib]).ok().stdout_has("installed hello 0.1.0 (namespace `hello`)");
    w.run(&["hello:greet", "-nm", "Ada"]).ok().stdout_is("hello, Ada\n");
    w.run(&["hello:greet", "--name", "Ada", "-f", "json"])
        .ok()
        .stdout_is("{\n  \"greeting\": \"hello, Ada\"\n}\n");
    let server = echo_server();
    let url = format!("{}/echo/json", server.base_url());
    let run = w.run(&["hello:greet", "--url", &url, "-f", "json"]);
    let fetched = run.ok().json();
    assert_eq!(fetched["fetched"]["zeta"], 1);
    assert_eq!(server.control().requests().len(), 1);
    w.run(&["plugins", "remove", "hello"]).ok();
    w.run(&["hello:greet"]).code(2);
}

#[test]
fn a_plugin_built_against_another_plugin_api_version_is_refused() {
    let w = World::with(&["testkit"]);
    let api = modified_plugin_api(&w.path("api-0.2"), "0.2.0", |abi| abi);
    let lib = build(&w.path("hello2"), "statusctl-hello-v2", &files_from_the_docs(), &api);
    let copied = w.plugins.join(lib.file_name().unwrap());
    std::fs::copy(&lib, &copied).unwrap();
    let run = w.run(&["testkit:echo-args", "-t", "still works"]);
    run.ok().stdout_has("title: still works").stderr_lines(1);
    run.stderr_has(&format!(
        "warning: skipped plugin {}: built against plugin-api 0.2.0, this statusctl accepts 0.1.0: rebuild it against plugin-api 0.1.0",
        copied.display()
    ));
    // Its namespace is known from the plain symbol: its commands exit 3, not 2.
    w.run(&["hello:greet"]).code(3).stderr_has("plugin `hello`").stderr_has("built against plugin-api 0.2.0");
    let list = w.run(&["plugins", "list", "-f", "json"]).json();
    let hello = list.as_array().unwrap().iter().find(|p| p["namespace"] == "hello").unwrap();
    assert_eq!(hello["status"], "incompatible");
    w.run(&["plugins", "install", &lib.display().to_string()]).code(3).stderr_has("plugin-api 0.2.0");
}

#[test]
fn a_layout_mismatch_is_one_line_and_the_dump_needs_vv() {
    let w = World::with(&["testkit"]);
    let api = modified_plugin_api(&w.path("api-layout"), "0.1.0", |abi| {
        // Same fields, another order: compiles, but the layout differs.
        let changed = abi.replace(
            "    pub message: RString,\n    pub detail_json: RString,",
            "    pub detail_json: RString,\n    pub message: RString,",
        );
        assert_ne!(
            changed, abi,
            "abi.rs no longer has AbiError's message and detail_json fields in that order"
        );
        changed
    });
    let lib = build(&w.path("hello3"), "statusctl-hello-layout", &files_from_the_docs(), &api);
    std::fs::copy(&lib, w.plugins.join(lib.file_name().unwrap())).unwrap();
    let run = w.run(&["testkit:echo-args", "-t", "x"]);
    run.ok().stderr_lines(1).stderr_has("its plugin-api types do not match this statusctl's layout");
    let verbose = w.run(&["-vv", "testkit:echo-args", "-t", "x"]);
    verbose.ok();
    assert!(verbose.stderr.lines().count() > 20, "-vv shows abi_stable's report:\n{}", verbose.stderr);
    assert!(verbose.stderr.contains("detail_json"), "{}", verbose.stderr);
}
