//! The stable plugin interface of statusctl, in two layers.
//!
//! * [`abi`] — the tiny surface that crosses the dynamic-library boundary: one root module
//!   with two entry points and one host-services trait object. Everything else travels
//!   as JSON text, so the types below can grow without breaking plugins already built.
//! * The SDK — typed declarations ([`Manifest`], [`CommandDecl`], [`ArgDecl`]), the typed
//!   call a command receives ([`Invocation`], [`Host`]), what it returns ([`Output`],
//!   [`Error`]), and [`export_plugin!`] which turns a [`Plugin`] into a loadable cdylib.
//!
//! A plugin in a few lines:
//!
//! ```ignore
//! use statusctl_plugin_api::prelude::*;
//!
//! #[derive(Default)]
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     const NAMESPACE: &'static str = "hello";
//!     fn manifest(&self) -> Manifest {
//!         Manifest::new("hello", env!("CARGO_PKG_VERSION"), "Says hello")
//!             .command(CommandDecl::new("greet", "Greets someone").arg(ArgDecl::value("name")))
//!     }
//!     fn run(&self, call: Call<'_>) -> Result<Output, Error> {
//!         let name = call.args.str("name").unwrap_or("world");
//!         Ok(Output::text(format!("hello, {name}\n")))
//!     }
//! }
//! export_plugin!(Hello);
//! ```

pub mod abi;
pub mod apply;
mod args;
mod error;
mod export;
mod host;
mod http;
mod manifest;
mod output;
mod plugin;
pub mod render;
mod resend;
pub mod resolve;
mod secret;
pub mod services;
#[cfg(feature = "testing")]
pub mod testing;

pub use args::Args;
pub use error::{Error, ErrorKind};
pub use host::{Host, LogLevel};
pub use http::{
    HttpRequest, HttpResponse, RateLimit, RetryPolicy, encode, excerpt, provider_message, url_path,
};
pub use manifest::{
    ArgDecl, ArgKind, CommandDecl, Effect, EnvVarDecl, HOST_COMMANDS, HOST_FLAGS, Manifest, ValueType,
    validate_name,
};
pub use output::Output;
pub use plugin::{Call, Command, Invocation, Plugin, full_manifest};
pub use resend::{Lookup, outcome_unknown, resend_unless_found};
pub use secret::{SecretRequest, SecretValue};

/// The plugin-api version, as abi_stable compares it when a plugin is loaded.
pub const API_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Re-exported so `export_plugin!` works in crates that do not name these dependencies.
#[doc(hidden)]
pub mod __private {
    pub use crate::export::{guard, invoke, manifest_json, panic_message, root_module_result};
    pub use abi_stable;
    pub use serde_json;
}

/// The JSON crate of the SDK's types, so plugins need no dependency of their own.
pub use serde_json;

/// Everything a plugin author usually needs.
pub mod prelude {
    pub use crate::serde_json;
    pub use crate::{
        ArgDecl, ArgKind, Args, Call, Command, CommandDecl, Effect, EnvVarDecl, Error, ErrorKind, Host,
        HttpRequest, HttpResponse, Invocation, LogLevel, Lookup, Manifest, Output, Plugin, RateLimit,
        RetryPolicy, SecretRequest, SecretValue, ValueType, export_plugin, outcome_unknown,
        resend_unless_found,
    };
}
