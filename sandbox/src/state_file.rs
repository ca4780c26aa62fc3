//! Optional persistence of provider state: one JSON file holding a section per
//! provider, rewritten atomically (temporary file + rename) after each change,
//! so that a restarted sandbox carries on where the last one stopped.
//!
//! Layout: `{"format": "statusctl-sandbox-state/1", "saved_at": "<rfc3339>",
//! "providers": {"statuspage": {...}}}`. `saved_at` is the sandbox clock at
//! the last save; a sandbox loading the file moves its clock forward to it,
//! so virtual time never runs backwards across a restart.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::format_rfc3339_millis;
use crate::error::SandboxError;

const FORMAT: &str = "statusctl-sandbox-state/1";

#[derive(Serialize, Deserialize, Debug)]
struct Document {
    format: String,
    #[serde(default)]
    saved_at: Option<String>,
    #[serde(default)]
    providers: Map<String, Value>,
}

impl Default for Document {
    fn default() -> Self {
        Self { format: FORMAT.to_owned(), saved_at: None, providers: Map::new() }
    }
}

/// A state file shared by the providers that persist into it.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    document: Mutex<Document>,
}

impl StateFile {
    /// Reads the file if it exists; a missing file is an empty state.
    /// Temporary files a killed sandbox left next to it are removed first.
    pub(crate) fn open(path: &Path) -> Result<Self, SandboxError> {
        remove_stale_temporaries(path);
        let invalid = |reason: String| SandboxError::StateFile { path: path.to_owned(), reason };
        let document = match fs::read(path) {
            Ok(bytes) => {
                let document: Document =
                    serde_json::from_slice(&bytes).map_err(|error| invalid(error.to_string()))?;
                if document.format != FORMAT {
                    return Err(invalid(format!(
                        "unknown format {:?} (expected {FORMAT:?})",
                        document.format
                    )));
                }
                document
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Document::default(),
            Err(error) => return Err(invalid(error.to_string())),
        };
        Ok(Self { path: path.to_owned(), document: Mutex::new(document) })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The sandbox clock when the file was last saved.
    pub(crate) fn saved_at(&self) -> Option<SystemTime> {
        let document = self.document.lock().unwrap_or_else(PoisonError::into_inner);
        let timestamp: jiff::Timestamp = document.saved_at.as_deref()?.parse().ok()?;
        SystemTime::try_from(timestamp).ok()
    }

    /// The saved state of one provider.
    pub(crate) fn section(&self, provider: &str) -> Option<Value> {
        let document = self.document.lock().unwrap_or_else(PoisonError::into_inner);
        document.providers.get(provider).cloned()
    }

    /// Replaces one provider's section and rewrites the whole file
    /// atomically: readers see the old file or the new one, never a part.
    pub(crate) fn save(&self, provider: &str, state: Value, now: SystemTime) -> io::Result<()> {
        let mut document = self.document.lock().unwrap_or_else(PoisonError::into_inner);
        document.providers.insert(provider.to_owned(), state);
        document.saved_at = Some(format_rfc3339_millis(now));
        let bytes = serde_json::to_vec_pretty(&*document).map_err(io::Error::other)?;
        write_atomically(&self.path, &bytes)
    }

    /// One provider's saved state as its own type, if the file has it.
    pub(crate) fn load_section<T: DeserializeOwned>(
        &self,
        provider: &str,
    ) -> Result<Option<T>, SandboxError> {
        let Some(section) = self.section(provider) else {
            return Ok(None);
        };
        serde_json::from_value(section).map(Some).map_err(|error| SandboxError::StateFile {
            path: self.path.clone(),
            reason: format!("the {provider} state does not fit this version of the sandbox: {error}"),
        })
    }

    /// [`save`](Self::save) for a provider's own state type.
    pub(crate) fn save_section<T: Serialize>(
        &self,
        provider: &str,
        state: &T,
        now: SystemTime,
    ) -> io::Result<()> {
        let section = serde_json::to_value(state).map_err(io::Error::other)?;
        self.save(provider, section, now)
    }
}

/// Asserts that `state` saved as `provider`'s section of a fresh state file
/// loads back equal (and that the file had no such section before).
#[cfg(test)]
pub(crate) fn assert_section_round_trips<T>(provider: &str, state: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state.json");
    let file = StateFile::open(&path).expect("empty state");
    assert_eq!(file.load_section::<T>(provider).expect("no section yet"), None);
    file.save_section(provider, state, SystemTime::now()).expect("saved");
    let again = StateFile::open(&path).expect("readable");
    assert_eq!(again.load_section::<T>(provider).expect("loads").as_ref(), Some(state));
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `.NAME.PID.tmp`: where the process PID writes the new state before
/// renaming it over `NAME`.
fn temporary_path(path: &Path, pid: u32) -> PathBuf {
    parent_dir(path).join(format!(".{}.{pid}.tmp", file_name(path)))
}

/// The process id in a temporary file name of `path`'s, if `entry` is one.
fn temporary_pid(path: &Path, entry: &str) -> Option<u32> {
    let name = file_name(path);
    let pid =
        entry.strip_prefix('.')?.strip_prefix(name.as_str())?.strip_prefix('.')?.strip_suffix(".tmp")?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether the process that named a temporary file may still be writing it:
/// this process, or a live one where `/proc` tells; without `/proc`, a file
/// changed in the last minute.
fn may_be_in_use(pid: u32, temporary: &Path) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if Path::new("/proc/self").exists() {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    fs::symlink_metadata(temporary)
        .and_then(|metadata| metadata.modified())
        .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age.as_secs() < 60))
}

/// Removes the temporary files of `path` that processes killed while saving
/// left behind. Best effort: a file that cannot be removed stays.
fn remove_stale_temporaries(path: &Path) {
    let Ok(entries) = fs::read_dir(parent_dir(path)) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|entry| temporary_pid(path, entry)) else {
            continue;
        };
        let temporary = entry.path();
        if may_be_in_use(pid, &temporary) {
            continue;
        }
        match fs::remove_file(&temporary) {
            Ok(()) => tracing::info!(path = %temporary.display(), "removed a stale sandbox state file"),
            Err(error) => {
                tracing::warn!(path = %temporary.display(), %error, "cannot remove a stale sandbox state file");
            }
        }
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    fs::create_dir_all(parent_dir(path))?;
    let temporary = temporary_path(path, std::process::id());
    let written = (|| {
        // Never through a link or into a file someone else left: a leftover
        // of this process id can only be a dead process's.
        let _ = fs::remove_file(&temporary);
        let mut file = fs::OpenOptions::new().write(true).create_new(true).open(&temporary)?;
        file.write_all(bytes)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;

    #[test]
    fn saves_sections_and_reads_them_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nested/state.json");
        let file = StateFile::open(&path).expect("a missing file is an empty state");
        assert_eq!(file.section("statuspage"), None);
        assert_eq!(file.saved_at(), None);

        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        file.save("statuspage", json!({"a": 1}), now).expect("saved");
        file.save("other", json!([2]), now).expect("saved");

        let again = StateFile::open(&path).expect("readable");
        assert_eq!(again.section("statuspage"), Some(json!({"a": 1})));
        assert_eq!(again.section("other"), Some(json!([2])));
        assert_eq!(again.saved_at(), Some(now));
        let leftovers: Vec<_> = fs::read_dir(path.parent().expect("parent"))
            .expect("list")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers, ["state.json"]);
    }

    #[test]
    fn typed_sections_round_trip_and_name_the_provider_when_they_do_not_fit() {
        assert_section_round_trips("statuspage", &vec![1, 2, 3]);
        let dir = tempfile::tempdir().expect("temp dir");
        let file = StateFile::open(&dir.path().join("state.json")).expect("empty state");
        file.save("statuspage", json!({"a": 1}), SystemTime::UNIX_EPOCH).expect("saved");
        let error = file.load_section::<Vec<u32>>("statuspage").expect_err("an object is not a list");
        assert!(
            error.to_string().contains("the statuspage state does not fit this version of the sandbox"),
            "{error}"
        );
    }

    #[test]
    fn removes_the_temporary_files_of_dead_processes_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        let stale = temporary_path(&path, u32::MAX - 1);
        fs::write(&stale, "{half a sta").expect("write");
        let mine = temporary_path(&path, std::process::id());
        fs::write(&mine, "in use").expect("write");
        let others = [".other.json.1.tmp", ".state.json.x.tmp", "state.json.1.tmp", ".state.json.1"];
        for other in others {
            fs::write(dir.path().join(other), "not ours").expect("write");
        }
        assert_eq!(temporary_pid(&path, ".state.json.42.tmp"), Some(42));
        assert_eq!(temporary_pid(&path, ".state.json..tmp"), None);

        StateFile::open(&path).expect("a missing file is an empty state");
        assert!(!stale.exists(), "a dead process's temporary file stays");
        assert!(mine.exists(), "this process's own temporary file is gone");
        for other in others {
            assert!(dir.path().join(other).exists(), "{other} is gone");
        }
    }

    #[test]
    fn refuses_files_it_did_not_write() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        fs::write(&path, "{not json").expect("write");
        assert!(matches!(StateFile::open(&path), Err(SandboxError::StateFile { .. })));
        fs::write(&path, r#"{"format": "something-else"}"#).expect("write");
        let error = StateFile::open(&path).expect_err("unknown format");
        assert!(error.to_string().contains("something-else"), "{error}");
    }
}
