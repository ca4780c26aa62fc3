//! A small fluent harness: a private world (home, config, plugin dir, a hard link of the
//! real binary), and runs of `statusctl` in it with assertions that print the whole run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Once;
use std::time::Duration;

use serde_json::Value;
use statusctl_sandbox::{BackgroundSandbox, RecordedRequest};

/// The real binary cargo built for these tests.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_statusctl"))
}

/// `target/` (whatever CARGO_TARGET_DIR says), found from the binary's place.
pub fn target_dir() -> PathBuf {
    binary().parent().and_then(Path::parent).expect("binary in target/<profile>/").to_path_buf()
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("host/ is in the repo").to_path_buf()
}

/// Where the test plugins and the out-of-tree plugins are built: one shared target dir.
pub fn plugin_target_dir() -> PathBuf {
    target_dir().join("test-plugins")
}

pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Builds the test-plugin workspace (once per test process; cargo makes it a no-op when
/// fresh and serialises concurrent builds with its lock).
pub fn test_plugin(name: &str) -> PathBuf {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let status = Command::new(cargo())
            .args(["build", "--quiet", "--manifest-path"])
            .arg(repo_root().join("tests/plugins/Cargo.toml"))
            .arg("--target-dir")
            .arg(plugin_target_dir())
            .status()
            .expect("run cargo");
        assert!(status.success(), "building the test plugins failed");
    });
    plugin_target_dir().join("debug").join(lib_name(&format!("statusctl_test_{name}")))
}

/// A provider plugin of this workspace (`statuspage`, `nobl9`), built into the test-plugin
/// target dir: `cargo test` builds a cdylib's test harness, not the library itself, and the
/// main target dir is locked while the tests run.
pub fn real_plugin(namespace: &str) -> PathBuf {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let mut cmd = Command::new(cargo());
        cmd.args(["build", "--quiet", "--manifest-path"]).arg(repo_root().join("Cargo.toml"));
        for package in REAL_PLUGINS.iter().map(|(_, p)| p) {
            cmd.args(["-p", package]);
        }
        let status = cmd.arg("--target-dir").arg(plugin_target_dir()).status().expect("run cargo");
        assert!(status.success(), "building the provider plugins failed");
    });
    assert!(REAL_PLUGINS.iter().any(|(ns, _)| *ns == namespace), "unknown provider plugin {namespace}");
    plugin_target_dir().join("debug").join(lib_name(&format!("statusctl_{namespace}")))
}

/// Namespace and package of each provider plugin.
const REAL_PLUGINS: &[(&str, &str)] = &[("statuspage", "statusctl-atlassian"), ("nobl9", "statusctl-nobl9")];

