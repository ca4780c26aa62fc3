//! The config file and the active profile, loaded the same way for every command.

use std::path::PathBuf;

use crate::cli::globals::GlobalOptions;
use crate::error::HostError;
use crate::registry::Registry;
use crate::services::config::{ActiveProfile, Config, Profiles};
use crate::services::env::EnvView;

pub struct Settings {
    pub config: Config,
    pub profile: Option<ActiveProfile>,
}

pub struct Sources<'a> {
    pub globals: &'a GlobalOptions,
    pub env: &'a EnvView,
    /// `STATUSCTL` for `STATUSCTL_PROFILE`.
    pub env_prefix: &'a str,
    /// The config file when `--config` is not given.
    pub default_path: Option<&'a PathBuf>,
    pub builtin_profiles: &'a Profiles,
    pub registry: &'a Registry,
}

/// Reads the config file (`--config` or the default), warns when others can read the
/// secrets in it, and picks the profile: `--profile`, `<PREFIX>_PROFILE`, `default_profile`.
pub fn load(src: &Sources<'_>) -> Result<Settings, HostError> {
    let path = src.globals.config.clone().or_else(|| src.default_path.cloned());
    let config =
        Config::load(path, src.globals.config.is_some())?.with_builtin_profiles(src.builtin_profiles.clone());
    let secret_keys: Vec<String> = src
        .registry
        .active()
        .flat_map(|(_, m)| m.commands.iter().flat_map(|c| &c.args))
        .filter(|a| a.secret)
        .map(|a| a.id.clone())
        .collect();
    if let Some(warning) = config.readable_secrets_warning(&secret_keys) {
        tracing::warn!("{warning}");
    }
    if let Some(warning) = config.writable_by_others_warning() {
        tracing::warn!("{warning}");
    }
    let var = format!("{}_PROFILE", src.env_prefix);
    let from_env = src.env.get_with_source(&var).map(|(v, s)| (v, src.env.describe(&var, s)));
    let profile = config.active_profile(src.globals.profile.as_deref(), from_env)?;
    Ok(Settings { config, profile })
}
