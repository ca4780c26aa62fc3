//! Built-in commands. Each file holds one command: its clap declaration and its run.

mod completions;
mod config_show;
mod plugins_info;
mod plugins_install;
mod plugins_list;
mod plugins_remove;
mod secrets;

use std::path::PathBuf;

use clap::{ArgMatches, Command};
use statusctl_plugin_api::Output;

use crate::cli::Identity;
use crate::cli::globals::GlobalOptions;
use crate::error::HostError;
use crate::registry::Registry;
use crate::services::env::EnvView;

/// What a built-in command may use.
pub struct Context<'a> {
    pub identity: &'a Identity,
    pub globals: &'a GlobalOptions,
    pub registry: &'a Registry,
    pub env: &'a EnvView,
    /// Where keyring secrets live (the OS keyring, or the test store the binary wires).
    pub store: &'a crate::services::secrets::SecretStore,
    pub user_plugin_dir: Option<&'a PathBuf>,
    pub config_path: Option<&'a PathBuf>,
    /// The environment variable prefix (`STATUSCTL`).
    pub env_prefix: &'a str,
    pub builtin_profiles: &'a crate::services::config::Profiles,
    /// The complete command tree (for completion scripts).
    pub full_tree: &'a dyn Fn() -> Command,
    pub reserved: &'a crate::loader::Reserved<'a>,
}

impl Context<'_> {
    /// The namespaces of the plugins that loaded, in search-path order.
    pub fn registry_namespaces(&self) -> Vec<String> {
        self.registry.active().map(|(_, m)| m.namespace.clone()).collect()
    }

    /// Why the library that seems to serve `namespace` could not be used, if one was found.
    pub fn plugin_failure(&self, namespace: &str) -> Option<(PathBuf, String)> {
        self.registry.failed(namespace).map(|r| (r.path.clone(), r.reason.clone().unwrap_or_default()))
    }

    /// The config file and the active profile.
    pub fn settings(&self) -> Result<crate::settings::Settings, HostError> {
        crate::settings::load(&crate::settings::Sources {
            globals: self.globals,
            env: self.env,
            env_prefix: self.env_prefix,
            default_path: self.config_path,
            builtin_profiles: self.builtin_profiles,
            registry: self.registry,
        })
    }

    /// The plugin directories searched, in order.
    pub fn search_path(&self) -> Vec<PathBuf> {
        self.registry.search_path.iter().map(|d| d.path.clone()).collect()
    }

    /// The output format the user asked for.
    pub fn json_output(&self) -> bool {
        self.globals.format == crate::cli::globals::Format::Json
    }
}

/// A built-in's handler. Embedders add their own through `HostBuilder::builtin`.
pub type Handler = Box<dyn Fn(&ArgMatches, &Context<'_>) -> Result<Output, HostError> + Send + Sync>;

/// A built-in command: its clap declaration and its handler.
pub struct Builtin {
    pub command: Command,
    pub handler: Handler,
}

impl Builtin {
    pub fn new(
        command: Command,
        handler: impl Fn(&ArgMatches, &Context<'_>) -> Result<Output, HostError> + Send + Sync + 'static,
    ) -> Self {
        Self { command, handler: Box::new(handler) }
    }
}

/// The host's own built-ins.
pub fn standard() -> Vec<Builtin> {
    let plugins = Command::new("plugins")
        .about("List, inspect, install and remove plugins")
        .subcommand_required(true)
        .subcommand(plugins_list::command())
        .subcommand(plugins_info::command())
        .subcommand(plugins_install::command())
        .subcommand(plugins_remove::command());
    let config = Command::new("config")
        .about("Show the effective configuration")
        .subcommand_required(true)
        .subcommand(config_show::command());
    vec![
        Builtin::new(plugins, |m, cx| match m.subcommand() {
            Some(("list", m)) => plugins_list::run(m, cx),
            Some(("info", m)) => plugins_info::run(m, cx),
            Some(("install", m)) => plugins_install::run(m, cx),
            Some(("remove", m)) => plugins_remove::run(m, cx),
            _ => Err(HostError::Usage("missing plugins subcommand".into())),
        }),
        Builtin::new(config, |m, cx| match m.subcommand() {
            Some(("show", m)) => config_show::run(m, cx),
            _ => Err(HostError::Usage("missing config subcommand".into())),
        }),
        Builtin::new(secrets::command(), secrets::run),
        Builtin::new(completions::command(), completions::run),
    ]
}
