//! The embeddable host: build one with [`HostBuilder`], then either run command lines
//! through it ([`Host::run`] gives an [`Outcome`] as data) or start a long-lived [`Engine`]
//! and call commands concurrently ([`Host::engine`]). The `statusctl` binary is a few
//! lines on top: it wires the terminal, Ctrl-C and the test seams; the library installs no
//! signal handler and writes nothing to stderr unless the front end asks it to.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::builtins::{self, Builtin};
use crate::cli::Identity;
use crate::cli::globals::{self, Prescan};
use crate::engine::{Engine, Parts};
use crate::error::HostError;
use crate::exit_code::ExitCode;
use crate::output;
use crate::registry::Registry;
use crate::services::clock::Clock;
use crate::services::config::{Config, Profiles};
use crate::services::env::Dotenv;
use crate::services::log::{self, LogTarget};
use crate::services::progress::CancellationToken;
use crate::services::redact::Redactor;
use crate::services::secrets::SecretStore;
use crate::stages::{self, CallStartHook, DiscoverInputs, Dispatch, Parsed, Surroundings};

/// Configures a host: its name, where it looks for plugins, its own built-in commands.
pub struct HostBuilder {
    identity: Identity,
    env_prefix: String,
    plugin_dirs: Vec<PathBuf>,
    standard_dirs: bool,
    builtins: Vec<Builtin>,
    profiles: Profiles,
    dotenv: Dotenv,
    stderr: bool,
    on_call_start: Option<CallStartHook>,
    time_scale: f64,
    test_keyring_file: Option<PathBuf>,
}

impl HostBuilder {
    /// A host called `name`; environment variables are `NAME_PLUGIN_PATH`, `NAME_PROFILE`.
    pub fn new(name: &str) -> Self {
        Self {
            identity: Identity {
                name: name.into(),
                version: env!("CARGO_PKG_VERSION").into(),
                about: String::new(),
            },
            env_prefix: name.to_ascii_uppercase().replace('-', "_"),
            plugin_dirs: Vec::new(),
            standard_dirs: true,
            builtins: builtins::standard(),
            profiles: BTreeMap::new(),
            dotenv: Dotenv::CurrentDir,
            stderr: false,
            on_call_start: None,
            time_scale: 1.0,
            test_keyring_file: None,
        }
    }
    pub fn version(mut self, version: &str) -> Self {
        self.identity.version = version.into();
        self
    }
    pub fn about(mut self, about: &str) -> Self {
        self.identity.about = about.into();
        self
    }
    /// A plugin directory searched after `--plugin-dir` and the path variable.
    pub fn plugin_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.plugin_dirs.push(dir.into());
        self
    }
    /// Whether to search the user, install-prefix and executable directories (default yes).
    pub fn standard_plugin_dirs(mut self, yes: bool) -> Self {
        self.standard_dirs = yes;
        self
    }
    /// Adds a built-in command. Built-ins always win over plugins.
    pub fn builtin(mut self, builtin: Builtin) -> Self {
        self.builtins.push(builtin);
        self
    }
    /// A profile available without a config file (the file's profile of the same name wins).
    pub fn profile(mut self, profile: &str, namespace: &str, settings: Map<String, Value>) -> Self {
        self.profiles.entry(profile.into()).or_default().insert(namespace.into(), settings);
        self
    }
    /// The directory whose `.env` is read (default: the process's current directory).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dotenv = Dotenv::In(dir.into());
        self
    }
    /// Reads variables from exactly this file (it must exist), or with `None` from no file
    /// at all: for servers, which are started in whatever directory and must not take a
    /// `./.env` they were not told about (`serve --env-file`, `mcp --env-file`).
    pub fn env_file(mut self, file: Option<PathBuf>) -> Self {
        self.dotenv = match file {
            Some(file) => Dotenv::File(file),
            None => Dotenv::Off,
        };
        self
    }
    /// A terminal front end: log lines and waits go to stderr as they happen (by default
    /// they are collected in [`Outcome::stderr`]).
    pub fn stderr(mut self, yes: bool) -> Self {
        self.stderr = yes;
        self
    }
    /// Runs `hook` when a command line starts a plugin call (see [`CallStartHook`]).
    pub fn on_call_start(mut self, hook: CallStartHook) -> Self {
        self.on_call_start = Some(hook);
        self
    }
    /// Scales every wait (backoff, `Retry-After`, pacing) by `scale`, for tests. Absurd
    /// values (zero, negative, not a number) mean 1.
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.time_scale = scale;
        self
    }
    /// Keeps keyring secrets in this JSON file instead of the OS keyring, for tests.
    pub fn test_keyring_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.test_keyring_file = Some(path.into());
        self
    }
    pub fn build(self) -> Host {
        Host { config: self }
    }
}

/// A configured host.
pub struct Host {
    config: HostBuilder,
}

