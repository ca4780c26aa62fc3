//! The one table of exit codes. Shell and CI wrappers rely on it: change it never.

use statusctl_plugin_api::ErrorKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Success (also `--dry-run`, and a broken pipe on stdout).
    Success = 0,
    /// The command failed: the provider refused it, or the plugin found the input wrong.
    Failed = 1,
    /// Usage error: unknown command or flag, bad value. Nothing was sent.
    Usage = 2,
    /// The plugin could not be loaded or is incompatible.
    PluginUnavailable = 3,
    /// Authentication or configuration problem (no credentials, 401/403, bad config file).
    Config = 4,
    /// The service could not be reached, stayed unavailable after retries, or the outcome
    /// of a change is unknown.
    Unavailable = 5,
    /// Internal error: a plugin panicked or broke the host contract.
    Internal = 70,
    /// Interrupted (Ctrl-C).
    Interrupted = 130,
}

impl ExitCode {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The exit code for a plugin-reported error kind.
    pub fn for_kind(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Failed => Self::Failed,
            ErrorKind::Usage => Self::Usage,
            ErrorKind::Config => Self::Config,
            ErrorKind::Unavailable | ErrorKind::OutcomeUnknown => Self::Unavailable,
            ErrorKind::DryRun => Self::Success,
            ErrorKind::Internal => Self::Internal,
            ErrorKind::Interrupted => Self::Interrupted,
            ErrorKind::Other => Self::Failed,
        }
    }

    /// Every code with its meaning, as the README documents them.
    pub const TABLE: [(ExitCode, &'static str); 8] = [
        (Self::Success, "success"),
        (Self::Failed, "the command failed (the provider refused it, validation inside the plugin)"),
        (Self::Usage, "usage error (unknown command or flag, bad value); nothing was sent"),
        (Self::PluginUnavailable, "the plugin could not be loaded or is incompatible"),
        (Self::Config, "authentication or configuration problem (no credentials, 401/403)"),
        (
            Self::Unavailable,
            "the service could not be reached, stayed unavailable, or the outcome is unknown",
        ),
        (Self::Internal, "internal error (a plugin panicked)"),
        (Self::Interrupted, "interrupted"),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_stable() {
        let codes: Vec<u8> = ExitCode::TABLE.iter().map(|(c, _)| c.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 70, 130]);
        assert_eq!(ExitCode::for_kind(ErrorKind::OutcomeUnknown), ExitCode::Unavailable);
        assert_eq!(ExitCode::for_kind(ErrorKind::DryRun), ExitCode::Success);
    }
}
