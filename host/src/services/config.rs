//! The config file: named profiles holding per-namespace defaults.
//!
//! ```toml
//! default_profile = "prod"
//! [profiles.prod.statuspage]
//! page = "abc123def456"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::HostError;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, BTreeMap<String, toml::Table>>,
}

/// Profiles the host provides without a file: profile → namespace → settings.
pub type Profiles = BTreeMap<String, BTreeMap<String, Map<String, Value>>>;

/// The loaded file (or its absence).
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub exists: bool,
    file: ConfigFile,
    /// Profiles the host provides without a file (e.g. `sandbox`); the file's win.
    builtin: Profiles,
}

/// The profile in use and where its name came from.
#[derive(Debug, Clone)]
pub struct ActiveProfile {
    pub name: String,
    pub source: String,
}

impl Config {
    /// Reads `path`. A missing file is fine unless the user named it.
    pub fn load(path: Option<PathBuf>, named_by_user: bool) -> Result<Self, HostError> {
        let Some(path) = path else { return Ok(Self::default()) };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !named_by_user => {
                return Ok(Self { path: Some(path), ..Self::default() });
            }
            Err(err) => {
                return Err(HostError::Config(format!("cannot read config file {}: {err}", path.display())));
            }
        };
        let file = toml::from_str::<ConfigFile>(&text).map_err(|err| parse_error(&path, &text, &err))?;
        Ok(Self { path: Some(path), exists: true, file, builtin: BTreeMap::new() })
    }

    pub fn with_builtin_profiles(mut self, builtin: Profiles) -> Self {
        self.builtin = builtin;
        self
    }

    pub fn default_profile(&self) -> Option<&str> {
        self.file.default_profile.as_deref()
    }

    pub fn profile_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.file.profiles.keys().chain(self.builtin.keys()).cloned().collect();
        names.sort();
        names.dedup();
        names
    }

    /// Settings of `namespace` in `profile` (file over built-in), as JSON.
    pub fn settings(&self, profile: &str, namespace: &str) -> Map<String, Value> {
        let mut out = self.builtin.get(profile).and_then(|p| p.get(namespace)).cloned().unwrap_or_default();
        if let Some(table) = self.file.profiles.get(profile).and_then(|p| p.get(namespace)) {
            for (key, value) in table {
                out.insert(key.clone(), toml_to_json(value));
            }
        }
        out
    }

    pub fn has_profile(&self, name: &str) -> bool {
        self.file.profiles.contains_key(name) || self.builtin.contains_key(name)
    }

    /// Picks the profile: `--profile`, then the profile variable, then `default_profile`.
    pub fn active_profile(
        &self,
        flag: Option<&str>,
        env: Option<(String, String)>,
    ) -> Result<Option<ActiveProfile>, HostError> {
        let chosen = flag
            .map(|n| ActiveProfile { name: n.to_owned(), source: "--profile".into() })
            .or_else(|| env.map(|(name, source)| ActiveProfile { name, source }))
            .or_else(|| {
                self.default_profile().map(|n| ActiveProfile {
                    name: n.to_owned(),
                    source: format!("default_profile in {}", self.path_text()),
                })
            });
        match chosen {
            Some(p) if !self.has_profile(&p.name) => Err(HostError::Config(format!(
                "profile `{}` (from {}) is not defined in {}; defined: {}",
                p.name,
                p.source,
                self.path_text(),
                list_or_none(&self.profile_names())
            ))),
            other => Ok(other),
        }
    }

    pub fn path_text(&self) -> String {
        self.path.as_ref().map_or_else(|| "(no config file)".into(), |p| p.display().to_string())
    }

    /// Whether others may read the file while it holds something that looks secret.
    pub fn readable_secrets_warning(&self, secret_keys: &[String]) -> Option<String> {
        let path = self.path.as_ref().filter(|_| self.exists)?;
        if !others_can_read(path) {
            return None;
        }
        let holds_secret =
            self.file.profiles.values().flat_map(|p| p.values()).flat_map(|t| t.keys()).any(|k| {
                secret_keys.contains(k)
                    || ["token", "secret", "password"].iter().any(|w| k.to_lowercase().contains(w))
            });
        holds_secret.then(|| {
            format!("config file {} holds secrets and others can read it (chmod 600 it)", path.display())
        })
    }
}

