//! One command line, in named stages: capture the surroundings, discover the plugins, parse
//! argv against the tree they make, dispatch to a built-in or to the engine. Each stage
//! takes what the one before produced, so each can be run and tested alone.

use std::path::PathBuf;

use clap::ArgMatches;
use serde_json::Value;

use crate::builtins::{Builtin, Context};
use crate::cli::argv::Rewriter;
use crate::cli::globals::{Format, GlobalOptions};
use crate::cli::{self, Identity};
use crate::discovery::{self, SearchPathInputs};
use crate::engine::{Engine, InvokeOptions, Invoked, Parts};
use crate::error::HostError;
use crate::loader::Reserved;
use crate::output;
use crate::registry::{LoadOptions, Registry};
use crate::services::clock::Clock;
use crate::services::config::Profiles;
use crate::services::env::{Dotenv, EnvSource, EnvView};
use crate::services::progress::CancellationToken;
use crate::services::redact::Redactor;
use crate::services::secrets::SecretStore;
use crate::services::trust::DotenvChoice;
use crate::services::wait;

/// Stage 1: what a run reads from its surroundings, once.
pub struct Surroundings {
    pub env: EnvView,
    /// A broken `./.env` matters only to commands that read the environment: `--help`,
    /// `--version` and `plugins …` keep working in such a directory.
    pub env_error: Option<HostError>,
    pub user_plugin_dir: Option<PathBuf>,
    pub config_path: Option<PathBuf>,
}

/// Captures the surroundings. Locations come from the real environment only: a `./.env`
/// in whatever directory the user stands in must not decide which code is loaded or which
/// config file is read.
pub fn capture(name: &str, dotenv: &Dotenv) -> Surroundings {
    let loaded = match dotenv {
        Dotenv::CurrentDir => EnvView::load(&std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))),
        Dotenv::In(dir) => EnvView::load(dir),
        Dotenv::File(file) => EnvView::load_file(file),
        Dotenv::Off => Ok(EnvView::default()),
    };
    let (env, env_error) = match loaded {
        Ok(env) => (env, None),
        Err(err) => (EnvView::default(), Some(err)),
    };
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let user_plugin_dir =
        discovery::user_plugin_dir(name, std::env::var_os("XDG_DATA_HOME").map(PathBuf::from), home.clone());
    let config_path = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home.map(|h| h.join(".config")))
        .map(|base| base.join(name).join("config.toml"));
    Surroundings { env, env_error, user_plugin_dir, config_path }
}

/// What discovery needs besides the surroundings.
pub struct DiscoverInputs<'a> {
    pub name: &'a str,
    pub env_prefix: &'a str,
    /// `--plugin-dir` values, then the embedder's directories.
    pub plugin_dirs: Vec<PathBuf>,
    pub standard_dirs: bool,
    pub allow_insecure: bool,
    /// Built-in command names: no plugin may take them as its namespace.
    pub reserved: &'a [String],
}

/// Stage 2: finds and loads every plugin on the search path, logging what went wrong.
pub fn discover(surroundings: &Surroundings, inputs: &DiscoverInputs<'_>) -> Registry {
    let search = SearchPathInputs {
        flag_dirs: inputs.plugin_dirs.clone(),
        path_var: std::env::var(format!("{}_PLUGIN_PATH", inputs.env_prefix)).ok(),
        user_dir: surroundings.user_plugin_dir.clone(),
        exe: std::env::current_exe().ok(),
        standard_dirs: inputs.standard_dirs,
        name: inputs.name.to_string(),
    };
    let options = LoadOptions {
        allow_insecure: inputs.allow_insecure,
        reserved: Reserved { namespaces: inputs.reserved },
    };
    let (registry, warnings) = Registry::discover(discovery::search_path(&search), &options);
    for warning in warnings {
        tracing::warn!("{}", warning.line);
        if let Some(detail) = warning.detail {
            tracing::trace!("{detail}");
        }
    }
    registry
}

/// What parsing found.
pub enum Parsed {
    /// Help or version text: the run is over.
    Text(String),
    /// The command line asked for nothing (clap's help on stderr, exit 2).
    Nothing(String),
    /// A command, with the global options.
    Command { name: String, matches: Box<ArgMatches>, globals: GlobalOptions },
}

