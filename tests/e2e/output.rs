//! The output contract: JSON and text rendering, `--out-file`, the exit code table with
//! the JSON error object, and a closed stdout.

use std::io::Read;
use std::process::Stdio;

use serde_json::json;

use crate::harness::*;

/// What the echo server's `/echo/json` sends, byte for byte.
const SERVER_JSON: &str = r#"{"zeta":1,"alpha":{"nested":true,"b":2,"a":1},"list":[3,2,1],"pi":3.14159}"#;

#[test]
fn json_output_is_indented_with_keys_in_server_order() {
    let w = World::with(&["testkit"]);
    let server = echo_server();
    let url = format!("{}/echo/json", server.base_url());
    w.run(&["testkit:http", "--url", &url, "-f", "json"]).ok().stderr_lines(0).stdout_is(
        "{\n  \"zeta\": 1,\n  \"alpha\": {\n    \"nested\": true,\n    \"b\": 2,\n    \"a\": 1\n  },\n  \
         \"list\": [\n    3,\n    2,\n    1\n  ],\n  \"pi\": 3.14159\n}\n",
    );
}

#[test]
fn text_output_is_the_commands_text() {
    let w = World::with(&["testkit"]);
    let server = echo_server();
    let url = format!("{}/echo/json", server.base_url());
    w.run(&["testkit:http", "--url", &url])
        .ok()
        .stdout_is(&format!("HTTP 200 after 1 attempt(s)\n{SERVER_JSON}\n"));
    w.run(&["testkit:echo-args", "-t", "x", "--limit", "3", "-c", "a"])
        .ok()
        .stdout_is("title: x\ncomponents: [\"a\"]\nstatus: investigating\nlimit: 3\n");
    // A command without text renders its data as JSON even in text mode.
    w.run(&["testkit:settings"]).ok().stdout_is("{\n  \"profile\": null,\n  \"settings\": {}\n}\n");
}

#[test]
fn out_file_takes_the_result() {
    let w = World::with(&["testkit"]);
    let file = w.path("out/result.txt");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let f = file.to_str().unwrap();

    w.run(&["testkit:echo-args", "-t", "x", "--out-file", f]).ok().stdout_is("").stderr_lines(0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "title: x\nstatus: investigating\n");

    // Before the command, with JSON; the file is replaced.
    w.run(&["--out-file", f, "-f", "json", "testkit:echo-args", "-t", "y"]).ok().stdout_is("");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{\n  \"title\": \"y\",\n  \"status\": \"investigating\"\n}\n"
    );

    // A failure neither creates nor touches the file.
    let other = w.path("out/never.txt");
    let o = other.to_str().unwrap();
    w.run(&["testkit:fail", "config", "--out-file", o]).code(4).stdout_is("");
    w.run(&["testkit:echo-args", "--out-file", o]).code(2).stdout_is("");
    assert!(!other.exists(), "{} was created by a failed run", other.display());
    w.run(&["testkit:fail", "failed", "--out-file", f]).code(1);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{\n  \"title\": \"y\",\n  \"status\": \"investigating\"\n}\n"
    );
    let entries: Vec<_> =
        std::fs::read_dir(file.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, ["result.txt"], "stray files next to the output");
}

#[test]
fn an_out_file_that_cannot_be_written_fails() {
    let w = World::with(&["testkit"]);
    // A directory in the way.
    let dir = w.path("out/taken");
    std::fs::create_dir_all(&dir).unwrap();
    let run = w.run(&["testkit:echo-args", "-t", "x", "--out-file", dir.to_str().unwrap()]);
    run.code(1).stdout_is("").stderr_lines(1).stderr_has(&format!("error: {}: ", dir.display()));
    assert!(dir.is_dir());
    let left: Vec<_> = std::fs::read_dir(w.path("out")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["taken"], "the temporary file must be cleaned up");
    // A missing directory is created.
    let file = w.path("new/dir/out.txt");
    w.run(&["testkit:echo-args", "-t", "x", "--out-file", file.to_str().unwrap()]).ok().stdout_is("");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "title: x\nstatus: investigating\n");
}

#[test]
fn exit_codes_follow_the_table() {
    let w = World::with(&["testkit"]);
    let table = [
        ("failed", 1),
        ("usage", 2),
        ("config", 4),
        ("unavailable", 5),
        ("outcome_unknown", 5),
        ("internal", 70),
    ];
    for (kind, code) in table {
        let run = w.run(&["testkit:fail", kind]);
        run.code(code).stdout_is("");
        assert_eq!(run.stderr, "error: failing as asked\n", "{kind}");

        let run = w.run(&["testkit:fail", kind, "--status", "409", "-f", "json"]);
        run.code(code);
        assert_eq!(run.stderr, "error: failing as asked\n", "{kind}");
        assert!(run.stdout.starts_with("{\n  \"error\": {\n    \"message\""), "{}", run.stdout);
        assert_eq!(
            run.json(),
            json!({"error": {"message": "failing as asked", "kind": kind, "exit_code": code, "http_status": 409}})
        );
        assert_eq!(
            w.run(&["testkit:fail", kind, "-f", "json"]).code(code).json()["error"]["http_status"],
            json!(null)
        );
    }
    // Host errors carry the same object.
    let run = w.run(&["-f", "json", "testkit:echo-args"]);
    run.code(2).stderr_lines(1);
    assert_eq!(
        run.json(),
        json!({"error": {
            "message": "the following required arguments were not provided: --title <TITLE>",
            "kind": "usage",
            "exit_code": 2,
            "http_status": null
        }})
    );
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let w = World::with(&["testkit"]);
    // The script is long (tens of kB), so it cannot all fit before the reader is gone.
    let full = w.run(&["completions", "bash"]);
    full.ok();
    assert!(full.stdout.len() > 16 * 1024, "completion script too short to test a closed pipe");

    let mut child = w
        .command(&["completions", "bash"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start statusctl");
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "stderr:\n{stderr}");
    assert_eq!(stderr, "", "nothing on stderr for a closed pipe");
}

#[test]
fn a_closed_stdout_keeps_a_failing_commands_exit_code() {
    let w = World::with(&["testkit"]);
    let mut child = w
        .command(&["-f", "json", "testkit:fail", "unavailable"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", String::from_utf8_lossy(&out.stderr));
}
