//! What the command line gave each argument, read from clap's matches; the engine completes
//! it with the SDK's one resolution function (environment, profile, default).

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde_json::{Map, Value};
use statusctl_plugin_api::{ArgDecl, ArgKind, CommandDecl, ValueType};

/// The values typed on the command line, by argument id (defaults and the environment are
/// the engine's to add).
pub fn given(decl: &CommandDecl, matches: &ArgMatches) -> Map<String, Value> {
    decl.args
        .iter()
        .filter(|arg| matches.value_source(&arg.id) == Some(ValueSource::CommandLine))
        .map(|arg| (arg.id.clone(), from_matches(arg, matches)))
        .collect()
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
