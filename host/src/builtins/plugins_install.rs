use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, ArgMatches, Command, ValueHint, value_parser};
use serde_json::json;
use statusctl_plugin_api::Output;

use super::Context;
use crate::discovery;
use crate::error::HostError;
use crate::loader;
use crate::registry::Status;
use crate::security::{self, Verdict};

pub fn command() -> Command {
    Command::new("install")
        .about("Check a plugin library and copy it into the user plugin dir")
        .arg(
            Arg::new("file")
                .required(true)
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .value_hint(ValueHint::FilePath),
        )
        .arg(
            Arg::new("force")
                .long("force")
                .action(ArgAction::SetTrue)
                .help("Replace an installed version of the same plugin"),
        )
        .arg(
            Arg::new("allow_insecure_plugins")
                .long("allow-insecure-plugins")
                .action(ArgAction::SetTrue)
                .help("Install FILE even if others could have changed it (or its directory)"),
        )
}

pub fn run(m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let file = m.get_one::<PathBuf>("file").cloned().unwrap_or_default();
    let force = m.get_flag("force");
    let allow_insecure = m.get_flag("allow_insecure_plugins") || cx.globals.allow_insecure_plugins;
    let Some(dir) = cx.user_plugin_dir else {
        return Err(HostError::Config("no user plugin dir (set HOME or XDG_DATA_HOME)".into()));
    };
    match std::fs::metadata(&file) {
        Ok(meta) if meta.is_dir() => {
            return Err(HostError::Usage(format!("{}: a directory, not a plugin library", file.display())));
        }
        Ok(_) => {}
        Err(_) => return Err(HostError::Usage(format!("{}: no such file", file.display()))),
    }
    // Installed under the same name: a name discovery skips would install a plugin that
    // never loads.
    if !discovery::is_library_name(&file) {
        return Err(HostError::Usage(format!(
            "{}: not installed: {} loads only plugin libraries named `*.{}` (not hidden), so it would never load this file",
            file.display(),
            cx.identity.name,
            std::env::consts::DLL_EXTENSION
        )));
    }
    let file_name = file.file_name().ok_or_else(|| HostError::Usage("FILE has no file name".into()))?;
    let target = dir.join(file_name);
    let source = std::fs::File::open(&file).map_err(|e| HostError::io(&file, e))?;
    // A file others could have written is refused as discovery would refuse to load it (the
    // same rule, the same override), judged on the file opened: the one whose bytes are
    // copied. Nothing is loaded, so none of its code runs.
    match security::check_open(&file, &source) {
        Verdict::Safe => {}
        Verdict::Warn(why) => tracing::warn!("plugin {}: {why}", file.display()),
        Verdict::Insecure(why) if allow_insecure => tracing::warn!(
            "plugin {}: {why}; installing it anyway (--allow-insecure-plugins)",
            file.display()
        ),
        Verdict::Insecure(why) => {
            return Err(HostError::PluginUnavailable {
                namespace: discovery::namespace_from_file_name(&file).unwrap_or_else(|| "?".into()),
                path: file.clone(),
                reason: format!(
                    "not installed: {why} (fix its permissions, or pass --allow-insecure-plugins)"
                ),
            });
        }
    }
    // The bytes checked are the bytes installed: the source is read once into a private
    // file next to the target, that copy is loaded and checked, then renamed into place.
    let staged = Staged::copy_from(source, &file, dir)?;
    // The same load and manifest check as discovery (`loader::load`), on the copy.
    let loaded = loader::load(&staged.path, cx.reserved).map_err(|err| HostError::PluginUnavailable {
        namespace: loader::namespace_symbol(&staged.path).unwrap_or_else(|| "?".into()),
        path: file.clone(),
        reason: err.reason,
    })?;
    let manifest = loaded.manifest;
    let ns = &manifest.namespace;
    let holders: Vec<_> = cx
        .registry
        .all_for(ns)
        .filter(|r| matches!(r.status, Status::Ok | Status::Duplicate | Status::Shadowed))
        .collect();
    let mut replaced = Vec::new();
    for holder in &holders {
        let other = holder.manifest.as_ref().expect("loaded records have manifests");
        if other.name != manifest.name {
            return Err(HostError::Failed(format!(
                "namespace `{ns}` is already provided by plugin {} {} ({}); remove it first",
                other.name,
                other.version,
                holder.path.display()
            )));
        }
        if !force {
            return Err(HostError::Failed(format!(
                "plugin {} {} is already installed ({}); use --force to replace it with {}",
                other.name,
                other.version,
                holder.path.display(),
                manifest.version
            )));
        }
        replaced.push(holder);
    }
    staged.install_as(&target, 0o755)?;
    // An older copy under another file name in the user dir would shadow or duplicate it.
    for old in replaced.iter().filter(|r| r.path.parent() == Some(dir.as_path()) && r.path != target) {
        std::fs::remove_file(&old.path).map_err(|e| HostError::io(&old.path, e))?;
    }
    let mut text = format!(
        "installed {} {} (namespace `{ns}`) as {}\n",
        manifest.name,
        manifest.version,
        target.display()
    );
    for old in &replaced {
        let m = old.manifest.as_ref().expect("loaded records have manifests");
        if old.path.parent() == Some(dir.as_path()) {
            text.push_str(&format!("replaced {} {} ({})\n", m.name, m.version, old.path.display()));
        } else {
            text.push_str(&format!(
                "it now comes before {} {} ({})\n",
                m.name,
                m.version,
                old.path.display()
            ));
        }
    }
    Ok(Output {
        data: json!({"installed": target, "namespace": ns, "name": manifest.name, "version": manifest.version}),
        text: Some(text),
    })
}

/// A private copy of the file being installed, in the destination directory (so the final
/// rename stays on one file system), hidden and with a name discovery skips, mode 0600 until
/// it is renamed into place. Removed if the install stops before that.
struct Staged {
    path: PathBuf,
    /// The destination directory, when this install created it (removed again if empty).
    created_dir: Option<PathBuf>,
    done: bool,
}

impl Staged {
    /// Reads `source` (opened from `from`) exactly once, into a new file in `dir`.
    fn copy_from(mut source: std::fs::File, from: &Path, dir: &Path) -> Result<Staged, HostError> {
        let created_dir = (!dir.exists()).then(|| dir.to_path_buf());
        std::fs::create_dir_all(dir).map_err(|e| HostError::io(dir, e))?;
        let name = from.file_name().and_then(|n| n.to_str()).unwrap_or("plugin");
        let (path, mut out) = create_private(dir, name).map_err(|e| HostError::io(dir, e))?;
        let staged = Staged { path, created_dir, done: false };
        std::io::copy(&mut source, &mut out).map_err(|e| HostError::io(from, e))?;
        out.sync_all().map_err(|e| HostError::io(&staged.path, e))?;
        Ok(staged)
    }

    /// Gives the checked copy its final mode and renames it to `target`.
    fn install_as(mut self, target: &Path, mode: u32) -> Result<(), HostError> {
        crate::fs_atomic::set_mode(&self.path, mode).map_err(|e| HostError::io(&self.path, e))?;
        std::fs::rename(&self.path, target).map_err(|e| HostError::io(target, e))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
            if let Some(dir) = &self.created_dir {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

/// Creates a new file only this user can read or write, under a fresh hidden name.
fn create_private(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    for attempt in 0..100u32 {
        let path = dir.join(format!(".{name}.install-{}-{nanos}-{attempt}", std::process::id()));
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free temporary file name"))
}
