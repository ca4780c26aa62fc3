use std::path::PathBuf;

use statusctl_plugin_api::{Error as PluginError, ErrorKind};

use crate::exit_code::ExitCode;

/// Everything that can end a run of the host unsuccessfully.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// Bad command line; the text is clap's (or ours, in its style).
    #[error("{0}")]
    Usage(String),
    #[error("plugin `{namespace}` ({path}) could not be loaded: {reason}")]
    PluginUnavailable { namespace: String, path: PathBuf, reason: String },
    #[error("{0}")]
    Plugin(PluginError),
    #[error("{0}")]
    Config(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Failed(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl HostError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            HostError::Usage(_) => ExitCode::Usage,
            HostError::PluginUnavailable { .. } => ExitCode::PluginUnavailable,
            HostError::Plugin(err) => ExitCode::for_kind(err.kind),
            HostError::Config(_) => ExitCode::Config,
            HostError::Io { .. } | HostError::Failed(_) => ExitCode::Failed,
            HostError::Internal(_) => ExitCode::Internal,
        }
    }

    /// A stable word for `-f json` error objects.
    pub fn kind(&self) -> &'static str {
        match self {
            HostError::Usage(_) => "usage",
            HostError::PluginUnavailable { .. } => "plugin_unavailable",
            HostError::Plugin(err) => match err.kind {
                ErrorKind::Failed | ErrorKind::Other => "failed",
                ErrorKind::Usage => "usage",
                ErrorKind::Config => "config",
                ErrorKind::Unavailable => "unavailable",
                ErrorKind::OutcomeUnknown => "outcome_unknown",
                ErrorKind::DryRun => "dry_run",
                ErrorKind::Internal => "internal",
                ErrorKind::Interrupted => "interrupted",
            },
            HostError::Config(_) => "config",
            HostError::Io { .. } | HostError::Failed(_) => "failed",
            HostError::Internal(_) => "internal",
        }
    }

    pub fn http_status(&self) -> Option<u16> {
        match self {
            HostError::Plugin(err) => err.http_status,
            _ => None,
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        HostError::Io { path: path.into(), source }
    }
}