/// The result of one run, without the process exiting.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub exit_code: ExitCode,
    /// What belongs on stdout (empty when `--out-file` took it).
    pub stdout: String,
    /// What belongs on stderr and was not written yet: the log lines (unless the host was
    /// built with [`HostBuilder::stderr`]) and the error line.
    pub stderr: String,
    /// The result as data: the command's data, the dry-run plan, or the error object.
    pub data: Option<Value>,
    /// The error message, if the run failed.
    pub error: Option<String>,
}

impl Outcome {
    /// Writes stderr, then stdout; a closed pipe is not an error (`statusctl … | head`
    /// keeps the command's own exit code).
    pub fn print(&self) -> ExitCode {
        let _ = std::io::stderr().lock().write_all(self.stderr.as_bytes());
        let mut out = std::io::stdout().lock();
        match out.write_all(self.stdout.as_bytes()).and_then(|_| out.flush()) {
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => self.exit_code,
            Err(err) => {
                let _ = writeln!(std::io::stderr(), "error: cannot write to stdout: {err}");
                ExitCode::Failed
            }
            Ok(()) => self.exit_code,
        }
    }
}

/// What a long-lived engine is started with (the command line's global options, as data).
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Searched first, as `--plugin-dir`.
    pub plugin_dirs: Vec<PathBuf>,
    pub allow_insecure_plugins: bool,
    /// The config file (default: `$XDG_CONFIG_HOME/<name>/config.toml`).
    pub config: Option<PathBuf>,
    /// Extra CA certificates (PEM), besides `SSL_CERT_FILE`.
    pub ca_files: Vec<PathBuf>,
}

impl Host {
    pub fn builder(name: &str) -> HostBuilder {
        HostBuilder::new(name)
    }

    fn store(&self) -> SecretStore {
        match &self.config.test_keyring_file {
            Some(path) => SecretStore::TestFile(path.clone()),
            None => SecretStore::Keyring,
        }
    }

    /// Stage 2 for this host: the given directories first, then the embedder's.
    fn discover(&self, surroundings: &Surroundings, first: &[PathBuf], allow_insecure: bool) -> Registry {
        let cfg = &self.config;
        let reserved = stages::reserved_names(&cfg.identity, &cfg.builtins);
        stages::discover(
            surroundings,
            &DiscoverInputs {
                name: &cfg.identity.name,
                env_prefix: &cfg.env_prefix,
                plugin_dirs: first.iter().chain(&cfg.plugin_dirs).cloned().collect(),
                standard_dirs: cfg.standard_dirs,
                allow_insecure,
                reserved: &reserved,
            },
        )
    }

    /// Loads the plugins once and returns an engine for many calls, concurrent ones
    /// included. Problems with single plugins are logged (they do not stop the engine).
    pub fn engine(&self, options: EngineOptions) -> Result<Engine, HostError> {
        let cfg = &self.config;
        let surroundings = stages::capture(&cfg.identity.name, &cfg.dotenv);
        if let Some(err) = surroundings.env_error {
            return Err(err);
        }
        let registry = self.discover(&surroundings, &options.plugin_dirs, options.allow_insecure_plugins);
        let path = options.config.clone().or(surroundings.config_path.clone());
        let config =
            Config::load(path, options.config.is_some())?.with_builtin_profiles(cfg.profiles.clone());
        let mut ca_files = options.ca_files;
        ca_files.extend(surroundings.env.real("SSL_CERT_FILE").filter(|s| !s.is_empty()).map(PathBuf::from));
        Ok(Engine::new(Parts {
            identity: cfg.identity.clone(),
            registry,
            env: surroundings.env,
            config,
            ca_files,
            clock: Clock::new(cfg.time_scale),
            redactor: Redactor::default(),
            store: self.store(),
        }))
    }

