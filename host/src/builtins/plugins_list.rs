use clap::{ArgMatches, Command};
use serde_json::{Value, json};
use statusctl_plugin_api::Output;

use super::Context;
use crate::error::HostError;
use crate::registry::PluginRecord;

pub fn command() -> Command {
    Command::new("list").about("Every plugin library found, with its status and commands")
}

pub fn run(_m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let data: Vec<Value> = cx.registry.records.iter().map(record_json).collect();
    let mut text = String::new();
    if cx.registry.records.is_empty() {
        text.push_str("no plugins found\n");
    }
    for record in &cx.registry.records {
        let ns = record.namespace.as_deref().unwrap_or("?");
        match &record.manifest {
            Some(m) => text.push_str(&format!(
                "{ns}  {} {}  plugin-api {}  {}\n",
                m.name,
                m.version,
                m.api_version,
                record.status.as_str()
            )),
            None => text.push_str(&format!("{ns}  {}\n", record.status.as_str())),
        }
        text.push_str(&format!("  path: {} ({})\n", record.path.display(), record.origin));
        if let Some(reason) = &record.reason {
            text.push_str(&format!("  reason: {reason}\n"));
        }
        if let Some(m) = &record.manifest {
            let names: Vec<&str> = m.commands.iter().map(|c| c.name.as_str()).collect();
            text.push_str(&format!("  commands: {}\n", names.join(", ")));
        }
    }
    text.push_str("search path:\n");
    for dir in &cx.registry.search_path {
        text.push_str(&format!("  {} ({})\n", dir.path.display(), dir.origin));
    }
    Ok(Output { data: Value::Array(data), text: Some(text) })
}

fn record_json(record: &PluginRecord) -> Value {
    let m = record.manifest.as_ref();
    json!({
        "namespace": record.namespace,
        "name": m.map(|m| &m.name),
        "version": m.map(|m| &m.version),
        "api_version": m.map(|m| &m.api_version),
        "path": record.path,
        "origin": record.origin,
        "status": record.status.as_str(),
        "reason": record.reason,
        "commands": m.map(|m| m.commands.iter().map(|c| format!("{}:{}", m.namespace, c.name)).collect::<Vec<_>>()).unwrap_or_default(),
    })
}
