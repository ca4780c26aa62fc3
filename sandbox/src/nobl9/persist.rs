//! The emulator's section of the state file (see `crate::state_file`).

use std::io;
use std::time::SystemTime;

use super::PROVIDER;
use super::model::Store;
use crate::error::SandboxError;
use crate::state_file::StateFile;

/// The saved store, if the file has one.
pub(crate) fn load(file: &StateFile) -> Result<Option<Store>, SandboxError> {
    let Some(section) = file.section(PROVIDER) else {
        return Ok(None);
    };
    serde_json::from_value(section).map(Some).map_err(|error| SandboxError::StateFile {
        path: file.path().to_owned(),
        reason: format!("the {PROVIDER} state does not fit this version of the sandbox: {error}"),
    })
}

pub(crate) fn save(file: &StateFile, store: &Store, now: SystemTime) -> io::Result<()> {
    let section = serde_json::to_value(store).map_err(io::Error::other)?;
    file.save(PROVIDER, section, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nobl9::seed;

    #[test]
    fn a_saved_store_loads_back_equal() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        let file = StateFile::open(&path).expect("empty state");
        assert_eq!(load(&file).expect("no section yet"), None);
        save(&file, &seed::store(), SystemTime::now()).expect("saved");
        let again = StateFile::open(&path).expect("readable");
        assert_eq!(load(&again).expect("loads"), Some(seed::store()));
    }
}
