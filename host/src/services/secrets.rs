//! Secret lookup along a chain (argument, environment, profile, OS keyring) and the
//! keyring store behind `statusctl secrets`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where keyring secrets live: the OS keyring, or a plain JSON file that the test suite
/// selects with `STATUSCTL_TEST_KEYRING_FILE` (never meant for real secrets).
#[derive(Debug, Clone)]
pub enum SecretStore {
    Keyring,
    TestFile(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("keyring: {0}")]
    Keyring(String),
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    /// The store said yes but the secret is not where a later lookup finds it.
    #[error("{0}")]
    NotKept(String),
}

#[cfg(target_os = "linux")]
const REFUSED: &str = "the kernel keyring (keyutils) refused to store it: there is no session keyring this \
                       process may write to (usual in containers, CI jobs and services)";
#[cfg(not(target_os = "linux"))]
const REFUSED: &str = "the keyring refused to store it";

impl SecretStore {
    /// The real environment only: a `.env` in whatever directory the user stands in must
    /// not move secrets out of the keyring into a file.
    pub fn from_process_env() -> Self {
        match std::env::var("STATUSCTL_TEST_KEYRING_FILE") {
            Ok(path) if !path.is_empty() => SecretStore::TestFile(path.into()),
            _ => SecretStore::Keyring,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            SecretStore::Keyring => "the OS keyring".into(),
            SecretStore::TestFile(path) => format!("the test keyring file {}", path.display()),
        }
    }

    pub fn get(&self, service: &str, user: &str) -> Result<Option<String>, StoreError> {
        match self {
            SecretStore::Keyring => match entry(service, user)?.get_password() {
                Ok(secret) => Ok(Some(secret)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(err) => Err(StoreError::Keyring(err.to_string())),
            },
            SecretStore::TestFile(path) => Ok(read_file(path)?.remove(&key(service, user))),
        }
    }

    pub fn set(&self, service: &str, user: &str, secret: &str) -> Result<(), StoreError> {
        match self {
            // Without a session keyring of its own, keyutils creates one for this process,
            // fails to store, yet leaves the key in the user keyring where nobody finds it:
            // store nothing at all then.
            SecretStore::Keyring if !has_session_keyring() => Err(StoreError::Keyring(REFUSED.into())),
            SecretStore::Keyring => entry(service, user)?.set_password(secret).map_err(|err| match err {
                // keyutils reports a refused `add_key` (EACCES: no usable session keyring,
                // as in most containers, CI jobs and services) as "no entry".
                keyring::Error::NoEntry => StoreError::Keyring(REFUSED.into()),
                err => StoreError::Keyring(err.to_string()),
            }),
            SecretStore::TestFile(path) => {
                let mut all = read_file(path)?;
                all.insert(key(service, user), secret.to_owned());
                write_file(path, &all)
            }
        }
    }

    /// Stores a secret, then reads it back through this same store (same service and user),
    /// as `secrets check`, `secrets delete` and the plugins will: `Ok` only if they will find
    /// it. On failure, a copy this call left behind is taken back, so nothing is stored (an
    /// older secret under the same name is kept when the store never took the new one).
    pub fn set_verified(&self, service: &str, user: &str, secret: &str) -> Result<(), StoreError> {
        let outcome = self.set(service, user, secret).and_then(|()| match self.get(service, user) {
            Ok(Some(found)) if found == secret => Ok(()),
            Ok(Some(_)) => Err(StoreError::NotKept("reading it back gave another value".into())),
            Ok(None) => Err(StoreError::NotKept("it was accepted but could not be read back".into())),
            Err(err) => {
                Err(StoreError::NotKept(format!("it was accepted but reading it back failed: {err}")))
            }
        });
        if outcome.is_err() && matches!(self.get(service, user), Ok(Some(found)) if found == secret) {
            let _ = self.delete(service, user);
        }
        outcome
    }

    /// Returns whether there was something to delete.
    pub fn delete(&self, service: &str, user: &str) -> Result<bool, StoreError> {
        match self {
            SecretStore::Keyring => match entry(service, user)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(err) => Err(StoreError::Keyring(err.to_string())),
            },
            SecretStore::TestFile(path) => {
                let mut all = read_file(path)?;
                let existed = all.remove(&key(service, user)).is_some();
                write_file(path, &all)?;
                Ok(existed)
            }
        }
    }
}

/// Whether the process has a session keyring of its own (inherited from a login session or
/// `keyctl session`; containers, CI jobs and services usually have none). Without one the
/// kernel answers for the session keyring with the user-session keyring.
#[cfg(target_os = "linux")]
fn has_session_keyring() -> bool {
    const KEYCTL_GET_KEYRING_ID: libc::c_long = 0;
    const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;
    const KEY_SPEC_USER_SESSION_KEYRING: libc::c_long = -5;
    // SAFETY: keyctl(GET_KEYRING_ID, id, create = 0) reads nothing from our memory.
    let id = |ring: libc::c_long| unsafe {
        libc::syscall(libc::SYS_keyctl, KEYCTL_GET_KEYRING_ID, ring, 0 as libc::c_long)
    };
    let session = id(KEY_SPEC_SESSION_KEYRING);
    session > 0 && session != id(KEY_SPEC_USER_SESSION_KEYRING)
}

#[cfg(not(target_os = "linux"))]
fn has_session_keyring() -> bool {
    true
}

fn entry(service: &str, user: &str) -> Result<keyring::Entry, StoreError> {
    keyring::Entry::new(service, user).map_err(|e| StoreError::Keyring(e.to_string()))
}

fn key(service: &str, user: &str) -> String {
    format!("{service}/{user}")
}

fn read_file(path: &Path) -> Result<BTreeMap<String, String>, StoreError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::File { path: path.to_path_buf(), message: e.to_string() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(StoreError::File { path: path.to_path_buf(), message: e.to_string() }),
    }
}

fn write_file(path: &Path, all: &BTreeMap<String, String>) -> Result<(), StoreError> {
    let text = serde_json::to_string_pretty(all).unwrap_or_default();
    crate::fs_atomic::write(path, text.as_bytes(), 0o600)
        .map_err(|e| StoreError::File { path: path.to_path_buf(), message: e.to_string() })
}

#[cfg(test)]
mod store_tests {
    use super::*;

    #[test]
    fn set_verified_keeps_the_secret_or_stores_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SecretStore::TestFile(tmp.path().join("k.json"));
        store.set_verified("svc", "me", "s3cret").unwrap();
        assert_eq!(store.get("svc", "me").unwrap().as_deref(), Some("s3cret"));
        // A file where its directory should be: refused whoever runs the test, root included.
        let blocker = tmp.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let broken = SecretStore::TestFile(blocker.join("k.json"));
        assert!(matches!(broken.set_verified("svc", "me", "s3cret"), Err(StoreError::File { .. })));
        assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "x");
    }
}
