//! The embeddable host: build one with [`HostBuilder`], run argv through it, get an
//! [`Outcome`] back as data. The `statusctl` binary is a few lines on top of this.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::error::ErrorKind as ClapErrorKind;
use serde_json::{Map, Value};

use crate::builtins::{self, Builtin, Context};
use crate::cli::argv::Rewriter;
use crate::cli::globals::{self, GlobalOptions, Prescan};
use crate::cli::{self, Identity};
use crate::discovery::{self, SearchPathInputs};
use crate::error::HostError;
use crate::exit_code::ExitCode;
use crate::invoke::{self, PluginCall, Produced};
use crate::loader::Reserved;
use crate::output;
use crate::registry::{LoadOptions, Registry};
use crate::services::clock::Clock;
use crate::services::config::Profiles;
use crate::services::env::EnvView;
use crate::services::http::{HttpEngine, HttpSettings};
use crate::services::log;
use crate::services::redact::Redactor;
use crate::services::wait::Waiter;
use crate::settings::{self, Settings};

/// Configures a host: its name, where it looks for plugins, its own built-in commands.
pub struct HostBuilder {
    identity: Identity,
    env_prefix: String,
    plugin_dirs: Vec<PathBuf>,
    standard_dirs: bool,
    builtins: Vec<Builtin>,
    profiles: Profiles,
    current_dir: Option<PathBuf>,
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
            current_dir: None,
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
        self.current_dir = Some(dir.into());
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
    /// The result as data: the command's data, the dry-run plan, or the error object.
    pub data: Option<Value>,
    /// The error message, if the run failed (already printed on stderr).
    pub error: Option<String>,
}

impl Outcome {
    /// Writes stdout; a closed pipe is not an error (`statusctl … | head` exits 0).
    pub fn print(&self) -> ExitCode {
        let mut out = std::io::stdout().lock();
        match out.write_all(self.stdout.as_bytes()).and_then(|_| out.flush()) {
            // The reader went away (`| head`): not an error of ours, but the command's own
            // result still stands.
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => self.exit_code,
            Err(err) => {
                eprintln!("error: cannot write to stdout: {err}");
                ExitCode::Failed
            }
            Ok(()) => self.exit_code,
        }
    }
}

impl Host {
    pub fn builder(name: &str) -> HostBuilder {
        HostBuilder::new(name)
    }

