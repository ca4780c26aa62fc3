//! Each argument's value: the command line, then the environment (`.env` included), then
//! the active profile, then the declared default.

use std::collections::BTreeMap;

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde_json::{Map, Value};
use statusctl_plugin_api::{ArgDecl, ArgKind, CommandDecl, ValueType};

use crate::error::HostError;
use crate::services::env::EnvView;

/// The resolved values and the long flag of each argument (for messages).
pub struct Resolved {
    pub args: Map<String, Value>,
    /// Where each value came from, for messages: the long flag when it came from the command
    /// line or the default, else the variable (`env X`, `X in ./.env`) or the profile key.
    pub flag_names: BTreeMap<String, String>,
    /// Values of arguments declared secret.
    pub secrets: Vec<String>,
}

pub fn resolve(
    decl: &CommandDecl,
    matches: &ArgMatches,
    env: &EnvView,
    settings: &Map<String, Value>,
) -> Result<Resolved, HostError> {
    let mut out = Resolved { args: Map::new(), flag_names: BTreeMap::new(), secrets: Vec::new() };
    for arg in &decl.args {
        let flag = display_name(arg);
        let mut came_from = flag.clone();
        let from_cli = matches.value_source(&arg.id) == Some(ValueSource::CommandLine);
        let value = if from_cli {
            Some(from_matches(arg, matches))
        } else if let Some((raw, source)) =
            arg.env.as_ref().and_then(|v| env.get_with_source(v).map(|(x, s)| (x, env.describe(v, s))))
        {
            let value = parse_text(arg, &raw, &flag, &source)?;
            came_from = source;
            Some(value)
        } else if let Some(raw) = settings.get(&arg.id).filter(|_| arg.from_profile) {
            came_from = format!("profile key `{}`", arg.id);
            Some(from_profile(arg, raw, &flag)?)
        } else if matches.value_source(&arg.id) == Some(ValueSource::DefaultValue) {
            Some(from_matches(arg, matches))
        } else {
            None
        };
        out.flag_names.insert(arg.id.clone(), came_from);
        match value {
            Some(Value::Bool(false)) | None => {
                if arg.required && arg.kind != ArgKind::Flag {
                    return Err(HostError::Usage(missing(arg, &flag)));
                }
            }
            Some(v) => {
                if arg.secret {
                    collect_strings(&v, &mut out.secrets);
                }
                out.args.insert(arg.id.clone(), v);
            }
        }
    }
    Ok(out)
}

fn display_name(arg: &ArgDecl) -> String {
    match arg.long_name() {
        Some(long) => format!("--{long}"),
        None => format!("<{}>", arg.value_name.clone().unwrap_or_else(|| arg.id.to_uppercase())),
    }
}

fn missing(arg: &ArgDecl, flag: &str) -> String {
    let mut where_else = Vec::new();
    if let Some(env) = &arg.env {
        where_else.push(format!("env {env}"));
    }
    if arg.from_profile {
        where_else.push(format!("profile key `{}`", arg.id));
    }
    let mut msg = format!("the required argument {flag} was not provided");
    if !where_else.is_empty() {
        msg.push_str(&format!(" (nor {})", where_else.join(" or ")));
    }
    msg
}

fn from_matches(arg: &ArgDecl, m: &ArgMatches) -> Value {
    let int = arg.value_type == ValueType::Integer && arg.choices.is_empty();
    match arg.kind {
        ArgKind::Flag => Value::Bool(m.get_flag(&arg.id)),
        ArgKind::List if int => {
            Value::Array(m.get_many::<i64>(&arg.id).into_iter().flatten().map(|i| Value::from(*i)).collect())
        }
        ArgKind::List => Value::Array(
            m.get_many::<String>(&arg.id).into_iter().flatten().map(|s| Value::from(s.as_str())).collect(),
        ),
        _ if int => m.get_one::<i64>(&arg.id).map_or(Value::Null, |i| Value::from(*i)),
        _ => m.get_one::<String>(&arg.id).map_or(Value::Null, |s| Value::from(s.as_str())),
    }
}

/// A value from the environment: text, checked like the command line would check it.
fn parse_text(arg: &ArgDecl, raw: &str, flag: &str, source: &str) -> Result<Value, HostError> {
    match arg.kind {
        ArgKind::Flag => match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Value::Bool(true)),
            "" | "0" | "false" | "no" | "off" => Ok(Value::Bool(false)),
            _ => Err(bad(flag, &shown(arg, raw), source, "expected true or false")),
        },
        ArgKind::List => raw
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| scalar(arg, item, flag, source))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        _ => scalar(arg, raw, flag, source),
    }
}

fn from_profile(arg: &ArgDecl, raw: &Value, flag: &str) -> Result<Value, HostError> {
    let source = format!("profile key `{}`", arg.id);
    match (arg.kind, raw) {
        (ArgKind::Flag, Value::Bool(_)) => Ok(raw.clone()),
        (ArgKind::List, Value::Array(items)) => items
            .iter()
            .map(|item| scalar(arg, &plain(item), flag, &source))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        (ArgKind::Flag, _) => Err(bad(flag, &shown(arg, &plain(raw)), &source, "expected true or false")),
        _ => parse_text(arg, &plain(raw), flag, &source),
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn scalar(arg: &ArgDecl, raw: &str, flag: &str, source: &str) -> Result<Value, HostError> {
    if !arg.choices.is_empty() && !arg.choices.iter().any(|c| c == raw) {
        return Err(bad(
            flag,
            &shown(arg, raw),
            source,
            &format!("possible values: {}", arg.choices.join(", ")),
        ));
    }
    match arg.value_type {
        ValueType::Integer if arg.choices.is_empty() => raw
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| bad(flag, &shown(arg, raw), source, "expected a whole number")),
        _ => Ok(Value::from(raw)),
    }
}

/// A secret's value never appears in a message.
fn shown(arg: &ArgDecl, raw: &str) -> String {
    if arg.secret { crate::services::redact::MASK.to_string() } else { raw.to_string() }
}

fn bad(flag: &str, raw: &str, source: &str, why: &str) -> HostError {
    HostError::Usage(format!("invalid value '{raw}' for {flag} (from {source}): {why}"))
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}
