use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Args, Error, Host, Manifest, Output};

/// Everything the host tells a command about the call, besides its services.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// The command's declared name (`create_incident`), without the namespace.
    pub command: String,
    pub args: Args,
    /// `text` or `json`.
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub dry_run: bool,
    /// -1 for `-q`, 0 by default, 1 for `-v`, 2 for `-vv`.
    #[serde(default)]
    pub verbosity: i8,
    /// The active config profile, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// This plugin's table in the active profile (secrets included: handle with care).
    #[serde(default)]
    pub settings: Map<String, Value>,
    /// The name of the program that runs the plugin (`statusctl`, or an embedding tool).
    #[serde(default)]
    pub host_name: String,
}

/// One command call: the invocation and the host's services.
pub struct Call<'a> {
    pub invocation: Invocation,
    pub host: Host<'a>,
}

impl std::ops::Deref for Call<'_> {
    type Target = Invocation;
    fn deref(&self) -> &Invocation {
        &self.invocation
    }
}

/// What a plugin implements. One instance is created lazily per process.
pub trait Plugin: Default + Send + Sync + 'static {
    /// The namespace of every command (`statuspage` gives `statuspage:create_incident`).
    const NAMESPACE: &'static str;
    /// The commands and their arguments, as data.
    fn manifest(&self) -> Manifest;
    /// Runs one command. Never parses argv: the host did, from the manifest.
    fn run(&self, call: Call<'_>) -> Result<Output, Error>;
}
