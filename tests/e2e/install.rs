//! `scripts/install --prefix P`: the binary in P/bin, the bundled plugins in
//! P/lib/statusctl/plugins, where the installed binary finds them.

use std::process::Command;

use crate::harness::*;

#[cfg(unix)]
#[test]
fn the_install_script_lays_out_a_prefix_the_binary_understands() {
    let w = World::new();
    // A build output as cargo leaves it: the binary and the plugin libraries side by side
    // (plus a test plugin under another name, which must not be bundled).
    let out_dir = w.path("target/release");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::copy(binary(), out_dir.join("statusctl")).unwrap();
    let plugin = real_plugin("statuspage");
    std::fs::copy(&plugin, out_dir.join(plugin.file_name().unwrap())).unwrap();
    std::fs::write(out_dir.join("libother.so"), b"not ours").unwrap();
    // Other libraries named like ours are not bundled either: a test plugin, a stray build.
    let stray = test_plugin("testkit");
    std::fs::copy(&stray, out_dir.join(stray.file_name().unwrap())).unwrap();
    std::fs::copy(&stray, out_dir.join(lib_name("statusctl_stray"))).unwrap();
    let prefix = w.path("prefix");
    let out = Command::new("bash")
        .arg(repo_root().join("scripts/install"))
        .args(["--no-build", "--prefix"])
        .arg(&prefix)
        .env("CARGO_TARGET_DIR", w.path("target"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The Nobl9 plugin was not built here: said, not silently skipped.
    assert!(stderr.contains(&format!("{} not found", lib_name("statusctl_nobl9"))), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "installed {}/bin/statusctl and 1 plugin(s) in {}/lib/statusctl/plugins\n",
            prefix.display(),
            prefix.display()
        )
    );
    let installed = prefix.join("bin/statusctl");
    let bundled: Vec<String> = std::fs::read_dir(prefix.join("lib/statusctl/plugins"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(bundled, [lib_name("statusctl_statuspage")]);
    // The installed binary finds them with no flag and no variable.
    let run = Command::new(&installed)
        .args(["plugins", "list", "-f", "json"])
        .env_clear()
        .env("HOME", &w.home)
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let statuspage =
        list.as_array().unwrap().iter().find(|p| p["namespace"] == "statuspage").expect("statuspage found");
    assert_eq!(statuspage["origin"], "install prefix");
    assert_eq!(statuspage["status"], "ok");
}