/// `libNAME.so` on Linux, `libNAME.dylib` on macOS, `NAME.dll` on Windows.
pub fn lib_name(stem: &str) -> String {
    format!("{}{stem}.{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_EXTENSION)
}

/// A private installation: `bin/statusctl` (hard link), `plugins/` passed with
/// `--plugin-dir`, and its own HOME, XDG dirs, working directory and test keyring.
pub struct World {
    pub root: tempfile::TempDir,
    pub bin: PathBuf,
    pub plugins: PathBuf,
    pub cwd: PathBuf,
    pub home: PathBuf,
    env: Vec<(String, String)>,
    use_plugin_dir: bool,
}

impl World {
    pub fn new() -> Self {
        let base = target_dir().join("e2e-tmp");
        std::fs::create_dir_all(&base).unwrap();
        let root = tempfile::Builder::new().prefix("world").tempdir_in(&base).unwrap();
        let r = root.path().to_path_buf();
        for dir in ["bin", "plugins", "cwd", "home", "data", "config"] {
            std::fs::create_dir_all(r.join(dir)).unwrap();
        }
        set_mode(&r, 0o755);
        set_mode(&r.join("plugins"), 0o755);
        let bin = r.join("bin").join(binary().file_name().unwrap());
        if std::fs::hard_link(binary(), &bin).is_err() {
            std::fs::copy(binary(), &bin).unwrap();
        }
        let env = vec![
            ("HOME".into(), r.join("home").display().to_string()),
            ("XDG_DATA_HOME".into(), r.join("data").display().to_string()),
            ("XDG_CONFIG_HOME".into(), r.join("config").display().to_string()),
            ("STATUSCTL_TEST_KEYRING_FILE".into(), r.join("keyring.json").display().to_string()),
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("USER".into(), "tester".into()),
        ];
        World {
            plugins: r.join("plugins"),
            cwd: r.join("cwd"),
            home: r.join("home"),
            bin,
            root,
            env,
            use_plugin_dir: true,
        }
    }

    /// A world with these test plugins (names from tests/plugins) in its plugin dir.
    pub fn with(plugins: &[&str]) -> Self {
        let world = Self::new();
        for name in plugins {
            world.add_plugin(name);
        }
        world
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// Copies a test plugin into the plugin dir; returns its path there.
    pub fn add_plugin(&self, name: &str) -> PathBuf {
        self.add_plugin_to(name, &self.plugins)
    }

    pub fn add_plugin_to(&self, name: &str, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        // Provider plugins by namespace, test plugins by their tests/plugins name.
        let from = if REAL_PLUGINS.iter().any(|(ns, _)| *ns == name) {
            real_plugin(name)
        } else {
            test_plugin(name)
        };
        let to = dir.join(from.file_name().unwrap());
        std::fs::copy(&from, &to).unwrap();
        set_mode(&to, 0o755);
        to
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    /// Do not pass `--plugin-dir` (to test discovery itself).
    pub fn without_plugin_dir(mut self) -> Self {
        self.use_plugin_dir = false;
        self
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.env_clear().envs(self.env.iter().map(|(k, v)| (k, v))).current_dir(&self.cwd);
        if self.use_plugin_dir {
            cmd.arg("--plugin-dir").arg(&self.plugins);
        }
        cmd.args(args);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = self.spawn(args, Stdio::piped());
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        Run::finished(
            args,
            out.status,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs statusctl with `args`, calling `on_line` with each stderr line as it comes.
    pub fn run_watching(&self, args: &[&str], mut on_line: impl FnMut(&str)) -> Run {
        let mut child = self.spawn(args, Stdio::null());
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            stdout.read_to_string(&mut text).unwrap();
            text
        });
        let mut stderr = String::new();
        for line in BufReader::new(child.stderr.take().unwrap()).lines() {
            let line = line.unwrap();
            on_line(&line);
            stderr.push_str(&line);
            stderr.push('\n');
        }
        let status = child.wait().unwrap();
        Run::finished(args, status, reader.join().unwrap(), stderr)
    }

    fn spawn(&self, args: &[&str], stdin: Stdio) -> Child {
        self.command(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start statusctl")
    }
}

/// One finished run.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn finished(args: &[&str], status: ExitStatus, stdout: String, stderr: String) -> Self {
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        }
    }

    fn context(&self) -> String {
        format!(
            "\n--- statusctl {}\n--- exit {}\n--- stdout:\n{}--- stderr:\n{}---",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "wrong exit code{}", self.context());
        self
    }
    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.code(0)
    }
    #[track_caller]
    pub fn stdout_has(&self, text: &str) -> &Self {
        assert!(self.stdout.contains(text), "stdout lacks {text:?}{}", self.context());
        self
    }
    #[track_caller]
    pub fn stdout_lacks(&self, text: &str) -> &Self {
        assert!(!self.stdout.contains(text), "stdout has {text:?}{}", self.context());
        self
    }
    #[track_caller]
    pub fn stdout_is(&self, text: &str) -> &Self {
        assert_eq!(self.stdout, text, "stdout differs{}", self.context());
        self
    }
    #[track_caller]
    pub fn stderr_has(&self, text: &str) -> &Self {
        assert!(self.stderr.contains(text), "stderr lacks {text:?}{}", self.context());
        self
    }
    #[track_caller]
    pub fn stderr_lacks(&self, text: &str) -> &Self {
        assert!(!self.stderr.contains(text), "stderr has {text:?}{}", self.context());
        self
    }
    /// stderr has exactly `n` lines.
    #[track_caller]
    pub fn stderr_lines(&self, n: usize) -> &Self {
        assert_eq!(self.stderr.lines().count(), n, "stderr line count{}", self.context());
        self
    }
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}{}", self.context()))
    }
    /// Neither stream contains `secret`.
    #[track_caller]
    pub fn never_shows(&self, secret: &str) -> &Self {
        assert!(
            !self.stdout.contains(secret) && !self.stderr.contains(secret),
            "the secret {secret:?} leaked{}",
            self.context()
        );
        self
    }
}

#[cfg(unix)]
pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
pub fn set_mode(_path: &Path, _mode: u32) {}

/// A local server with the sandbox's echo provider and fault injection.
pub fn echo_server() -> BackgroundSandbox {
    statusctl_sandbox::SandboxBuilder::new().with_echo(true).start_background().expect("start sandbox")
}

/// The lines of `stderr` announcing a wait (info or debug level), without `debug: `.
pub fn wait_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .map(|l| l.strip_prefix("debug: ").unwrap_or(l))
        .filter(|l| l.starts_with("waiting "))
        .map(str::to_string)
        .collect()
}

/// The `User-Agent` of the tests' own calls to a sandbox ([`raw_http`]), which [`sent`]
/// leaves out.
pub const TEST_AGENT: &str = "e2e-test";

/// One request straight to a server at `addr` (not through statusctl), written by hand:
/// `Connection: close` (the answer ends with the connection), `User-Agent:` [`TEST_AGENT`],
/// `headers`, and a non-empty `body` as JSON. Returns the status and the body text (chunked
/// answers decoded).
pub fn raw_http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the sandbox");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nUser-Agent: {TEST_AGENT}\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let rest = &raw[split + 4..];
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let body = if head.contains("transfer-encoding: chunked") { dechunk(rest) } else { rest.to_vec() };
    (status, String::from_utf8(body).expect("UTF-8 answer"))
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = raw.windows(2).position(|w| w == b"\r\n").expect("chunk size line");
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
        raw = &raw[eol + 2 + size + 2..];
    }
}

/// The requests statusctl made to `server` (the tests' own [`raw_http`] calls left out).
pub fn sent(server: &BackgroundSandbox) -> Vec<RecordedRequest> {
    let mut requests = server.control().requests();
    requests.retain(|r| r.header("user-agent") != Some(TEST_AGENT));
    requests
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar (Howard
/// Hinnant's algorithm), to check times without a date crate.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}