/// Stage 3: parses argv against the tree of built-ins and plugin commands.
pub fn parse(
    identity: &Identity,
    builtins: &[Builtin],
    registry: &Registry,
    argv: Vec<String>,
    color: bool,
) -> Result<Parsed, HostError> {
    let commands = builtins.iter().map(|b| b.command.clone()).collect();
    let rewriter = Rewriter { manifests: registry.active().map(|(_, m)| m).collect() };
    let argv = rewriter.rewrite(argv);
    let mut root = cli::root(identity, commands, registry, color, cli::Tree::For(&argv));
    let matches = match root.try_get_matches_from_mut(&argv) {
        Ok(m) => m,
        Err(err) => return cli::errors::clap_outcome(err, &argv, registry, identity, &root),
    };
    let globals = GlobalOptions::from_matches(&matches);
    let (name, sub) = matches.subcommand().ok_or_else(|| HostError::Usage("no command given".into()))?;
    Ok(Parsed::Command { name: name.to_string(), matches: Box::new(sub.clone()), globals })
}

/// Called when a command line starts a plugin call, with the runtime it runs on and the
/// call's cancellation token (the binary maps Ctrl-C to it here).
pub type CallStartHook = Box<dyn Fn(&tokio::runtime::Handle, &CancellationToken) + Send + Sync>;

/// What dispatching needs.
pub struct Dispatch<'a> {
    pub identity: &'a Identity,
    pub env_prefix: &'a str,
    pub builtins: &'a [Builtin],
    pub builtin_profiles: &'a Profiles,
    pub surroundings: Surroundings,
    pub registry: Registry,
    pub redactor: &'a Redactor,
    pub store: SecretStore,
    pub time_scale: f64,
    pub color: bool,
    /// Show waits (spinner or log line) while a plugin command runs.
    pub show_progress: bool,
    pub cancel: CancellationToken,
    pub on_call_start: Option<&'a CallStartHook>,
}

/// A successful result: its data and its rendering.
pub struct Finished {
    pub data: Value,
    pub rendered: String,
}

/// Stage 4: runs the parsed command: a built-in, or a plugin command through an engine.
pub fn dispatch(
    d: Dispatch<'_>,
    name: &str,
    matches: &ArgMatches,
    globals: &GlobalOptions,
) -> Result<Finished, HostError> {
    if let Some(err) = &d.surroundings.env_error
        // serve and mcp read no ./.env unless --env-file names one.
        && !matches!(name, "plugins" | "completions" | "serve" | "mcp")
    {
        return Err(HostError::Config(err.to_string()));
    }
    let reserved = reserved_names(d.identity, d.builtins);
    if let Some(builtin) = d.builtins.iter().find(|b| b.command.get_name() == name) {
        let full_tree = || {
            let commands = d.builtins.iter().map(|b| b.command.clone()).collect();
            cli::root(d.identity, commands, &d.registry, d.color, cli::Tree::Complete)
        };
        let reserved = Reserved { namespaces: &reserved };
        let cx = Context {
            identity: d.identity,
            globals,
            registry: &d.registry,
            env: &d.surroundings.env,
            store: &d.store,
            user_plugin_dir: d.surroundings.user_plugin_dir.as_ref(),
            config_path: d.surroundings.config_path.as_ref(),
            env_prefix: d.env_prefix,
            builtin_profiles: d.builtin_profiles,
            full_tree: &full_tree,
            reserved: &reserved,
        };
        let out = (builtin.handler)(matches, &cx)?;
        return Ok(Finished { data: out.data.clone(), rendered: output::render(&out, globals.format) });
    }

    let (namespace, command) =
        name.split_once(':').ok_or_else(|| HostError::Internal(format!("unroutable command {name}")))?;
    let decl = d
        .registry
        .plugin(namespace)
        .and_then(|(_, m)| m.find(command))
        .cloned()
        .ok_or_else(|| HostError::Internal(format!("no command {name}")))?;
    let crate::settings::Settings { config, profile } = crate::settings::load(&crate::settings::Sources {
        globals,
        env: &d.surroundings.env,
        env_prefix: d.env_prefix,
        default_path: d.surroundings.config_path.as_ref(),
        builtin_profiles: d.builtin_profiles,
        registry: &d.registry,
    })?;
    // Only what the command line gave: the engine completes it from the environment, the
    // profile and the defaults (the one resolution function).
    let given = cli::resolve::given(&decl, matches);
    let mut ca_files: Vec<PathBuf> = globals.ca_file.iter().cloned().collect();
    ca_files.extend(d.surroundings.env.get("SSL_CERT_FILE").filter(|s| !s.is_empty()).map(PathBuf::from));
    // What `./.env` chose before the call (the profile, a CA to trust): allowed only with a
    // credential from the same file.
    let mut dotenv_choices = Vec::new();
    let profile_var = format!("{}_PROFILE", d.env_prefix);
    for (var, applies) in [(profile_var.as_str(), globals.profile.is_none()), ("SSL_CERT_FILE", true)] {
        if let (true, Some((_, EnvSource::DotEnv)), Some(file)) =
            (applies, d.surroundings.env.get_with_source(var), d.surroundings.env.dotenv_path())
        {
            dotenv_choices.push(DotenvChoice { var: var.to_string(), file: file.to_path_buf() });
        }
    }
    let engine = Engine::new(Parts {
        identity: d.identity.clone(),
        registry: d.registry,
        env: d.surroundings.env,
        config,
        ca_files,
        clock: Clock::new(d.time_scale),
        redactor: d.redactor.clone(),
        store: d.store,
    });
    let options = InvokeOptions {
        cancel: d.cancel.clone(),
        dry_run: globals.dry_run,
        profile: profile.map(|p| p.name),
        progress: d.show_progress.then(|| wait::terminal_progress(globals.verbosity >= 0)),
        format: match globals.format {
            Format::Json => "json".into(),
            Format::Text => "text".into(),
        },
        verbosity: globals.verbosity,
        max_wait: globals.max_wait,
        deadline: None,
        allow_http: globals.allow_http,
        dotenv_choices,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| HostError::Internal(format!("cannot start the async runtime: {e}")))?;
    if let Some(hook) = d.on_call_start {
        hook(runtime.handle(), &d.cancel);
    }
    let invoked = runtime.block_on(engine.invoke(name, given, options))?;
    Ok(match invoked {
        Invoked::Output(out) => {
            // A plugin may print what the server echoed (an Authorization header, say):
            // known secrets are scrubbed from stdout as from every log line.
            let rendered = d.redactor.scrub(&output::render(&out, globals.format)).into_owned();
            Finished { data: out.data, rendered }
        }
        Invoked::Planned(planned) => {
            // The plan is the result of a dry run: it goes where --out-file says too.
            let (rendered, data) = crate::invoke::render_plan(&planned, globals.format);
            Finished { data, rendered }
        }
    })
}

