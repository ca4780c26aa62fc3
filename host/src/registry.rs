//! Every library found on the search path, with its status, and the namespaces they serve.

use std::path::{Path, PathBuf};

use serde::Serialize;
use statusctl_plugin_api::{Manifest, abi::PluginModRef};

use crate::discovery::{self, SearchDir};
use crate::loader::{self, Reserved};
use crate::security::{self, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Incompatible,
    Invalid,
    Duplicate,
    /// Loadable, but a plugin from `--plugin-dir` serves its namespace: the named directory
    /// wins quietly (a note at `-v`).
    Shadowed,
    Insecure,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Incompatible => "incompatible",
            Status::Invalid => "invalid",
            Status::Duplicate => "duplicate",
            Status::Shadowed => "shadowed",
            Status::Insecure => "insecure",
        }
    }
}

/// One library file and what became of it.
pub struct PluginRecord {
    pub path: PathBuf,
    pub origin: &'static str,
    pub status: Status,
    /// From the manifest, the plain namespace symbol, or the file name, in that order.
    pub namespace: Option<String>,
    pub manifest: Option<Manifest>,
    pub module: Option<PluginModRef>,
    /// Why it is not `ok` (one line).
    pub reason: Option<String>,
    /// Long details for `-vv`.
    pub detail: Option<String>,
}

/// How to load.
pub struct LoadOptions<'a> {
    pub allow_insecure: bool,
    pub reserved: Reserved<'a>,
}

/// A line to print on stderr about a plugin.
pub struct Warning {
    pub line: String,
    pub detail: Option<String>,
}

#[derive(Default)]
pub struct Registry {
    pub records: Vec<PluginRecord>,
    pub search_path: Vec<SearchDir>,
}

impl Registry {
    /// Loads every library on the search path; the first to claim a namespace wins.
    pub fn discover(search_path: Vec<SearchDir>, options: &LoadOptions<'_>) -> (Registry, Vec<Warning>) {
        let mut registry = Registry { records: Vec::new(), search_path };
        let mut warnings = Vec::new();
        let files: Vec<(PathBuf, &'static str)> = registry
            .search_path
            .iter()
            .flat_map(|dir| discovery::library_files(&dir.path).into_iter().map(move |f| (f, dir.origin)))
            .collect();
        for (path, origin) in files {
            let record = load_one(&path, origin, options, &registry, &mut warnings);
            registry.records.push(record);
        }
        (registry, warnings)
    }

    /// Loaded plugins, in search-path order.
    pub fn active(&self) -> impl Iterator<Item = (&PluginRecord, &Manifest)> {
        self.records
            .iter()
            .filter(|r| r.status == Status::Ok)
            .filter_map(|r| r.manifest.as_ref().map(|m| (r, m)))
    }

    pub fn plugin(&self, namespace: &str) -> Option<(&PluginRecord, &Manifest)> {
        self.active().find(|(_, m)| m.namespace == namespace)
    }

    /// A library that seems to serve `namespace` but could not be used.
    pub fn failed(&self, namespace: &str) -> Option<&PluginRecord> {
        self.records
            .iter()
            .filter(|r| matches!(r.status, Status::Incompatible | Status::Invalid | Status::Insecure))
            .find(|r| r.namespace.as_deref() == Some(namespace) || file_name_names(&r.path, namespace))
    }

    /// Every record that serves `namespace`, any status.
    pub fn all_for(&self, namespace: &str) -> impl Iterator<Item = &PluginRecord> {
        self.records.iter().filter(move |r| r.namespace.as_deref() == Some(namespace))
    }
}

/// Whether a library's file name ends in the namespace (`libstatusctl_test_boom.so` → `boom`).
fn file_name_names(path: &Path, namespace: &str) -> bool {
    discovery::namespace_from_file_name(path)
        .is_some_and(|stem| stem == namespace || stem.ends_with(&format!("_{namespace}")))
}

/// Whether a plugin found in `winner_origin` quietly takes a namespace from one found later
/// in `loser_origin`: only a directory named with `--plugin-dir` does so, and only over the
/// other levels of the search path (two files within one level are a real duplicate).
fn shadows(winner_origin: &str, loser_origin: &str) -> bool {
    winner_origin == discovery::FLAG_ORIGIN && loser_origin != discovery::FLAG_ORIGIN
}

fn load_one(
    path: &Path,
    origin: &'static str,
    options: &LoadOptions<'_>,
    registry: &Registry,
    warnings: &mut Vec<Warning>,
) -> PluginRecord {
    let mut record = PluginRecord {
        path: path.to_path_buf(),
        origin,
        status: Status::Ok,
        namespace: None,
        manifest: None,
        module: None,
        reason: None,
        detail: None,
    };
    match security::check(path) {
        Verdict::Safe => {}
        Verdict::Warn(why) => {
            warnings.push(Warning { line: format!("plugin {}: {why}", path.display()), detail: None })
        }
        Verdict::Insecure(why) if options.allow_insecure => warnings.push(Warning {
            line: format!("plugin {}: {why}; loading it anyway (--allow-insecure-plugins)", path.display()),
            detail: None,
        }),
        Verdict::Insecure(why) => {
            record.status = Status::Insecure;
            record.namespace = discovery::namespace_from_file_name(path);
            warnings.push(Warning {
                line: format!(
                    "skipped plugin {}: {why} (fix its permissions, or pass --allow-insecure-plugins)",
                    path.display()
                ),
                detail: None,
            });
            record.reason = Some(why);
            return record;
        }
    }
    match loader::load(path, &options.reserved) {
        Ok(loaded) => {
            let namespace = loaded.manifest.namespace.clone();
            if let Some((winner, _)) = registry.plugin(&namespace) {
                if shadows(winner.origin, origin) {
                    // The user named the directory to use: that is a choice, not a mistake.
                    let dir = winner.path.parent().unwrap_or(Path::new("."));
                    tracing::debug!(
                        "{namespace} from {} shadows the one at {}",
                        dir.display(),
                        path.display()
                    );
                    record.status = Status::Shadowed;
                    record.reason = Some(format!(
                        "namespace `{namespace}` is served by {} (--plugin-dir)",
                        winner.path.display()
                    ));
                } else {
                    let why =
                        format!("namespace `{namespace}` is already provided by {}", winner.path.display());
                    warnings.push(Warning {
                        line: format!(
                            "skipped plugin {}: {why}, which comes first in the search path",
                            path.display()
                        ),
                        detail: None,
                    });
                    record.status = Status::Duplicate;
                    record.reason = Some(why);
                }
            } else {
                record.module = Some(loaded.module);
            }
            record.namespace = Some(namespace);
            record.manifest = Some(loaded.manifest);
        }
        Err(err) => {
            record.status = if err.incompatible { Status::Incompatible } else { Status::Invalid };
            record.namespace =
                loader::namespace_symbol(path).or_else(|| discovery::namespace_from_file_name(path));
            warnings.push(Warning {
                line: format!("skipped plugin {}: {}", path.display(), err.reason),
                detail: err.detail.clone(),
            });
            record.reason = Some(err.reason);
            record.detail = err.detail;
        }
    }
    record
}
