use std::collections::BTreeMap;

use clap::{ArgMatches, Command};
use serde_json::{Value, json};
use statusctl_plugin_api::Output;

use super::Context;
use crate::error::HostError;
use crate::services::redact::MASK;

pub fn command() -> Command {
    Command::new("show").about("Print the effective settings and where each comes from (secrets masked)")
}

/// One setting: value (masked when secret) and its source.
struct Setting {
    value: String,
    source: String,
}

pub fn run(_m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let crate::settings::Settings { config, profile: active } = cx.settings()?;

    let mut namespaces: BTreeMap<String, BTreeMap<String, Setting>> = BTreeMap::new();
    for (_, manifest) in cx.registry.active() {
        let settings =
            active.as_ref().map(|p| config.settings(&p.name, &manifest.namespace)).unwrap_or_default();
        let entry = namespaces.entry(manifest.namespace.clone()).or_default();
        for arg in manifest.commands.iter().flat_map(|c| &c.args) {
            if entry.contains_key(&arg.id) {
                continue;
            }
            let shown = |raw: String| if arg.secret { MASK.to_string() } else { raw };
            let from_env = arg
                .env
                .as_ref()
                .and_then(|var| cx.env.get_with_source(var).map(|(v, s)| (v, cx.env.describe(var, s))));
            let setting = if let Some((value, source)) = from_env {
                Some(Setting { value: shown(value), source })
            } else if let (true, Some(value), Some(p)) = (arg.from_profile, settings.get(&arg.id), &active) {
                Some(Setting { value: shown(plain(value)), source: format!("profile `{}`", p.name) })
            } else {
                arg.default
                    .clone()
                    .filter(|_| arg.env.is_some() || arg.from_profile)
                    .map(|d| Setting { value: d, source: "default".into() })
            };
            if let Some(setting) = setting {
                entry.insert(arg.id.clone(), setting);
            }
        }
        // Keys the profile holds that no argument declares (still passed to the plugin).
        for (key, value) in settings {
            entry.entry(key.clone()).or_insert_with(|| {
                let secretish = ["token", "secret", "password", "key"].iter().any(|w| key.contains(w));
                Setting {
                    value: if secretish { MASK.into() } else { plain(&value) },
                    source: format!("profile `{}`", active.as_ref().map_or("", |p| p.name.as_str())),
                }
            });
        }
    }

    let mut text = format!(
        "config file: {} ({})\n",
        config.path_text(),
        if config.exists { "read" } else { "not found" }
    );
    match &active {
        Some(p) => text.push_str(&format!("profile: {} (from {})\n", p.name, p.source)),
        None => text.push_str("profile: none\n"),
    }
    text.push_str("plugin search path:\n");
    for dir in &cx.registry.search_path {
        text.push_str(&format!("  {} ({})\n", dir.path.display(), dir.origin));
    }
    let mut data_ns = serde_json::Map::new();
    for (ns, settings) in &namespaces {
        text.push_str(&format!("{ns}:\n"));
        if settings.is_empty() {
            text.push_str("  (nothing set)\n");
        }
        let mut obj = serde_json::Map::new();
        for (key, s) in settings {
            text.push_str(&format!("  {key} = {}  ({})\n", s.value, s.source));
            obj.insert(key.clone(), json!({"value": s.value, "source": s.source}));
        }
        data_ns.insert(ns.clone(), Value::Object(obj));
    }
    let data = json!({
        "config_file": config.path,
        "config_file_exists": config.exists,
        "profile": active.as_ref().map(|p| json!({"name": p.name, "source": p.source})),
        "plugin_search_path": cx.registry.search_path.iter().map(|d| json!({"path": d.path, "origin": d.origin})).collect::<Vec<_>>(),
        "settings": data_ns,
    });
    Ok(Output { data, text: Some(text) })
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
