//! One merged view of the environment: the real environment over `./.env`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::HostError;

/// Where a variable's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvSource {
    Process,
    DotEnv,
}

/// Where the host reads `.env` variables from.
#[derive(Debug, Clone)]
pub enum Dotenv {
    /// `.env` in the process's current directory, if there is one (the command line).
    CurrentDir,
    /// `<dir>/.env`, if there is one.
    In(PathBuf),
    /// Exactly this file, which must exist.
    File(PathBuf),
    /// No file at all.
    Off,
}

#[derive(Debug, Clone, Default)]
pub struct EnvView {
    /// None: read the process environment (tests and embedders may pass a fixed map).
    process: Option<HashMap<String, String>>,
    dotenv: HashMap<String, String>,
    dotenv_path: Option<PathBuf>,
}

impl EnvView {
    /// Reads `<dir>/.env` once if it exists (parent directories are not searched).
    pub fn load(dir: &Path) -> Result<Self, HostError> {
        let path = dir.join(".env");
        if !path.is_file() {
            return Ok(Self::default());
        }
        Self::load_file(&path)
    }

    /// Reads `path`, which must exist (a file named on purpose: `--env-file`).
    pub fn load_file(path: &Path) -> Result<Self, HostError> {
        if !path.is_file() {
            return Err(HostError::Config(format!(
                "{}: no such file (an env file named to be read)",
                path.display()
            )));
        }
        let path = path.to_path_buf();
        let mut dotenv = HashMap::new();
        let iter = dotenvy::from_path_iter(&path).map_err(|e| dotenv_error(&path, e))?;
        for item in iter {
            let (key, value) = item.map_err(|e| dotenv_error(&path, e))?;
            dotenv.insert(key, value);
        }
        Ok(Self { process: None, dotenv, dotenv_path: Some(path) })
    }

    /// A fixed environment (for tests and embedders).
    pub fn fixed(process: HashMap<String, String>, dotenv: HashMap<String, String>) -> Self {
        let dotenv_path = (!dotenv.is_empty()).then(|| PathBuf::from("./.env"));
        Self { process: Some(process), dotenv, dotenv_path }
    }

    /// The `.env` file that was read, if any.
    pub fn dotenv_path(&self) -> Option<&Path> {
        self.dotenv_path.as_deref()
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.get_with_source(name).map(|(v, _)| v)
    }

    /// The real environment's value only (never `./.env`).
    pub fn real(&self, name: &str) -> Option<String> {
        match &self.process {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    pub fn get_with_source(&self, name: &str) -> Option<(String, EnvSource)> {
        self.real(name)
            .map(|v| (v, EnvSource::Process))
            .or_else(|| self.dotenv.get(name).map(|v| (v.clone(), EnvSource::DotEnv)))
    }

    /// The `./.env` values in effect (those the real environment does not override).
    pub fn dotenv_values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.dotenv
            .iter()
            .filter(|(name, _)| self.real(name).is_none())
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// How to name where a value came from, for messages.
    pub fn describe(&self, name: &str, source: EnvSource) -> String {
        match (source, &self.dotenv_path) {
            (EnvSource::DotEnv, Some(path)) => format!("{name} in {}", path.display()),
            _ => format!("env {name}"),
        }
    }
}

fn dotenv_error(path: &Path, err: dotenvy::Error) -> HostError {
    let detail = match err {
        dotenvy::Error::LineParse(line, index) => format!("cannot parse `{line}` at character {index}"),
        other => other.to_string(),
    };
    HostError::Config(format!("{}: {detail}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_environment_wins_over_dotenv() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(".env"), "A=from-file\nB=\"quoted value\"\n# c\n").unwrap();
        let loaded = EnvView::load(tmp.path()).unwrap();
        let view = EnvView { process: Some(HashMap::from([("A".into(), "real".into())])), ..loaded };
        assert_eq!(view.get_with_source("A"), Some(("real".into(), EnvSource::Process)));
        assert_eq!(view.get_with_source("B"), Some(("quoted value".into(), EnvSource::DotEnv)));
        assert!(view.describe("B", EnvSource::DotEnv).ends_with(".env"));
        assert_eq!(view.get("C"), None);
    }

    #[test]
    fn a_broken_dotenv_is_one_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(".env"), "GOOD=1\nnot a line\n").unwrap();
        let err = EnvView::load(tmp.path()).unwrap_err().to_string();
        assert!(err.contains(".env") && err.contains("not a line"), "{err}");
    }
}
