//! Running `statusctl mcp` under a real MCP client: the Python `mcp` 2.3.0 reference client
//! (tests/mcp/client.py, in both protocol eras), or raw JSON-RPC lines for protocol edges.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{World, repo_root, target_dir};

/// The two ways the reference client connects.
pub const MODES: [&str; 2] = ["modern", "legacy"];

/// The Python with `mcp==2.3.0`: `STATUSCTL_MCP_PYTHON`, else the venv `.ci/run` makes.
pub fn python() -> PathBuf {
    let python = std::env::var_os("STATUSCTL_MCP_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("mcp-venv").join("bin").join("python"));
    let ok = Command::new(&python)
        .args(["-c", "import importlib.metadata as m; assert m.version('mcp') == '2.3.0'"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the MCP end-to-end tests need the Python MCP client mcp==2.3.0 at {}.\n\
         Install it with:\n  python3 -m venv target/mcp-venv && target/mcp-venv/bin/pip install mcp==2.3.0\n\
         (.ci/run does this), or point STATUSCTL_MCP_PYTHON at a Python that has it.",
        python.display()
    );
    python
}

/// What the client saw: the protocol version, one result per step, and the stderr of the
/// client and the server together (the client passes the server's stderr through).
pub struct Session {
    pub version: String,
    pub results: Vec<Value>,
    pub stderr: String,
    pub stdout: String,
}

impl Session {
    pub fn result(&self, i: usize) -> &Value {
        &self.results[i]
    }
}

/// Runs `steps` against `statusctl [pre...] mcp ARGS` in `w`, with the Python client in `mode`.
pub fn session(w: &World, mode: &str, pre: &[&str], mcp_args: &[&str], steps: Value) -> Session {
    let mut args: Vec<&str> = pre.to_vec();
    args.push("mcp");
    args.extend_from_slice(mcp_args);
    let cmd = w.command(&args);
    let env: serde_json::Map<String, Value> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_str()?.to_string(), Value::String(v?.to_str()?.to_string()))))
        .collect();
    let scenario = json!({
        "mode": mode,
        "command": cmd.get_program().to_str().unwrap(),
        "args": cmd.get_args().map(|a| a.to_str().unwrap()).collect::<Vec<_>>(),
        "env": env,
        "cwd": cmd.get_current_dir().map(|d| d.display().to_string()),
        "steps": steps,
    });
    let out = Command::new(python())
        .arg(repo_root().join("tests/mcp/client.py"))
        .arg(scenario.to_string())
        .stdin(Stdio::null())
        .output()
        .expect("run the Python MCP client");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "the client failed ({}):\n{stdout}\n{stderr}", out.status);
    let parsed: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("client output is not JSON ({e}):\n{stdout}\n{stderr}"));
    Session {
        version: parsed["protocol_version"].as_str().unwrap_or_default().to_string(),
        results: parsed["results"].as_array().cloned().unwrap_or_default(),
        stderr,
        stdout,
    }
}

pub fn list() -> Value {
    json!({"op": "list"})
}

pub fn call(name: &str, arguments: Value) -> Value {
    json!({"op": "call", "name": name, "arguments": arguments})
}

/// The era each mode must have negotiated.
pub fn expected_version(mode: &str) -> &'static str {
    if mode == "modern" { "2026-07-28" } else { "2025-11-25" }
}

/// A result that is a tool error: its structured error object.
#[track_caller]
pub fn tool_error(result: &Value) -> &Value {
    assert_eq!(result["is_error"], json!(true), "expected a tool error: {result}");
    &result["structured"]["error"]
}

#[track_caller]
pub fn success(result: &Value) -> &Value {
    assert_eq!(result["is_error"], json!(false), "expected a success: {result}");
    &result["structured"]
}

/// `statusctl mcp` driven by hand: JSON-RPC lines in, lines out.
pub struct Raw {
    pub child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Raw {
    pub fn start(w: &World, mcp_args: &[&str]) -> Self {
        let mut args = vec!["mcp"];
        args.extend_from_slice(mcp_args);
        let mut child = w
            .command(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start statusctl mcp");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Raw { child, stdin, stdout }
    }

    pub fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    }

    /// The next line on stdout, which must be one JSON-RPC message.
    pub fn read(&mut self) -> Value {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert!(line.ends_with('\n'), "stdout ended: {line:?}");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON-RPC frame ({e}): {line:?}"))
    }

    pub fn initialize(&mut self) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}));
        let reply = self.read();
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        reply
    }

    /// Closes stdin and returns at once (the server may still be running).
    pub fn close_stdin(&mut self) {
        drop(self.stdin.take());
    }

    /// Closes stdin; the exit status and the rest of stdout and stderr.
    pub fn close(mut self, within: Duration) -> (std::process::ExitStatus, String, String) {
        drop(self.stdin.take());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut rest = String::new();
                std::io::Read::read_to_string(&mut self.stdout, &mut rest).unwrap();
                let mut err = String::new();
                std::io::Read::read_to_string(self.child.stderr.as_mut().unwrap(), &mut err).unwrap();
                return (status, rest, err);
            }
            if started.elapsed() > within {
                let _ = self.child.kill();
                panic!("statusctl mcp did not exit within {within:?} of stdin closing");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