impl Config {
    /// Whether others may change the file, or the directory holding it (the file decides
    /// where tokens go).
    pub fn writable_by_others_warning(&self) -> Option<String> {
        let path = self.path.as_ref().filter(|_| self.exists)?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let writable =
            others_can_write(path).then_some(path.as_path()).or_else(|| dir.filter(|d| others_can_write(d)));
        writable.map(|what| {
            format!(
                "config file {}: others can change {} (it decides where credentials go; chmod go-w it)",
                path.display(),
                if what == path.as_path() {
                    "it".to_string()
                } else {
                    format!("its directory {}", what.display())
                }
            )
        })
    }
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

#[cfg(unix)]
fn others_can_read(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).map(|m| m.permissions().mode() & 0o044 != 0).unwrap_or(false)
}

#[cfg(not(unix))]
fn others_can_read(_path: &Path) -> bool {
    false
}

/// World-writable, or owned by another user (root's files are trusted). Group write is not
/// counted: with one private group per user (Debian's default) it is the user's own. A
/// directory with the sticky bit (like /tmp) still counts: a config file has no business there.
#[cfg(unix)]
fn others_can_write(path: &Path) -> bool {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(meta) = std::fs::metadata(path) else { return false };
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    meta.permissions().mode() & 0o002 != 0 || (meta.uid() != me && meta.uid() != 0)
}

#[cfg(not(unix))]
fn others_can_write(_path: &Path) -> bool {
    false
}

/// One line: file, line, column and what is wrong.
fn parse_error(path: &Path, text: &str, err: &toml::de::Error) -> HostError {
    let message = err.message().trim_end_matches('\n').replace('\n', "; ");
    match err.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            HostError::Config(format!("{}:{line}:{column}: invalid config: {message}", path.display()))
        }
        None => HostError::Config(format!("{}: invalid config: {message}", path.display())),
    }
}

fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(t.iter().map(|(k, v)| (k.clone(), toml_to_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn profiles_and_precedence() {
        let (_d, path) = write(
            "default_profile = \"prod\"\n[profiles.prod.statuspage]\npage = \"p1\"\nlimit = 3\n[profiles.dev.statuspage]\npage = \"p2\"\n",
        );
        let config = Config::load(Some(path), true).unwrap();
        let active = config.active_profile(None, None).unwrap().unwrap();
        assert_eq!(active.name, "prod");
        assert_eq!(config.settings("prod", "statuspage")["limit"], 3);
        let env = Some(("dev".to_string(), "env STATUSCTL_PROFILE".to_string()));
        assert_eq!(config.active_profile(None, env.clone()).unwrap().unwrap().name, "dev");
        assert_eq!(config.active_profile(Some("prod"), env).unwrap().unwrap().source, "--profile");
        let err = config.active_profile(Some("nope"), None).unwrap_err().to_string();
        assert!(err.contains("`nope`") && err.contains("dev, prod"), "{err}");
    }

    #[test]
    fn bad_toml_gives_line_and_column_on_one_line() {
        let (_d, path) = write("[profiles.prod.statuspage]\npage = \"p1\"\nlimit = = 3\n");
        let err = Config::load(Some(path), true).unwrap_err().to_string();
        assert!(err.contains("config.toml:3:9:"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }

    #[test]
    fn a_missing_file_is_fine_unless_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.toml");
        assert!(!Config::load(Some(path.clone()), false).unwrap().exists);
        assert!(Config::load(Some(path), true).is_err());
    }
}
