use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Command, ValueHint, value_parser};
use serde_json::json;
use statusctl_plugin_api::Output;

use super::Context;
use crate::error::HostError;
use crate::loader;
use crate::registry::Status;

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
}

pub fn run(m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let file = m.get_one::<PathBuf>("file").cloned().unwrap_or_default();
    let force = m.get_flag("force");
    let Some(dir) = cx.user_plugin_dir else {
        return Err(HostError::Config("no user plugin dir (set HOME or XDG_DATA_HOME)".into()));
    };
    if !file.is_file() {
        return Err(HostError::Usage(format!("{}: no such file", file.display())));
    }
    let loaded = loader::load(&file, cx.reserved).map_err(|err| HostError::PluginUnavailable {
        namespace: loader::namespace_symbol(&file).unwrap_or_else(|| "?".into()),
        path: file.clone(),
        reason: err.reason,
    })?;
    let manifest = loaded.manifest;
    let ns = &manifest.namespace;
    let holders: Vec<_> =
        cx.registry.all_for(ns).filter(|r| matches!(r.status, Status::Ok | Status::Duplicate)).collect();
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
    let file_name = file.file_name().ok_or_else(|| HostError::Usage("FILE has no file name".into()))?;
    let target = dir.join(file_name);
    crate::fs_atomic::copy(&file, &target, 0o755).map_err(|e| HostError::io(&target, e))?;
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
