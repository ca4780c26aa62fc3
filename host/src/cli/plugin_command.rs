//! A plugin's declarations as clap commands: help, validation and completion come from
//! the data; the plugin never sees argv.

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, Command, ValueHint, value_parser};
use statusctl_plugin_api::{ArgDecl, ArgKind, CommandDecl, Effect, Manifest, ValueType};

/// Whether argv names `namespace:command` (in either spelling) anywhere.
pub fn named_in(manifest: &Manifest, decl: &CommandDecl, argv: &[String]) -> bool {
    argv.iter().any(|word| {
        word.split_once(':').is_some_and(|(ns, name)| {
            ns.replace('-', "_") == manifest.namespace && name.replace('-', "_") == decl.name
        })
    })
}

/// The command by name only, hidden: enough for listing, routing and did-you-mean.
pub fn name_only(manifest: &Manifest, decl: &CommandDecl) -> Command {
    let cmd = Command::new(format!("{}:{}", manifest.namespace, decl.name)).hide(true);
    let dashed = decl.name.replace('_', "-");
    if dashed != decl.name { cmd.alias(format!("{}:{dashed}", manifest.namespace)) } else { cmd }
}

/// The clap command for `namespace:command`. Completion scripts offer hidden commands (they
/// are hidden only from the root listing) but never hidden arguments.
pub fn command(manifest: &Manifest, decl: &CommandDecl, for_completion: bool) -> Command {
    let mut cmd = name_only(manifest, decl).about(decl.about.clone());
    if let Some(long) = &decl.long_about {
        cmd = cmd.long_about(long.clone());
    }
    let mut after = Vec::new();
    match decl.effect {
        Some(Effect::Destroys) => {
            after.push("Deletes something at the provider; --dry-run shows the requests instead.".to_string())
        }
        Some(Effect::Changes) => {
            after.push("Changes something at the provider; --dry-run shows the requests instead.".to_string())
        }
        // Plugins built before effects were declared say `mutating`.
        None if decl.mutating => {
            after.push("Changes something at the provider; --dry-run shows the requests instead.".to_string())
        }
        _ => {}
    }
    if !decl.examples.is_empty() {
        after.push(format!(
            "Examples:\n{}",
            decl.examples.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n")
        ));
    }
    if !after.is_empty() {
        cmd = cmd.after_help(after.join("\n\n") + "\n");
    }
    cmd.args(decl.args.iter().filter(|a| !(for_completion && a.hidden)).map(arg))
}

fn arg(decl: &ArgDecl) -> Arg {
    let mut arg = Arg::new(decl.id.clone());
    if let Some(long) = decl.long_name() {
        arg = arg.long(long);
    }
    if let Some(short) = decl.short {
        arg = arg.short(short);
    }
    for alias in &decl.long_aliases {
        arg = arg.visible_alias(alias.clone());
    }
    arg = match decl.kind {
        ArgKind::Flag => arg.action(ArgAction::SetTrue),
        ArgKind::Value | ArgKind::Positional => arg.action(ArgAction::Set).num_args(1),
        ArgKind::List => arg.action(ArgAction::Append).num_args(1..),
    };
    if decl.kind != ArgKind::Flag {
        if !decl.choices.is_empty() {
            arg = arg.value_parser(PossibleValuesParser::new(decl.choices.clone()));
        } else {
            arg = match decl.value_type {
                ValueType::Integer => arg.value_parser(value_parser!(i64)),
                ValueType::Path => arg.value_hint(ValueHint::FilePath),
                ValueType::String => arg,
            };
        }
        arg = arg.value_name(decl.value_name.clone().unwrap_or_else(|| decl.id.to_uppercase()));
        if let Some(default) = &decl.default {
            arg = arg.default_value(default.clone());
        }
    }
    // Values the environment or a profile may supply are checked after resolution.
    let elsewhere = decl.env.is_some() || decl.from_profile;
    arg = arg.required(decl.required && !elsewhere);
    arg = arg.conflicts_with_all(decl.conflicts_with.clone());
    if decl.hidden {
        arg = arg.hide(true);
    }
    if decl.secret {
        arg = arg.hide_default_value(true);
    }
    arg.help(help_text(decl))
}

fn help_text(decl: &ArgDecl) -> String {
    let mut help = decl.help.clone();
    let mut notes = Vec::new();
    if !decl.dash_aliases.is_empty() {
        notes.push(format!(
            "also: {}",
            decl.dash_aliases.iter().map(|d| format!("-{d}")).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(env) = &decl.env {
        notes.push(format!("env: {env}"));
    }
    if decl.from_profile {
        notes.push(format!("profile key: {}", decl.id));
    }
    if decl.kind == ArgKind::List {
        notes.push("one or more; repeatable".into());
    }
    if !notes.is_empty() {
        if !help.is_empty() {
            help.push(' ');
        }
        help.push_str(&format!("[{}]", notes.join("; ")));
    }
    help
}