    /// Runs one command line (argv[0] included).
    pub fn run<I, T>(&self, argv: I) -> Outcome
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let argv: Vec<String> = argv.into_iter().map(|a| a.into().to_string_lossy().into_owned()).collect();
        let scan = globals::prescan(&argv);
        let color = !scan.no_color
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::io::stderr().is_terminal();
        let redactor = Redactor::default();
        let _log = tracing::subscriber::set_default(log::subscriber(scan.verbosity, color, redactor.clone()));
        match self.run_inner(argv, &scan, color, &redactor) {
            Ok(outcome) => outcome,
            Err(err) => fail(&err, scan.json, color, &redactor),
        }
    }

    fn run_inner(
        &self,
        argv: Vec<String>,
        scan: &Prescan,
        color: bool,
        redactor: &Redactor,
    ) -> Result<Outcome, HostError> {
        let cfg = &self.config;
        let cwd = cfg
            .current_dir
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        // A broken `.env` matters only to commands that read the environment: `--help`,
        // `--version` and `plugins …` keep working in such a directory.
        let (env, env_error) = match EnvView::load(&cwd) {
            Ok(env) => (env, None),
            Err(err) => (EnvView::default(), Some(err)),
        };

        // Plugin locations come from the real environment only: a `.env` in whatever
        // directory the user stands in must not decide which code gets loaded.
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let user_dir = discovery::user_plugin_dir(
            &cfg.identity.name,
            std::env::var_os("XDG_DATA_HOME").map(PathBuf::from),
            home.clone(),
        );
        let config_path = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| home.map(|h| h.join(".config")))
            .map(|base| base.join(&cfg.identity.name).join("config.toml"));
        let inputs = SearchPathInputs {
            flag_dirs: scan.plugin_dirs.iter().chain(&cfg.plugin_dirs).cloned().collect(),
            path_var: std::env::var(format!("{}_PLUGIN_PATH", cfg.env_prefix)).ok(),
            user_dir: user_dir.clone(),
            exe: std::env::current_exe().ok(),
            standard_dirs: cfg.standard_dirs,
            name: cfg.identity.name.clone(),
        };
        let mut reserved_names: Vec<String> =
            cfg.builtins.iter().map(|b| b.command.get_name().to_string()).collect();
        reserved_names.extend(["help".to_string(), cfg.identity.name.clone()]);
        let reserved = Reserved { namespaces: &reserved_names };
        let (registry, warnings) = Registry::discover(
            discovery::search_path(&inputs),
            &LoadOptions {
                allow_insecure: scan.allow_insecure,
                reserved: Reserved { namespaces: &reserved_names },
            },
        );
        for warning in warnings {
            tracing::warn!("{}", warning.line);
            if let Some(detail) = warning.detail {
                tracing::trace!("{detail}");
            }
        }

        let builtin_commands = || cfg.builtins.iter().map(|b| b.command.clone()).collect::<Vec<_>>();
        let mut root = cli::root(&cfg.identity, builtin_commands(), &registry, color, false);
        let rewriter = Rewriter { manifests: registry.active().map(|(_, m)| m).collect() };
        let argv = rewriter.rewrite(argv);
        let matches = match root.try_get_matches_from_mut(&argv) {
            Ok(m) => m,
            Err(err) => return clap_outcome(err, &argv, &registry, &cfg.identity, &root),
        };
        let globals = GlobalOptions::from_matches(&matches);
        let (name, sub) = matches.subcommand().ok_or_else(|| HostError::Usage("no command given".into()))?;
        if let Some(err) = env_error
            && !matches!(name, "plugins" | "completions")
        {
            return Err(err);
        }

        if let Some(builtin) = cfg.builtins.iter().find(|b| b.command.get_name() == name) {
            let full_tree = || cli::root(&cfg.identity, builtin_commands(), &registry, color, true);
            let cx = Context {
                identity: &cfg.identity,
                globals: &globals,
                registry: &registry,
                env: &env,
                user_plugin_dir: user_dir.as_ref(),
                config_path: config_path.as_ref(),
                env_prefix: &cfg.env_prefix,
                builtin_profiles: &cfg.profiles,
                full_tree: &full_tree,
                reserved: &reserved,
            };
            let out = (builtin.handler)(sub, &cx)?;
            return finish(out.data.clone(), output::render(&out, globals.format), &globals);
        }

        let (namespace, command) =
            name.split_once(':').ok_or_else(|| HostError::Internal(format!("unroutable command {name}")))?;
        let (record, manifest) =
            registry.plugin(namespace).ok_or_else(|| HostError::Internal(format!("no plugin for {name}")))?;
        let decl = manifest
            .commands
            .iter()
            .find(|c| c.name == command)
            .ok_or_else(|| HostError::Internal(format!("no command {name}")))?;
        let module =
            record.module.ok_or_else(|| HostError::Internal(format!("plugin {namespace} has no module")))?;

        let Settings { config, profile } = settings::load(&settings::Sources {
            globals: &globals,
            env: &env,
            env_prefix: &cfg.env_prefix,
            default_path: config_path.as_ref(),
            builtin_profiles: &cfg.profiles,
            registry: &registry,
        })?;

        let mut ca_files: Vec<PathBuf> = globals.ca_file.iter().cloned().collect();
        ca_files.extend(env.get("SSL_CERT_FILE").filter(|s| !s.is_empty()).map(PathBuf::from));
        let scale = std::env::var("STATUSCTL_TIME_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
        let http = HttpEngine::new(
            HttpSettings {
                max_wait: globals.max_wait,
                ca_files,
                user_agent: format!("{}/{}", cfg.identity.name, cfg.identity.version),
            },
            Clock::new(scale),
            Waiter { visible: globals.verbosity >= 0 },
        );
        let produced = invoke::run(PluginCall {
            module,
            manifest,
            decl,
            matches: sub,
            globals: &globals,
            env: &env,
            config: &config,
            profile: profile.as_ref(),
            http: &http,
            redactor,
            host_name: &cfg.identity.name,
        })?;
        match produced {
            Produced::Output(out) => {
                // A plugin may print what the server echoed (an Authorization header, say):
                // known secrets are scrubbed from stdout as from every log line.
                let rendered = redactor.scrub(&output::render(&out, globals.format)).into_owned();
                finish(out.data.clone(), rendered, &globals)
            }
            Produced::Planned(planned) => {
                // The plan is the result of a dry run: it goes where --out-file says too.
                let (text, data) = invoke::render_plan(&planned, globals.format);
                finish(data, text, &globals)
            }
        }
    }
}

/// A successful result: to `--out-file` or stdout.
fn finish(data: Value, rendered: String, globals: &GlobalOptions) -> Result<Outcome, HostError> {
    let stdout = match &globals.out_file {
        Some(path) => {
            crate::fs_atomic::write(path, rendered.as_bytes(), 0o644).map_err(|e| HostError::io(path, e))?;
            String::new()
        }
        None => rendered,
    };
    Ok(Outcome { exit_code: ExitCode::Success, stdout, data: Some(data), error: None })
}