    /// Runs one command line (argv[0] included).
    pub fn run<I, T>(&self, argv: I) -> Outcome
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        self.run_cancellable(argv, CancellationToken::new())
    }

    /// Runs one command line; cancelling `cancel` stops the plugin call at its next request
    /// (or abandons the request in flight).
    pub fn run_cancellable<I, T>(&self, argv: I, cancel: CancellationToken) -> Outcome
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let (argv, undecodable) = decode_argv(argv.into_iter().map(Into::into).collect());
        let scan = globals::prescan(&argv);
        let color = self.config.stderr
            && !scan.no_color
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::io::stderr().is_terminal();
        let redactor = Redactor::default();
        let collected = Arc::new(Mutex::new(String::new()));
        let target =
            if self.config.stderr { LogTarget::Stderr } else { LogTarget::Buffer(collected.clone()) };
        let subscriber = log::subscriber(scan.verbosity, color, redactor.clone(), target);
        let mut outcome = tracing::subscriber::with_default(subscriber, || {
            if let Some(err) = undecodable {
                return fail(&err, scan.json, color, &redactor);
            }
            match self.run_stages(argv, &scan, color, &redactor, cancel) {
                Ok(outcome) => outcome,
                Err(err) => fail(&err, scan.json, color, &redactor),
            }
        });
        let logged = std::mem::take(&mut *collected.lock().unwrap_or_else(|e| e.into_inner()));
        outcome.stderr.insert_str(0, &logged);
        outcome
    }

    fn run_stages(
        &self,
        argv: Vec<String>,
        scan: &Prescan,
        color: bool,
        redactor: &Redactor,
        cancel: CancellationToken,
    ) -> Result<Outcome, HostError> {
        let cfg = &self.config;
        let surroundings = stages::capture(&cfg.identity.name, &cfg.dotenv);
        let registry = self.discover(&surroundings, &scan.plugin_dirs, scan.allow_insecure);
        let (name, matches, globals) =
            match stages::parse(&cfg.identity, &cfg.builtins, &registry, argv, color)? {
                Parsed::Text(text) => return Ok(success(text, None)),
                Parsed::Nothing(help) => {
                    return Ok(Outcome {
                        exit_code: ExitCode::Usage,
                        stdout: String::new(),
                        stderr: help,
                        data: None,
                        error: Some("no command given".into()),
                    });
                }
                Parsed::Command { name, matches, globals } => (name, matches, globals),
            };
        let finished = stages::dispatch(
            Dispatch {
                identity: &cfg.identity,
                env_prefix: &cfg.env_prefix,
                builtins: &cfg.builtins,
                builtin_profiles: &cfg.profiles,
                surroundings,
                registry,
                redactor,
                store: self.store(),
                time_scale: cfg.time_scale,
                color,
                show_progress: cfg.stderr,
                cancel,
                on_call_start: cfg.on_call_start.as_ref(),
            },
            &name,
            &matches,
            &globals,
        )?;
        let (stdout, data) = stages::deliver(finished, &globals)?;
        Ok(success(stdout, Some(data)))
    }
}

/// argv as text. An argument that is not valid UTF-8 is a usage error naming its position
/// (and the flag it belongs to), never silently replaced; its bytes are not shown (it may be
/// a secret). Argument 0, the program's name, may be anything.
fn decode_argv(raw: Vec<OsString>) -> (Vec<String>, Option<HostError>) {
    let mut argv = Vec::with_capacity(raw.len());
    let mut error = None;
    for (i, arg) in raw.into_iter().enumerate() {
        match arg.into_string() {
            Ok(text) => argv.push(text),
            Err(arg) => {
                let lossy = arg.to_string_lossy().into_owned();
                if i > 0 && error.is_none() {
                    let inline_flag = lossy
                        .split_once('=')
                        .map(|(f, _)| f)
                        .filter(|f| f.starts_with("--") && !f.contains(char::REPLACEMENT_CHARACTER));
                    let previous_flag = argv
                        .last()
                        .filter(|p: &&String| i > 1 && p.starts_with('-') && p.len() > 1 && !p.contains('='));
                    let whose = match (inline_flag, previous_flag) {
                        (Some(flag), _) => format!(" (the value of {flag})"),
                        (None, Some(flag)) => format!(" (after {flag})"),
                        (None, None) => String::new(),
                    };
                    error = Some(HostError::Usage(format!(
                        "argument {i}{whose} is not valid UTF-8 (arguments must be text)"
                    )));
                }
                argv.push(lossy);
            }
        }
    }
    (argv, error)
}

fn success(stdout: String, data: Option<Value>) -> Outcome {
    Outcome { exit_code: ExitCode::Success, stdout, stderr: String::new(), data, error: None }
}

/// The error line (for stderr) and the outcome.
fn fail(err: &HostError, json: bool, color: bool, redactor: &Redactor) -> Outcome {
    let message = redactor.scrub(&err.to_string()).into_owned();
    let prefix = if color { "\x1b[1;31merror:\x1b[0m" } else { "error:" };
    let data = output::error_json(err, &message);
    Outcome {
        exit_code: err.exit_code(),
        stdout: if json { output::json_text(&data) } else { String::new() },
        stderr: format!("{prefix} {}\n", output::one_line(&message)),
        data: Some(data),
        error: Some(message),
    }
}

#[cfg(all(test, unix))]
mod argv_tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn non_utf8_arguments_are_named_not_replaced() {
        let bad = || OsString::from_vec(b"ab\xffc".to_vec());
        let line = |args: Vec<OsString>| decode_argv(args).1.map(|e| e.to_string());
        assert_eq!(line(vec!["s".into(), "ns:cmd".into(), "--title".into(), "x".into()]), None);
        assert_eq!(
            line(vec!["s".into(), "ns:cmd".into(), "-t".into(), bad()]).as_deref(),
            Some("argument 3 (after -t) is not valid UTF-8 (arguments must be text)")
        );
        let mut inline = b"--title=".to_vec();
        inline.extend_from_slice(b"\xfe");
        assert_eq!(
            line(vec!["s".into(), "ns:cmd".into(), OsString::from_vec(inline)]).as_deref(),
            Some("argument 2 (the value of --title) is not valid UTF-8 (arguments must be text)")
        );
        assert_eq!(
            line(vec!["s".into(), bad()]).as_deref(),
            Some("argument 1 is not valid UTF-8 (arguments must be text)")
        );
        // The program's own name may be anything.
        assert_eq!(line(vec![bad(), "plugins".into()]), None);
    }
}
