use clap::{Arg, ArgMatches, Command};
use serde_json::json;
use statusctl_plugin_api::Output;

use super::Context;
use crate::error::HostError;

pub fn command() -> Command {
    Command::new("remove")
        .about("Remove a plugin from the user plugin dir")
        .arg(Arg::new("namespace").required(true).value_name("NAMESPACE"))
}

pub fn run(m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let ns = m
        .get_one::<String>("namespace")
        .map(|s| s.trim_end_matches(':').replace('-', "_"))
        .unwrap_or_default();
    let records: Vec<_> = cx.registry.all_for(&ns).collect();
    if records.is_empty() {
        return Err(HostError::Usage(format!(
            "no plugin provides the namespace `{ns}` (see `{} plugins list`)",
            cx.identity.name
        )));
    }
    let in_user_dir: Vec<_> = records
        .iter()
        .filter(|r| cx.user_plugin_dir.is_some_and(|d| r.path.parent() == Some(d.as_path())))
        .collect();
    if in_user_dir.is_empty() {
        let places: Vec<String> = records.iter().map(|r| r.path.display().to_string()).collect();
        return Err(HostError::Failed(format!(
            "`{ns}` is not in the user plugin dir, so it was not installed with `plugins install`: it comes from {}",
            places.join(", ")
        )));
    }
    let mut text = String::new();
    let mut removed = Vec::new();
    for record in in_user_dir {
        std::fs::remove_file(&record.path).map_err(|e| HostError::io(&record.path, e))?;
        let what = record
            .manifest
            .as_ref()
            .map(|m| format!("{} {}", m.name, m.version))
            .unwrap_or_else(|| "plugin".into());
        text.push_str(&format!("removed {what} (namespace `{ns}`): {}\n", record.path.display()));
        removed.push(record.path.clone());
    }
    Ok(Output { data: json!({"removed": removed, "namespace": ns}), text: Some(text) })
}
