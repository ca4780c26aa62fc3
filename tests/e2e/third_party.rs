//! Plugins built outside the workspace: the guide's example (built, unit-tested, measured,
//! installed and run), and plugins built against a different plugin-api (another version,
//! another layout).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::fake_api::{FakeApi, Received};
use crate::harness::*;

/// What `docs/writing-a-plugin.md` promises of its example's `src/lib.rs`, after `cargo fmt`.
const MAX_LIB_LINES: usize = 60;

/// The files `docs/writing-a-plugin.md` gives, each after a `<!-- file: NAME -->` line.
fn files_from_the_guide() -> Vec<(String, String)> {
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
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"Cargo.toml") && names.contains(&"src/lib.rs"),
        "the guide gives Cargo.toml and src/lib.rs: {names:?}"
    );
    files
}

/// Writes a crate into `dir`: `files` with the package renamed and plugin-api at `api_path`.
fn write_crate(dir: &Path, package: &str, files: &[(String, String)], api_path: &Path) {
    for (name, text) in files {
        let text = text
            .replace("name = \"statusctl-acme\"", &format!("name = \"{package}\""))
            .replace("/path/to/statusctl/plugin-api", &api_path.display().to_string());
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    // Same dependency versions as the test plugins, so their build is reused.
    std::fs::copy(repo_root().join("tests/plugins/Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// Runs `cargo SUBCOMMAND` on the crate in `dir`, in the shared test-plugin target dir.
fn cargo_on(dir: &Path, subcommand: &str) {
    let out = Command::new(cargo())
        .args([subcommand, "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(plugin_target_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo {subcommand} on {} failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes a crate into `dir` and builds it; returns the library.
fn build(dir: &Path, package: &str, files: &[(String, String)], api_path: &Path) -> PathBuf {
    write_crate(dir, package, files, api_path);
    cargo_on(dir, "build");
    plugin_target_dir().join("debug").join(lib_name(&package.replace('-', "_")))
}

/// rustfmt of the toolchain running the tests (next to cargo), else the one on PATH.
fn rustfmt() -> PathBuf {
    let beside = Path::new(&cargo()).with_file_name(format!("rustfmt{}", std::env::consts::EXE_SUFFIX));
    if beside.is_file() { beside } else { PathBuf::from("rustfmt") }
}

/// Formats `src/lib.rs` of the crate in `dir` as `cargo fmt` would with the repository's
/// settings; returns its text before and after.
fn format_lib(dir: &Path) -> (String, String) {
    std::fs::copy(repo_root().join("rustfmt.toml"), dir.join("rustfmt.toml")).unwrap();
    let lib = dir.join("src/lib.rs");
    let shown = std::fs::read_to_string(&lib).unwrap();
    let out = Command::new(rustfmt()).args(["--edition", "2024"]).arg(&lib).output().expect("run rustfmt");
    assert!(out.status.success(), "rustfmt failed:\n{}", String::from_utf8_lossy(&out.stderr));
    (shown, std::fs::read_to_string(&lib).unwrap())
}

/// A copy of plugin-api as a crate of its own, with its version and `abi.rs` changed.
fn modified_plugin_api(dir: &Path, version: &str, abi_edit: impl Fn(String) -> String) -> PathBuf {
    copy_tree(&repo_root().join("plugin-api/src"), &dir.join("src"), &abi_edit);
    // plugin-api's own manifest, with what it inherits from the workspace written out.
    let workspace = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let inherited = |name: &str| {
        workspace
            .lines()
            .find(|l| l.starts_with(&format!("{name} =")))
            .unwrap_or_else(|| panic!("{name} in the workspace manifest"))
            .to_string()
    };
    let manifest = std::fs::read_to_string(repo_root().join("plugin-api/Cargo.toml")).unwrap();
    let mut lines = Vec::new();
    for line in manifest.lines() {
        let line = match line.split_once(".workspace = true") {
            Some((name, "")) => inherited(name),
            _ if line.starts_with("version = ") => format!("version = \"{version}\""),
            _ => line.to_string(),
        };
        lines.push(line);
    }
    std::fs::write(dir.join("Cargo.toml"), lines.join("\n") + "\n").unwrap();
    dir.to_path_buf()
}

fn copy_tree(from: &Path, to: &Path, abi_edit: &impl Fn(String) -> String) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()), abi_edit);
            continue;
        }
        let mut text = std::fs::read_to_string(entry.path()).unwrap();
        if entry.file_name() == "abi.rs" {
            text = abi_edit(text);
        }
        std::fs::write(to.join(entry.file_name()), text).unwrap();
    }
}

const TOKEN: &str = "acme-e2e-token-7c1f9d";

/// The Acme Status API of the guide's example: a bearer token, `POST /incidents` and
/// `GET /incidents[?status=…]`. The first POST is answered 503 ("nothing applied", as the
/// example's retry policy assumes), so a create needs its retry.
fn acme_api() -> FakeApi {
    let incidents = Arc::new(Mutex::new(Vec::<Value>::new()));
    let mut refused_one = false;
    FakeApi::start(move |req: &Received| {
        if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
            return (401, json!({"error": "invalid token"}).to_string());
        }
        let mut incidents = incidents.lock().unwrap();
        match (req.method.as_str(), req.target.split_once('?')) {
            ("POST", None) if req.target == "/incidents" => {
                if !std::mem::replace(&mut refused_one, true) {
                    return (503, json!({"error": "busy; nothing was applied"}).to_string());
                }
                let body: Value = serde_json::from_str(&req.body).unwrap_or_default();
                let incident = json!({
                    "id": format!("in{}", incidents.len() + 1),
                    "title": body["title"],
                    "status": body.get("status").cloned().unwrap_or(json!("investigating")),
                    "components": body.get("components").cloned().unwrap_or(json!([])),
                });
                incidents.push(incident.clone());
                (201, incident.to_string())
            }
            ("GET", query) if req.target.starts_with("/incidents") => {
                let wanted = query.and_then(|(_, q)| q.strip_prefix("status="));
                let found: Vec<&Value> =
                    incidents.iter().filter(|i| wanted.is_none_or(|s| i["status"] == s)).collect();
                (200, json!(found).to_string())
            }
            _ => (404, json!({"error": "no such route"}).to_string()),
        }
    })
}

#[test]
fn the_plugin_from_the_guide_builds_tests_installs_and_runs() {
    let w = World::new().without_plugin_dir().env("STATUSCTL_TIME_SCALE", "0.01");
    let dir = w.path("acme");
    write_crate(&dir, "statusctl-acme", &files_from_the_guide(), &repo_root().join("plugin-api"));

    // src/lib.rs: at most 60 lines after `cargo fmt`, shown as `cargo fmt` leaves it, and the
    // count the guide states is the real one.
    let (shown, formatted) = format_lib(&dir);
    let lines = formatted.lines().count();
    assert!(lines <= MAX_LIB_LINES, "the guide's src/lib.rs is {lines} lines after cargo fmt");
    assert!(
        shown == formatted,
        "the guide's src/lib.rs is not as cargo fmt leaves it; formatted:\n{formatted}"
    );
    let doc = std::fs::read_to_string(repo_root().join("docs/writing-a-plugin.md")).unwrap();
    assert!(doc.contains(&format!("`src/lib.rs` is {lines} lines")), "the guide states another count");

    // Its unit test (on the SDK's test kit), then the plugin itself.
    cargo_on(&dir, "test");
    cargo_on(&dir, "build");
    let lib = plugin_target_dir().join("debug").join(lib_name("statusctl_acme")).display().to_string();
    w.run(&["plugins", "install", &lib]).ok().stdout_has("installed acme 0.1.0 (namespace `acme`)");

    let api = acme_api();
    let url = api.base_url();
    // No token anywhere: a configuration error, nothing sent.
    w.run(&["acme:list", "--url", &url]).code(4).stderr_has("error: no Acme token: set ACME_TOKEN");
    assert!(api.received().is_empty());

    // The token from ./.env; the first POST meets a 503 and is resent (the retry policy).
    let dotenv = w.write("cwd/.env", &format!("ACME_TOKEN={TOKEN}\n"));
    let incident = ["-t", "API down", "-m", "Looking", "-cs", "identified", "-c", "api", "web"];
    let run = w.run(&[&["-vv", "acme:create", "--url", url.as_str()], &incident[..]].concat());
    run.ok().stdout_is("created in1\n").never_shows(TOKEN).stderr_has("attempt 2/3");
    let posts = api.received();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts[1].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    let body: Value = serde_json::from_str(&posts[1].body).unwrap();
    let sent = json!({"title": "API down", "message": "Looking", "status": "identified", "components": ["api", "web"]});
    assert_eq!(body, sent);
    // A dry run shows the POST, token masked, and sends nothing.
    let dry = w.run(&["--dry-run", "acme:create", "--url", &url, "-t", "x"]);
    dry.ok().stdout_has("POST ").stdout_has("Bearer ***").never_shows(TOKEN);
    assert_eq!(api.received().len(), 2);
    std::fs::remove_file(dotenv).unwrap();

    // The token from the keyring (user: the login name), the URL from a profile.
    w.run_with_stdin(&["secrets", "set", "acme-token"], &format!("{TOKEN}\n")).ok();
    let config = format!("[profiles.e2e.acme]\nurl = \"{url}\"\n");
    w.write("config/statusctl/config.toml", &config);
    let list = w.run(&["-vv", "--profile", "e2e", "acme:list"]);
    list.ok().never_shows(TOKEN).stderr_has("Acme token: from keyring (acme-token, user tester)");
    list.stdout_is("ID   TITLE     STATUS      COMPONENTS\nin1  API down  identified  api, web\n");
    let json = w.run(&["--profile", "e2e", "acme:list", "--status", "identified", "-f", "json"]).ok().json();
    assert_eq!(json[0]["id"], "in1", "{json}");
    assert_eq!(api.received().last().unwrap().target, "/incidents?status=identified");

    w.run(&["plugins", "remove", "acme"]).ok();
    w.run(&["acme:list"]).code(2);
}

#[test]
fn a_plugin_built_against_another_plugin_api_version_is_refused() {
    let w = World::with(&["testkit"]);
    let api = modified_plugin_api(&w.path("api-0.2"), "0.2.0", |abi| abi);
    let lib = build(&w.path("acme2"), "statusctl-acme-v2", &files_from_the_guide(), &api);
    let copied = w.plugins.join(lib.file_name().unwrap());
    std::fs::copy(&lib, &copied).unwrap();
    let run = w.run(&["testkit:echo-args", "-t", "still works"]);
    run.ok().stdout_has("title: still works").stderr_lines(1);
    run.stderr_has(&format!(
        "warning: skipped plugin {}: built against plugin-api 0.2.0, this statusctl accepts 0.1.0: rebuild it against plugin-api 0.1.0",
        copied.display()
    ));
    // Its namespace is known from the plain symbol: its commands exit 3, not 2.
    w.run(&["acme:list"]).code(3).stderr_has("plugin `acme`").stderr_has("built against plugin-api 0.2.0");
    let list = w.run(&["plugins", "list", "-f", "json"]).json();
    let acme = list.as_array().unwrap().iter().find(|p| p["namespace"] == "acme").unwrap();
    assert_eq!(acme["status"], "incompatible");
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
    let lib = build(&w.path("acme3"), "statusctl-acme-layout", &files_from_the_guide(), &api);
    std::fs::copy(&lib, w.plugins.join(lib.file_name().unwrap())).unwrap();
    let run = w.run(&["testkit:echo-args", "-t", "x"]);
    run.ok().stderr_lines(1).stderr_has("its plugin-api types do not match this statusctl's layout");
    let verbose = w.run(&["-vv", "testkit:echo-args", "-t", "x"]);
    verbose.ok();
    assert!(verbose.stderr.lines().count() > 20, "-vv shows abi_stable's report:\n{}", verbose.stderr);
    assert!(verbose.stderr.contains("detail_json"), "{}", verbose.stderr);
}
