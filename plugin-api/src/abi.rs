//! The ABI layer: the only `#[repr(C)]` types that cross the library boundary.
//!
//! Kept deliberately tiny (see `docs/writing-a-plugin.md`): adding a field to anything here
//! breaks every built plugin, while the JSON payloads can grow freely.
#![allow(non_local_definitions)] // emitted by `#[sabi_trait]` on recent compilers; harmless

use abi_stable::{
    StableAbi, declare_root_module_statics,
    library::RootModule,
    package_version_strings, sabi_trait,
    sabi_types::VersionStrings,
    std_types::{RResult, RStr, RString},
};

/// An error crossing the boundary: a numeric kind, a message, and the full SDK error as
/// JSON (empty when the error did not come from the SDK, e.g. a panic).
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct AbiError {
    pub kind: u32,
    pub message: RString,
    pub detail_json: RString,
}

/// Services the host lends to a plugin. One generic entry point: `service` names what is
/// asked for (`http`, `secret`, `env`, `log`), `request` is its JSON payload.
#[sabi_trait]
pub trait HostServices {
    fn call(&self, service: RStr<'_>, request: RStr<'_>) -> RResult<RString, AbiError>;
}

/// The host-services object as a plugin receives it: borrowed for one call.
pub type HostRef<'a> = HostServices_TO<'a, abi_stable::sabi_types::RRef<'a, ()>>;

/// The root module every plugin exports.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = PluginModRef)))]
#[sabi(missing_field(panic))]
pub struct PluginMod {
    /// The plugin's manifest, as JSON.
    pub manifest: extern "C" fn() -> RResult<RString, AbiError>,
    /// Runs one command: `invocation` is JSON, the answer is the JSON of an `Output`.
    #[sabi(last_prefix_field)]
    pub invoke: extern "C" fn(invocation: RStr<'_>, host: HostRef<'_>) -> RResult<RString, AbiError>,
}

impl RootModule for PluginModRef {
    declare_root_module_statics! {PluginModRef}
    const BASE_NAME: &'static str = "statusctl_plugin";
    const NAME: &'static str = "statusctl_plugin";
    const VERSION_STRINGS: VersionStrings = package_version_strings!();
}

/// A plain C symbol every plugin also exports, readable even when the abi_stable checks
/// fail, so the host can name the namespace of a plugin it could not load.
pub const NAMESPACE_SYMBOL: &[u8] = b"statusctl_plugin_namespace\0";