/// Names no plugin may take as its namespace: the built-ins, `help`, the program's name.
pub fn reserved_names(identity: &Identity, builtins: &[Builtin]) -> Vec<String> {
    let mut names: Vec<String> = builtins.iter().map(|b| b.command.get_name().to_string()).collect();
    names.extend(["help".to_string(), identity.name.clone()]);
    names
}

/// The exit code and output of a finished run, for `--out-file` or stdout.
pub fn deliver(finished: Finished, globals: &GlobalOptions) -> Result<(String, Value), HostError> {
    let stdout = match &globals.out_file {
        Some(path) => {
            crate::fs_atomic::write(path, finished.rendered.as_bytes(), 0o644)
                .map_err(|e| HostError::io(path, e))?;
            String::new()
        }
        None => finished.rendered,
    };
    Ok((stdout, finished.data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_reads_dotenv_but_never_takes_locations_from_it() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(".env"), "XDG_CONFIG_HOME=/attacker\nA=1\n").unwrap();
        let got = capture("statusctl", &Dotenv::In(tmp.path().to_path_buf()));
        assert!(got.env_error.is_none());
        assert_eq!(got.env.get("A").as_deref(), Some("1"));
        assert!(!got.config_path.unwrap_or_default().starts_with("/attacker"));
        std::fs::write(tmp.path().join(".env"), "not a line\n").unwrap();
        assert!(capture("statusctl", &Dotenv::In(tmp.path().to_path_buf())).env_error.is_some());
    }

    #[test]
    fn an_env_file_is_read_as_named_and_off_reads_none() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("serve.env");
        std::fs::write(&file, "A=named\n").unwrap();
        std::fs::write(tmp.path().join(".env"), "A=dot\n").unwrap();
        let got = capture("statusctl", &Dotenv::File(file.clone()));
        assert_eq!(got.env.get("A").as_deref(), Some("named"));
        assert_eq!(got.env.dotenv_path(), Some(file.as_path()));
        assert_eq!(capture("statusctl", &Dotenv::Off).env.get("A"), None);
        let missing = capture("statusctl", &Dotenv::File(tmp.path().join("nope.env")));
        assert!(missing.env_error.is_some_and(|e| e.to_string().contains("nope.env")));
    }

    #[test]
    fn parse_gives_help_text_or_a_command_with_its_globals() {
        let identity = Identity { name: "t".into(), version: "1".into(), about: String::new() };
        let builtins = crate::builtins::standard();
        let registry = Registry::default();
        let argv = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert!(matches!(
            parse(&identity, &builtins, &registry, argv("t --version"), false),
            Ok(Parsed::Text(_))
        ));
        match parse(&identity, &builtins, &registry, argv("t -f json plugins list"), false) {
            Ok(Parsed::Command { name, globals, .. }) => {
                assert_eq!((name.as_str(), globals.format), ("plugins", Format::Json));
            }
            _ => panic!("a command"),
        }
        assert!(parse(&identity, &builtins, &registry, argv("t nope:cmd"), false).is_err());
    }
}