/// Prints the error (one line on stderr) and builds the outcome.
fn fail(err: &HostError, json: bool, color: bool, redactor: &Redactor) -> Outcome {
    let message = redactor.scrub(&err.to_string()).into_owned();
    let prefix = if color { "\x1b[1;31merror:\x1b[0m" } else { "error:" };
    eprintln!("{prefix} {message}");
    let data = output::error_json(err, &message);
    Outcome {
        exit_code: err.exit_code(),
        stdout: if json { output::json_text(&data) } else { String::new() },
        data: Some(data),
        error: Some(message),
    }
}

/// Help and version go to stdout; parse errors become one line, exit 2 — or exit 3 when
/// the unknown command belongs to a plugin that was found but could not be loaded.
fn clap_outcome(
    err: clap::Error,
    argv: &[String],
    registry: &Registry,
    identity: &Identity,
    root: &clap::Command,
) -> Result<Outcome, HostError> {
    match err.kind() {
        ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion => {
            let text = err.render().to_string();
            return Ok(Outcome { exit_code: ExitCode::Success, stdout: text, data: None, error: None });
        }
        ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", err.render());
            return Ok(Outcome {
                exit_code: ExitCode::Usage,
                stdout: String::new(),
                data: None,
                error: Some("no command given".into()),
            });
        }
        ClapErrorKind::InvalidSubcommand => {
            let unknown = argv.iter().skip(1).find(|a| !a.starts_with('-') && a.contains(':'));
            if let Some((ns, _)) = unknown.and_then(|a| a.split_once(':'))
                && registry.plugin(&ns.replace('-', "_")).is_none()
                && let Some(failed) = registry.failed(&ns.replace('-', "_"))
            {
                return Err(HostError::PluginUnavailable {
                    namespace: ns.to_string(),
                    path: failed.path.clone(),
                    reason: failed.reason.clone().unwrap_or_default(),
                });
            }
        }
        _ => {}
    }
    if err.kind() == ClapErrorKind::InvalidSubcommand {
        let unknown = unknown_command(argv, root).unwrap_or_default();
        let names: Vec<String> = root.get_subcommands().map(|c| c.get_name().to_string()).collect();
        let mut line = format!("unrecognized command '{unknown}' (");
        if let Some(best) = nearest(&unknown, &names) {
            // In the spelling the user typed: `ns:create-incident` gets a dashed suggestion.
            let best = match best.split_once(':') {
                Some((ns, cmd)) if unknown.contains('-') => format!("{ns}:{}", cmd.replace('_', "-")),
                _ => best.to_string(),
            };
            line.push_str(&format!("did you mean '{best}'? "));
        }
        line.push_str(&format!(
            "`{0} --help` lists the commands; `{0} plugins install FILE` adds a plugin)",
            identity.name
        ));
        return Err(HostError::Usage(line));
    }
    Err(HostError::Usage(one_line(&err.render().to_string())))
}

/// The first word of argv that is neither a flag, a global flag's value, nor a command.
fn unknown_command(argv: &[String], root: &clap::Command) -> Option<String> {
    let mut skip = false;
    for arg in argv.iter().skip(1) {
        if std::mem::take(&mut skip) {
            continue;
        }
        if arg.starts_with('-') {
            skip = globals::value_flags().iter().any(|f| f == arg.as_str());
            continue;
        }
        if root.find_subcommand(arg).is_none() {
            return Some(arg.clone());
        }
    }
    None
}

/// The command most like `typed` (clap's own suggestion lists every `ns:` command as
/// similar, since they share the namespace).
fn nearest<'a>(typed: &str, names: &'a [String]) -> Option<&'a str> {
    let typed = typed.replace('-', "_");
    names
        .iter()
        .map(|n| (strsim::jaro_winkler(&typed, n), n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n.as_str())
}

/// clap's multi-line error as one line: the message, the lines right under it (the
/// missing flags, the possible values) and its tips.
fn one_line(rendered: &str) -> String {
    let mut lines = rendered.lines().map(str::trim).skip_while(|l| l.is_empty());
    let mut first = lines.next().unwrap_or("invalid command line").trim_start_matches("error: ").to_string();
    let mut details = Vec::new();
    let mut tips = Vec::new();
    for line in lines.by_ref().take_while(|l| !l.is_empty()) {
        match line.strip_prefix("tip: ") {
            Some(tip) => tips.push(tip),
            None => details.push(line),
        }
    }
    tips.extend(lines.filter_map(|l| l.strip_prefix("tip: ")));
    if !details.is_empty() {
        first = format!("{first} {}", details.join(", "));
    }
    if tips.is_empty() { first } else { format!("{first} ({})", tips.join("; ")) }
}
