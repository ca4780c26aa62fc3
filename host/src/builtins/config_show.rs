use std::collections::BTreeMap;

use clap::{ArgMatches, Command};
use serde_json::{Map, Value, json};
use statusctl_plugin_api::resolve;
use statusctl_plugin_api::{ArgDecl, CommandDecl, Output};

use super::Context;
use crate::error::HostError;
use crate::services::inputs::HostInputs;
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
        let inputs = HostInputs {
            env: cx.env,
            profile: active.as_ref().map(|p| (p.name.as_str(), &settings)),
            store: cx.store,
        };
        for arg in manifest.commands.iter().flat_map(|c| &c.args) {
            if entry.contains_key(&arg.id) || (arg.env.is_none() && !arg.from_profile) {
                continue;
            }
            // The one resolution function, on this argument alone and with nothing given on
            // the command line: what a command would get, and from where.
            let alone = CommandDecl::new("show", "").arg(ArgDecl { required: false, ..arg.clone() });
            let resolved = match resolve::resolve_args(&alone, &Map::new(), &inputs) {
                Ok(resolved) => resolved,
                Err(err) => {
                    entry.insert(arg.id.clone(), Setting { value: "(invalid)".into(), source: err.message });
                    continue;
                }
            };
            if let (Some(value), Some(source)) = (resolved.values.get(&arg.id), resolved.sources.get(&arg.id))
            {
                let value = if arg.secret { MASK.to_string() } else { plain(value) };
                entry.insert(arg.id.clone(), Setting { value, source: source.to_string() });
            }
        }
        // Keys the profile holds that no argument declares (still passed to the plugin).
        for (key, value) in settings {
            entry.entry(key.clone()).or_insert_with(|| {
                let secretish = ["token", "secret", "password", "key"].iter().any(|w| key.contains(w));
                Setting {
                    value: if secretish { MASK.into() } else { plain(&value) },
                    source: format!("profile {}, key {key}", active.as_ref().map_or("", |p| p.name.as_str())),
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
