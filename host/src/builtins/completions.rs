use clap::{Arg, ArgMatches, Command, value_parser};
use clap_complete::Shell;
use serde_json::json;
use statusctl_plugin_api::Output;

use super::Context;
use crate::error::HostError;

pub fn command() -> Command {
    Command::new("completions")
        .about("Print a shell completion script (plugin commands included)")
        .arg(Arg::new("shell").required(true).value_name("SHELL").value_parser(value_parser!(Shell)))
}

pub fn run(m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let shell = *m.get_one::<Shell>("shell").expect("required");
    let mut tree = (cx.full_tree)();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut tree, cx.identity.name.clone(), &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    Ok(Output { data: json!({"shell": shell.to_string(), "script": script}), text: Some(script) })
}
