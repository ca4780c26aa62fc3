//! Each argument's value: what the command line gave (read from clap's matches), completed
//! by the one resolution function of the SDK (environment, profile, default).

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde_json::{Map, Value};
use statusctl_plugin_api::resolve::{self, Inputs, ResolvedArgs};
use statusctl_plugin_api::{ArgDecl, ArgKind, CommandDecl, ValueType};

use crate::error::HostError;

pub fn resolve(
    decl: &CommandDecl,
    matches: &ArgMatches,
    inputs: &dyn Inputs,
) -> Result<ResolvedArgs, HostError> {
    let given: Map<String, Value> = decl
        .args
        .iter()
        .filter(|arg| matches.value_source(&arg.id) == Some(ValueSource::CommandLine))
        .map(|arg| (arg.id.clone(), from_matches(arg, matches)))
        .collect();
    resolve::resolve_args(decl, &given, inputs).map_err(HostError::Plugin)
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
