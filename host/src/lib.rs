//! statusctl's host: discovers provider plugins (cdylibs), checks their ABI, builds the
//! command line from their manifests, and lends them HTTP, secrets, config and logging.
//!
//! Embed it in another tool:
//!
//! ```no_run
//! let host = statusctl_host::Host::builder("mytool").about("My status tool").build();
//! let outcome = host.run(["mytool", "plugins", "list", "-f", "json"]);
//! println!("exit {}: {}", outcome.exit_code.code(), outcome.stdout);
//! ```

mod builtins;
mod cli;
mod discovery;
mod engine;
mod error;
mod exit_code;
mod fs_atomic;
mod host;
mod invoke;
mod loader;
mod output;
mod registry;
mod security;
mod services;
mod settings;
mod stages;

pub use builtins::{Builtin, Context, Handler};
/// clap, as the host uses it (for embedders' built-in commands).
pub use clap;
pub use engine::{Engine, InvokeOptions, Invoked};
pub use error::HostError;
pub use exit_code::ExitCode;
pub use host::{EngineOptions, Host, HostBuilder, Outcome};
pub use services::dry_run::PlannedRequest;
/// A dry run's plan as `--dry-run` shows it: JSON (`-f json`) and text.
pub use services::dry_run::{render_json as plan_json, render_text as plan_text};
pub use services::progress::{CancellationToken, Progress, ProgressSink};
pub use stages::CallStartHook;
pub use statusctl_plugin_api::Output;
/// tokio, as the host uses it (engines are driven from tokio runtimes).
pub use tokio;
