use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of failure a command met. The host maps each kind to one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The provider refused the request, or the command found the input wrong after parsing.
    Failed,
    /// Bad input detected before anything was sent.
    Usage,
    /// Missing credentials or configuration, or the provider answered 401/403.
    Config,
    /// The service could not be reached or stayed unavailable after retries.
    Unavailable,
    /// A non-idempotent request was sent but no answer came back: it may have been applied.
    OutcomeUnknown,
    /// `--dry-run` stopped the command before a request that changes something.
    DryRun,
    /// A bug: a panic or a broken contract between host and plugin.
    Internal,
    /// The user pressed Ctrl-C.
    Interrupted,
    /// Any kind this SDK version does not know (sent by a newer host or plugin).
    #[serde(other)]
    Other,
}

impl ErrorKind {
    pub(crate) fn code(self) -> u32 {
        self as u32
    }

    /// What an HTTP status means: 401/403 → `Config` (check the credential), 420/429 and
    /// 5xx → `Unavailable` (try later), anything else not 2xx → `Failed`.
    pub fn for_status(status: u16) -> Self {
        match status {
            401 | 403 => ErrorKind::Config,
            420 | 429 | 500..=599 => ErrorKind::Unavailable,
            _ => ErrorKind::Failed,
        }
    }
}

/// An error returned by a command or a host service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// An identifier of the request whose outcome is unknown, when one exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// How long the provider asked to be left alone (`Retry-After`, or the wait the host's
    /// pacing or retry budget refused), in whole seconds: a front end that answers others
    /// (`statusctl serve`) passes it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), http_status: None, request_id: None, retry_after_secs: None }
    }
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failed, message)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
    pub fn with_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }
    /// Names how long to wait before trying again (rounded up to whole seconds).
    pub fn with_retry_after(mut self, wait: std::time::Duration) -> Self {
        self.retry_after_secs = Some(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        self
    }
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    pub fn to_abi(&self) -> crate::abi::AbiError {
        crate::abi::AbiError {
            kind: self.kind.code(),
            message: self.message.as_str().into(),
            detail_json: serde_json::to_string(self).unwrap_or_default().into(),
        }
    }

    /// Rebuilds an error received over the ABI.
    pub fn from_abi(err: &crate::abi::AbiError) -> Self {
        serde_json::from_str(&err.detail_json).unwrap_or_else(|_| {
            let kind = match err.kind {
                0 => ErrorKind::Failed,
                1 => ErrorKind::Usage,
                2 => ErrorKind::Config,
                3 => ErrorKind::Unavailable,
                4 => ErrorKind::OutcomeUnknown,
                5 => ErrorKind::DryRun,
                6 => ErrorKind::Internal,
                7 => ErrorKind::Interrupted,
                _ => ErrorKind::Other,
            };
            Error::new(kind, err.message.as_str())
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Error::failed(format!("invalid JSON: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_the_abi() {
        for kind in [
            ErrorKind::Failed,
            ErrorKind::Usage,
            ErrorKind::Config,
            ErrorKind::Unavailable,
            ErrorKind::OutcomeUnknown,
            ErrorKind::DryRun,
            ErrorKind::Internal,
            ErrorKind::Interrupted,
        ] {
            let err = Error::new(kind, "m").with_status(503);
            assert_eq!(Error::from_abi(&err.to_abi()), err);
            let bare =
                crate::abi::AbiError { kind: kind.code(), message: "m".into(), detail_json: "".into() };
            assert_eq!(Error::from_abi(&bare).kind, kind);
        }
    }

    #[test]
    fn unknown_kinds_from_newer_peers_are_tolerated() {
        let err: Error = serde_json::from_str(r#"{"kind":"brand_new","message":"x"}"#).unwrap();
        assert_eq!(err.kind, ErrorKind::Other);
    }
}
