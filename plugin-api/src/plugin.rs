use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Args, CommandDecl, Error, Host, Manifest, Output};

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
    /// This plugin's table in the active profile, without secrets: a secret is read through
    /// [`Host::secret`] (whose chain includes the profile).
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

/// One command, declared once: its declaration and its run live together (one file per
/// command). The SDK builds the manifest from the commands and dispatches by name.
pub trait Command<P>: Send + Sync {
    /// The declaration: name, help, effect, arguments.
    fn declare(&self) -> CommandDecl;
    /// Runs the command. `plugin` is the plugin's one instance (state shared between calls,
    /// such as a token cache).
    fn run(&self, plugin: &P, call: &Call<'_>) -> Result<Output, Error>;
}

/// What a plugin implements. One instance is created lazily per process and may be called
/// from several threads at once.
pub trait Plugin: Default + Send + Sync + 'static {
    /// The namespace of every command (`statuspage` gives `statuspage:create_incident`).
    const NAMESPACE: &'static str;
    /// The plugin's name, version, description, notes and capabilities. The commands from
    /// [`Plugin::commands`] are added to it.
    fn manifest(&self) -> Manifest;
    /// The plugin's commands.
    fn commands(&self) -> Vec<Box<dyn Command<Self>>> {
        Vec::new()
    }
    /// Runs one command. The default finds the command of that name in
    /// [`Plugin::commands`]. Never parses argv: the host did, from the manifest.
    fn run(&self, call: Call<'_>) -> Result<Output, Error> {
        let unknown = || Error::usage(format!("unknown command {}:{}", Self::NAMESPACE, call.command));
        let index = command_index(self, &call.command).ok_or_else(unknown)?;
        let commands = self.commands();
        commands.get(index).ok_or_else(unknown)?.run(self, &call)
    }
}

/// Where the command `name` is in [`Plugin::commands`]. The names are read from the
/// declarations once per process: a call does not build every declaration again.
fn command_index<P: Plugin>(plugin: &P, name: &str) -> Option<usize> {
    use std::any::TypeId;
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<TypeId, Vec<String>>>> = OnceLock::new();
    let mut all = NAMES.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let names = all
        .entry(TypeId::of::<P>())
        .or_insert_with(|| plugin.commands().iter().map(|c| c.declare().name).collect());
    names.iter().position(|n| n == name)
}

/// The complete manifest of a plugin: its own, its commands' declarations, the namespace
/// and the SDK version. What the host reads, and what the test kit checks.
pub fn full_manifest<P: Plugin>(plugin: &P) -> Manifest {
    let mut manifest = plugin.manifest();
    manifest.commands.extend(plugin.commands().iter().map(|c| c.declare()));
    manifest.namespace = P::NAMESPACE.into();
    manifest.api_version = crate::API_VERSION.into();
    manifest
}
