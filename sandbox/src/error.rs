//! Errors raised while starting a sandbox.

use std::io;
use std::path::PathBuf;

#[derive(thiserror::Error, Debug)]
pub enum SandboxError {
    #[error("cannot listen on 127.0.0.1")]
    Bind(#[source] io::Error),
    #[error("provider `{0}` is mounted twice")]
    DuplicateProvider(String),
    #[error("cannot create the sandbox's tokio runtime")]
    Runtime(#[source] io::Error),
    #[error("cannot spawn the sandbox thread")]
    Thread(#[source] io::Error),
    #[error("the sandbox thread stopped before it was listening")]
    ThreadExited,
    #[error("cannot use the state file {}: {reason}", path.display())]
    StateFile { path: PathBuf, reason: String },
}
