use clap::{Arg, ArgMatches, Command};
use serde_json::json;
use statusctl_plugin_api::{ArgKind, Output};

use super::Context;
use crate::error::HostError;

pub fn command() -> Command {
    Command::new("info")
        .about("A plugin's manifest: its commands and their flags")
        .arg(Arg::new("namespace").required(true).value_name("NAMESPACE"))
}

pub fn run(m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let wanted = m
        .get_one::<String>("namespace")
        .map(|s| s.trim_end_matches(':').replace('-', "_"))
        .unwrap_or_default();
    let Some((record, manifest)) = cx.registry.plugin(&wanted) else {
        if let Some(failed) = cx.registry.failed(&wanted) {
            return Err(HostError::PluginUnavailable {
                namespace: wanted,
                path: failed.path.clone(),
                reason: failed.reason.clone().unwrap_or_default(),
            });
        }
        return Err(HostError::Usage(format!(
            "no plugin provides the namespace `{wanted}` (see `{} plugins list`)",
            cx.identity.name
        )));
    };
    let mut text = format!("{} — {}\n", manifest.namespace, manifest.description);
    text.push_str(&format!(
        "plugin: {} {} (plugin-api {})\npath: {}\n",
        manifest.name,
        manifest.version,
        manifest.api_version,
        record.path.display()
    ));
    for note in &manifest.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    for cmd in &manifest.commands {
        text.push_str(&format!("\n{}:{} — {}\n", manifest.namespace, cmd.name, cmd.about));
        for arg in cmd.args.iter().filter(|a| !a.hidden) {
            let mut spell = arg.spellings().join(", ");
            if arg.kind == ArgKind::Positional {
                spell = format!("<{}>", arg.value_name.clone().unwrap_or_else(|| arg.id.to_uppercase()));
            }
            let mut extra = Vec::new();
            if arg.required {
                extra.push("required".to_string());
            }
            if !arg.choices.is_empty() {
                extra.push(format!("one of: {}", arg.choices.join(", ")));
            }
            if let Some(d) = &arg.default {
                extra.push(format!("default: {d}"));
            }
            if let Some(e) = &arg.env {
                extra.push(format!("env: {e}"));
            }
            let mut line = format!("  {spell}");
            if !arg.help.is_empty() {
                line.push_str(&format!("  {}", arg.help));
            }
            if !extra.is_empty() {
                line.push_str(&format!(" [{}]", extra.join("; ")));
            }
            text.push_str(&line);
            text.push('\n');
        }
    }
    let data = json!({
        "path": record.path,
        "status": record.status.as_str(),
        "manifest": manifest,
    });
    Ok(Output { data, text: Some(text) })
}
